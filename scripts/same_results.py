"""Fingerprints of what a set of training runs writes, to prove a speed change bit-identical.

    python scripts/same_results.py --save before.json      # on the old code
    python scripts/same_results.py --compare before.json   # on the new code: exit 1 if any differ

Each case is one `execute_run` (the engine of `mousesim run`) into a temporary folder; its
fingerprint is a SHA-256 over metrics.csv, config.yaml, every array of brain.npz and
checkpoint.npz (name, dtype, shape, bytes), the recorded replays and summary.json without its
wall-clock rate. The cases cover the default config, no predator, the maze, learning off,
N=256, greedy actions, the dense ring path and a recorded episode. Same machine, same numba:
a speed change that keeps every fingerprint keeps every result.
"""

from __future__ import annotations

import argparse
import hashlib
import json
import sys
import tempfile
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

# (name, config file or None for the built-in default, overrides, seeds)
CASES: list[tuple[str, str | None, dict, tuple[int, ...]]] = [
    ("default", None, {"run.episodes": 30}, (0, 1, 2)),
    ("no_predator", "configs/no_predator.yaml", {"run.episodes": 20}, (3,)),
    ("maze", "configs/maze.yaml", {"run.episodes": 20}, (4,)),
    ("learning_off", None, {"run.episodes": 10, "brain.learn": False}, (5,)),
    ("n256", None, {"run.episodes": 8, "brain.ring.neurons": 256}, (6,)),
    ("greedy", None, {"run.episodes": 8, "run.greedy": True}, (7,)),
    ("dense", None, {"run.episodes": 2, "world.max_steps": 150, "brain.ring.path": "dense"}, (8,)),
]
RECORD = {"default": "1,last"}  # replays of these episodes for the first seed of the case


def fingerprint(out: Path) -> str:
    h = hashlib.sha256()
    for name in ("metrics.csv", "config.yaml"):
        h.update(name.encode())
        h.update((out / name).read_bytes())
    npzs = ["brain.npz", "checkpoint.npz"]
    npzs += sorted(str(p.relative_to(out)) for p in out.glob("replays/*.npz"))
    for name in npzs:
        with np.load(out / name) as z:
            for key in sorted(z.files):
                a = z[key]
                h.update(f"{name}:{key}:{a.dtype}:{a.shape}".encode())
                h.update(np.ascontiguousarray(a).tobytes())
    summary = json.loads((out / "summary.json").read_text())
    summary.pop("steps_per_s", None)  # wall clock
    h.update(json.dumps(summary, sort_keys=True).encode())
    return h.hexdigest()


def run_cases() -> dict[str, str]:
    from mousesim.io.yaml_config import load_config
    from mousesim.run.runner import execute_run

    prints = {}
    with tempfile.TemporaryDirectory(prefix="same_results-") as tmp:
        for name, path, over, seeds in CASES:
            for i, seed in enumerate(seeds):
                cfg = load_config(ROOT / path if path else None, {**over, "run.seed": seed})
                out = Path(tmp) / f"{name}-{seed}"
                record = RECORD.get(name) if i == 0 else None
                execute_run(cfg, out, record_episodes=record)
                prints[f"{name}-{seed}"] = fingerprint(out)
                print(f"{name}-{seed}: {prints[f'{name}-{seed}'][:16]}", file=sys.stderr)
    return prints


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    g = ap.add_mutually_exclusive_group(required=True)
    g.add_argument("--save", metavar="FILE", help="write the fingerprints to FILE")
    g.add_argument("--compare", metavar="FILE", help="compare with fingerprints saved before")
    args = ap.parse_args(argv)
    prints = run_cases()
    if args.save:
        Path(args.save).write_text(json.dumps(prints, indent=1) + "\n")
        return 0
    before = json.loads(Path(args.compare).read_text())
    differ = [k for k in sorted(set(before) | set(prints)) if before.get(k) != prints.get(k)]
    for k in differ:
        print(f"DIFFERS: {k}")
    print(f"{len(prints) - len(differ)} of {len(prints)} cases identical")
    return 1 if differ else 0


if __name__ == "__main__":
    sys.exit(main())
