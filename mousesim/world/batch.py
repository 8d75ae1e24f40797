"""Jitted agent-facing world steps, one world or a batch of B worlds in one call.

What the Gymnasium environments (`mousesim.gym`) run: the world's own rules (`world_step`,
`reset_world`) plus the agent's observation (targets' egocentric bearings, wall whiskers, a
blocked flag), a new procedural map at a reset, and the autoreset rule of a vector env. The
single env calls `step_one` / `reset_one`; the vector env calls `batch_step` / `batch_reset`,
which loop over the same two functions, so env i of a vector is bit-identical to a single env
with the same seed.

Observation v1 (float32[OBS_DIM]), in `OBS_NAMES` order:

=====  ============================================================================
0-3    cheese: sin(bearing), cos(bearing), distance / sense_radius (at most 1), sensed
4-7    predator: the same four numbers
8-9    heading: sin, cos (angle counter-clockwise from east on screen)
10-12  whiskers left, ahead, right (the headings actions 0, 1, 2 step along):
       1 = the next step that way is blocked, 0.5 = one free step then a wall,
       0 = WHISKER_REACH free steps
13     blocked: 1 if the last step left the mouse on the same cell (0 after a reset)
=====  ============================================================================

A target beyond sense_radius (or behind a wall with line_of_sight), or absent, is not
sensed and its four numbers are 0. A whisker step follows the world's step rule without
sliding: a wall cell, or a diagonal squeeze between two walls, blocks it.
"""

from __future__ import annotations

from typing import NamedTuple

import numpy as np
from numba import njit

from mousesim.world.kernels import (
    BLOCKED,
    C_CAUGHT,
    C_EATEN,
    C_STEP,
    TERMINATED,
    TRUNCATED,
    WorldParams,
    WorldState,
    clear_line,
    dist,
    free_steps,
    reset_world,
    turn_heading,
    world_step,
)
from mousesim.world.mapgen import generate_grid

OBS_NAMES = (
    "cheese_sin",
    "cheese_cos",
    "cheese_dist",
    "cheese_sensed",
    "predator_sin",
    "predator_cos",
    "predator_dist",
    "predator_sensed",
    "heading_sin",
    "heading_cos",
    "wall_left",
    "wall_ahead",
    "wall_right",
    "blocked",
)
OBS_DIM = len(OBS_NAMES)
OBS_LOW = np.array([-1, -1, 0, 0, -1, -1, 0, 0, -1, -1, 0, 0, 0, 0], dtype=np.float32)
OBS_HIGH = np.ones(OBS_DIM, dtype=np.float32)
WHISKER_REACH = 2  # cells a whisker feels ahead

# Columns of StepOut.final (SAME_STEP: the info numbers of the step that ended an episode).
FINAL_COLUMNS = ("steps", "cheese", "caught", "ate", "blocked")

# Autoreset modes of a vector of worlds (Gymnasium's AutoresetMode).
NEXT_STEP = 0  # the step after an episode's end resets that world (the action is ignored)
SAME_STEP = 1  # the ending step resets at once; the final observation goes into final_obs
DISABLED = 2  # never: the caller resets ended worlds with batch_reset and a mask


class BatchState(NamedTuple):
    """B worlds' arrays (a WorldState per row) plus what the agent-facing layer keeps."""

    grid: np.ndarray  # int8[B, H, W]
    mouse: np.ndarray  # int64[B, 3]
    cheese: np.ndarray  # int64[B, K, 2]
    preds: np.ndarray  # int64[B, P, 6]
    counters: np.ndarray  # int64[B, 4]
    starts: np.ndarray  # int64[B, 1 + K + P, 2]
    rng: np.ndarray  # uint64[B, N_KERNEL_STREAMS]
    control: np.ndarray  # int64[B, 2]: game-mode overrides (NO_CONTROL: none)
    map_rng: np.ndarray  # uint64[B, 1]: the procedural map stream
    blocked: np.ndarray  # bool[B]: the last step left the mouse on its cell
    needs_reset: np.ndarray  # bool[B]: ended, reset on the next step (NEXT_STEP mode)
    episode: np.ndarray  # int64[B]: episodes since the seed (0 = the first, on the seed's map)


