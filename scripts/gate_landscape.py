"""How the score depends on one learned gate weight: the cliff a blended drive makes.

    python scripts/gate_landscape.py                    # blended drive (mixture.routing: blend)
    python scripts/gate_landscape.py --routing sample   # the default routing

Trains a brain on the default config (seed 3, 500 episodes; with --routing blend also
`gate_floor` 0.1, `brain.post` blended and `gate_learning_rate` 0.02, the blended model's
own), then moves the gate's weights on the
predator-looming feature by d toward the cheese expert (its logit minus the predator
expert's changes by d) and plays 500 frozen episodes at each d on seed 103. A blended drive
turns the threat response into a cliff: safe until d passes a point, then caught in almost
every episode, with no slope back.
"""

from __future__ import annotations

import argparse
import sys
from concurrent.futures import ProcessPoolExecutor
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

SHIFTS = (-8, -4, -2, 0, 2, 4, 8, 12)


def _setup(routing: str):
    from mousesim.io.yaml_config import load_config

    sets = {"mixture.routing": routing}
    if routing == "blend":  # the blended model's own floor, post term and gate rate
        sets["mixture.gate_floor"] = 0.1
        sets["brain.post"] = "blended"
        sets["mixture.gate_learning_rate"] = 0.02
    return load_config(None, sets)


def _trained(routing: str, seed: int, episodes: int) -> dict:
    from mousesim.sim.simulation import Simulation

    sim = Simulation(_setup(routing), seed=seed)
    for _ in range(episodes):
        sim.run_episode()
    return sim.state_dict()


def _play(args: tuple) -> tuple[float, float]:
    routing, state, d, seed = args
    from mousesim.sim.simulation import Simulation

    sim = Simulation(_setup(routing), seed=seed)
    w = state["gate_w"].copy()
    w[0, 2] += d / 2  # the cheese expert's weight on the predator's looming feature
    w[1, 2] -= d / 2  # the predator expert's
    sim.load_state({**state, "gate_w": w}, rng=False)
    sim.set_learning(False)
    return sim.mean_outcome(500)


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--routing", choices=("blend", "sample"), default="blend")
    args = ap.parse_args()
    state = _trained(args.routing, 3, 500)
    print(f"routing {args.routing}; gate weights after 500 episodes: "
          f"{np.round(state['gate_w'], 2).tolist()}")  # fmt: skip
    print("| shift d | cheese | caught | score |\n|---|---|---|---|")
    with ProcessPoolExecutor(2) as pool:
        jobs = [(args.routing, state, d, 103) for d in SHIFTS]
        for d, (cheese, caught) in zip(SHIFTS, pool.map(_play, jobs), strict=True):
            print(f"| {d:+d} | {cheese:.2f} | {caught:.2f} | {cheese - 5 * caught:.2f} |")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
