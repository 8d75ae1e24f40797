"""Jitted grid-world rules: placement, moves, predator policies, senses, rewards.

Coordinates: x is the column, y the row (row 0 at the top, as in an ASCII
layout). Heading h in 0..7 points at angle h * 45 deg counter-clockwise from
east as seen on screen, so "left" is +45 deg and a positive bearing is on the
mouse's left. Everything here works on the arrays of `WorldState` and the
scalars of `WorldParams`; randomness comes from the explicit streams in
`WorldState.rng` (see `mousesim.jit.rng`).
"""

from __future__ import annotations

from typing import NamedTuple

import numpy as np

from mousesim.jit.options import jit_only
from mousesim.jit.rng import PREDATOR, SPAWN, uniform

DX = np.array([1, 1, 0, -1, -1, -1, 0, 1], dtype=np.int64)
DY = np.array([0, -1, -1, -1, 0, 1, 1, 1], dtype=np.int64)

WALL = 1
FLOOR = 0

# An int64 argument, not a literal 0: a literal constant argument (`f(..., 0)`) makes numba
# compile the callee once more per distinct value (the stream slots are int64 too: mousesim.jit.rng).
_NO_SLIDE = np.int64(0)  # predators never slide along walls

# Target kinds an expert can sense.
KIND_CHEESE = 0
KIND_PREDATOR = 1

# Predator policies.
POLICY_CHASE = 0
POLICY_RANDOM = 1
POLICY_PATROL = 2

# Columns of WorldState.preds.
PX, PY, PHEAD, PTIMER, PLASTX, PLASTY = 0, 1, 2, 3, 4, 5
# Slots of WorldState.counters.
C_STEP, C_EATEN, C_CAUGHT, C_DONE = 0, 1, 2, 3

# Bits of the flags a world step returns.
TERMINATED = 1
TRUNCATED = 2
ATE = 4
BLOCKED = 8  # the mouse's step left it on the same cell (a wall ahead): its whiskers felt it

# Slots of WorldState.control (game mode: a person steers instead of the brain / policy).
CTRL_MOUSE, CTRL_PREDATOR = 0, 1
NO_CONTROL = -1
PREDATOR_STAY = 8  # CTRL_PREDATOR: 0..7 step along that heading, 8 stay put

FAR = 1.0e9  # distance reported for a target that does not exist


class WorldParams(NamedTuple):
    """Scalar rules of one world (all plain numbers so numba types them once)."""

    max_steps: int
    respawn_min_dist: float
    eat_bonus: float
    caught_penalty: float
    policy: int
    move_prob: float
    chase_prob: float
    vision_radius: float
    give_up: int
    catch_radius: int
    min_start_dist: float
    sense_radius: float
    line_of_sight: int
    slide: int


class WorldState(NamedTuple):
    """Mutable world arrays. `starts` holds fixed start cells from a layout (-1 = random)."""

    grid: np.ndarray  # int8[H, W], 1 = wall
    mouse: np.ndarray  # int64[3]: x, y, heading
    cheese: np.ndarray  # int64[K, 2]
    preds: np.ndarray  # int64[P, 6]: x, y, heading, chase timer, last seen x, y
    counters: np.ndarray  # int64[4]: step, cheese eaten, caught, done
    starts: np.ndarray  # int64[1 + K + P, 2]
    rng: np.ndarray  # uint64[N_KERNEL_STREAMS]
    control: np.ndarray  # int64[2]: moves chosen from outside (game mode), NO_CONTROL = none


@jit_only(cache=True)
def is_free(grid: np.ndarray, x: int, y: int) -> bool:
    """Floor cell inside the grid (outside counts as wall)."""
    return 0 <= y < grid.shape[0] and 0 <= x < grid.shape[1] and grid[y, x] == FLOOR


@jit_only(cache=True)
def dist(x0: int, y0: int, x1: int, y1: int) -> float:
    return np.sqrt(float((x1 - x0) ** 2 + (y1 - y0) ** 2))


@jit_only(cache=True)
def wrap_angle(a: float) -> float:
    """Wrap to (-pi, pi]."""
    a = (a + np.pi) % (2.0 * np.pi) - np.pi
    if a <= -np.pi:
        a += 2.0 * np.pi
    return a


