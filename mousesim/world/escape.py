"""The escape reflex's look-ahead: which first move gets the mouse farthest from a near
predator a few moves on, over the walls around it.

A mouse escapes a looming threat with an innate, fast response (Yilmaz & Meister 2013) that
the superior colliculus and the periaqueductal grey compute (Evans et al. 2018), and it
takes the layout into account: it runs around an obstacle rather than into it (Vale et al.
2017; Shamash et al. 2021). Rodents also play out a few steps ahead at a choice point
(Johnson & Redish 2007). Here that is a depth-limited search over the mouse's own moves
(turn left / keep / turn right, then a step by the world's rule) that scores each end cell
by its distance from the predators the mouse senses near it, plus a bonus for the free cells
around it (a boxed-in mouse is a caught mouse). The predators are taken as still, and a
first step into a cell a predator could reach with its next move is ruled out.

The same search is the oracle's escape (`mousesim.evaluate.oracle.flee_action`), which reads
every predator; the reflex reads only those within its radius that the mouse senses.
"""

from __future__ import annotations

import numpy as np
from numba import njit

from mousesim.jit.options import jit_only
from mousesim.world.kernels import (
    DX,
    DY,
    PX,
    PY,
    WorldParams,
    WorldState,
    clear_line,
    dist,
    step_target,
    turn_heading,
)

OPEN_BONUS = 0.3  # score per free neighbour cell of an end cell (0-8 of them)
LOOK_FLOOR = 4.0  # the look-ahead reports an action at most this much worse than the best
RULED_OUT = -1.0e6  # a first step into a cell a predator can reach next


@njit(cache=True)
def flee_score(grid: np.ndarray, preds: np.ndarray, x: int, y: int) -> float:
    """s(x, y) = min_p |(x, y) - p| + 0.3 * (free cells among the 8 around (x, y))."""
    height, width = grid.shape
    d = 1.0e18
    for p in range(preds.shape[0]):
        d = min(d, np.hypot(x - preds[p, 0], y - preds[p, 1]))
    free = 0
    for h in range(8):
        nx, ny = x + DX[h], y + DY[h]
        if 0 <= ny < height and 0 <= nx < width and grid[ny, nx] == 0:
            free += 1
    return d + OPEN_BONUS * free


@njit(cache=True)
def flee_search(
    grid: np.ndarray, preds: np.ndarray, x: int, y: int, h: int, k: int, slide: int
) -> float:
    """V_k(x, y, h) = max over the three actions of V_{k-1} at the cell they lead to;
    V_0 = `flee_score`."""
    if k == 0:
        return flee_score(grid, preds, x, y)
    best = -1.0e18
    for a in range(3):
        nh = turn_heading(h, a)
        nx, ny = step_target(grid, x, y, nh, slide)
        best = max(best, flee_search(grid, preds, nx, ny, nh, k - 1, slide))
    return best


@njit(cache=True)
def reach_mask(grid: np.ndarray, preds: np.ndarray, catch_radius: int) -> np.ndarray:
    """first[y * W + x] = True where a predator, with one move (any of 8 headings, or
    staying), ends within `catch_radius` (Chebyshev) of (x, y): stepping there could be a
    catch."""
    height, width = grid.shape
    first = np.zeros(height * width, dtype=np.bool_)
    no_slide = catch_radius * 0  # a predator does not slide; a variable, not a literal 0, so
    # numba compiles step_target once for the world and the reflex
    for p in range(preds.shape[0]):
        px, py = preds[p, 0], preds[p, 1]
        for h in range(9):
            if h == 8:
                cx, cy = px, py
            else:
                cx, cy = step_target(grid, px, py, h, no_slide)
            for dy in range(-catch_radius, catch_radius + 1):
                for dx in range(-catch_radius, catch_radius + 1):
                    x, y = cx + dx, cy + dy
                    if 0 <= x < width and 0 <= y < height:
                        first[y * width + x] = True
    return first


