"""The sighted oracle: the oracle's planner with the mouse's senses instead of the world's state.

The oracle (`mousesim.evaluate.oracle`) reads every cheese and predator wherever it is, so
behind walls it knows what no mouse can. The sighted oracle plans with the same jitted
searches, but it sees only what the mouse senses (targets within `sense_radius`, and with
`line_of_sight` not behind a wall) and keeps a perfect memory of it:

- a cheese seen is remembered where it was until the mouse sees that cell empty;
- a predator seen is avoided where it was last seen for `predator_memory` steps;
- with no cheese known it explores: it walks to the floor cells it has not seen for the
  longest time (it knows the walls, as a mouse knows its home).

So on a map where nothing is hidden it is the oracle, and behind walls the gap between the
two is the price of not seeing: what any player with the mouse's senses has to pay.
"""

from __future__ import annotations

import numpy as np
from numba import njit

from mousesim.evaluate.oracle import (
    _ACTION_ORDER,
    OraclePlanner,
    distance_map,
    forbidden_cells,
    safe_first_action,
)
from mousesim.world.kernels import C_STEP, clear_line
from mousesim.world.world import World


@njit(cache=True)
def seen_cells(grid: np.ndarray, mx: int, my: int, radius: float, los: int) -> np.ndarray:
    """Mask (index y * W + x) of the floor cells the mouse senses from (mx, my): within
    `radius` cells and, with line of sight, with no wall between (the world's `sense` rule)."""
    height, width = grid.shape
    out = np.zeros(height * width, dtype=np.bool_)
    r = int(np.ceil(radius))
    for y in range(max(0, my - r), min(height, my + r + 1)):
        for x in range(max(0, mx - r), min(width, mx + r + 1)):
            if grid[y, x] != 0 or np.hypot(x - mx, y - my) > radius:
                continue
            if los and not clear_line(grid, mx, my, x, y):
                continue
            out[y * width + x] = True
    return out


class SightedOraclePlanner(OraclePlanner):
    """`OraclePlanner` restricted to what the mouse senses, with a perfect memory of it.

    Call it like the scripted policies: `planner(world, obs) -> action`."""

    @classmethod
    def for_world(cls, cfg) -> SightedOraclePlanner:
        """The same margin as the oracle's (2 against a chasing predator, else 1); a predator
        out of view is avoided where it was last seen for as long as a chasing predator keeps
        after a mouse it lost (`give_up` steps)."""
        margin = 2 if cfg.predator.policy == "chase" else 1
        return cls(margin=margin, predator_memory=int(cfg.predator.give_up))

    def __init__(self, margin: int = 2, flee_depth: int = 3, predator_memory: int = 4) -> None:
        super().__init__(margin=margin, flee_depth=flee_depth)
        if predator_memory < 0:
            raise ValueError(f"predator_memory must be >= 0, got {predator_memory}")
        self.predator_memory = int(predator_memory)
        self._episode_step = -1

    def _new_episode(self, world: World) -> None:
        grid = world.state.grid
        self._floor = np.flatnonzero(grid.ravel() == 0).astype(np.int64)  # cells to explore
        self._last_seen = np.full(grid.size, -1, dtype=np.int64)  # step each cell was last seen
        self._cheese: set[int] = set()  # cells where a cheese was seen and not seen gone
        self._seen_preds: dict[int, tuple[int, int, int]] = {}  # index -> (x, y, step last seen)
        self._t = 0

    def _sense(self, world: World) -> None:
        s, p = world.state, world.params
        width = s.grid.shape[1]
        mx, my = int(s.mouse[0]), int(s.mouse[1])
        seen = seen_cells(s.grid, mx, my, float(p.sense_radius), int(p.line_of_sight))
        seen[my * width + mx] = True
        self._last_seen[seen] = self._t
        self._cheese = {c for c in self._cheese if not seen[c]}
        for c in s.cheese:
            cell = int(c[1]) * width + int(c[0])
            if 0 <= cell < seen.shape[0] and seen[cell]:
                self._cheese.add(cell)
        for i, q in enumerate(s.preds):
            cell = int(q[1]) * width + int(q[0])
            if 0 <= cell < seen.shape[0] and seen[cell]:
                self._seen_preds[i] = (int(q[0]), int(q[1]), self._t)
        self._seen_preds = {
            i: v for i, v in self._seen_preds.items() if self._t - v[2] <= self.predator_memory
        }

    def __call__(self, world: World, obs: np.ndarray | None = None) -> int:
        """The sighted oracle's action in the world's current state."""
        s = world.state
        if self._grid is not s.grid:  # a new map (World.reset with a seed rebuilds it)
            self._graph(world)
            self._episode_step = -1
        step = int(s.counters[C_STEP])
        if step == 0 or step < self._episode_step:
            self._new_episode(world)
        self._episode_step = step
        self._sense(world)
        self._t += 1
        width = s.grid.shape[1]
        preds = np.array([[x, y] for x, y, _ in self._seen_preds.values()], dtype=s.preds.dtype)
        preds = preds.reshape(-1, 2)
        first, later = forbidden_cells(s.grid, preds, int(world.params.catch_radius), self.margin)
        start = (int(s.mouse[1]) * width + int(s.mouse[0])) * 8 + int(s.mouse[2])
        if self._cheese:
            dist = self._distance_map(tuple(sorted(self._cheese)))
        else:
            # Explore: the floor cells seen longest ago (never seen first).
            last = self._last_seen[self._floor]
            goals = self._floor[last == last.min()]
            dist = distance_map(self._offsets, self._preds, goals)  # _preds: the graph's CSR
        action = safe_first_action(self._succ, dist, start, first, later, _ACTION_ORDER)
        if action >= 0:
            return int(action)
        return self.flee(world, preds, first)