@jit_only(cache=True)
def clear_line(grid: np.ndarray, x0: int, y0: int, x1: int, y1: int) -> bool:
    """True if no wall lies on the Bresenham line strictly between the two cells."""
    dx = abs(x1 - x0)
    dy = -abs(y1 - y0)
    sx = 1 if x0 < x1 else -1
    sy = 1 if y0 < y1 else -1
    err = dx + dy
    x, y = x0, y0
    while not (x == x1 and y == y1):
        e2 = 2 * err
        if e2 >= dy:
            err += dy
            x += sx
        if e2 <= dx:
            err += dx
            y += sy
        if (x != x1 or y != y1) and not is_free(grid, x, y):
            return False
    return True


@jit_only(cache=True)
def step_target(grid: np.ndarray, x: int, y: int, h: int, slide: int) -> tuple[int, int]:
    """Cell reached by one step from (x, y) along heading h.

    A blocked step stays put. A diagonal step may not squeeze between two
    walls; with `slide`, a blocked diagonal step slides along the free axis.
    """
    dx, dy = DX[h], DY[h]
    nx, ny = x + dx, y + dy
    if dx != 0 and dy != 0:
        fx = is_free(grid, x + dx, y)
        fy = is_free(grid, x, y + dy)
        if is_free(grid, nx, ny) and (fx or fy):
            return nx, ny
        if slide:
            if fx:
                return x + dx, y
            if fy:
                return x, y + dy
        return x, y
    if is_free(grid, nx, ny):
        return nx, ny
    return x, y


@jit_only(cache=True, forceinline=False)  # rare: a call, not inlined
def _occupied_by_cheese(ws: WorldState, x: int, y: int, upto: int) -> bool:
    for k in range(upto):
        if ws.cheese[k, 0] == x and ws.cheese[k, 1] == y:
            return True
    return False


@jit_only(cache=True, forceinline=False)  # rare: a call, not inlined
def _eligible(ws: WorldState, x: int, y: int, min_dist: float, avoid_cheese: int) -> bool:
    """A free cell off the mouse, at least `min_dist` away, not under the first pieces."""
    mx, my = ws.mouse[0], ws.mouse[1]
    if ws.grid[y, x] != FLOOR or (x == mx and y == my):
        return False
    if dist(mx, my, x, y) < min_dist:
        return False
    return not _occupied_by_cheese(ws, x, y, avoid_cheese)


@jit_only(cache=True, forceinline=False)  # rare: a call, not inlined
def _pick_cell(ws: WorldState, slot: int, min_dist: float, avoid_cheese: int) -> tuple[int, int]:
    """Uniform free cell at least `min_dist` from the mouse, not under the first `avoid_cheese`
    pieces. Falls back to any free cell off the mouse if none is far enough. One draw, no retry
    loop, so the stream advances by the same amount whatever the map."""
    h, w = ws.grid.shape
    u = uniform(ws.rng, slot)
    for need in (min_dist, 0.0):  # the second pass relaxes the distance
        n = 0
        for y in range(h):
            for x in range(w):
                n += _eligible(ws, x, y, need, avoid_cheese)
        if n == 0:
            continue
        pick = min(int(u * n), n - 1)
        for y in range(h):
            for x in range(w):
                if _eligible(ws, x, y, need, avoid_cheese):
                    if pick == 0:
                        return x, y
                    pick -= 1
    return ws.mouse[0], ws.mouse[1]


