"""Reference scores of the registered Gymnasium variants: the table in docs/gym.md.

    python scripts/baselines.py                      # every row (PPO at 1M steps: hours)
    python scripts/baselines.py --only ring          # just the ring brain's rows (a few minutes)
    python scripts/baselines.py --only ppo --ppo-steps 100000 --variants Maze
    python scripts/baselines.py --table              # rewrite the table from stored results

Every player is scored as `mousesim eval` scores its players (`mousesim.gym.scores`): on
evaluation seeds 0..4, 200 episodes each in the world `mousesim eval` builds from the seed.

- random, oracle: `mousesim eval`'s own players (one row per evaluation seed).
- ring brain: `mousesim eval`'s ``learned`` player, trained on the seed's map for whole
  episodes until it has taken at least 100k (1M) steps, then scored with learning off (one
  brain per evaluation seed).
- PPO: examples/ppo.py's settings (SB3 ``MlpPolicy``, 16 worlds, a new map every episode),
  training seeds 0, 1, 2; the agent at the end of the first rollout past 100k (1M) steps, all
  in one training run per seed, scored with argmax actions on every evaluation seed.

Each result is stored as JSON in docs/results/gym/<variant>/ (kept across runs, so --only ring
leaves the PPO rows as they are), and the table in docs/gym.md (between its baselines markers)
is rebuilt from all stored results after every run. A PPO seed whose rows are stored is
skipped, and a stored step count on the way to a longer one is not scored again, unless
--redo. The PPO agents are saved in ppo/baselines/<variant>/seed<k>/ (not committed).
"""

from __future__ import annotations

import argparse
import json
import platform
import sys
import time
from datetime import datetime, timezone
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "examples"))

STORE = ROOT / "docs" / "results" / "gym"
DOC = ROOT / "docs" / "gym.md"
BEGIN, END = "<!-- baselines:begin -->", "<!-- baselines:end -->"
PLAYERS = ("random", "oracle", "ring", "ppo")
EVAL_SEEDS = list(range(5))
EPISODES = 200


def short(env_id: str) -> str:
    """mousesim/MouseSim-Maze-v1 -> Maze; the default id -> Default."""
    core = env_id.split("/")[-1].removeprefix("MouseSim").removesuffix("-v1").strip("-")
    return core or "Default"


def parse_args(argv: list[str] | None) -> argparse.Namespace:
    from mousesim.gym import VARIANTS

    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawTextHelpFormatter)
    ap.add_argument("--only", default=",".join(PLAYERS), help="players to run (comma list)")
    ap.add_argument("--variants", default="", help="variants to run, e.g. NoPredator,Maze (all)")
    ap.add_argument("--ppo-steps", default="100000,1000000", help="PPO step counts (one run)")
    ap.add_argument("--ppo-seeds", default="0,1,2", help="PPO training seeds")
    ap.add_argument("--ring-steps", default="100000,1000000", help="ring brain step counts")
    ap.add_argument("--redo", action="store_true", help="rerun PPO seeds already stored")
    ap.add_argument("--table", action="store_true", help="only rebuild the table in docs/gym.md")
    args = ap.parse_args(argv)
    names = {short(v): v for v in VARIANTS}
    try:
        args.only = [p.strip() for p in args.only.split(",") if p.strip()]
        bad = [p for p in args.only if p not in PLAYERS]
        if bad:
            raise ValueError(f"--only: unknown player {bad[0]!r} (one of {', '.join(PLAYERS)})")
        wanted = [v.strip() for v in args.variants.split(",") if v.strip()] or list(names)
        bad = [v for v in wanted if v not in names]
        if bad:
            raise ValueError(f"--variants: unknown variant {bad[0]!r} (one of {', '.join(names)})")
        args.variants = [names[v] for v in names if v in wanted]
        args.ppo_steps = sorted({int(x) for x in args.ppo_steps.split(",")})
        args.ppo_seeds = sorted({int(x) for x in args.ppo_seeds.split(",")})
        args.ring_steps = sorted({int(x) for x in args.ring_steps.split(",")})
    except ValueError as exc:
        ap.error(str(exc))
    return args


def save(env_id: str, name: str, record: dict) -> None:
    from mousesim.io.atomic import write_text

    folder = STORE / short(env_id)
    folder.mkdir(parents=True, exist_ok=True)
    record = {
        "env_id": env_id,
        "date": datetime.now(timezone.utc).isoformat(timespec="seconds"),
        **record,
    }
    write_text(folder / f"{name}.json", json.dumps(record, indent=1) + "\n")
    print(f"  wrote {folder.relative_to(ROOT) / name}.json", flush=True)


