"""Building the int8 grid from a config: ASCII layouts or random obstacle maps."""

from __future__ import annotations

import logging

import numpy as np

from mousesim.common.config import WorldConfig
from mousesim.common.errors import LayoutError
from mousesim.world.kernels import FLOOR, WALL


def parse_layout(text: str) -> tuple[np.ndarray, dict[str, list[tuple[int, int]]]]:
    """ASCII layout -> (grid, markers). Markers map 'M', 'C', 'P' to (x, y) cells, row-major."""
    rows = [r.strip() for r in text.strip().splitlines() if r.strip()]
    grid = np.zeros((len(rows), len(rows[0])), dtype=np.int8)
    markers: dict[str, list[tuple[int, int]]] = {"M": [], "C": [], "P": []}
    for y, row in enumerate(rows):
        for x, ch in enumerate(row):
            if ch == "#":
                grid[y, x] = WALL
            elif ch in markers:
                markers[ch].append((x, y))
    return grid, markers


def _largest_component(grid: np.ndarray) -> np.ndarray:
    """Wall off every floor region but the largest (the first found in row-major order on a
    tie), so every cell the mouse can be on is reachable from every other (4-connected flood
    fill). Breadth-first over flat indices in plain lists: indexing numpy element by element
    cost ~1 ms a map, a sixth of a short run's fixed cost."""
    h, w = grid.shape
    free = (grid.ravel() == FLOOR).tolist()
    label = [-1] * (h * w)
    sizes: list[int] = []
    for start in range(h * w):
        if not free[start] or label[start] >= 0:
            continue
        n = len(sizes)
        label[start] = n
        todo = [start]
        for c in todo:  # the list grows while it is read: a queue
            x = c % w
            for nb in (c + 1 if x + 1 < w else -1, c - 1 if x > 0 else -1, c + w, c - w):
                if 0 <= nb < h * w and free[nb] and label[nb] < 0:
                    label[nb] = n
                    todo.append(nb)
        sizes.append(len(todo))
    out = grid.copy()
    if sizes:
        keep = sizes.index(max(sizes))
        out[(grid == FLOOR) & (np.array(label).reshape(h, w) != keep)] = WALL
    return out


def random_grid(width: int, height: int, density: float, rng: np.random.Generator) -> np.ndarray:
    """Border walls plus `density` of the inner cells as random single-cell obstacles."""
    grid = np.zeros((height, width), dtype=np.int8)
    grid[0, :] = grid[-1, :] = WALL
    grid[:, 0] = grid[:, -1] = WALL
    inner = rng.random((height - 2, width - 2)) < density
    grid[1:-1, 1:-1][inner] = WALL
    return _largest_component(grid)


def build_grid(cfg: WorldConfig, rng: np.random.Generator) -> tuple[np.ndarray, np.ndarray]:
    """Grid plus the start table (rows: mouse, each cheese, each predator; -1 = random cell)."""
    n_cheese, n_pred = cfg.cheese.count, cfg.predator.count
    starts = -np.ones((1 + n_cheese + n_pred, 2), dtype=np.int64)
    if cfg.layout is None:
        w, h = (cfg.size, cfg.size) if isinstance(cfg.size, int) else cfg.size
        grid = random_grid(w, h, cfg.obstacle_density, rng)
        check_world(cfg, grid, starts)
        return grid, starts
    grid, markers = parse_layout(cfg.layout)
    if len(markers["C"]) > n_cheese:
        raise LayoutError(
            f"world.layout: has {len(markers['C'])} C markers but world.cheese.count is {n_cheese}"
        )
    if len(markers["P"]) > n_pred:
        raise LayoutError(
            f"world.layout: has {len(markers['P'])} P markers but world.predator.count is {n_pred}"
        )
    for i, (x, y) in enumerate(markers["M"]):
        starts[i] = (x, y)
    for i, (x, y) in enumerate(markers["C"]):
        starts[1 + i] = (x, y)
    for i, (x, y) in enumerate(markers["P"]):
        starts[1 + n_cheese + i] = (x, y)
    check_world(cfg, grid, starts)
    return grid, starts


_said: set[tuple[str, float]] = set()


