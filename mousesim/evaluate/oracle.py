"""The oracle planner: the ceiling an evaluation measures the brains against.

It reads the whole world state (walls, every cheese, the predator's cell), which the mouse's
brain never does, and plans over the mouse's real action model: states are (x, y, heading),
the three actions are turn left / keep / turn right followed by one step, and transitions are
computed with the world's own `step_target` and `turn_heading`, so every plan it makes is
executable step by step. The searches are small jitted breadth-first searches (a Python
search over ~5000 states per step made the oracle the slowest part of an evaluation).
"""

from __future__ import annotations

import numpy as np
from numba import njit

from mousesim.common.config import WorldConfig
from mousesim.world.escape import escape_move, reach_mask
from mousesim.world.kernels import step_target, turn_heading
from mousesim.world.world import World

INF = 1 << 40
# Tie-break among equally short plans: going straight first keeps paths smooth.
_ACTION_ORDER = np.array([1, 0, 2], dtype=np.int64)
_MAX_CACHED_MAPS = 512


@njit(cache=True)
def build_graph(grid: np.ndarray, slide: int) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Successors succ[S, 3] of every state S = (y * W + x) * 8 + h (-1 off the floor), and
    the predecessor lists in CSR form (offsets, indices)."""
    height, width = grid.shape
    n = height * width * 8
    succ = -np.ones((n, 3), dtype=np.int64)
    count = np.zeros(n + 1, dtype=np.int64)
    for y in range(height):
        for x in range(width):
            if grid[y, x] != 0:
                continue
            for h in range(8):
                s = (y * width + x) * 8 + h
                for a in range(3):
                    nh = turn_heading(h, a)
                    nx, ny = step_target(grid, x, y, nh, slide)
                    t = (ny * width + nx) * 8 + nh
                    succ[s, a] = t
                    count[t + 1] += 1
    offsets = np.cumsum(count)
    fill = offsets[:-1].copy()
    preds = np.empty(offsets[-1], dtype=np.int64)
    for s in range(n):
        for a in range(3):
            t = succ[s, a]
            if t >= 0:
                preds[fill[t]] = s
                fill[t] += 1
    return succ, offsets, preds


@njit(cache=True)
def distance_map(offsets: np.ndarray, preds: np.ndarray, cells: np.ndarray) -> np.ndarray:
    """Steps from every state to any of `cells` (index y * W + x), ignoring predators."""
    n = offsets.shape[0] - 1
    dist = np.full(n, INF, dtype=np.int64)
    queue = np.empty(n, dtype=np.int64)
    tail = 0
    for c in cells:
        for h in range(8):
            s = c * 8 + h
            if dist[s] == INF:
                dist[s] = 0
                queue[tail] = s
                tail += 1
    head = 0
    while head < tail:
        s = queue[head]
        head += 1
        for i in range(offsets[s], offsets[s + 1]):
            p = preds[i]
            if dist[p] == INF:
                dist[p] = dist[s] + 1
                queue[tail] = p
                tail += 1
    return dist


@njit(cache=True)
def forbidden_cells(
    grid: np.ndarray, preds: np.ndarray, catch_radius: int, margin: int
) -> tuple[np.ndarray, np.ndarray]:
    """Two cell masks: `first` = where the mouse could be caught right after its next step
    (every cell a predator can reach with one move, widened by the catch radius); `later` =
    `first` plus every cell within `margin` (Chebyshev) of a predator, kept off for the rest
    of the path because the predator moves while the mouse walks."""
    height, width = grid.shape
    first = reach_mask(grid, preds, catch_radius)
    later = first.copy()
    for p in range(preds.shape[0]):
        px = preds[p, 0]
        py = preds[p, 1]
        r = margin + catch_radius
        for y in range(max(0, py - r), min(height, py + r + 1)):
            for x in range(max(0, px - r), min(width, px + r + 1)):
                later[y * width + x] = True
    return first, later


@njit(cache=True)
def safe_first_action(
    succ: np.ndarray,
    dist: np.ndarray,
    start: int,
    first: np.ndarray,
    later: np.ndarray,
    order: np.ndarray,
) -> int:
    """First action of a shortest path from `start` to a goal state (dist 0) whose first step
    avoids `first` cells and whose later steps avoid `later` cells; -1 if there is none.
    Breadth-first, so the path found is a shortest one; ties go to `order`."""
    n = succ.shape[0]
    seen = np.zeros(n, dtype=np.bool_)
    queue = np.empty(n, dtype=np.int64)
    first_action = np.empty(n, dtype=np.int64)
    seen[start] = True
    tail = 0
    for a in order:
        t = succ[start, a]
        if t < 0 or seen[t] or first[t // 8] or dist[t] >= INF:
            continue
        if dist[t] == 0:
            return a
        seen[t] = True
        queue[tail] = t
        first_action[t] = a
        tail += 1
    head = 0
    while head < tail:
        s = queue[head]
        head += 1
        for a in order:
            t = succ[s, a]
            if t < 0 or seen[t] or later[t // 8] or dist[t] >= INF:
                continue
            if dist[t] == 0:
                return first_action[s]
            seen[t] = True
            queue[tail] = t
            first_action[t] = first_action[s]
            tail += 1
    return -1


@njit(cache=True)
def flee_action(
    grid: np.ndarray,
    mouse: np.ndarray,
    preds: np.ndarray,
    first: np.ndarray,
    depth: int,
    slide: int,
) -> int:
    """The flee oracle of `mousesim.evaluate.scripted.flee_oracle`, jitted (a test checks they agree):
    search `depth` own moves ahead with the predators still, and take the first action of the
    sequence whose end cell keeps the largest distance (plus a bonus for open cells); a first
    step into a `first` cell scores -1e6."""
    if preds.shape[0] == 0:
        return 1
    return escape_move(grid, mouse[0], mouse[1], mouse[2], preds, first, depth, slide)


class OraclePlanner:
    """Shortest safe path to the nearest cheese, with the flee oracle as the fallback.

    Each step the cells any predator can reach on its next move are forbidden for the first
    step, and the cells within `margin` of a predator for the rest of the path (margin 1 is
    the bare "not where it can be next"; 2, the default, measured about twice the cheese and
    half the catches on the default config, because a path brushing past a moving predator
    ends in a chase the turn-limited mouse loses). With no safe path, or no reachable cheese,
    it plays `mousesim.evaluate.scripted.flee_oracle`.

    Call it like the scripted policies: `planner(world, obs) -> action`.
    """

    @classmethod
    def for_world(cls, cfg: WorldConfig) -> OraclePlanner:
        """The planner an evaluation uses: margin 2 against a chasing predator; margin 1
        against random or patrolling ones, which do not come after the mouse (in the maze's
        one-cell corridors a wider margin only blocks paths: 14 cheese per episode instead of
        19 at the same caught rate)."""
        return cls(margin=2 if cfg.predator.policy == "chase" else 1)

    def __init__(self, margin: int = 2, flee_depth: int = 3) -> None:
        if margin < 1:
            raise ValueError(f"margin must be >= 1, got {margin}")
        self.margin = int(margin)
        self.flee_depth = int(flee_depth)
        self._grid: np.ndarray | None = None
        self._maps: dict[tuple[int, ...], np.ndarray] = {}

    def _graph(self, world: World) -> None:
        grid = world.state.grid
        self._succ, self._offsets, self._preds = build_graph(grid, int(world.params.slide))
        self._grid = grid
        self._maps = {}

    def _distance_map(self, cells: tuple[int, ...]) -> np.ndarray:
        dist = self._maps.get(cells)
        if dist is None:
            if len(self._maps) >= _MAX_CACHED_MAPS:
                self._maps.clear()
            dist = distance_map(self._offsets, self._preds, np.array(cells, dtype=np.int64))
            self._maps[cells] = dist
        return dist

    def __call__(self, world: World, obs: np.ndarray | None = None) -> int:
        """The oracle's action in the world's current state."""
        s = world.state
        if self._grid is not s.grid:  # a new map (World.reset with a seed rebuilds it)
            self._graph(world)
        width = s.grid.shape[1]
        first, later = forbidden_cells(s.grid, s.preds, int(world.params.catch_radius), self.margin)
        cells = tuple(sorted({int(c[1]) * width + int(c[0]) for c in s.cheese}))
        if cells:
            dist = self._distance_map(cells)
            start = (int(s.mouse[1]) * width + int(s.mouse[0])) * 8 + int(s.mouse[2])
            action = safe_first_action(self._succ, dist, start, first, later, _ACTION_ORDER)
            if action >= 0:
                return int(action)
        return self.flee(world, s.preds, first)

    def flee(
        self, world: World, preds: np.ndarray | None = None, first: np.ndarray | None = None
    ) -> int:
        """The flee oracle alone: the first action of the `flee_depth`-move sequence ending
        farthest from `preds` (default: every predator), never first into a cell they can reach
        next (`first`, from `forbidden_cells` when not given). It knows the walls, not the cheese."""
        s = world.state
        preds = s.preds if preds is None else preds
        if first is None:
            first, _ = forbidden_cells(s.grid, preds, int(world.params.catch_radius), self.margin)
        slide = int(world.params.slide)
        return int(flee_action(s.grid, s.mouse, preds, first, self.flee_depth, slide))
