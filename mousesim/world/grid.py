"""Building the int8 grid from a config: ASCII layouts or random obstacle maps."""

from __future__ import annotations

from collections import deque

import numpy as np

from mousesim.config import WorldConfig
from mousesim.errors import LayoutError
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
    """Wall off every floor region but the largest, so every cell the mouse can be on is
    reachable from every other (4-connected flood fill)."""
    h, w = grid.shape
    label = -np.ones_like(grid, dtype=np.int64)
    sizes = []
    for y0 in range(h):
        for x0 in range(w):
            if grid[y0, x0] != FLOOR or label[y0, x0] >= 0:
                continue
            n = len(sizes)
            label[y0, x0] = n
            q = deque([(x0, y0)])
            count = 0
            while q:
                x, y = q.popleft()
                count += 1
                for dx, dy in ((1, 0), (-1, 0), (0, 1), (0, -1)):
                    nx, ny = x + dx, y + dy
                    if 0 <= nx < w and 0 <= ny < h and grid[ny, nx] == FLOOR and label[ny, nx] < 0:
                        label[ny, nx] = n
                        q.append((nx, ny))
            sizes.append(count)
    out = grid.copy()
    if sizes:
        keep = int(np.argmax(sizes))
        out[(grid == FLOOR) & (label != keep)] = WALL
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
        return random_grid(w, h, cfg.obstacle_density, rng), starts
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
    if int((grid == FLOOR).sum()) < 2 + n_cheese:
        raise LayoutError("world.layout: too few floor cells for the mouse and the cheese")
    return grid, starts


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
