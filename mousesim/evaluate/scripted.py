"""Scripted policies over `World` observations and state: baselines and oracles.

They read the full world state where an oracle is meant to (the flee oracle
knows the walls and the predator's exact cell); the mouse's brain never does.
"""

from __future__ import annotations

import numpy as np

from mousesim.world.kernels import DX, DY, step_target, turn_heading
from mousesim.world.world import World


def random_policy(rng: np.random.Generator):
    def act(world: World, obs: np.ndarray) -> int:
        return int(rng.integers(3))

    return act


def _predator_reach(world: World) -> set[tuple[int, int]]:
    """Cells any predator can occupy after its next move (8-neighbourhood)."""
    s = world.state
    out = set()
    for p in s.preds:
        for h in range(8):
            out.add(step_target(s.grid, int(p[0]), int(p[1]), h, 0))
        out.add((int(p[0]), int(p[1])))
    return out


def flee_oracle(depth: int = 3):
    """Full-knowledge evasion: search `depth` own moves ahead (predator assumed still) and
    take the first action of the sequence that keeps the largest worst-case distance."""

    def act(world: World, obs: np.ndarray) -> int:
        s = world.state
        grid = s.grid
        preds = [(int(p[0]), int(p[1])) for p in s.preds]
        if not preds:
            return 1
        danger = _predator_reach(world)

        def score(x: int, y: int) -> float:
            d = min(np.hypot(x - px, y - py) for px, py in preds)
            # Open cells around: being boxed in is how a fleeing mouse gets caught.
            free = sum(
                grid[y + DY[h], x + DX[h]] == 0
                for h in range(8)
                if 0 <= y + DY[h] < grid.shape[0] and 0 <= x + DX[h] < grid.shape[1]
            )
            return d + 0.3 * free

        def search(x: int, y: int, h: int, k: int) -> float:
            if k == 0:
                return score(x, y)
            best = -1e9
            for a in range(3):
                nh = turn_heading(h, a)
                nx, ny = step_target(grid, x, y, nh, world.params.slide)
                if (nx, ny) in danger and k == depth:
                    val = -1e6 + score(nx, ny)
                else:
                    val = search(nx, ny, nh, k - 1)
                best = max(best, val)
            return best

        x, y, h = int(s.mouse[0]), int(s.mouse[1]), int(s.mouse[2])
        vals = []
        for a in range(3):
            nh = turn_heading(h, a)
            nx, ny = step_target(grid, x, y, nh, world.params.slide)
            if (nx, ny) in danger:
                vals.append(-1e6 + score(nx, ny))
            else:
                vals.append(search(nx, ny, nh, depth - 1))
        return int(np.argmax(vals))

    return act


def run_policy(world: World, policy, episodes: int, seed: int = 0) -> list[dict]:
    """Episodes of a scripted policy: per episode steps, cheese, caught."""
    rows = []
    world.reset(seed=seed)
    for ep in range(episodes):
        obs, _ = world.reset() if ep else (world.observe(), None)
        caught = False
        steps = 0
        while True:
            obs, _, term, trunc, info = world.step(policy(world, obs))
            steps += 1
            if term or trunc:
                caught = term
                break
        rows.append({"steps": steps, "cheese": info["cheese_eaten"], "caught": int(caught)})
    return rows