@jit_only(cache=True, forceinline=False)  # rare: a call, not inlined
def reset_world(ws: WorldState, wp: WorldParams) -> None:
    """Place mouse, cheese and predators for a new episode and clear the counters."""
    grid = ws.grid
    if ws.starts[0, 0] >= 0:
        ws.mouse[0], ws.mouse[1] = ws.starts[0, 0], ws.starts[0, 1]
    else:
        n = 0
        for y in range(grid.shape[0]):
            for x in range(grid.shape[1]):
                n += grid[y, x] == FLOOR
        pick = min(int(uniform(ws.rng, SPAWN) * n), n - 1)
        for y in range(grid.shape[0]):
            for x in range(grid.shape[1]):
                if grid[y, x] == FLOOR:
                    if pick == 0:
                        ws.mouse[0], ws.mouse[1] = x, y
                    pick -= 1
    ws.mouse[2] = min(int(uniform(ws.rng, SPAWN) * 8), 7)
    k_count = ws.cheese.shape[0]
    for k in range(k_count):
        s = 1 + k
        if ws.starts[s, 0] >= 0:
            ws.cheese[k, 0], ws.cheese[k, 1] = ws.starts[s, 0], ws.starts[s, 1]
        else:
            ws.cheese[k, 0], ws.cheese[k, 1] = _pick_cell(ws, SPAWN, wp.respawn_min_dist, k)
    for p in range(ws.preds.shape[0]):
        s = 1 + k_count + p
        if ws.starts[s, 0] >= 0:
            ws.preds[p, PX], ws.preds[p, PY] = ws.starts[s, 0], ws.starts[s, 1]
        else:
            ws.preds[p, PX], ws.preds[p, PY] = _pick_cell(
                ws, PREDATOR, wp.min_start_dist, np.int64(0)
            )
        ws.preds[p, PHEAD] = min(int(uniform(ws.rng, PREDATOR) * 8), 7)
        ws.preds[p, PTIMER] = 0
        ws.preds[p, PLASTX] = ws.preds[p, PX]
        ws.preds[p, PLASTY] = ws.preds[p, PY]
    ws.counters[:] = 0


@jit_only(cache=True)
def nth_target(ws: WorldState, kind: int, rank: int) -> tuple[int, int, float]:
    """Cell and distance of the rank-th nearest target of `kind` (distance FAR if none).

    Ties keep the lower index, so the choice is deterministic."""
    mx, my = ws.mouse[0], ws.mouse[1]
    arr = ws.cheese if kind == KIND_CHEESE else ws.preds
    n = arr.shape[0]
    if rank >= n:
        return -1, -1, FAR
    if rank == 0:  # the common case, without the scratch array
        best = 0
        best_d = dist(mx, my, arr[0, 0], arr[0, 1])
        for i in range(1, n):
            d = dist(mx, my, arr[i, 0], arr[i, 1])
            if d < best_d:
                best_d = d
                best = i
        return arr[best, 0], arr[best, 1], best_d
    # Selection by repeated minimum: n is tiny (a few targets).
    taken = np.zeros(n, dtype=np.bool_)
    best = -1
    for _ in range(rank + 1):
        best = -1
        best_d = FAR
        for i in range(n):
            if taken[i]:
                continue
            d = dist(mx, my, arr[i, 0], arr[i, 1])
            if d < best_d:
                best_d = d
                best = i
        taken[best] = True
    return arr[best, 0], arr[best, 1], dist(mx, my, arr[best, 0], arr[best, 1])


@jit_only(cache=True)
def sense(
    ws: WorldState, wp: WorldParams, kinds: np.ndarray, ranks: np.ndarray, out: np.ndarray
) -> None:
    """Egocentric percept per expert into out[E, 3] = (bearing, distance, visible).

    bearing is relative to the heading, in (-pi, pi], positive to the left. A
    target beyond sense_radius, or behind a wall with line_of_sight on, is not
    visible (the brain gets no cue and must remember it)."""
    mx, my, h = ws.mouse[0], ws.mouse[1], ws.mouse[2]
    for e in range(kinds.shape[0]):
        tx, ty, d = nth_target(ws, kinds[e], ranks[e])
        if tx < 0:
            out[e, 0] = 0.0
            out[e, 1] = FAR
            out[e, 2] = 0.0
            continue
        world_angle = np.arctan2(-(ty - my), tx - mx)
        out[e, 0] = wrap_angle(world_angle - h * (np.pi / 4.0)) if d > 0 else 0.0
        out[e, 1] = d
        vis = d <= wp.sense_radius
        if vis and wp.line_of_sight:
            vis = clear_line(ws.grid, mx, my, tx, ty)
        out[e, 2] = 1.0 if vis else 0.0


@jit_only(cache=True)
def _caught(ws: WorldState, wp: WorldParams) -> bool:
    mx, my = ws.mouse[0], ws.mouse[1]
    for p in range(ws.preds.shape[0]):
        if max(abs(ws.preds[p, PX] - mx), abs(ws.preds[p, PY] - my)) <= wp.catch_radius:
            return True
    return False


@jit_only(cache=True)
def _random_step(ws: WorldState, p: int) -> None:
    h = min(int(uniform(ws.rng, PREDATOR) * 8), 7)
    ws.preds[p, PHEAD] = h
    nx, ny = step_target(ws.grid, ws.preds[p, PX], ws.preds[p, PY], h, _NO_SLIDE)
    ws.preds[p, PX], ws.preds[p, PY] = nx, ny