def versions() -> dict:
    import numba

    out = {"python": platform.python_version(), "numpy": np.__version__, "numba": numba.__version__}
    try:
        import stable_baselines3
        import torch

        out |= {"stable_baselines3": stable_baselines3.__version__, "torch": torch.__version__}
    except ImportError:
        pass
    return out


def run_scripted(env_id: str, cfg, name: str) -> None:
    from mousesim.gym.scores import scripted_rows

    t0 = time.perf_counter()
    rows = scripted_rows(name, cfg, EVAL_SEEDS, EPISODES)
    save(env_id, name, {"player": name, "rows": rows, "seconds": time.perf_counter() - t0})


def run_ring(env_id: str, cfg, marks: list[int]) -> None:
    from mousesim.gym.scores import ring_rows

    t0 = time.perf_counter()
    by_mark = ring_rows(cfg, EVAL_SEEDS, marks, EPISODES)
    for m, rows in by_mark.items():
        rec = {"player": "ring", "steps": m, "rows": rows, "versions": versions()}
        save(env_id, f"ring-{m}", rec | {"seconds": time.perf_counter() - t0})


def run_ppo(env_id: str, cfg, marks: list[int], seed: int, redo: bool) -> None:
    import ppo as example  # examples/ppo.py: the same training and scoring

    todo = list(marks)
    t0 = time.perf_counter()

    def on_mark(model, n: int) -> None:
        # The first rollout end at or past each requested step count.
        agents = ROOT / "ppo" / "baselines" / short(env_id) / f"seed{seed}"
        agents.mkdir(parents=True, exist_ok=True)
        model.save(agents / f"agent_{n}.zip")  # for rescoring: python examples/ppo.py --load
        while todo and n >= todo[0]:
            m = todo.pop(0)
            if not redo and (STORE / short(env_id) / f"ppo-{m}-seed{seed}.json").exists():
                # The same agent as the stored one (a checkpoint is what a run of that length
                # saves), so its scores stand; training goes on to the next mark.
                print(f"  [{short(env_id)} seed {seed}] {m:,} steps: stored", flush=True)
                continue
            entry = example.score(model, cfg, len(EVAL_SEEDS), EPISODES, True)
            rec = {
                "player": "ppo",
                "steps": m,
                "trained_steps": n,
                "seed": seed,
                "ppo": example.PPO_KWARGS,
                "envs": example.ENVS,
                "rows": entry["per_seed"],
                "train_seconds": time.perf_counter() - t0,
                "versions": versions(),
            }
            save(env_id, f"ppo-{m}-seed{seed}", rec)

    def log(line: str) -> None:
        print(f"  [{short(env_id)} seed {seed}] {line}", flush=True)

    example.train(cfg, max(marks), marks, seed, example.ENVS, on_mark, log)


# -- the table ---------------------------------------------------------------------------


def _stat(values: list[float], decimals: int) -> str:
    v = np.asarray(values, dtype=float)
    mean = f"{v.mean():.{decimals}f}"
    if len(v) < 2:
        return mean
    return f"{mean} ({v.min():.{decimals}f}–{v.max():.{decimals}f})"


def _row(label: str, records: list[dict], per_seed_mean: bool) -> list[str]:
    from mousesim.common.words import plural

    """Cheese, caught rate and score: mean (min–max) over training seeds (PPO: each seed's
    mean over the evaluation seeds) or over evaluation seeds (the others)."""
    if per_seed_mean:  # one value per PPO training seed
        values = {
            k: [float(np.mean([r[k] for r in rec["rows"]])) for rec in records]
            for k in ("cheese_per_episode", "caught_rate", "score")
        }
        n = plural(len(records), "training seed")
    else:
        rows = records[0]["rows"]
        values = {k: [r[k] for r in rows] for k in ("cheese_per_episode", "caught_rate", "score")}
        n = plural(len(rows), "seed")
    return [
        label,
        _stat(values["cheese_per_episode"], 2),
        _stat(values["caught_rate"], 2),
        _stat(values["score"], 2),
        n,
    ]


