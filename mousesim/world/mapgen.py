"""Jitted procedural maps: a fresh random obstacle map from an explicit SplitMix64 stream.

The same kind of map as `mousesim.world.grid.random_grid` (border walls, each inner cell a
wall with probability `density`, every floor region but the largest walled off, 4-connected),
but drawn inside jitted code from a per-world stream, so a vector of worlds can build new maps
at an autoreset without leaving the kernel. The stream is seeded from the world's seed
(`map_stream`), so the maps of every later episode are reproducible from that seed.
"""

from __future__ import annotations

import numpy as np
from numba import njit

from mousesim.jit.rng import uniform
from mousesim.world.kernels import FLOOR, WALL

# SeedSequence child index of the map stream. make_streams spawns children 0, 1, 2, ... in
# order; this index is far beyond them, so the map stream never coincides with another stream.
MAP_STREAM_KEY = 0x6D6170  # "map"


def map_stream(seed: int) -> np.ndarray:
    """uint64[1]: the map generator's stream state for a world seeded with `seed`."""
    child = np.random.SeedSequence(int(seed), spawn_key=(MAP_STREAM_KEY,))
    return child.generate_state(1, np.uint64).copy()


@njit(cache=True)
def generate_grid(grid: np.ndarray, density: float, state: np.ndarray, slot: int) -> None:
    """Overwrite `grid` (int8[H, W]) in place with a new random obstacle map.

    Draws one uniform per inner cell, row-major, so the stream advances by the same amount
    whatever the map looks like."""
    h, w = grid.shape
    for y in range(h):
        for x in range(w):
            if y == 0 or x == 0 or y == h - 1 or x == w - 1:
                grid[y, x] = WALL
            else:
                grid[y, x] = WALL if uniform(state, slot) < density else FLOOR
    keep_largest_region(grid)


@njit(cache=True)
def keep_largest_region(grid: np.ndarray) -> None:
    """Wall off every 4-connected floor region but the largest (the first found on a tie, as
    `grid._largest_component` does), so every floor cell is reachable from every other."""
    h, w = grid.shape
    label = np.full((h, w), -1, dtype=np.int32)
    queue = np.empty(h * w, dtype=np.int64)
    best_label, best_size, n_labels = -1, 0, 0
    for y0 in range(h):
        for x0 in range(w):
            if grid[y0, x0] != FLOOR or label[y0, x0] >= 0:
                continue
            label[y0, x0] = n_labels
            queue[0] = y0 * w + x0
            head, tail = 0, 1
            while head < tail:
                c = queue[head]
                head += 1
                y, x = c // w, c % w
                for k in range(4):
                    nx = x + (1, -1, 0, 0)[k]
                    ny = y + (0, 0, 1, -1)[k]
                    if 0 <= nx < w and 0 <= ny < h and grid[ny, nx] == FLOOR and label[ny, nx] < 0:
                        label[ny, nx] = n_labels
                        queue[tail] = ny * w + nx
                        tail += 1
            if tail > best_size:
                best_size, best_label = tail, n_labels
            n_labels += 1
    for y in range(h):
        for x in range(w):
            if grid[y, x] == FLOOR and label[y, x] != best_label:
                grid[y, x] = WALL