class StepOut(NamedTuple):
    """Per-world results of one batch step (fresh arrays, owned by the caller)."""

    obs: np.ndarray  # float32[B, OBS_DIM]
    reward: np.ndarray  # float64[B]
    parts: np.ndarray  # float64[B, 2]: cheese, predator reward
    terminated: np.ndarray  # bool[B]
    truncated: np.ndarray  # bool[B]
    ate: np.ndarray  # int64[B]: pieces eaten this step
    final_obs: np.ndarray  # float32[B, OBS_DIM]: SAME_STEP: the ended episode's last obs
    final: np.ndarray  # int64[B, 5]: SAME_STEP: the ending step's FINAL_COLUMNS
    final_parts: np.ndarray  # float64[B, 2]: SAME_STEP: the ending step's reward parts
    ended: np.ndarray  # bool[B]: SAME_STEP: this world was reset in this step


def new_step_out(b: int) -> StepOut:
    return StepOut(
        obs=np.empty((b, OBS_DIM), dtype=np.float32),
        reward=np.empty(b),
        parts=np.empty((b, 2)),
        terminated=np.empty(b, dtype=np.bool_),
        truncated=np.empty(b, dtype=np.bool_),
        ate=np.empty(b, dtype=np.int64),
        final_obs=np.zeros((b, OBS_DIM), dtype=np.float32),
        final=np.zeros((b, 5), dtype=np.int64),
        final_parts=np.zeros((b, 2)),
        ended=np.zeros(b, dtype=np.bool_),
    )


@njit(cache=True, inline="always")
def whisker(grid: np.ndarray, x: int, y: int, h: int, reach: int) -> float:
    """1 - (free steps along heading h, at most `reach`) / reach."""
    return (reach - free_steps(grid, x, y, h, reach, 0)) / reach


# sin and cos of heading h * 45 deg (a table: the heading is one of eight).
HEADING_SIN = np.sin(np.arange(8) * (np.pi / 4.0))
HEADING_COS = np.cos(np.arange(8) * (np.pi / 4.0))


@njit(cache=True, inline="always")
def _target(
    ws: WorldState, wp: WorldParams, arr: np.ndarray, sh: float, ch: float, out: np.ndarray, o: int
) -> None:
    """out[o:o + 4] for the nearest target in `arr` (rows x, y, ...), as `sense` senses it:
    the same nearest target (ties keep the lower index), distance and visibility rule. The
    bearing's sin and cos come from the direction vector and the heading's sin and cos, not
    from an arctan2 and a wrap (the same angle, a few times cheaper)."""
    mx, my = ws.mouse[0], ws.mouse[1]
    best, best_d = -1, 0.0
    for i in range(arr.shape[0]):
        d = dist(mx, my, arr[i, 0], arr[i, 1])
        if best < 0 or d < best_d:
            best, best_d = i, d
    if best >= 0 and best_d <= wp.sense_radius:
        tx, ty = arr[best, 0], arr[best, 1]
        if not wp.line_of_sight or clear_line(ws.grid, mx, my, tx, ty):
            if best_d > 0:
                # world direction (cos, sin) = (dx, -dy) / d (rows grow downwards); rotate
                # it by minus the heading to get the egocentric bearing's cos and sin.
                cw, sw = (tx - mx) / best_d, -(ty - my) / best_d
                out[o] = sw * ch - cw * sh
                out[o + 1] = cw * ch + sw * sh
            else:  # on the mouse's cell: bearing 0, as `sense` reports
                out[o] = 0.0
                out[o + 1] = 1.0
            out[o + 2] = min(best_d / wp.sense_radius, 1.0)
            out[o + 3] = 1.0
            return
    out[o : o + 4] = 0.0


@njit(cache=True, inline="always")
def observe(ws: WorldState, wp: WorldParams, blocked: bool, out: np.ndarray) -> None:
    """The observation v1 (see the module docstring) into out[OBS_DIM]."""
    x, y, h = ws.mouse[0], ws.mouse[1], ws.mouse[2]
    sh, ch = HEADING_SIN[h], HEADING_COS[h]
    _target(ws, wp, ws.cheese, sh, ch, out, 0)
    _target(ws, wp, ws.preds, sh, ch, out, 4)
    out[8] = sh
    out[9] = ch
    for a in range(3):  # the heading each action turns to: left, ahead, right
        out[10 + a] = whisker(ws.grid, x, y, turn_heading(h, a), WHISKER_REACH)
    out[13] = 1.0 if blocked else 0.0


@njit(cache=True)
def step_one(
    ws: WorldState,
    wp: WorldParams,
    action: int,
    kinds: np.ndarray,
    ranks: np.ndarray,
    rewards: np.ndarray,
    obs: np.ndarray,
) -> tuple[int, bool]:
    """One world step and the observation after it: (world flags, blocked)."""
    flags = world_step(ws, wp, action, kinds, ranks, rewards)
    blocked = (flags & BLOCKED) != 0
    observe(ws, wp, blocked, obs)
    return flags, blocked