def table() -> str:
    from mousesim.gym import VARIANTS

    lines = []
    for env_id in VARIANTS:
        folder = STORE / short(env_id)
        recs = {p.stem: json.loads(p.read_text()) for p in sorted(folder.glob("*.json"))}
        if not recs:
            continue
        lines += [f'`"{env_id}"`:', ""]
        lines += [
            "| player | cheese/episode | caught rate | score | over |",
            "|---|---|---|---|---|",
        ]
        body = []
        for name in ("random", "oracle"):
            if name in recs:
                body.append(_row(name, [recs[name]], False))
        ring = sorted(
            (r for k, r in recs.items() if k.startswith("ring-")), key=lambda r: r["steps"]
        )
        for r in ring:
            body.append(_row(f"ring brain, {r['steps']:,} steps", [r], False))
        ppo: dict[int, list[dict]] = {}
        for k, r in recs.items():
            if k.startswith("ppo-"):
                ppo.setdefault(r["steps"], []).append(r)
        for steps in sorted(ppo):
            body.append(_row(f"PPO, {steps:,} steps", ppo[steps], True))
        lines += ["| " + " | ".join(row) + " |" for row in body]
        lines.append("")
    lines += per_seed_table()
    return "\n".join(lines).rstrip() + "\n"


def per_seed_table() -> list[str]:
    """PPO per training seed (cheese / caught over the evaluation seeds): what
    `examples/ppo.py --env ID --seed S` prints in its table's first two columns."""
    from mousesim.gym import VARIANTS

    body = []
    seeds: set[int] = set()
    for env_id in VARIANTS:
        recs = [json.loads(p.read_text()) for p in (STORE / short(env_id)).glob("ppo-*.json")]
        by_steps: dict[int, dict[int, dict]] = {}
        for r in recs:
            by_steps.setdefault(r["steps"], {})[r["seed"]] = r
            seeds.add(r["seed"])
        for steps in sorted(by_steps):
            body.append((env_id, steps, by_steps[steps]))
    if not body:
        return []
    order = sorted(seeds)
    lines = [
        "PPO per training seed: cheese/episode / caught rate, means over the evaluation seeds",
        "(`python examples/ppo.py --env ID --seed S --steps 1000000 --checkpoints 100000`",
        "prints the same figures):",
        "",
        "| variant | steps | " + " | ".join(f"seed {s}" for s in order) + " |",
        "|---|---|" + "---|" * len(order),
    ]
    for env_id, _, by_seed in body:
        cells = []
        for s in order:
            if s not in by_seed:
                cells.append("")
                continue
            rows = by_seed[s]["rows"]
            cheese = np.mean([r["cheese_per_episode"] for r in rows])
            caught = np.mean([r["caught_rate"] for r in rows])
            cells.append(f"{cheese:.2f} / {caught:.2f}")
        lines.append(
            f"| {short(env_id)} | {by_seed[min(by_seed)]['trained_steps']:,} | "
            + " | ".join(cells)
            + " |"
        )
    return lines


def write_table() -> None:
    from mousesim.io.atomic import write_text

    text = DOC.read_text(encoding="utf-8")
    if BEGIN not in text or END not in text:
        raise SystemExit(f"error: {DOC} has no {BEGIN} ... {END} markers")
    head, rest = text.split(BEGIN, 1)
    _, tail = rest.split(END, 1)
    write_text(DOC, f"{head}{BEGIN}\n{table()}{END}{tail}")
    print(f"rebuilt the table in {DOC.relative_to(ROOT)}")


def main(argv: list[str] | None = None) -> int:
    args = parse_args(argv)
    if args.table:
        write_table()
        return 0
    from mousesim.gym import variant_config
    from mousesim.io.yaml_config import load_config

    for env_id in args.variants:
        path = variant_config(env_id)
        cfg = load_config(Path(path) if path else None)
        for player in args.only:
            print(f"{env_id}: {player}", flush=True)
            if player in ("random", "oracle"):
                run_scripted(env_id, cfg, player)
            elif player == "ring":
                run_ring(env_id, cfg, args.ring_steps)
            else:
                for seed in args.ppo_seeds:
                    folder = STORE / short(env_id)
                    names = [folder / f"ppo-{m}-seed{seed}.json" for m in args.ppo_steps]
                    if not args.redo and all(p.exists() for p in names):
                        print(f"  seed {seed}: stored (--redo to rerun)")
                        continue
                    run_ppo(env_id, cfg, args.ppo_steps, seed, args.redo)
            write_table()
    return 0


if __name__ == "__main__":
    sys.exit(main())