@njit(cache=True)
def first_move_values(
    grid: np.ndarray,
    x: int,
    y: int,
    h: int,
    preds: np.ndarray,
    first: np.ndarray,
    depth: int,
    slide: int,
    out: np.ndarray,
) -> None:
    """out[a] = V_{depth-1}(cell and heading after action a), or RULED_OUT + s(cell) for a
    first step into a `first` cell (`reach_mask`)."""
    width = grid.shape[1]
    for a in range(3):
        nh = turn_heading(h, a)
        nx, ny = step_target(grid, x, y, nh, slide)
        if first[ny * width + nx]:
            out[a] = RULED_OUT + flee_score(grid, preds, nx, ny)
        else:
            out[a] = flee_search(grid, preds, nx, ny, nh, depth - 1, slide)


@njit(cache=True)
def escape_move(
    grid: np.ndarray,
    x: int,
    y: int,
    h: int,
    preds: np.ndarray,
    first: np.ndarray,
    depth: int,
    slide: int,
) -> int:
    """argmax_a of `first_move_values`; ties keep the lower action (left first)."""
    values = np.empty(3)
    first_move_values(grid, x, y, h, preds, first, depth, slide, values)
    best_a = 0
    best = -1.0e300
    for a in range(3):
        if values[a] > best:
            best = values[a]
            best_a = a
    return best_a


@jit_only(cache=True)
def look_ahead(ws: WorldState, wp: WorldParams, radius: float, depth: int, out: np.ndarray) -> None:
    """The look-ahead a predator expert reads: out[a] = max(V(a) - max_b V(b), -LOOK_FLOOR),
    V(a) the value of the best `depth`-move sequence starting with action a (`flee_search`
    after a's step; a first step into a cell a predator can reach next counts as the floor),
    away from the predators sensed within `radius` cells; 0 for every action when none is."""
    near = _sensed_predators(ws, wp, radius)
    if near.shape[0] == 0:
        out[:] = 0.0
        return
    first = reach_mask(ws.grid, near, wp.catch_radius)
    x, y, h = ws.mouse[0], ws.mouse[1], ws.mouse[2]
    first_move_values(ws.grid, x, y, h, near, first, depth, wp.slide, out)
    best = -1.0e300
    for a in range(3):
        if out[a] < 0.5 * RULED_OUT:  # a ruled-out first step: the floor, whatever its cell
            out[a] = RULED_OUT
        best = max(best, out[a])
    for a in range(3):
        out[a] = max(out[a] - best, -LOOK_FLOOR)


@jit_only(cache=True)
def escape_action(ws: WorldState, wp: WorldParams, radius: float, depth: int) -> int:
    """The escape reflex: -1 when no predator is sensed within `radius` cells (within the
    sense radius and, with line of sight on, not behind a wall); else `escape_move` away from
    the predators sensed that near."""
    near = _sensed_predators(ws, wp, radius)
    if near.shape[0] == 0:
        return -1
    first = reach_mask(ws.grid, near, wp.catch_radius)
    return escape_move(ws.grid, ws.mouse[0], ws.mouse[1], ws.mouse[2], near, first, depth, wp.slide)


@njit(inline="always")
def _sensed_predators(ws: WorldState, wp: WorldParams, radius: float) -> np.ndarray:
    """The cells (x, y) of the predators sensed within `radius` cells, one row each."""
    n = 0
    for p in range(ws.preds.shape[0]):
        if _sensed_within(ws, wp, p, radius):
            n += 1
    near = np.empty((n, 2), dtype=np.int64)
    i = 0
    for p in range(ws.preds.shape[0]):
        if _sensed_within(ws, wp, p, radius):
            near[i, 0], near[i, 1] = ws.preds[p, PX], ws.preds[p, PY]
            i += 1
    return near


@njit(inline="always")
def _sensed_within(ws: WorldState, wp: WorldParams, p: int, radius: float) -> bool:
    mx, my = ws.mouse[0], ws.mouse[1]
    px, py = ws.preds[p, PX], ws.preds[p, PY]
    d = dist(mx, my, px, py)
    if d > radius or d > wp.sense_radius:
        return False
    return not wp.line_of_sight or clear_line(ws.grid, mx, my, px, py)
