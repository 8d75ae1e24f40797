"""The step loop, jitted: one kernel, `run_steps`, serves the window (a few steps a frame,
or one), headless runs (a whole episode a call) and scripted stepping, and it calls the same
world and brain kernels as the population's and the Gymnasium env's loops.

Compile time: numba compiles each of the step's parts (`choose`, `world_step`, `sense`,
`learned_gate`, `settle`...) once, on its own (about half of them in a helper process on a
first run: `sim.precompile`), and LLVM inlines them into the loop (`jit_options.jit_only`);
`act` and `perceive` are small numba-IR glue around them. Python starts an episode with
`start_episode` and then runs `run_steps`: a first run, a first window and a first eval
compile the same two kernels. The step's parts take the whole brain (`BrainState`,
`BrainParams`: they run all of it) and hand each brain kernel only the groups it uses.

Order inside a step (fixed, written out): gate/mix -> motor choice -> eligibility
traces -> act in the world -> sense and update the rings (the bump and the percept
then describe the same moment) -> exploration drive -> learn.
"""

from __future__ import annotations

from typing import NamedTuple

import numpy as np
from numba import njit, types
from numba.core import cgutils
from numba.extending import intrinsic

from mousesim.brain.kernels import (
    GATE_LEARNED,
    X_ESCAPE,
    BrainParams,
    BrainState,
    GateState,
    RingState,
    clear_rings,
    cue_input,
    decay_traces,
    explore_update,
    gate_bootstrap,
    gate_learn,
    gate_traces,
    learn,
    learned_gate,
    looms,
    mix_and_choose,
    own_step,
    reset_brain_episode,
    ring_drives,
    rings_update,
    set_beta,
    update_traces,
)
from mousesim.jit.options import jit_only
from mousesim.world.escape import escape_action, look_ahead
from mousesim.world.kernels import (
    ATE,
    BLOCKED,
    C_STEP,
    CTRL_MOUSE,
    KIND_CHEESE,
    KIND_PREDATOR,
    NO_CONTROL,
    TERMINATED,
    WorldParams,
    WorldState,
    feel_walls,
    reset_world,
    sense,
    world_step,
)

# Slots of StepBuffers.stats (per episode); then E returns, then E driver counts.
S_STEPS, S_EATEN, S_CAUGHT, S_ESCAPE = 0, 1, 2, 3
N_STAT_FIXED = 4

# Columns of a recorded step (StepBuffers.record); then per expert: gate, bump angle, bump
# amplitude (0 = a silent ring), reward.
R_X, R_Y, R_HEAD, R_ACTION, R_CX, R_CY, R_PX, R_PY = range(8)
N_RECORD_FIXED = 8
N_RECORD_PER_EXPERT = 4


class StepBuffers(NamedTuple):
    """Per-step inputs/outputs shared by the kernels and the Python side."""

    kinds: np.ndarray  # i8[E] target kind per expert
    ranks: np.ndarray  # i8[E]
    percept: np.ndarray  # f8[E, 3] bearing, distance, visible
    rewards: np.ndarray  # f8[E] last step's reward per expert
    stats: np.ndarray  # f8[4 + 2E] episode accumulators
    record: np.ndarray  # f8[T, 8 + 4E]; T = 0 records nothing


def stats_size(n_experts: int) -> int:
    return N_STAT_FIXED + 2 * n_experts


def record_width(n_experts: int) -> int:
    return N_RECORD_FIXED + N_RECORD_PER_EXPERT * n_experts


def _borrow(context, builder, ty, value):
    """`value` (of numba type `ty`) with the meminfo of every array in it, at any depth of
    nested tuples, set to null."""
    if isinstance(ty, types.Array):
        arr = cgutils.create_struct_proxy(ty)(context, builder, value=value)
        arr.meminfo = cgutils.get_null_value(arr.meminfo.type)
        arr.parent = cgutils.get_null_value(arr.parent.type)
        return arr._getvalue()
    if isinstance(ty, types.BaseTuple):
        for i, item_ty in enumerate(ty.types):
            item = _borrow(context, builder, item_ty, builder.extract_value(value, i))
            value = builder.insert_value(value, item, i)
    return value