@jit_only(cache=True)
def _greedy_step(ws: WorldState, p: int, tx: int, ty: int) -> None:
    """Move to the neighbouring cell closest to (tx, ty); stay if none is closer."""
    x, y = ws.preds[p, PX], ws.preds[p, PY]
    best_h = np.int64(-1)  # int64, not a literal: one step_target to compile
    best_d = dist(x, y, tx, ty)
    for h in range(8):
        nx, ny = step_target(ws.grid, x, y, h, _NO_SLIDE)
        if nx == x and ny == y:
            continue
        d = dist(nx, ny, tx, ty)
        if d < best_d - 1e-12:
            best_d = d
            best_h = h
    if best_h >= 0:
        ws.preds[p, PHEAD] = best_h
        nx, ny = step_target(ws.grid, x, y, best_h, _NO_SLIDE)
        ws.preds[p, PX], ws.preds[p, PY] = nx, ny


@jit_only(cache=True)
def move_predators(ws: WorldState, wp: WorldParams) -> None:
    """One step of every predator's policy.

    Draws are made in a fixed order whatever the outcome (move?, chase?,
    direction), so a predator's stream stays aligned across policies' branches."""
    mx, my = ws.mouse[0], ws.mouse[1]
    for p in range(ws.preds.shape[0]):
        u_move = uniform(ws.rng, PREDATOR)
        u_chase = uniform(ws.rng, PREDATOR)
        x, y = ws.preds[p, PX], ws.preds[p, PY]
        if wp.policy == POLICY_CHASE:
            sees = dist(x, y, mx, my) <= wp.vision_radius
            if sees and wp.line_of_sight:
                sees = clear_line(ws.grid, x, y, mx, my)
            if sees:
                ws.preds[p, PTIMER] = wp.give_up + 1
                ws.preds[p, PLASTX] = mx
                ws.preds[p, PLASTY] = my
            elif ws.preds[p, PTIMER] > 0:
                ws.preds[p, PTIMER] -= 1
        if p == 0 and ws.control[CTRL_PREDATOR] != NO_CONTROL:
            # A person steers this predator: one cell per world step at most, no slide.
            h = ws.control[CTRL_PREDATOR]
            if h != PREDATOR_STAY:
                ws.preds[p, PHEAD] = h
                ws.preds[p, PX], ws.preds[p, PY] = step_target(ws.grid, x, y, h, _NO_SLIDE)
            continue
        if u_move >= wp.move_prob:
            continue
        if wp.policy == POLICY_CHASE:
            if ws.preds[p, PTIMER] > 0 and u_chase < wp.chase_prob:
                _greedy_step(ws, p, ws.preds[p, PLASTX], ws.preds[p, PLASTY])
            else:
                _random_step(ws, p)
        elif wp.policy == POLICY_RANDOM:
            _random_step(ws, p)
        else:  # patrol: straight on, a new random heading when blocked
            h = ws.preds[p, PHEAD]
            nx, ny = step_target(ws.grid, x, y, h, _NO_SLIDE)
            if nx == x and ny == y:
                _random_step(ws, p)
            else:
                ws.preds[p, PX], ws.preds[p, PY] = nx, ny


@jit_only(cache=True)
def turn_heading(h: int, action: int) -> int:
    """Action 0 turns left 45 deg, 1 keeps the heading, 2 turns right 45 deg."""
    return (h + 1 - action) % 8


@jit_only(cache=True)
def free_steps(grid: np.ndarray, x: int, y: int, h: int, reach: int, slide: int) -> int:
    """How many steps along heading h from (x, y) are free before a wall stops one, at most
    `reach` (the walls a whisker feels: the brain's reflex and the gym observation)."""
    for n in range(reach):
        nx, ny = step_target(grid, x, y, h, slide)
        if nx == x and ny == y:
            return n
        x, y = nx, ny
    return reach


