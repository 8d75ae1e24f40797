"""Where a learned mouse gets caught, and where its steps go.

    python scripts/catches.py                       # default config, seeds 0-3
    python scripts/catches.py configs/maze.yaml --seeds 5 --train 200

Trains a brain per seed (`--train` episodes, learning on), freezes it and plays `--steps`
world steps, then prints, over all seeds:

- the share of steps, and of catches, with a wall (or the border) in one of the eight cells
  around the mouse: if catches crowd there, flight runs the mouse into walls;
- the share of steps each expert drove, with the nearest predator within the gate's looming
  radius and beyond it: steps driven by a predator expert while no predator is near are
  steps not spent on cheese;
- which expert drove the last steps before each catch.

With `--oracle-within R` the oracle (`mousesim eval`'s planner, which sees the whole world)
takes the mouse's action whenever the nearest predator is within R cells, and the brain
keeps every other step: how much better the same mouse would do if it handled that close
range perfectly. The driver shares then count the brain's own steps only. `--planner flee`
gives those steps to the oracle's escape alone instead: its search three own moves ahead
for the cell farthest from the predators (with a bonus for open cells), which knows the
walls but not the cheese.

`--trails N` also draws the last steps before the first N catches of each seed as text: the
mouse's cells with its heading (an arrow; M where it was caught), the predators' cells (p),
walls (#), and for each step which expert drove (C cheese, P predator, 2 a third expert...)
and what it did (L, S, R).
"""

from __future__ import annotations

import argparse
import sys
from concurrent.futures import ProcessPoolExecutor
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from mousesim.evaluate.oracle import OraclePlanner  # noqa: E402
from mousesim.io.yaml_config import load_config  # noqa: E402
from mousesim.sim.simulation import Simulation  # noqa: E402
from mousesim.world.kernels import KIND_PREDATOR, WALL, nth_target  # noqa: E402
from mousesim.world.world import World  # noqa: E402

BEFORE = 5  # steps before a catch whose driver is counted
TRAIL = 10  # steps drawn before a catch with --trails
ARROWS = "→↗↑↖←↙↓↘"  # headings 0..7, counter-clockwise from east (mousesim.world.kernels)
ACTIONS = "LSR"


def _play(args: tuple) -> dict:
    config, seed, train, steps, within, planner, *more = args
    n_trails = more[0] if more else 0
    cfg = load_config(config, {})
    sim = Simulation(cfg, seed=seed)
    for _ in range(train):
        sim.run_episode()
    sim.set_learning(False)
    # The oracle reads the simulation's own world state through a World wrapper.
    world = World(cfg.world, seed)
    world.state, world.params = sim.world, sim.wparams
    oracle = OraclePlanner.for_world(cfg.world)
    taken = 0
    n_exp = len(sim.expert_names)
    radius = sim.bparams.gate.loom_radius
    grid = np.pad(sim.world.grid, 1, constant_values=WALL)  # the border counts as a wall
    near = np.zeros((2, n_exp))  # [predator beyond / within the radius, driver]
    walls = np.zeros(2)  # steps, catches next to a wall
    before = np.zeros(n_exp)
    catches = episodes = cheese = close = 0
    recent: list[int] = []
    trail: list[tuple] = []  # (x, y, heading, predator cells, driver, action) per step
    trails: list[str] = []
    for _ in range(steps):
        if not sim.in_episode:
            sim.reset()
        take = within is not None and _nearest(sim) <= within
        if take:
            sim.set_control(oracle.flee(world) if planner == "flee" else oracle(world))
        else:
            sim.set_control(None)
        taken += take
        m = sim.world.mouse
        at = (int(m[0]), int(m[1]), int(m[2]), [(int(p[0]), int(p[1])) for p in sim.world.preds])
        step = sim.step()
        x, y = int(sim.world.mouse[0]), int(sim.world.mouse[1])
        by_wall = bool((grid[y : y + 3, x : x + 3] == WALL).any())
        d = _nearest(sim)
        driver = int(sim.brain.motor.driver[0])
        close += d <= radius
        if not take:
            near[int(d <= radius), driver] += 1
        walls[0] += by_wall
        recent = [*recent[-(BEFORE - 1) :], driver]
        trail = [*trail[-(TRAIL - 1) :], (*at, driver, step.action)]
        if step.terminated:
            if len(trails) < n_trails:
                names = sim.expert_names
                trails.append(_draw(sim.world.grid, trail, names, seed, sim.world.preds))
            catches += 1
            walls[1] += by_wall
            for k in recent:
                before[k] += 1 / len(recent)
        if step.terminated or step.truncated:
            episodes += 1
            cheese += sim.episode_row()["cheese"]
            recent = []
            trail = []
    return {
        "near": near,
        "walls": walls,
        "before": before,
        "catches": catches,
        "episodes": episodes,
        "names": sim.expert_names,
        "radius": radius,
        "taken": taken,
        "cheese": cheese,
        "close": close,
        "trails": trails,
    }