@intrinsic
def borrowed(typingctx, state):
    """The same tuple of arrays (or of groups of arrays), each array's reference count left
    out (no NRT meminfo).

    numba counts references: every call of a kernel that takes state groups (BrainState:
    29 arrays in six) increments and decrements each array's count, two function calls and
    two atomic operations per array: ~140 ns a call, a dozen calls a world step. The episode
    loops below take the caller's state (which keeps every array alive for the whole call)
    through this once, so those counts become a null test. Memory, values and operations are
    the caller's own: results are bit for bit the same. Never return such an array to Python."""
    if not isinstance(state, types.BaseTuple):
        return None

    def codegen(context, builder, sig, args):
        return _borrow(context, builder, state, args[0])

    return state(state), codegen


@njit(cache=True, inline="always")
def _record_row(
    ws: WorldState, ring: RingState, gate: GateState, buf: StepBuffers, row: int, action: int
) -> None:
    rec = buf.record[row]
    rec[R_X], rec[R_Y], rec[R_HEAD] = ws.mouse[0], ws.mouse[1], ws.mouse[2]
    rec[R_ACTION] = action
    rec[R_CX] = ws.cheese[0, 0] if ws.cheese.shape[0] > 0 else -1
    rec[R_CY] = ws.cheese[0, 1] if ws.cheese.shape[0] > 0 else -1
    rec[R_PX] = ws.preds[0, 0] if ws.preds.shape[0] > 0 else -1
    rec[R_PY] = ws.preds[0, 1] if ws.preds.shape[0] > 0 else -1
    for k in range(gate.share.shape[0]):
        base = N_RECORD_FIXED + N_RECORD_PER_EXPERT * k
        rec[base] = gate.share[k]
        rec[base + 1] = ring.decoded[k, 0]
        rec[base + 2] = ring.decoded[k, 1]
        rec[base + 3] = buf.rewards[k]


@njit(cache=True, inline="always")
def perceive(ws: WorldState, wp: WorldParams, bs: BrainState, bp: BrainParams, buf: StepBuffers):
    """Sense the world as it is now and run every ring for one world step with that cue (and
    the rotation of the turn just made), so percept and bump describe the same moment."""
    ring, geo, rp = bs.ring, bs.geometry, bp.ring
    sense(ws, wp, buf.kinds, buf.ranks, buf.percept)
    feel_walls(ws, wp, bp.explore.whisker_reach, bs.explore.whiskers)
    xp = bp.explore
    if xp.lookahead_radius > 0.0:  # 0 also when no expert reads it (`brain_params`)
        look_ahead(ws, wp, xp.lookahead_radius, xp.lookahead_depth, bs.explore.ahead)
    for e in range(ring.rates.shape[0]):
        cue_input(ring, geo, rp, e, buf.percept[e, 0], buf.percept[e, 1], buf.percept[e, 2])
    ring_drives(ring, rp, buf.percept)
    rings_update(ring, geo, rp, ws.rng)


@njit(cache=True, inline="always")
def threatened(buf: StepBuffers, radius: float) -> int:
    """1 if an expert of predator kind senses its target looming within `radius` cells."""
    for e in range(buf.kinds.shape[0]):
        if buf.kinds[e] == KIND_PREDATOR and looms(buf.percept[e], radius):
            return 1
    return 0


@jit_only(cache=True, forceinline=False)
def start_episode(
    ws: WorldState, wp: WorldParams, bs: BrainState, bp: BrainParams, buf: StepBuffers
) -> None:
    """Put world, brain and buffers at the start of an episode; `run_steps` with `fresh`
    then perceives its first moment. Not inlined: it runs once an episode."""
    reset_world(ws, wp)
    reset_brain_episode(bs.ring, bs.readout, bs.motor, bs.gate, bs.explore)
    set_beta(bs.explore, bp.explore)
    buf.stats[:] = 0.0
    buf.rewards[:] = 0.0