def check_world(cfg: WorldConfig, grid: np.ndarray, starts: np.ndarray) -> None:
    """Refuse a world its pieces cannot be placed in, checked on the built grid (numpy, not
    in the kernels): fewer floor cells than mouse + cheese + predators, or a minimum distance
    longer than the map's diagonal. A distance that this map cannot meet from some (or all)
    mouse starts is relaxed by the kernels there, by design (the piece goes on any free cell;
    a random map's shape depends on the seed): that is said once on stderr."""
    n_cheese, n_pred = cfg.cheese.count, cfg.predator.count
    ys, xs = np.nonzero(grid == FLOOR)
    need = 1 + n_cheese + n_pred
    if len(xs) < need:
        src = "world.layout" if cfg.layout is not None else "world.size/obstacle_density"
        raise LayoutError(
            f"world.cheese.count/world.predator.count: the map ({src}) has {len(xs)} floor "
            f"cells, fewer than the mouse + {n_cheese} cheese + {n_pred} predators ({need})"
        )
    if starts[0, 0] >= 0:  # the mouse always starts on its M
        mx, my = np.array([starts[0, 0]]), np.array([starts[0, 1]])
    else:
        mx, my = xs, ys
    far = _farthest(xs, ys, mx, my)
    h, w = grid.shape
    diagonal = float(np.hypot(w - 1, h - 1))
    checks = []
    if n_pred > int((starts[1 + n_cheese :, 0] >= 0).sum()):  # some predator starts at random
        checks.append(("world.predator.min_start_dist", cfg.predator.min_start_dist, "predator"))
    if n_cheese:
        checks.append(("world.cheese.respawn_min_dist", cfg.cheese.respawn_min_dist, "cheese"))
    for key, value, what in checks:
        short = int((far < value).sum())
        if value > diagonal:
            raise LayoutError(
                f"{key}: {value:g} can never be met: the map is {w} x {h} cells (the farthest "
                f"floor cell from a mouse start is {float(far.max()):.1f} away)"
            )
        if short and (key, value) not in _said:
            _said.add((key, value))
            some = "any" if short == len(far) else f"{short}"
            logging.getLogger("mousesim").warning(
                f"note: {key} {value:g} cannot be met from {some} of the {len(far)} mouse "
                f"start cells of this map; from those the {what} is placed on any free cell"
            )


def _farthest(xs: np.ndarray, ys: np.ndarray, mx: np.ndarray, my: np.ndarray) -> np.ndarray:
    """For each (mx, my): distance to the farthest floor cell. The distance from a point is
    convex, so its maximum over a set is at a vertex of the set's convex hull; every vertex is
    leftmost or rightmost in its row, so only the hull of the row ends is compared (a dozen
    points or so), in chunks to bound memory. `xs`, `ys` come from np.nonzero (row-major)
    and are not empty."""
    # np.nonzero is row-major: ys ascending, xs ascending within a row, so each row's ends
    # are its first and last entries.
    first = np.flatnonzero(np.r_[True, ys[1:] != ys[:-1]])
    last = np.r_[first[1:] - 1, len(ys) - 1]
    ends = set(zip(xs[first].tolist(), ys[first].tolist(), strict=True))
    ends.update(zip(xs[last].tolist(), ys[last].tolist(), strict=True))
    hull = _convex_hull(sorted(ends))
    cx = np.array([x for x, _ in hull], dtype=np.float64)
    cy = np.array([y for _, y in hull], dtype=np.float64)
    out = np.empty(len(mx))
    for i in range(0, len(mx), 4096):
        dx = mx[i : i + 4096, None] - cx[None, :]
        dy = my[i : i + 4096, None] - cy[None, :]
        out[i : i + 4096] = np.sqrt(dx * dx + dy * dy).max(axis=1)
    return out


def _convex_hull(points: list[tuple[int, int]]) -> list[tuple[int, int]]:
    """Vertices of the convex hull of sorted, distinct integer points (Andrew's monotone
    chain; collinear points dropped, a single point or a segment kept whole)."""
    if len(points) <= 2:
        return points

    def half(pts):
        chain: list[tuple[int, int]] = []
        for p in pts:
            while len(chain) >= 2:
                (ox, oy), (ax, ay) = chain[-2], chain[-1]
                if (ax - ox) * (p[1] - oy) - (ay - oy) * (p[0] - ox) > 0:
                    break
                chain.pop()
            chain.append(p)
        return chain

    lower, upper = half(points), half(reversed(points))
    return lower[:-1] + upper[:-1]


def to_ascii(grid: np.ndarray, mouse=None, cheese=(), preds=()) -> str:
    """Text picture of a grid (for debugging and tests): the same alphabet as layouts."""
    chars = np.where(grid == WALL, "#", ".").astype("<U1")
    for x, y in cheese:
        if 0 <= y < grid.shape[0] and 0 <= x < grid.shape[1]:
            chars[y, x] = "C"
    for x, y in preds:
        chars[y, x] = "P"
    if mouse is not None:
        chars[mouse[1], mouse[0]] = "M"
    return "\n".join("".join(r) for r in chars)