@jit_only(cache=True)
def feel_walls(ws: WorldState, wp: WorldParams, reach: int, out: np.ndarray) -> None:
    """Whiskers: out[a] = 1 / k if action a (turn left / straight / turn right, then keep
    stepping along that heading) would first be stopped by a wall on its k-th step, k <= reach;
    0 if the way is free that far. A diagonal step that slides along a wall is not stopped."""
    x, y, h = ws.mouse[0], ws.mouse[1], ws.mouse[2]
    for a in range(3):
        n = free_steps(ws.grid, x, y, turn_heading(h, a), reach, wp.slide)
        out[a] = 1.0 / (n + 1) if n < reach else 0.0


@jit_only(cache=True)
def world_step(
    ws: WorldState,
    wp: WorldParams,
    action: int,
    kinds: np.ndarray,
    ranks: np.ndarray,
    rewards: np.ndarray,
) -> int:
    """Advance the world by one step; write each expert's reward; return flag bits.

    Order: mouse turns and steps -> eats -> caught? -> predators move -> caught?
    Flags: TERMINATED (caught), TRUNCATED (max_steps), ATE, BLOCKED (the step hit a wall).
    Cheese reward = d_prev - d_new (+ eat_bonus for the experts whose own cheese was eaten:
    d_new = 0 then); predator reward = d_new - d_prev (- caught_penalty when caught, for the
    nearest predator's expert and any whose predator is within catch_radius). A target that
    does not exist gives 0."""
    n_exp = kinds.shape[0]
    # rewards[e] holds the distance before the move until its reward replaces it (an array
    # of its own was a heap allocation every step).
    for e in range(n_exp):
        rewards[e] = nth_target(ws, kinds[e], ranks[e])[2]

    h = turn_heading(ws.mouse[2], action)
    ws.mouse[2] = h
    nx, ny = step_target(ws.grid, ws.mouse[0], ws.mouse[1], h, wp.slide)
    blocked = nx == ws.mouse[0] and ny == ws.mouse[1]
    ws.mouse[0], ws.mouse[1] = nx, ny

    ate = 0
    for k in range(ws.cheese.shape[0]):
        if ws.cheese[k, 0] == nx and ws.cheese[k, 1] == ny:
            ate += 1
    caught = _caught(ws, wp)
    if not caught:
        move_predators(ws, wp)
        caught = _caught(ws, wp)

    for e in range(n_exp):
        d_prev = rewards[e]
        tx, ty, d_new = nth_target(ws, kinds[e], ranks[e])
        if d_prev >= FAR or d_new >= FAR:
            rewards[e] = 0.0
        elif kinds[e] == KIND_CHEESE:
            rewards[e] = d_prev - d_new
            # The bonus is the reward of the experts whose own cheese was eaten (it lies on
            # the mouse's cell until it respawns below), not of a second cheese's expert.
            if ate > 0 and tx == nx and ty == ny:
                rewards[e] += wp.eat_bonus * ate
        else:
            rewards[e] = d_new - d_prev
            # The catch is the penalty of the nearest predator's expert and of any other
            # whose own predator is within catch reach: the expert of a second predator
            # across the field did not lose the mouse.
            if caught and (ranks[e] == 0 or max(abs(tx - nx), abs(ty - ny)) <= wp.catch_radius):
                rewards[e] -= wp.caught_penalty

    # Respawn after rewards, so the eaten piece's distance (0) is what was scored.
    for k in range(ws.cheese.shape[0]):
        if ws.cheese[k, 0] == nx and ws.cheese[k, 1] == ny:
            ws.cheese[k, 0], ws.cheese[k, 1] = -1000, -1000
            cx, cy = _pick_cell_respawn(ws, wp)
            ws.cheese[k, 0], ws.cheese[k, 1] = cx, cy

    ws.counters[C_STEP] += 1
    ws.counters[C_EATEN] += ate
    flags = 0
    if ate > 0:
        flags |= ATE
    if blocked:
        flags |= BLOCKED
    if caught:
        ws.counters[C_CAUGHT] = 1
        flags |= TERMINATED
    elif ws.counters[C_STEP] >= wp.max_steps:
        flags |= TRUNCATED
    if flags & (TERMINATED | TRUNCATED):
        ws.counters[C_DONE] = 1
    return flags


@jit_only(cache=True, forceinline=False)  # rare: a call, not inlined
def _pick_cell_respawn(ws: WorldState, wp: WorldParams) -> tuple[int, int]:
    """A respawn cell away from the mouse and every other piece of cheese."""
    return _pick_cell(ws, SPAWN, wp.respawn_min_dist, ws.cheese.shape[0])