@jit_only(cache=True, forceinline=True)
def choose(
    ws: WorldState,
    wp: WorldParams,
    bs: BrainState,
    bp: BrainParams,
    buf: StepBuffers,
    learning: int,
    greedy: int,
) -> int:
    """Gate -> motor choice -> escape reflex (or the move a person made) -> eligibility
    traces. Returns the action."""
    gp, xp = bp.gate, bp.explore
    gated = gp.mode == GATE_LEARNED
    if gated:
        learned_gate(bs.gate, gp, bp.ring, buf.percept, buf.kinds)
        # gate_baseline td: the step before learns from this context's value.
        gate_bootstrap(bs.gate, bp.gate_learning, learning)
    action = mix_and_choose(
        bs.motor, bs.ring, bs.readout, bs.gate, bs.explore, gp, xp, greedy, ws.rng
    )
    # The escape reflex overrides the learned choice while a predator is sensed near (after
    # the choice's draws, so the random streams are the same with the reflex on or off). The
    # step is not the learned policy's: its traces only decay (`decay_traces`), while a
    # person's move is learned from as if the brain had made it.
    escape = (
        escape_action(ws, wp, xp.escape_radius, xp.escape_depth) if xp.escape_radius > 0.0 else -1
    )
    bs.explore.values[X_ESCAPE] = 1.0 if escape >= 0 else 0.0
    if escape >= 0:
        action = escape
    if ws.control[CTRL_MOUSE] != NO_CONTROL:  # game mode: a person moves the mouse
        action = ws.control[CTRL_MOUSE]
        bs.explore.values[X_ESCAPE] = 0.0
    if learning and bs.explore.values[X_ESCAPE] > 0.0:
        decay_traces(bs.readout, bs.gate, bp.readout, bp.gate_learning)
    elif learning:
        update_traces(
            bs.readout, bs.ring, bs.motor, bs.gate, bp.readout, gp, action, bs.explore.ahead
        )
        if gated:
            gate_traces(bs.gate, bs.motor, bp.gate, bp.gate_learning, action)
    return action


@njit(cache=True, inline="always")
def act(
    ws: WorldState,
    wp: WorldParams,
    bs: BrainState,
    bp: BrainParams,
    buf: StepBuffers,
    learning: int,
    greedy: int,
) -> tuple[int, int]:
    """The first half of a step: `choose` (gate -> motor choice -> eligibility traces) -> act
    in the world. Returns (action, world flag bits)."""
    action = choose(ws, wp, bs, bp, buf, learning, greedy)
    x0, y0 = ws.mouse[0], ws.mouse[1]
    flags = world_step(ws, wp, action, buf.kinds, buf.ranks, buf.rewards)
    # Efference copy: the turn just made rotates every ring during this step's update, and
    # the step (cells ahead and to the left of the new heading) shifts remembered bearings.
    bs.ring.last_turn[0] = 1 - action
    own_step(bs.ring, ws.mouse[0] - x0, ws.mouse[1] - y0, ws.mouse[2])
    if flags & ATE and bp.ring.clear_on_eat:
        clear_rings(bs.ring, buf.kinds, KIND_CHEESE)
    return action, flags