def _draw(grid: np.ndarray, trail: list[tuple], names: list[str], seed: int, preds) -> str:
    """The last steps before a catch as text (see --trails)."""
    final = [(int(p[0]), int(p[1])) for p in preds]
    cells = [(x, y) for x, y, *_ in trail] + [c for *_, ps, _, _ in trail for c in ps] + final
    h, w = grid.shape
    x0, x1 = max(min(c[0] for c in cells) - 2, 0), min(max(c[0] for c in cells) + 3, w)
    y0, y1 = max(min(c[1] for c in cells) - 2, 0), min(max(c[1] for c in cells) + 3, h)
    canvas = [["#" if grid[y, x] else "." for x in range(x0, x1)] for y in range(y0, y1)]
    for *_, ps, _, _ in trail:
        for px, py in ps:
            if x0 <= px < x1 and y0 <= py < y1:
                canvas[py - y0][px - x0] = "p"
    for x, y, heading, *_ in trail:
        canvas[y - y0][x - x0] = ARROWS[heading]
    last = trail[-1]
    canvas[last[1] - y0][last[0] - x0] = "M"
    letter = [("2345"[k - 2] if k >= 2 else n[0].upper()) for k, n in enumerate(names)]
    moves = " ".join(f"{letter[d]}{ACTIONS[a]}" for *_, d, a in trail)
    head = f"seed {seed}, the last {len(trail)} steps (driver, action): {moves}"
    return "\n".join([head, *("  " + "".join(row) for row in canvas)])


def _nearest(sim: Simulation) -> float:
    """The mouse's distance to the nearest predator (the world's FAR with none)."""
    return float(nth_target(sim.world, KIND_PREDATOR, 0)[2])


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("config", nargs="?", default=None, help="default: the built-in default")
    ap.add_argument("--seeds", type=int, default=4)
    ap.add_argument("--train", type=int, default=300, help="training episodes per seed")
    ap.add_argument("--steps", type=int, default=40_000, help="frozen steps per seed")
    ap.add_argument(
        "--oracle-within",
        type=float,
        default=None,
        metavar="R",
        help="the oracle acts whenever a predator is within R cells",
    )
    ap.add_argument(
        "--planner",
        choices=("oracle", "flee"),
        default="oracle",
        help="with --oracle-within: the whole oracle, or only its escape (default: oracle)",
    )
    ap.add_argument(
        "--trails",
        type=int,
        default=0,
        metavar="N",
        help="draw the last steps before the first N catches of each seed",
    )
    args = ap.parse_args()
    jobs = [
        (args.config, s, args.train, args.steps, args.oracle_within, args.planner, args.trails)
        for s in range(args.seeds)
    ]
    with ProcessPoolExecutor(2) as pool:
        runs = list(pool.map(_play, jobs))
    names, radius = runs[0]["names"], runs[0]["radius"]
    near = sum(r["near"] for r in runs)
    walls = sum(r["walls"] for r in runs)
    before = sum(r["before"] for r in runs)
    catches = sum(r["catches"] for r in runs)
    episodes = sum(r["episodes"] for r in runs)
    steps = args.steps * args.seeds
    taken = sum(r["taken"] for r in runs)
    cheese = sum(r["cheese"] for r in runs)
    print(f"{args.config or 'default config'}: seeds 0-{args.seeds - 1}, {args.train} training "
          f"episodes, {int(steps):,} frozen steps, {episodes} episodes: cheese {cheese / max(episodes, 1):.2f} "
          f"and caught {catches / max(episodes, 1):.2f} per episode")  # fmt: skip
    if args.oracle_within is not None:
        who = "oracle" if args.planner == "oracle" else "oracle's escape"
        print(f"The {who} took {taken / steps:.2f} of the steps (a predator within "
              f"{args.oracle_within:g} cells); the brain the rest.")  # fmt: skip
    print()
    print("| | steps | catches |")
    print("|---|---|---|")
    print(f"| a wall in the 8 cells around the mouse | {walls[0] / steps:.2f} | "
          f"{walls[1] / max(catches, 1):.2f} |")  # fmt: skip
    print()
    print(f"| share of steps driven by | predator beyond {radius:g} cells | within {radius:g} | "
          f"last {BEFORE} steps before a catch |")  # fmt: skip
    print("|---|---|---|---|")
    for k, name in enumerate(names):
        far = near[0, k] / max(near[0].sum(), 1)
        close = near[1, k] / max(near[1].sum(), 1)
        print(f"| {name} | {far:.2f} | {close:.2f} | {before[k] / max(catches, 1):.2f} |")
    print()
    close = sum(r["close"] for r in runs)
    print(f"The predator is within {radius:g} cells on {close / steps:.2f} of steps.")
    for run in runs:
        for text in run["trails"]:
            print()
            print(text)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