@njit(cache=True)
def reset_one(
    ws: WorldState,
    wp: WorldParams,
    new_map: bool,
    density: float,
    map_rng: np.ndarray,
    obs: np.ndarray,
) -> None:
    """A new episode (on a new procedural map if `new_map`) and its first observation."""
    if new_map:
        generate_grid(ws.grid, density, map_rng, 0)
    reset_world(ws, wp)
    observe(ws, wp, False, obs)


@njit(cache=True)
def world_view(bs: BatchState, b: int) -> WorldState:
    """World b of the batch as a WorldState of views (no copy)."""
    return WorldState(
        bs.grid[b],
        bs.mouse[b],
        bs.cheese[b],
        bs.preds[b],
        bs.counters[b],
        bs.starts[b],
        bs.rng[b],
        bs.control[b],
    )


@njit(cache=True)
def batch_reset(
    bs: BatchState,
    wp: WorldParams,
    mask: np.ndarray,
    first: bool,
    new_map: bool,
    density: float,
    kinds: np.ndarray,
    ranks: np.ndarray,
    obs: np.ndarray,
) -> None:
    """Start a new episode in every world where mask[b] (obs[b] gets its first observation).

    `first`: the episode right after seeding, on the seed's own map (episode 0); otherwise
    the next episode, on a new procedural map if `new_map`."""
    for b in range(mask.shape[0]):
        if not mask[b]:
            continue
        ws = world_view(bs, b)
        reset_one(ws, wp, new_map and not first, density, bs.map_rng[b], obs[b])
        bs.episode[b] = 0 if first else bs.episode[b] + 1
        bs.blocked[b] = False
        bs.needs_reset[b] = False


@njit(cache=True)
def batch_step(
    bs: BatchState,
    wp: WorldParams,
    actions: np.ndarray,
    mode: int,
    new_map: bool,
    density: float,
    kinds: np.ndarray,
    ranks: np.ndarray,
    out: StepOut,
) -> None:
    """Step every world with its action, autoresetting ended worlds by `mode`."""
    rewards = np.empty(2)
    for b in range(actions.shape[0]):
        ws = world_view(bs, b)
        out.ended[b] = False
        if mode == NEXT_STEP and bs.needs_reset[b]:
            reset_one(ws, wp, new_map, density, bs.map_rng[b], out.obs[b])
            bs.episode[b] += 1
            bs.blocked[b] = False
            bs.needs_reset[b] = False
            out.reward[b] = 0.0
            out.parts[b, 0] = 0.0
            out.parts[b, 1] = 0.0
            out.terminated[b] = False
            out.truncated[b] = False
            out.ate[b] = 0
            continue
        eaten = ws.counters[C_EATEN]
        flags, blocked = step_one(ws, wp, actions[b], kinds, ranks, rewards, out.obs[b])
        bs.blocked[b] = blocked
        terminated = (flags & TERMINATED) != 0
        truncated = (flags & TRUNCATED) != 0 and not terminated
        out.reward[b] = rewards[0] + rewards[1]
        out.parts[b, 0] = rewards[0]
        out.parts[b, 1] = rewards[1]
        out.terminated[b] = terminated
        out.truncated[b] = truncated
        out.ate[b] = ws.counters[C_EATEN] - eaten
        if not (terminated or truncated):
            continue
        if mode == NEXT_STEP:
            bs.needs_reset[b] = True
        elif mode == SAME_STEP:
            # Gymnasium's rule: obs and info are the new episode's, final_* the ending step's.
            out.final_obs[b] = out.obs[b]
            out.final[b, 0] = ws.counters[C_STEP]
            out.final[b, 1] = ws.counters[C_EATEN]
            out.final[b, 2] = ws.counters[C_CAUGHT]
            out.final[b, 3] = out.ate[b]
            out.final[b, 4] = blocked
            out.final_parts[b, 0] = rewards[0]
            out.final_parts[b, 1] = rewards[1]
            out.ended[b] = True
            reset_one(ws, wp, new_map, density, bs.map_rng[b], out.obs[b])
            bs.episode[b] += 1
            bs.blocked[b] = False
            out.ate[b] = 0
            out.parts[b, 0] = 0.0
            out.parts[b, 1] = 0.0