@jit_only(cache=True, forceinline=True)
def settle(
    ws: WorldState,
    wp: WorldParams,
    bs: BrainState,
    bp: BrainParams,
    buf: StepBuffers,
    learning: int,
    action: int,
    flags: int,
) -> None:
    """The last half of a step, once `perceive` has taken in its outcome: exploration drive
    -> learn -> episode statistics (and the recorded row)."""
    n_exp = buf.rewards.shape[0]
    xp, gp = bp.explore, bp.gate
    threat = threatened(buf, gp.loom_radius) if xp.threat_arousal else 0  # only arousal reads it
    explore_update(bs.explore, bs.gate, xp, gp, buf.rewards, flags & BLOCKED, threat)
    if learning:
        learn(bs.readout, bp.readout, buf.rewards, buf.percept)
        if gp.mode == GATE_LEARNED:
            # The task's outcome of this step (gate_reward: events): what the gate is for,
            # without the experts' distance shaping.
            events = wp.eat_bonus * (flags & ATE != 0) - wp.caught_penalty * (flags & TERMINATED)
            gate_learn(bs.gate, bp.gate_learning, buf.rewards, events, flags & TERMINATED)
    st = buf.stats
    st[S_STEPS] += 1.0
    st[S_ESCAPE] += bs.explore.values[X_ESCAPE]
    st[S_EATEN] = ws.counters[1]
    if flags & TERMINATED:
        st[S_CAUGHT] = 1.0
    for e in range(n_exp):
        st[N_STAT_FIXED + e] += buf.rewards[e]
    st[N_STAT_FIXED + n_exp + bs.motor.driver[0]] += 1.0
    row = ws.counters[C_STEP]
    if row < buf.record.shape[0]:
        _record_row(ws, bs.ring, bs.gate, buf, row, action)


# `n` of a whole episode: more steps than any episode has (the world ends it: max_steps).
WHOLE_EPISODE = 1 << 62


@njit(cache=True)
def run_steps(
    ws: WorldState,
    wp: WorldParams,
    bs: BrainState,
    bp: BrainParams,
    buf: StepBuffers,
    learning: int,
    greedy: int,
    n: int,
    trail: np.ndarray,
    fresh: int,
) -> tuple[int, int, int]:
    """Up to `n` steps of the running episode in one call, stopping after the step that ends
    it: the one step loop of every front end (a headless episode is one call with
    n = WHOLE_EPISODE, a window frame a few steps, `Simulation.step` one).

    `fresh`: `start_episode` has just set up an episode, so its first moment is perceived
    (and recorded) before the first step; otherwise the rings already hold the moment's
    percept (the last step's). trail[i] = the mouse's (x, y) after step i (rows past trail's
    length are not kept). Returns (steps done, last action, last flags).

    A step is `act` (gate -> motor choice -> eligibility traces -> act in the world) ->
    `perceive` the new moment (the rings of an eaten cheese cleared first) -> `settle`
    (exploration drive -> learn). The loop is written turned around, perceive -> (a fresh
    episode's first moment: record it | else: settle, stop if the episode ended) -> act, so
    that `perceive` (the rings: most of the code) is inlined once, not twice."""
    ws, bs, buf = borrowed(ws), borrowed(bs), borrowed(buf)
    done = np.int64(0)
    action, flags = np.int64(-1), np.int64(0)  # int64, not literals: one settle to compile
    while True:
        # Something to perceive: a fresh episode's first moment (no action yet) or a step's
        # outcome (action >= 0 once `act` has run).
        if fresh or action >= 0:
            perceive(ws, wp, bs, bp, buf)
            if action < 0:
                if buf.record.shape[0] > 0:
                    _record_row(ws, bs.ring, bs.gate, buf, 0, -1)
            else:
                settle(ws, wp, bs, bp, buf, learning, action, flags)
                if done < trail.shape[0]:
                    trail[done, 0] = ws.mouse[0]
                    trail[done, 1] = ws.mouse[1]
                done += 1
                if flags & 3:
                    break
        if done >= n:
            break
        action, flags = act(ws, wp, bs, bp, buf, learning, greedy)
    return done, action, flags


@njit(cache=True)
def run_episode(
    ws: WorldState,
    wp: WorldParams,
    bs: BrainState,
    bp: BrainParams,
    buf: StepBuffers,
    learning: int,
    greedy: int,
) -> None:
    """A whole episode, start included, for jitted callers (the population)."""
    start_episode(ws, wp, bs, bp, buf)
    no_trail = np.zeros((0, 2), dtype=np.int64)
    # int64 arguments, not literals: the very run_steps that Python calls, not a second build.
    run_steps(ws, wp, bs, bp, buf, learning, greedy, np.int64(WHOLE_EPISODE), no_trail, np.int64(1))
