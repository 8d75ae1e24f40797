"""The default gate (a TD critic) against the step gate (configs/step_gate.yaml), map by map.

    python scripts/td_gate.py              # seeds 0-9 on each map, under a minute on 2 cores
    python scripts/td_gate.py --seeds 4 --maps default pillars
    python scripts/td_gate.py --maps pillars --set brain.rarity_gain=8   # on top of the TD gate

For each map and seed a brain learns for 200 episodes with the map's config as it is (the
default gate: its critic learns each context's discounted value, the looming detector forgets
a predator in view faster) and with `configs/step_gate.yaml`'s keys on top (a critic of the
next step's outcome, one looming memory), is frozen and plays 100 episodes. Prints a markdown
table: mean cheese / caught / score (cheese - 5 x caught) for each, and how many seeds of the
TD gate learned to hide (under 1 cheese per episode frozen).
"""

from __future__ import annotations

import argparse
import sys
from concurrent.futures import ProcessPoolExecutor
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from mousesim.common.errors import ConfigError  # noqa: E402
from mousesim.io.yaml_config import dotted_keys, load_config, parse_override, read_yaml  # noqa: E402
from mousesim.sim.simulation import Simulation  # noqa: E402

MAPS = ("default", "maze", "rooms", "corridors", "pillars", "two_predators")


# configs/step_gate.yaml's keys, put on top of each map's config for the step gate's column.
STEP = dotted_keys(read_yaml(ROOT / "configs" / "step_gate.yaml")[0])
HIDES = 1.0  # cheese per episode below which a frozen brain counts as hiding


def _config(name: str) -> Path | None:
    return None if name == "default" else ROOT / "configs" / f"{name}.yaml"


def _train_eval(args: tuple) -> tuple[float, float]:
    name, seed, td, extra = args
    sim = Simulation(load_config(_config(name), extra if td else STEP), seed=seed)
    return sim.learn_then_play(200, 100)


def _cell(runs: np.ndarray) -> str:
    cheese, caught = runs.mean(axis=0)
    return f"{cheese:.2f} / {caught:.2f} / {cheese - 5 * caught:.2f}"


def main(argv: list[str] | None = None) -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--seeds", type=int, default=10)
    ap.add_argument("--maps", nargs="+", choices=MAPS, default=list(MAPS))
    ap.add_argument(
        "--set",
        action="append",
        default=[],
        metavar="KEY=VALUE",
        help="a config key on top of the TD gate's (YAML value)",
    )
    args = ap.parse_args(argv)
    try:  # a malformed --set, a typo or a bad value is refused here, not by each worker
        extra = dict(parse_override(item) for item in args.set)
        load_config(None, extra)
    except ConfigError as exc:
        ap.exit(1, f"td_gate.py: {exc}\n")
    seeds = range(args.seeds)
    print("| map | step gate: cheese / caught / score | TD gate (default) | TD seeds that hide |")
    print("|---|---|---|---|")
    with ProcessPoolExecutor(2) as pool:
        for name in args.maps:
            step = np.array(list(pool.map(_train_eval, [(name, s, False, {}) for s in seeds])))
            td = np.array(list(pool.map(_train_eval, [(name, s, True, extra) for s in seeds])))
            hide = int((td[:, 0] < HIDES).sum())
            print(f"| {name} | {_cell(step)} | {_cell(td)} | {hide} of {len(seeds)} |", flush=True)
    print()
    print(
        f"Seeds 0-{len(seeds) - 1}: 200 learning episodes, then 100 frozen; means over seeds. "
        f"Hiding: under {HIDES:g} cheese per episode frozen."
        + (f" TD gate with {', '.join(args.set)}." if args.set else "")
    )


if __name__ == "__main__":
    main()
