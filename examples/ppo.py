"""PPO (Stable-Baselines3) on the native vector env, saved, and scored like `mousesim eval`.

    pip install -e ".[gym,rl]"     # CPU-only torch first: see docs/gym.md
    python examples/ppo.py --env mousesim/MouseSim-NoPredator-v1 --steps 1000000 \\
        --checkpoints 100000 --out ppo/no_predator
    python examples/ppo.py --load ppo/no_predator/agent_1003520.zip --env mousesim/MouseSim-NoPredator-v1

Trains one PPO agent on --envs worlds stepped in one jitted call (a new procedural map at every
episode, seeds --seed, --seed + 1, ...), printing progress as it goes, and saves it
(OUT/agent_<steps>.zip) at each checkpoint and at the end. A checkpoint is taken at the end of
the first rollout that reaches its step count, so its agent is the agent a run of exactly that
length would save. Each saved agent then plays --episodes episodes on each evaluation seed
0..--eval-seeds - 1, in the world `mousesim eval` builds from that seed (the same map for every
episode of that seed), actions deterministic (argmax, as SB3's evaluate_policy) unless
--stochastic. The table has `mousesim eval`'s metrics: mean [95% t interval] over the
evaluation seeds. --load scores a saved agent without training.
"""

from __future__ import annotations

import argparse
import json
import sys
import time
from collections.abc import Callable
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]

# PPO's settings here and in scripts/baselines.py (the rest are SB3's defaults): 16 worlds x
# 256 steps a rollout, minibatches of 256, a little entropy bonus.
ENVS = 16
PPO_KWARGS = {"n_steps": 256, "batch_size": 256, "ent_coef": 0.01}


def parse_args(argv: list[str] | None) -> argparse.Namespace:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawTextHelpFormatter)
    ap.add_argument("config", nargs="?", help="YAML config (default: the built-in default)")
    ap.add_argument(
        "--env", help="a registered id instead of a config, e.g. mousesim/MouseSim-Maze-v1"
    )
    ap.add_argument(
        "--set",
        action="append",
        default=[],
        metavar="KEY=VALUE",
        help="override a config key, as in mousesim run (repeatable)",
    )
    ap.add_argument("--steps", type=int, default=100_000, help="training env steps")
    ap.add_argument("--checkpoints", default="", help="also save and score at these step counts")
    ap.add_argument("--envs", type=int, default=ENVS, help="worlds in the vector env")
    ap.add_argument("--seed", type=int, default=0, help="training seed")
    ap.add_argument("--eval-seeds", type=int, default=5, help="evaluation seeds 0..N-1")
    ap.add_argument("--episodes", type=int, default=200, help="evaluation episodes per seed")
    ap.add_argument("--stochastic", action="store_true", help="sample actions in evaluation")
    ap.add_argument(
        "--out", type=Path, help="folder for agents and the table (default ppo/NAME-seedS)"
    )
    ap.add_argument("--overwrite", action="store_true", help="reuse a folder that holds agents")
    ap.add_argument("--load", type=Path, help="score this saved agent (.zip) instead of training")
    ap.add_argument("--quiet", action="store_true", help="no progress lines")
    args = ap.parse_args(argv)
    try:
        args.checkpoints = sorted({int(c) for c in args.checkpoints.split(",") if c.strip()})
    except ValueError:
        ap.error(f"--checkpoints: comma-separated step counts, got {args.checkpoints!r}")
    if args.steps < 1 or args.envs < 1 or args.eval_seeds < 1 or args.episodes < 1:
        ap.error("--steps, --envs, --eval-seeds and --episodes must be positive")
    if args.config and args.env:
        ap.error("give a config or --env, not both")
    return args


def load_cfg(config: str | None, env_id: str | None, sets: list[str]):
    """The config of a YAML file or a registered variant, with --set overrides."""
    from mousesim.gym import variant_config
    from mousesim.io.yaml_config import load_config, parse_override

    if env_id:
        try:
            config = variant_config(env_id)
        except KeyError as exc:
            raise ValueError(f"--env: {exc.args[0]}") from None
    overrides = dict(parse_override(t) for t in sets)
    return load_config(Path(config) if config else None, overrides)


