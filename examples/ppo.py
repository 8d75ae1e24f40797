"""PPO (Stable-Baselines3) on the native vector env, scored like `mousesim eval`.

    pip install -e ".[gym,rl]"
    python examples/ppo.py configs/no_predator.yaml --steps 1000000 --checkpoints 100000 \\
        --out results/ppo_no_predator

Trains one PPO agent on `num_envs` worlds stepped in one jitted call (a new procedural map at
every episode, seeds --seed, --seed + 1, ...), saving it at each checkpoint step count. Each
saved agent then plays --episodes episodes on each evaluation seed 0..--eval-seeds - 1, in the
world `mousesim eval` builds from that seed (the same map for every episode of that seed),
actions deterministic (argmax, as SB3's evaluate_policy) unless --stochastic. The table has
`mousesim eval`'s metrics: mean [95% t interval] over evaluation seeds.
"""

from __future__ import annotations

import argparse
import json
import sys
import time
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parents[1]


def parse_args(argv: list[str] | None) -> argparse.Namespace:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawTextHelpFormatter)
    ap.add_argument("config", nargs="?", help="YAML config (default: the built-in default)")
    ap.add_argument(
        "--set",
        action="append",
        default=[],
        metavar="KEY=VALUE",
        help="override a config key, as in mousesim run (repeatable)",
    )
    ap.add_argument("--steps", type=int, default=100_000, help="training env steps")
    ap.add_argument("--checkpoints", default="", help="also evaluate at these step counts")
    ap.add_argument("--envs", type=int, default=16, help="worlds in the vector env")
    ap.add_argument("--seed", type=int, default=0, help="training seed")
    ap.add_argument("--eval-seeds", type=int, default=5, help="evaluation seeds 0..N-1")
    ap.add_argument("--episodes", type=int, default=200, help="evaluation episodes per seed")
    ap.add_argument("--stochastic", action="store_true", help="sample actions in evaluation")
    ap.add_argument("--out", type=Path, help="write summary.json and table.md here")
    args = ap.parse_args(argv)
    try:
        args.checkpoints = sorted({int(c) for c in args.checkpoints.split(",") if c.strip()})
    except ValueError:
        ap.error(f"--checkpoints: comma-separated step counts, got {args.checkpoints!r}")
    if args.steps < 1 or args.envs < 1 or args.eval_seeds < 1 or args.episodes < 1:
        ap.error("--steps, --envs, --eval-seeds and --episodes must be positive")
    return args


def evaluate(model, cfg, seeds: int, episodes: int, deterministic: bool) -> list[dict]:
    """Per-seed rows of `mousesim eval`'s metrics; the seeds' envs step in lockstep so the
    policy runs one batched forward pass per step."""
    from mousesim.evaluate.evaluate import DEFAULT_CATCH_WEIGHT
    from mousesim.evaluate.stats import episode_metrics
    from mousesim.gym import MouseSimEnv

    envs = [MouseSimEnv(cfg, new_maps=False) for _ in range(seeds)]
    obs = np.stack([env.reset(seed=s)[0] for s, env in enumerate(envs)])
    rows: list[list[dict]] = [[] for _ in range(seeds)]
    live = list(range(seeds))
    while live:
        actions, _ = model.predict(obs[live], deterministic=deterministic)
        for j, s in enumerate(list(live)):
            o, _, terminated, truncated, info = envs[s].step(int(actions[j]))
            obs[s] = o
            if terminated or truncated:
                rows[s].append({k: info[k] for k in ("steps", "cheese", "caught")})
                if len(rows[s]) == episodes:
                    live.remove(s)
                else:
                    obs[s] = envs[s].reset()[0]
    return [
        {"policy": "ppo", "seed": s, **episode_metrics(r, DEFAULT_CATCH_WEIGHT)}
        for s, r in enumerate(rows)
    ]


def main(argv: list[str] | None = None) -> int:
    args = parse_args(argv)
    try:
        import torch
        from stable_baselines3 import PPO
        from stable_baselines3.common.callbacks import BaseCallback
        from stable_baselines3.common.vec_env import VecMonitor
    except ImportError:
        print("examples/ppo.py needs the rl extra: pip install -e '.[gym,rl]'", file=sys.stderr)
        return 2
    sys.path.insert(0, str(ROOT))
    from mousesim.evaluate.evaluate import summarize
    from mousesim.evaluate.report import markdown_table
    from mousesim.gym.sb3 import MouseSimSB3VecEnv
    from mousesim.io.atomic import write_text
    from mousesim.io.yaml_config import ConfigError, load_config, parse_override

    try:
        overrides = dict(parse_override(t) for t in args.set)
        cfg = load_config(Path(args.config) if args.config else None, overrides)
    except (ConfigError, OSError) as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
    torch.set_num_threads(1)  # small MLP: one thread is as fast and leaves the other cores
    venv = VecMonitor(MouseSimSB3VecEnv(args.envs, cfg, seed=args.seed))
    model = PPO(
        "MlpPolicy",
        venv,
        n_steps=256,
        batch_size=256,
        ent_coef=0.01,
        seed=args.seed,
        device="cpu",
        verbose=0,
    )
    marks = [c for c in args.checkpoints if c < args.steps] + [args.steps]
    snapshots: dict[int, bytes] = {}

    class Snapshot(BaseCallback):
        """Keep the policy's weights when training passes each checkpoint."""

        def _on_step(self) -> bool:
            for m in marks:
                if m not in snapshots and self.num_timesteps >= m:
                    snapshots[m] = {k: v.clone() for k, v in self.model.policy.state_dict().items()}
            return True

    t0 = time.perf_counter()
    model.learn(total_timesteps=args.steps, callback=Snapshot())
    train_s = time.perf_counter() - t0
    snapshots.setdefault(args.steps, model.policy.state_dict())
    print(f"trained {args.steps:,} steps in {train_s:.0f} s ({args.steps / train_s:,.0f} steps/s)")

    entries = []
    for m in marks:
        model.policy.load_state_dict(snapshots[m])
        rows = evaluate(model, cfg, args.eval_seeds, args.episodes, not args.stochastic)
        entry = summarize(rows)[0]
        entry["policy"] = f"PPO {m:,} steps"
        entries.append(entry)
    table = markdown_table(entries)
    print(table)
    if args.out:
        summary = {
            "config": args.config,
            "set": args.set,
            "steps": args.steps,
            "checkpoints": marks,
            "envs": args.envs,
            "seed": args.seed,
            "eval_seeds": args.eval_seeds,
            "episodes": args.episodes,
            "deterministic": not args.stochastic,
            "train_seconds": train_s,
            "entries": entries,
        }
        args.out.mkdir(parents=True, exist_ok=True)
        write_text(args.out / "summary.json", json.dumps(summary, indent=2) + "\n")
        write_text(args.out / "table.md", table + "\n")
    return 0


if __name__ == "__main__":
    sys.exit(main())