def train(
    cfg,
    steps: int,
    marks: list[int],
    seed: int,
    envs: int = ENVS,
    on_mark: Callable | None = None,
    log: Callable[[str], None] | None = print,
):
    """Train PPO for `steps` steps; call on_mark(model, steps_done) at the end of the first
    rollout that reaches each of `marks` (and at the end). Returns the model."""
    import torch
    from stable_baselines3 import PPO
    from stable_baselines3.common.callbacks import BaseCallback
    from stable_baselines3.common.vec_env import VecMonitor

    from mousesim.gym.sb3 import MouseSimSB3VecEnv

    torch.set_num_threads(1)  # a small MLP: one thread is as fast and leaves the other cores
    venv = VecMonitor(MouseSimSB3VecEnv(envs, cfg, seed=seed), info_keywords=("cheese", "caught"))
    model = PPO("MlpPolicy", venv, seed=seed, device="cpu", verbose=0, **PPO_KWARGS)
    todo = sorted(m for m in set(marks) if m < steps)
    every = max(steps // 20, 1)
    t0 = time.perf_counter()

    class Marks(BaseCallback):
        """Checkpoints after the update that completes a rollout, and progress lines."""

        next_line = every

        def _on_rollout_start(self) -> None:
            n = self.num_timesteps
            while todo and n >= todo[0]:
                todo.pop(0)
                if on_mark is not None:
                    on_mark(self.model, n)
            if log is not None and n >= self.next_line:
                self.next_line = (n // every + 1) * every
                log(progress_line(self.model, n, steps, time.perf_counter() - t0))

        def _on_step(self) -> bool:
            return True

    model.learn(total_timesteps=steps, callback=Marks())
    if log is not None:
        log(progress_line(model, model.num_timesteps, steps, time.perf_counter() - t0))
    if on_mark is not None:
        on_mark(model, model.num_timesteps)
    venv.close()
    return model


def progress_line(model, n: int, total: int, seconds: float) -> str:
    """Steps done, speed, time left and the last 100 training episodes (VecMonitor's)."""
    rate = n / max(seconds, 1e-9)
    left = max(total - n, 0) / max(rate, 1e-9)
    eps = list(model.ep_info_buffer)
    recent = ""
    if eps:
        cheese = sum(e["cheese"] for e in eps) / len(eps)
        caught = sum(e["caught"] for e in eps) / len(eps)
        recent = f"  last {len(eps)} episodes: cheese {cheese:.2f}, caught {caught:.2f}"
    eta = f"{left / 60:.1f} min" if left >= 60 else f"{left:.0f} s"
    return f"{n:>10,} / {total:,} steps  {rate:,.0f} steps/s  {eta} left{recent}"


def score(model, cfg, eval_seeds: int, episodes: int, deterministic: bool) -> dict:
    """The agent's `mousesim eval` summary entry over evaluation seeds 0..eval_seeds-1."""
    import torch

    from mousesim.evaluate.evaluate import summarize
    from mousesim.gym.scores import catch_weight, play

    def policy(obs):
        if not deterministic:
            return model.predict(obs, deterministic=False)[0]
        # The argmax that predict() returns, without its per-call checks (half the time)
        with torch.no_grad():
            return model.policy._predict(torch.as_tensor(obs), deterministic=True).numpy()

    rows = play(policy, cfg, list(range(eval_seeds)), episodes)
    for r in rows:
        r["policy"] = "ppo"
    entry = summarize(rows, catch_weight=catch_weight(), max_steps=cfg.world.max_steps)[0]
    entry["per_seed"] = rows
    return entry


def main(argv: list[str] | None = None) -> int:
    args = parse_args(argv)
    try:
        from stable_baselines3 import PPO
    except ImportError:
        print("examples/ppo.py needs the rl extra: pip install -e '.[gym,rl]'", file=sys.stderr)
        return 2
    sys.path.insert(0, str(ROOT))
    from mousesim.evaluate.report import markdown_table
    from mousesim.io.atomic import write_text
    from mousesim.io.yaml_config import ConfigError

    try:
        cfg = load_cfg(args.config, args.env, args.set)
    except (ConfigError, OSError, ValueError) as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
    say = (lambda _: None) if args.quiet else (lambda line: print(line, flush=True))
    deterministic = not args.stochastic

    if args.load:
        if not args.load.is_file():
            print(f"error: --load: no such agent file: {args.load}", file=sys.stderr)
            return 2
        try:
            model = PPO.load(args.load, device="cpu")
        except Exception as exc:  # a zip that is not an SB3 agent: say which file
            print(
                f"error: --load: {args.load} is not a saved SB3 PPO agent ({exc})", file=sys.stderr
            )
            return 2
        entry = score(model, cfg, args.eval_seeds, args.episodes, deterministic)
        entry["policy"] = f"PPO {args.load.name}"
        print(markdown_table([entry]))
        return 0

    name = (args.env or args.config or "default").split("/")[-1].removesuffix(".yaml")
    out = args.out or Path("ppo") / f"{Path(name).stem}-seed{args.seed}"
    if out.exists() and any(out.glob("agent_*.zip")) and not args.overwrite:
        print(f"error: {out} already holds saved agents (--overwrite to replace)", file=sys.stderr)
        return 2
    out.mkdir(parents=True, exist_ok=True)
    saved: list[tuple[int, Path]] = []

    def on_mark(model, n: int) -> None:
        path = out / f"agent_{n}.zip"
        model.save(path)
        saved.append((n, path))
        say(f"saved {path}")

    t0 = time.perf_counter()
    done = train(
        cfg, args.steps, args.checkpoints, args.seed, args.envs, on_mark, say
    ).num_timesteps
    train_s = time.perf_counter() - t0
    say(f"trained {done:,} steps in {train_s:.0f} s ({done / train_s:,.0f} steps/s)")

    entries = []
    for n, path in saved:
        say(f"scoring {path.name} on {args.eval_seeds} seeds x {args.episodes} episodes")
        entry = score(
            PPO.load(path, device="cpu"), cfg, args.eval_seeds, args.episodes, deterministic
        )
        entry["policy"] = f"PPO {n:,} steps"
        entry["agent"] = path.name
        entries.append(entry)
    table = markdown_table(entries)
    print(table)
    summary = {
        "config": args.config,
        "env": args.env,
        "set": args.set,
        "steps": args.steps,
        "checkpoints": [n for n, _ in saved],
        "envs": args.envs,
        "seed": args.seed,
        "ppo": PPO_KWARGS,
        "eval_seeds": args.eval_seeds,
        "episodes": args.episodes,
        "deterministic": deterministic,
        "train_seconds": train_s,
        "entries": entries,
    }
    write_text(out / "summary.json", json.dumps(summary, indent=2, default=float) + "\n")
    write_text(out / "table.md", table + "\n")
    return 0


if __name__ == "__main__":
    sys.exit(main())
