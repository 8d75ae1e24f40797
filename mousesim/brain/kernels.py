"""Jitted brain kernels: ring attractors, gated mixture, motor choice, three-factor learning.

Shapes: E experts, N neurons per ring, 3 motor neurons (0 left, 1 straight,
2 right). Angles are egocentric, positive to the left. Imports numpy and
numba only.

State by owner. The brain's arrays are a `BrainState` of six groups (the rings' geometry, the
rings, the readouts, the motor choice, the gate, exploration), its constants a `BrainParams` of
five (ring, readout learning, exploration, gate, gate learning). Each kernel takes the groups it
reads or writes, state groups first (the ones it writes, then the ones it reads), then parameter
groups, then the rest: `learn(readout, lp, rewards)` touches the readouts and nothing else. The
step's parts in `sim.kernels` take the whole brain and hand each kernel its groups.

Why nested named tuples (not structured arrays or jitclasses): numba flattens a named tuple
into its members wherever it passes one, so a group costs nothing at run time (the same loads
of the same arrays: the same machine code, the same bits), and a kernel that takes three groups
passes only their arrays. Kernels that take them compile once per type and cache to disk like
any other (`cache=True`); a jitclass's methods are not cached (every process would compile them
again) and its instance is a heap object reached through a pointer; a structured array holds
scalars of one record, not arrays of different shapes. Measured against the flat tuples: the
same bits, the same steps/s and first compile; one cost, a call from Python (`Simulation.step`)
takes about 4 us more, as numba's dispatcher reads each named tuple's class and field names to
type it (per call, not per step: a headless episode is one call, a window frame one). Adding a field: add it to its group
here (comment: shape and meaning) and fill it in `brain.build_brain` or `brain.brain_params`;
the population, the window and the checkpoint code need no change unless they read it.
"""

from __future__ import annotations

from typing import NamedTuple

import numpy as np
from numba import njit

from mousesim.jit.options import jit_only
from mousesim.jit.rng import ACTION, NOISE, normal, uniform

N_MOTOR = 3

POST_BLENDED = 0
POST_EXPERT = 1
POST_RESPONSIBLE = 2  # resp_k (onehot - p_k): d log pi / dM_k of the routed mixture

GATE_FIXED = 0
GATE_TOP1 = 1
GATE_LEARNED = 2

# How the gate's shares become the motor drive (mixture.routing).
ROUTE_BLEND = 0  # u = sum_k g_k v_k
ROUTE_SAMPLE = 1  # one expert, drawn from the gate each step, drives: u = v_k

# The learned gate's eligibility (mixture.gate_gradient).
GRADIENT_RESPONSIBILITY = 0  # post = resp - g (Jacobs et al. 1991, for an unfloored softmax)
GRADIENT_EXACT = 1  # post = d log pi(a) / dz through the floored, slider-scaled gate
# What the gate's critic predicts (mixture.gate_baseline): this step's outcome, the
# trace-discounted return of each choice, or the discounted value of the context (TD).
BASELINE_STEP = 0
BASELINE_RETURN = 1
BASELINE_TD = 2

# INLINED: the step's small brain kernels are inlined at numba's IR level into the step's parts
# that call them (`sim.kernels.choose`, `settle`): small code, so copying their IR costs little,
# and a call of a jitted function passes every array of the groups it takes field by field
# (the same operations in the same order: the same bits). The larger kernels are
# compiled on their own and inlined by LLVM (`jit_options.jit_only`). Kernels with a division in
# a neuron loop stay out of IR inlining: inlined there, they would take the caller's error model
# (below).

# Kernels with divisions use numpy's error model: Python's inserts a zero-division check
# that stops LLVM from vectorising the neuron loops (4-8x slower).
KERNEL = {"cache": True, "error_model": "numpy"}

_LN2_HI = 6.93147180369123816490e-01
_LN2_LO = 1.90821492927058770002e-10
_LOG2E = 1.44269504088896338700e00


@njit(inline="always", error_model="numpy")
def exp_0_40(y: float) -> float:
    """exp(y) for y in [0, 40], branch-free so neuron loops vectorise (libm's exp does not).

    exp(y) = exp(y / 64) ** 64: a degree-13 Taylor polynomial on [0, 0.625] (truncation
    < 2e-14 relative), then six squarings, which multiply the relative error by 64 (about
    1e-12 at y = 40, where tanh is already 1 to double precision; tested)."""
    r = y * (1.0 / 64.0)
    p = 1.0 / 6227020800.0
    p = p * r + 1.0 / 479001600.0
    p = p * r + 1.0 / 39916800.0
    p = p * r + 1.0 / 3628800.0
    p = p * r + 1.0 / 362880.0
    p = p * r + 1.0 / 40320.0
    p = p * r + 1.0 / 5040.0
    p = p * r + 1.0 / 720.0
    p = p * r + 1.0 / 120.0
    p = p * r + 1.0 / 24.0
    p = p * r + 1.0 / 6.0
    p = p * r + 0.5
    p = p * r + 1.0
    p = p * r + 1.0
    p = p * p
    p = p * p
    p = p * p
    p = p * p
    p = p * p
    return p * p


# -- the brain's parameters, by owner (scalars; see the config sections named) ---------------


class RingParams(NamedTuple):
    """The ring attractors and their cue (brain.ring, brain.clear_on_eat)."""

    J0: float
    J1: float
    I0: float
    r_max: float
    kappa: float
    dt: float  # Euler step in tau: step_duration / euler_steps
    euler_steps: int
    rot_turn: float  # rotation drive during a 45 deg left turn (calibrated: see brain.py)
    rot_rad: float  # rotation drive per radian of bump shift (calibrated the same way)
    step_gain: float  # brain.ring.step_gain: how much of a step's parallax shifts the bump
    cue_gain: float
    cue_scale: float
    noise: float
    dense: int
    clear_on_eat: int  # silence the cheese experts' rings when the mouse eats


class ReadoutParams(NamedTuple):
    """The readouts' three-factor learning (brain.learning_rate ... brain.gate_scaled)."""

    learning_rate: float
    trace_decay: float
    baseline_alpha: float
    post: int  # POST_BLENDED | POST_EXPERT
    gate_scaled: int  # each expert's eligibility scaled by its gate share
    rarity_gain: float  # ceiling of the boost 1 / s_k a rarely sensed target gives (1: off)
    sighting_rate: float  # per step: rate of s_k, the share of steps the target was sensed
    trust_rate: float  # learning rate of the trust w_k in the look-ahead


class ExploreParams(NamedTuple):
    """The motor choice's temperature, reflexes and look-ahead: adaptive gain, startle, threat
    arousal, whiskers, look-ahead, escape (brain.beta, brain.explore, brain.whisker_*,
    brain.lookahead_*, brain.escape_*)."""

    beta: float  # the ceiling of beta_eff (and the greedy choice's beta)
    adaptive: int
    beta_min: float
    progress_rate: float
    progress_ref: float
    startle_steps: int
    startle_beta: float
    threat_arousal: int  # a looming predator (the gate's looming detector) holds beta up
    whisker_gain: float
    whisker_reach: int
    lookahead_radius: float  # the look-ahead is felt while a predator is sensed this near (0: off)
    lookahead_depth: int
    escape_radius: float  # the escape reflex acts while a predator is sensed this near (0: off)
    escape_depth: int


class GateParams(NamedTuple):
    """How the gate shares the drive among the experts, and its context (mixture)."""

    mode: int  # GATE_FIXED | GATE_TOP1 | GATE_LEARNED
    features: int  # FEATURES_LOOMING | FEATURES_PROXIMITY
    loom_radius: float  # the looming detector (also read by the threat arousal)
    loom_memory: float
    loom_memory_seen: float  # the decay while the target is in view beyond loom_radius
    floor: float
    override: float
    calm_kind: int  # target kind whose looming ends the calm (-1: x_0 is a constant 1)
    routing: int  # ROUTE_SAMPLE | ROUTE_BLEND (top-1 always routes to the winner)


class GateLearningParams(NamedTuple):
    """The learned gate's reward-modulated rule (mixture.gate_*)."""

    learning_rate: float
    trace_decay: float
    critic: int
    baseline_rate: float
    baseline: int  # BASELINE_STEP | BASELINE_RETURN | BASELINE_TD (mixture.gate_baseline)
    discount: float  # gamma of the TD critic (mixture.gate_discount)
    clip: float
    events: int  # learns from the task's events (1) or the experts' total reward (0)
    gradient: int  # GRADIENT_EXACT | GRADIENT_RESPONSIBILITY


class BrainParams(NamedTuple):
    """Every scalar constant of the brain, one group per owner."""

    ring: RingParams
    readout: ReadoutParams
    explore: ExploreParams
    gate: GateParams
    gate_learning: GateLearningParams


# -- the brain's arrays, by owner (the window reads them, only kernels write them, but the
# slider's gate.share and gate.bias) ---------------------------------------------------------


class RingGeometry(NamedTuple):
    """The rings' fixed geometry: built once, shared by every mouse of a population."""

    theta: np.ndarray  # f8[N] preferred angles
    cos_t: np.ndarray  # f8[N]
    sin_t: np.ndarray  # f8[N]
    w_sym: np.ndarray  # f8[N, N] (J0 + J1 cos)/N; (0, 0) unless the dense path is on
    w_rot: np.ndarray  # f8[N, N] -J1 sin / N; (0, 0) unless the dense path is on


class RingState(NamedTuple):
    """The rings' activity: one ring attractor per expert."""

    rates: np.ndarray  # f8[E, N]
    cue: np.ndarray  # f8[E, N] current cue input
    h: np.ndarray  # f8[N] scratch
    noise: np.ndarray  # f8[N] scratch for ring noise (stays 0 when noise is off)
    decoded: np.ndarray  # f8[E, 2] bump angle, bump amplitude (population vector)
    ring32: np.ndarray  # f4[2E + 2, N] fast path's float32 work rows: rates, cues, cos, sin
    last_turn: np.ndarray  # i8[1] +1 left, 0 straight, -1 right: drives the rotation term
    last_step: np.ndarray  # f8[2] the last step's own displacement: cells ahead, cells left
    distance: np.ndarray  # f8[E] target's distance when last sensed, moved by steps (-1: none)
    drive: np.ndarray  # f8[E] this step's rotation drive per ring: the turn and the parallax


class ReadoutState(NamedTuple):
    """The readouts M_k (ring -> motor votes) and their learning."""

    weights: np.ndarray  # f8[E, 3, N] M_k
    row_norm: np.ndarray  # f8[E, 3] the L2 norm each readout row is held at
    elig: np.ndarray  # f8[E, 3, N]
    baseline: np.ndarray  # f8[E] running mean reward Rbar_k
    sighted: np.ndarray  # f8[E] s_k: running share of steps the expert's target was sensed
    owner: np.ndarray  # i8[E] o(k): whose readout expert k learns into (shared within a kind)
    foresees: np.ndarray  # i8[E] 1: expert k adds w_k times the look-ahead to its votes
    trust: np.ndarray  # f8[E] w_k: how much expert k trusts the look-ahead (learned from 0)
    trust_elig: np.ndarray  # f8[E] the eligibility trace of w_k


class MotorState(NamedTuple):
    """The mixture's votes and drive, the action's probabilities, and who drove it."""

    votes: np.ndarray  # f8[E, 3] M_k r_k
    drive: np.ndarray  # f8[3] u
    probs: np.ndarray  # f8[3] softmax(beta_eff u)
    expert_probs: np.ndarray  # f8[E, 3] softmax(beta_eff M_k r_k)
    driver: np.ndarray  # i8[1] index of the expert most responsible for the last action


class GateState(NamedTuple):
    """The gate g (each expert's share of the drive), and the learned gate's weights."""

    share: np.ndarray  # f8[E] g_k: the slider's shares (fixed/top1) or the learned gate
    bias: np.ndarray  # f8[E] log of the slider's shares (-inf: that kind is shut out)
    weights: np.ndarray  # f8[E, E + 1] learned gate weights V over features x
    context: np.ndarray  # f8[E + 1] x: calm (or 1), then one feature per expert
    elig: np.ndarray  # f8[E, E + 1] the gate's eligibility trace
    baseline: np.ndarray  # f8[E + 1] the gate's reward baseline c: Rbar(x) = c . x
    critic_trace: np.ndarray  # f8[E + 1] z: the critic's feature trace (return), or x' of the
    # step that awaits its successor's value (td)
    pending: np.ndarray  # f8[3] td: that step's outcome R, its value V(x), 1 while it awaits


class ExploreState(NamedTuple):
    """The exploration drive, what the whiskers and the look-ahead sense, and whether the
    escape reflex took the step."""

    # f8[5] at X_BETA (beta_eff), X_PROGRESS, X_STARTLE (steps left), X_THREAT, X_ESCAPE (1 if
    # the escape reflex chose this step's action)
    values: np.ndarray
    whiskers: np.ndarray  # f8[3] 1 where the action's step is blocked by a wall (felt now)
    ahead: np.ndarray  # f8[3] the look-ahead: each action's value minus the best's (0: none)


class BrainState(NamedTuple):
    """Every array of one brain, one group per owner. A population holds the same groups with
    a leading mouse axis B on every array but the geometry's (sim.population)."""

    geometry: RingGeometry
    ring: RingState
    readout: ReadoutState
    motor: MotorState
    gate: GateState
    explore: ExploreState


# Slots of ExploreState.values.
X_BETA, X_PROGRESS, X_STARTLE, X_THREAT, X_ESCAPE = 0, 1, 2, 3, 4

FEATURES_PROXIMITY = 0
FEATURES_LOOMING = 1


@njit(inline="always", error_model="numpy")
def transfer(h: float, r_max: float) -> float:
    """f(h) = r_max * tanh(max(h, 0) / r_max): threshold, then saturation at r_max.

    tanh(x) = 1 - 2 / (1 + e^{2x}), branch-free; for x >= 20, tanh(x) == 1.0 in double
    precision, so clamping there is exact."""
    x = min(max(h / r_max, 0.0), 20.0)
    return r_max * (1.0 - 2.0 / (1.0 + exp_0_40(2.0 * x)))


@jit_only(**KERNEL)
def cue_input(
    ring: RingState, geo: RingGeometry, rp: RingParams, e: int, bearing: float, d: float, vis: float
):
    """I_i = A(d) exp(kappa (cos(theta_i - phi) - 1)), A(d) = cue_gain / (1 + d / cue_scale).

    No cue (all zeros) when the target is not visible."""
    cue = ring.cue[e]
    if vis <= 0.0:
        cue[:] = 0.0
        return
    amp = rp.cue_gain / (1.0 + d / rp.cue_scale)
    cb, sb = np.cos(bearing), np.sin(bearing)
    for i in range(cue.shape[0]):
        # cos(theta_i - phi) expanded, so no per-neuron cos() call; exp(-z) = 1 / exp(z), and
        # z is clamped at 40 (exp(-40) ~ 4e-18 of the cue peak: below double resolution there).
        c = geo.cos_t[i] * cb + geo.sin_t[i] * sb
        z = min(rp.kappa * (1.0 - c), 40.0)
        cue[i] = amp / exp_0_40(z)


# The fast ring runs in float32 with fused multiply-add (fastmath "contract" only: no other
# reordering, so a run repeats bit for bit). tanh is Eigen's rational approximation for float32
# (generic_fast_tanh_float: odd degree-13 over even degree-6, exact to 3e-7 absolute; tested),
# which vectorises 16 lanes wide where the float64 exp polynomial ran 8 wide with 6 squarings.
RING = {"cache": True, "error_model": "numpy", "fastmath": {"contract"}}
_Z32 = np.float32(0.0)
_TANH_CLAMP = np.float32(7.90531110763549805)  # the rational is 1 to float32 precision here
_A13 = np.float32(-2.76076847742355e-16)
_A11 = np.float32(2.00018790482477e-13)
_A9 = np.float32(-8.60467152213735e-11)
_A7 = np.float32(5.12229709037114e-08)
_A5 = np.float32(1.48572235717979e-05)
_A3 = np.float32(6.37261928875436e-04)
_A1 = np.float32(4.89352455891786e-03)
_B6 = np.float32(1.19825839466702e-06)
_B4 = np.float32(1.18534705686654e-04)
_B2 = np.float32(2.26843463243900e-03)
_B0 = np.float32(4.89352518554385e-03)


@njit(inline="always", **RING)
def tanh32_pos(x: float) -> float:
    """tanh(max(x, 0)) in float32 (every constant is float32, or numba promotes to float64)."""
    x = min(max(x, _Z32), _TANH_CLAMP)
    x2 = x * x
    p = _A13 * x2 + _A11
    p = p * x2 + _A9
    p = p * x2 + _A7
    p = p * x2 + _A5
    p = p * x2 + _A3
    p = p * x2 + _A1
    q = _B6 * x2 + _B4
    q = q * x2 + _B2
    q = q * x2 + _B0
    return x * p / q


@jit_only(cache=True, error_model="numpy", fastmath={"contract", "reassoc"})
def ring_moments32(r: np.ndarray, cos_t: np.ndarray, sin_t: np.ndarray) -> tuple:
    """(sum r, sum r cos, sum r sin) in float32. "reassoc" lets LLVM split the sums into vector
    lanes (a single running sum is one long dependency chain, 3x slower); the lane order is fixed
    by the compiled code, so a run still repeats bit for bit on one machine (on a CPU with
    another vector width the last bits may differ). Not inlined by numba, so the flag stays
    on these instructions only."""
    t = _Z32
    c = _Z32
    s = _Z32
    for j in range(r.shape[0]):
        x = r[j]
        t += x
        c += x * cos_t[j]
        s += x * sin_t[j]
    return t, c, s


class Ring32(NamedTuple):
    """The float32 constants of one fast-path substep, folded once per world step."""

    j0n: float  # J0 / N
    k1: float  # J1 / N
    kr: float  # rot * J1 / N
    i0: float
    r_max: float
    inv_r_max: float
    dt: float


@njit(inline="always", **RING)
def ring32_constants(rp: RingParams, n: int, rot: float) -> Ring32:
    f = np.float32
    return Ring32(
        f(rp.J0 / n), f(rp.J1 / n), f(rot * rp.J1 / n), f(rp.I0), f(rp.r_max),
        f(1.0 / rp.r_max), f(rp.dt),
    )  # fmt: skip


@njit(inline="always", **RING)
def ring_substep_fast(
    r: np.ndarray,
    cue: np.ndarray,
    cos_t: np.ndarray,
    sin_t: np.ndarray,
    noise: np.ndarray,
    k: Ring32,
) -> None:
    """One Euler substep of tau dr/dt = -r + f(W r + rot * Wa r + I + I0), in place, float32
    (r, cue, cos_t, sin_t are float32 rows).

    The cosine kernel is rank 3, so W r needs three sums (T, C, S), not an N x N
    product: (W r)_i = (J0 T + J1 (cos_i C + sin_i S)) / N and
    (Wa r)_i = -J1 (sin_i C - cos_i S) / N. `noise` (float64, length 0 when off) is added
    to the input."""
    t_sum, c_sum, s_sum = ring_moments32(r, cos_t, sin_t)
    a0 = k.j0n * t_sum + k.i0
    # Per-neuron input is a0 + cos_i * p + sin_i * q: fold the sums once per substep.
    p = k.k1 * c_sum + k.kr * s_sum
    q = k.k1 * s_sum - k.kr * c_sum
    if noise.shape[0] == 0:
        for i in range(r.shape[0]):
            h = a0 + cos_t[i] * p + sin_t[i] * q + cue[i]
            r[i] += k.dt * (k.r_max * tanh32_pos(h * k.inv_r_max) - r[i])
    else:
        for i in range(r.shape[0]):
            h = a0 + cos_t[i] * p + sin_t[i] * q + cue[i] + np.float32(noise[i])
            r[i] += k.dt * (k.r_max * tanh32_pos(h * k.inv_r_max) - r[i])


# A call, not inlined: the rings' vectorised loops are a large share of the episode kernel's
# code, and optimising them once more inside it took about 1 s of a first compile; a call with
# a few scalar arguments once a step costs nothing measurable (540k steps/s either way).
@jit_only(**RING, forceinline=False)
def ring_steps32(w: np.ndarray, n_exp: int, e0: int, e1: int, steps: int, k: Ring32) -> None:
    """`steps` noise-free substeps of rings e0..e1-1 held in the work rows w (see RingState.
    ring32), the rings interleaved substep by substep: one ring's sums overlap the other's
    neuron loop (the same numbers as ring by ring: the rings do not interact)."""
    cos32 = w[2 * n_exp]
    sin32 = w[2 * n_exp + 1]
    none = np.zeros(0)
    for _ in range(steps):
        for e in range(e0, e1):
            ring_substep_fast(w[e], w[n_exp + e], cos32, sin32, none, k)


@jit_only(**KERNEL)
def ring_substep_dense(
    r: np.ndarray,
    cue: np.ndarray,
    w_sym: np.ndarray,
    w_rot: np.ndarray,
    hbuf: np.ndarray,
    rp: RingParams,
    rot: float,
    noise: np.ndarray,
) -> None:
    """The same substep with explicit N x N matrices (works for any kernel; the reference)."""
    n = r.shape[0]
    for i in range(n):
        acc = 0.0
        for j in range(n):
            acc += (w_sym[i, j] + rot * w_rot[i, j]) * r[j]
        hbuf[i] = acc + rp.I0 + cue[i] + noise[i]
    for i in range(n):
        r[i] += rp.dt * (transfer(hbuf[i], rp.r_max) - r[i])


@jit_only(cache=True)
def decode(r: np.ndarray, cos_t: np.ndarray, sin_t: np.ndarray, out: np.ndarray) -> None:
    """Population vector: out = (angle of sum_i r_i e^{i theta_i}, its length / N)."""
    c = 0.0
    s = 0.0
    for i in range(r.shape[0]):
        c += r[i] * cos_t[i]
        s += r[i] * sin_t[i]
    out[0] = np.arctan2(s, c)
    out[1] = np.sqrt(c * c + s * s) / r.shape[0]


def ring32_rows(n_exp: int, theta: np.ndarray) -> np.ndarray:
    """RingState.ring32 for a new brain: zero rates and cues, then float32 cos and sin."""
    w = np.zeros((2 * n_exp + 2, theta.shape[0]), dtype=np.float32)
    w[2 * n_exp] = np.cos(theta)
    w[2 * n_exp + 1] = np.sin(theta)
    return w


@njit(inline="always", **RING)
def _load32(ring: RingState, e: int) -> None:
    """Copy ring e's rates and cue into its float32 work rows (rates always hold float32
    values, so the round trip through float64 is exact)."""
    n_exp = ring.rates.shape[0]
    r, r32 = ring.rates[e], ring.ring32[e]
    c, c32 = ring.cue[e], ring.ring32[n_exp + e]
    for i in range(r.shape[0]):
        r32[i] = np.float32(r[i])
    for i in range(r.shape[0]):
        c32[i] = np.float32(c[i])


@njit(inline="always", **RING)
def _store32(ring: RingState, e: int) -> None:
    """Rates back from the work row, and the decoded bump from its float32 sums."""
    r, r32 = ring.rates[e], ring.ring32[e]
    for i in range(r.shape[0]):
        r[i] = r32[i]
    n_exp = ring.rates.shape[0]
    _, c, s = ring_moments32(r32, ring.ring32[2 * n_exp], ring.ring32[2 * n_exp + 1])
    ring.decoded[e, 0] = np.arctan2(np.float64(s), np.float64(c))
    ring.decoded[e, 1] = np.sqrt(np.float64(c) * c + np.float64(s) * s) / r.shape[0]


@jit_only(**RING, forceinline=False)  # a call: see ring_steps32
def _ring_steps(ring: RingState, geo: RingGeometry, rp: RingParams, e: int, rng: np.ndarray):
    """euler_steps substeps of ring e alone (noise is drawn per substep, ring by ring)."""
    r = ring.rates[e]
    n = r.shape[0]
    n_exp = ring.rates.shape[0]
    rot = ring.drive[e]
    if rp.dense:
        for _ in range(rp.euler_steps):
            if rp.noise > 0.0:
                for i in range(n):
                    ring.noise[i] = rp.noise * normal(rng, NOISE)
            ring_substep_dense(r, ring.cue[e], geo.w_sym, geo.w_rot, ring.h, rp, rot, ring.noise)
        return
    _load32(ring, e)
    k = ring32_constants(rp, n, rot)
    w = ring.ring32
    if rp.noise > 0.0:
        for _ in range(rp.euler_steps):
            for i in range(n):
                ring.noise[i] = rp.noise * normal(rng, NOISE)
            ring_substep_fast(w[e], w[n_exp + e], w[2 * n_exp], w[2 * n_exp + 1], ring.noise, k)
    else:
        ring_steps32(w, n_exp, e, e + 1, rp.euler_steps, k)
    _store32(ring, e)


@njit(inline="always")
def own_step(ring: RingState, dx: float, dy: float, heading: int) -> None:
    """The step just taken, in the mouse's frame after its turn: (cells ahead, cells left) of
    the grid displacement (dx, dy; y grows downward) at heading h (h x 45 deg from east)."""
    c, s = np.cos(heading * (np.pi / 4.0)), np.sin(heading * (np.pi / 4.0))
    ring.last_step[0] = dx * c - dy * s
    ring.last_step[1] = -dx * s - dy * c


BUMP_MIN = 1e-3  # a decoded amplitude below this is no bump: nothing to carry
NEAR = 0.5  # cells: a remembered target this close is where the mouse stands; forget it


@jit_only(**KERNEL)
def ring_drives(ring: RingState, rp: RingParams, percept: np.ndarray) -> None:
    """Each ring's rotation drive for this step: the turn just made, and the parallax of the
    step just taken for a target the ring only remembers.

    drive_e = rot_turn turn + step_gain rot_rad s_e. A sensed target sets D_e, its distance
    (its cue moves the bump). A remembered one (not sensed, the ring holds a bump, D_e known):
    with phi = the bump's angle - turn pi/4 (its bearing after the turn) and (ahead, left)
    the step in cells, in the mouse's frame after the turn (0 when blocked), the target now
    lies at (D cos phi - ahead, D sin phi - left): s_e = atan2 of that - phi (wrapped, clipped
    to +-pi/2),
    D_e = its length (forgotten below NEAR). So the bump path-integrates the mouse's own
    steps as well as its turns (the goal vector of path integration: Etienne & Jeffery 2004).

    NumPy reference: `ReferenceSimulation._drives` (sim/reference.py)."""
    turn = ring.last_turn[0]
    ahead, left = ring.last_step[0], ring.last_step[1]
    for e in range(ring.rates.shape[0]):
        s = 0.0
        if percept[e, 2] > 0.0:
            ring.distance[e] = percept[e, 1]
        elif rp.step_gain != 0.0 and ring.distance[e] >= 0.0 and ring.decoded[e, 1] > BUMP_MIN:
            phi = ring.decoded[e, 0] - turn * (np.pi / 4.0)
            d = ring.distance[e]
            x = d * np.cos(phi) - ahead
            y = d * np.sin(phi) - left
            d_new = np.sqrt(x * x + y * y)
            if d_new < NEAR:
                ring.distance[e] = -1.0
            else:
                ring.distance[e] = d_new
                s = np.arctan2(y, x) - phi
                s = (s + np.pi) % (2.0 * np.pi) - np.pi
                s = min(max(s, -np.pi / 2.0), np.pi / 2.0)
        ring.drive[e] = rp.rot_turn * turn + rp.step_gain * rp.rot_rad * s


@njit(inline="always", **RING)  # glue: numba IR, so the ring code is not one library deeper
def ring_update(
    ring: RingState, geo: RingGeometry, rp: RingParams, e: int, rng: np.ndarray
) -> None:
    """One world step (euler_steps Euler steps of dt) of expert e's ring, with its current cue
    and, as an angular-velocity drive spread over the whole step, the turn just made:
    rot = rot_turn * turn, where rot_turn was calibrated so the bump moves by the turn."""
    _ring_steps(ring, geo, rp, e, rng)
    if rp.dense:
        decode(ring.rates[e], geo.cos_t, geo.sin_t, ring.decoded[e])


@njit(inline="always", **RING)
def rings_update(ring: RingState, geo: RingGeometry, rp: RingParams, rng: np.ndarray) -> None:
    """ring_update for every expert. On the fast path without noise, and with one rotation
    drive for all (the turn alone: no ring carries a step's parallax), the rings advance
    together, substep by substep, so one ring's sums overlap the other's neuron loop (the
    same numbers as ring by ring: the rings do not interact). With noise, ring by ring: the
    noise draws keep the reference's order."""
    n_exp = ring.rates.shape[0]
    same = True
    for e in range(1, n_exp):
        same = same and ring.drive[e] == ring.drive[0]
    if rp.dense or rp.noise > 0.0 or not same:
        for e in range(n_exp):
            ring_update(ring, geo, rp, e, rng)
        return
    for e in range(n_exp):
        _load32(ring, e)
    k = ring32_constants(rp, ring.rates.shape[1], ring.drive[0])
    # np.int64(0), not 0: a literal 0 would compile ring_steps32 a second time.
    ring_steps32(ring.ring32, n_exp, np.int64(0), n_exp, rp.euler_steps, k)
    for e in range(n_exp):
        _store32(ring, e)


@jit_only(cache=True)
def greedy_choice(z0: float, z1: float, z2: float, u: float) -> int:
    """argmax of the three logits; exact ties (a silent brain votes 0 for everything) are
    broken by the step's uniform draw u, so a mouse with no opinion does not always turn left."""
    best = max(z0, z1, z2)
    tied = (z0 == best, z1 == best, z2 == best)
    n_tied = tied[0] + tied[1] + tied[2]
    pick = min(int(u * n_tied), n_tied - 1)
    for a in range(N_MOTOR):
        if tied[a]:
            if pick == 0:
                return a
            pick -= 1
    return 0


@jit_only(cache=True)
def reflex_softmax(u: np.ndarray, beta: float, gain: float, w: np.ndarray, out: np.ndarray):
    """out = softmax(beta u - gain w): the whisker reflex inhibits a motor neuron whatever the
    exploration temperature (a startle at beta 0 still avoids the felt wall)."""
    z0 = beta * u[0] - gain * w[0]
    z1 = beta * u[1] - gain * w[1]
    z2 = beta * u[2] - gain * w[2]
    m = max(z0, z1, z2)
    e0, e1, e2 = np.exp(z0 - m), np.exp(z1 - m), np.exp(z2 - m)
    total = e0 + e1 + e2
    out[0], out[1], out[2] = e0 / total, e1 / total, e2 / total


@njit(inline="always")
def sample_expert(share: np.ndarray, u: float) -> int:
    """k with probability share[k] (shares sum to 1), from a uniform draw u in [0, 1)."""
    acc = 0.0
    for k in range(share.shape[0]):
        acc += share[k]
        if u < acc:
            return k
    return share.shape[0] - 1


@njit(cache=True, inline="always")  # see INLINED
def mix_and_choose(
    motor: MotorState,
    ring: RingState,
    readout: ReadoutState,
    gate: GateState,
    explore: ExploreState,
    gp: GateParams,
    xp: ExploreParams,
    greedy: int,
    rng: np.ndarray,
) -> int:
    """Votes v_k = M_k r_k (+ w_k A for an expert that reads the look-ahead A); drive u = v_k
    of one expert k drawn from the gate (routing sample; greedy: the largest share), or
    u = sum_k g_k v_k (routing blend; top-1: the larger gate only); action ~
    softmax(beta_eff u - whisker_gain w), w_a = how near a wall blocks action a (the reflex is
    not scaled by the exploration temperature). Greedy: argmax(beta u - whisker_gain w), exact
    ties broken by the draw (a startle still samples). One ACTION draw per step, two when
    sampling routes."""
    n_exp = ring.rates.shape[0]
    beta = explore.values[X_BETA]
    gain = xp.whisker_gain
    winner = 0
    for k in range(1, n_exp):
        if gate.share[k] > gate.share[winner]:
            winner = k
    motor.drive[:] = 0.0
    for k in range(n_exp):
        if gp.mode == GATE_TOP1 and k != winner:
            motor.votes[k, :] = 0.0
            continue
        g = 1.0 if gp.mode == GATE_TOP1 else gate.share[k]
        # The three votes in one loop: each sum keeps its order (same bits), but three
        # independent add chains overlap instead of waiting on one another.
        m0, m1, m2 = readout.weights[k, 0], readout.weights[k, 1], readout.weights[k, 2]
        r = ring.rates[k]
        v0 = v1 = v2 = 0.0
        for i in range(r.shape[0]):
            v0 += m0[i] * r[i]
            v1 += m1[i] * r[i]
            v2 += m2[i] * r[i]
        if readout.foresees[k]:  # + w_k times the look-ahead (0 while no predator is near)
            w = readout.trust[k]
            v0 += w * explore.ahead[0]
            v1 += w * explore.ahead[1]
            v2 += w * explore.ahead[2]
        motor.votes[k, 0], motor.votes[k, 1], motor.votes[k, 2] = v0, v1, v2
        if g > 0.0:  # a shut-out expert adds nothing (0 * a huge vote would still be 0)
            motor.drive[0] += g * v0
            motor.drive[1] += g * v1
            motor.drive[2] += g * v2
        reflex_softmax(motor.votes[k], beta, gain, explore.whiskers, motor.expert_probs[k])
    if gp.mode != GATE_TOP1 and gp.routing == ROUTE_SAMPLE:
        # One expert drives this step, drawn from the gate (greedy: the largest share); the
        # blend summed above is replaced by its votes. Its own draw, before the action's.
        winner = sample_expert(gate.share, uniform(rng, ACTION)) if not greedy else winner
        motor.drive[0] = motor.votes[winner, 0]
        motor.drive[1] = motor.votes[winner, 1]
        motor.drive[2] = motor.votes[winner, 2]
    reflex_softmax(motor.drive, beta, gain, explore.whiskers, motor.probs)
    u = uniform(rng, ACTION)
    if greedy and explore.values[X_STARTLE] <= 0.0:
        d, w = motor.drive, explore.whiskers
        z0 = xp.beta * d[0] - gain * w[0]
        z1 = xp.beta * d[1] - gain * w[1]
        z2 = xp.beta * d[2] - gain * w[2]
        action = greedy_choice(z0, z1, z2, u)
    else:
        action = N_MOTOR - 1
        acc = 0.0
        for a in range(N_MOTOR):
            acc += motor.probs[a]
            if u < acc:
                action = a
                break
    set_driver(motor, gate, gp, action, winner)
    return action


@njit(cache=True, inline="always")  # see INLINED
def set_driver(motor: MotorState, gate: GateState, gp: GateParams, action: int, winner: int):
    """The driver of an action is the expert most responsible for it: argmax_k g_k p_k(a)
    (the responsibility of Jacobs et al. 1991). An expert whose gate is 0 is never the driver;
    top-1 and sampled routing: the expert routed to."""
    if gp.mode == GATE_TOP1 or gp.routing == ROUTE_SAMPLE:
        motor.driver[0] = winner
        return
    best = -1.0
    for k in range(gate.share.shape[0]):
        resp = gate.share[k] * motor.expert_probs[k, action]
        if gate.share[k] > 0.0 and resp > best:
            best = resp
            motor.driver[0] = k


@njit(cache=True, inline="always")  # see INLINED
def explore_update(
    explore: ExploreState,
    gate: GateState,
    xp: ExploreParams,
    gp: GateParams,
    rewards: np.ndarray,
    blocked: int,
    threat: int,
) -> None:
    """Adaptive gain (Aston-Jones & Cohen 2005): progress P <- P + rho (sum_k g_k R_k - P), the
    running reward of what the mouse attends to; level = clip(P / P_ref, 0, 1), so a mouse that
    gets nowhere explores and one that progresses exploits. Threat arousal: a looming predator
    sets T = 1, which then decays by loom_memory per step; level = max(level, T), so a mouse
    fleeing a predator that gains on it is decisive, not random. beta_eff = beta_min + (beta -
    beta_min) level. Startle: a blocked step caps beta_eff at startle_beta for the next
    startle_steps decisions. The threat's memory is the gate's looming detector's."""
    x = explore.values
    total = 0.0
    for k in range(rewards.shape[0]):
        total += gate.share[k] * rewards[k]
    x[X_PROGRESS] += xp.progress_rate * (total - x[X_PROGRESS])
    x[X_THREAT] = 1.0 if threat and xp.threat_arousal else gp.loom_memory * x[X_THREAT]
    if blocked:
        x[X_STARTLE] = xp.startle_steps
    elif x[X_STARTLE] > 0.0:
        x[X_STARTLE] -= 1.0
    set_beta(explore, xp)


@njit(cache=True, inline="always")  # see INLINED
def set_beta(explore: ExploreState, xp: ExploreParams) -> None:
    """beta_eff from the exploration state (see explore_update)."""
    x = explore.values
    beta = xp.beta
    if xp.adaptive:
        level = min(max(x[X_PROGRESS] / xp.progress_ref, 0.0), 1.0)
        level = max(level, x[X_THREAT])
        beta = xp.beta_min + (xp.beta - xp.beta_min) * level
    if x[X_STARTLE] > 0.0:
        beta = min(beta, xp.startle_beta)
    x[X_BETA] = beta


@jit_only(cache=True, forceinline=False)  # rare: a call, not inlined
def clear_rings(ring: RingState, kinds: np.ndarray, kind: int) -> None:
    """Silence the rings of every expert whose target is of `kind` (its goal was consumed:
    the remembered bearing points at nothing now)."""
    for e in range(kinds.shape[0]):
        if kinds[e] == kind:
            ring.rates[e, :] = 0.0
            ring.decoded[e, :] = 0.0
            ring.distance[e] = -1.0


@jit_only(cache=True)
def decay_rows(e: np.ndarray, lam: float) -> None:
    """e <- lam e, an explicit loop (an in-place array `*=` pulls in numba's broadcast checks)."""
    for a in range(e.shape[0]):
        for i in range(e.shape[1]):
            e[a, i] *= lam


@jit_only(cache=True)
def decay_traces(readout: ReadoutState, gate: GateState, lp: ReadoutParams, gl: GateLearningParams):
    """e_k <- lambda e_k and e_g <- lambda_g e_g with no new term: a step the learned brain did
    not choose (the escape reflex took it) is, to its policy gradient, something the world did;
    its outcome still reaches the earlier steps' traces."""
    for k in range(readout.elig.shape[0]):
        decay_rows(readout.elig[k], lp.trace_decay)
        readout.trust_elig[k] *= lp.trace_decay
    decay_rows(gate.elig, gl.trace_decay)


@njit(inline="always")
def action_likelihood(share: np.ndarray, expert_probs: np.ndarray, action: int) -> float:
    """pi(a) = sum_k g_k p_k(a): the chance of `action` under the routed mixture (the
    normaliser of every expert's responsibility)."""
    pi = 0.0
    for k in range(share.shape[0]):
        pi += share[k] * expert_probs[k, action]
    return pi


@njit(cache=True, inline="always")  # see INLINED
def update_traces(
    readout: ReadoutState,
    ring: RingState,
    motor: MotorState,
    gate: GateState,
    lp: ReadoutParams,
    gp: GateParams,
    action: int,
    ahead: np.ndarray,
) -> None:
    """e_k <- lambda e_k + post_k (x) r_k, and for an expert that reads the look-ahead A,
    e^w_k <- lambda e^w_k + post_k . A (its trust w_k enters the votes as w_k A).

    responsible (default): post_k = resp_k (onehot(action) - p_k), resp_k = g_k p_k(a) /
    sum_j g_j p_j(a), p_k the expert's own softmax: beta_eff post_k (x) r_k is d log pi(a) /
    dM_k for the routed mixture pi = sum_j g_j p_j (the expert learning rule of Jacobs et al.
    1991), so an expert learns from every step in proportion to how much the action was its
    own, whoever drove. blended / expert: post_k = g_k (onehot(action) - p), p the mixture's
    softmax or the expert's own (g_k only with gate_scaled)."""
    n_exp = ring.rates.shape[0]
    pi = action_likelihood(gate.share, motor.expert_probs, action)
    for k in range(n_exp):
        if gp.mode == GATE_TOP1 and k != motor.driver[0]:
            decay_rows(readout.elig[k], lp.trace_decay)
            readout.trust_elig[k] *= lp.trace_decay
            continue
        scale = gate.share[k] if lp.gate_scaled else 1.0
        p = motor.probs if lp.post == POST_BLENDED else motor.expert_probs[k]
        if lp.post == POST_RESPONSIBLE:
            # The expert's share of the credit for this action: its responsibility.
            scale = gate.share[k] * motor.expert_probs[k, action] / pi if pi > 0.0 else 0.0
        r = ring.rates[k]
        seen = 0.0
        for a in range(N_MOTOR):
            post = ((1.0 if a == action else 0.0) - p[a]) * scale
            seen += post * ahead[a]
            row = readout.elig[k, a]
            for i in range(r.shape[0]):
                row[i] = lp.trace_decay * row[i] + post * r[i]
        if readout.foresees[k]:
            readout.trust_elig[k] = lp.trace_decay * readout.trust_elig[k] + seen


@njit(cache=True, inline="always")  # see INLINED
def learn(
    readout: ReadoutState, lp: ReadoutParams, rewards: np.ndarray, percept: np.ndarray
) -> None:
    """M_k += eta_k (R_k - Rbar_k) e_k, then Rbar_k += alpha (R_k - Rbar_k), then each row
    of M_k is rescaled to its fixed L2 norm (keeps weights bounded; the baseline keeps the
    rule from drifting, Fremaux et al. 2010).

    eta_k = eta min(G, 1 / s_k), s_k += rho (v_k - s_k), v_k = 1 if the expert senses its
    target this step (percept[k, 2]): an expert whose target is rarely in view learns as much
    per unit of time as one that always sees it (metaplasticity: a synapse's plasticity
    rises as its recent activity falls, Abraham & Bear 1996), up to G = rarity_gain.

    Shared readouts (an expert's `readout` key): expert k learns into M_o(k), o(k) the expert
    whose readout it shares, each from its own trace and its own reward, and every M_k then
    equals its owner's (one skill, weights tied like a convolution's, applied to each target
    of the kind). o(k) = k for an expert with a readout of its own.

    NumPy reference: `ReferenceSimulation.step` (sim/reference.py)."""
    n_exp = readout.baseline.shape[0]
    for k in range(n_exp):
        delta = rewards[k] - readout.baseline[k]
        readout.baseline[k] += lp.baseline_alpha * delta
        s = readout.sighted[k] + lp.sighting_rate * (percept[k, 2] - readout.sighted[k])
        readout.sighted[k] = s
        boost = lp.rarity_gain if s * lp.rarity_gain <= 1.0 else 1.0 / s
        step = lp.learning_rate * boost * delta
        o = readout.owner[k]
        if readout.foresees[k]:  # w_o += eta_w (R_k - Rbar_k) e^w_k (no boost, no norm)
            readout.trust[o] += lp.trust_rate * delta * readout.trust_elig[k]
        # The three rows in one loop: each norm's sum keeps its order (same bits), but three
        # independent add chains overlap instead of waiting on one another.
        m0, m1, m2 = readout.weights[o, 0], readout.weights[o, 1], readout.weights[o, 2]
        e0, e1, e2 = readout.elig[k, 0], readout.elig[k, 1], readout.elig[k, 2]
        s0 = s1 = s2 = 0.0
        for i in range(m0.shape[0]):
            x0 = m0[i] + step * e0[i]
            x1 = m1[i] + step * e1[i]
            x2 = m2[i] + step * e2[i]
            m0[i], m1[i], m2[i] = x0, x1, x2
            s0 += x0 * x0
            s1 += x1 * x1
            s2 += x2 * x2
        for a in range(N_MOTOR):
            ss = s0 if a == 0 else (s1 if a == 1 else s2)
            if ss > 0.0:
                row = readout.weights[o, a]
                scale = readout.row_norm[o, a] / np.sqrt(ss)
                for i in range(row.shape[0]):
                    row[i] *= scale
    for k in range(n_exp):
        o = readout.owner[k]
        if o != k:
            for a in range(N_MOTOR):
                readout.weights[k, a, :] = readout.weights[o, a, :]
            readout.trust[k] = readout.trust[o]


@jit_only(cache=True, forceinline=False)  # rare: a call, not inlined
def reset_brain_episode(
    ring: RingState,
    readout: ReadoutState,
    motor: MotorState,
    gate: GateState,
    explore: ExploreState,
) -> None:
    """Fresh rings and traces for a new episode; readouts, gate weights and baselines carry
    over (beta_eff is set by set_beta next)."""
    ring.rates[:] = 0.0
    ring.cue[:] = 0.0
    ring.decoded[:] = 0.0
    ring.last_turn[0] = 0
    ring.last_step[:] = 0.0
    ring.distance[:] = -1.0
    ring.drive[:] = 0.0
    readout.elig[:] = 0.0
    readout.trust_elig[:] = 0.0
    gate.elig[:] = 0.0
    gate.critic_trace[:] = 0.0
    gate.pending[:] = 0.0
    gate.context[:] = 0.0
    motor.votes[:] = 0.0
    motor.drive[:] = 0.0
    motor.probs[:] = 1.0 / N_MOTOR
    motor.expert_probs[:] = 1.0 / N_MOTOR
    motor.driver[0] = 0
    explore.values[X_PROGRESS] = 0.0
    explore.values[X_STARTLE] = 0.0
    explore.values[X_THREAT] = 0.0
    explore.values[X_ESCAPE] = 0.0


@njit(inline="always")
def looms(p: np.ndarray, radius: float) -> bool:
    """The looming detector: a percept row (bearing, distance, visible) whose target is sensed
    within `radius` cells."""
    return p[2] > 0.0 and p[1] <= radius


@jit_only(**KERNEL)
def gate_features(
    gate: GateState, gp: GateParams, rp: RingParams, percept: np.ndarray, kinds: np.ndarray
) -> None:
    """Context x = (x_0, one feature per expert). Looming (default): x_k = 1 if expert k senses
    its target within loom_radius cells, else m x_k (a looming detector with a short memory:
    mice flee looming stimuli and stay wary, Yilmaz & Meister 2013), m = loom_memory_seen while
    the target is sensed (in view, farther than loom_radius), loom_memory while it is not. Proximity:
    x_k = 1 / (1 + d_k / cue_scale) if sensed, else 0 (the ring cue's own fall-off). Calm (mixture.calm_feature):
    x_0 = 1 - max_k x_k over the experts whose target is of kind gate_calm_kind (the
    predators), so the weights of x_0 say what to attend when nothing threatens and what the
    gate learns during an escape stays with the threat's own weight; off: x_0 = 1, a bias."""
    x = gate.context
    threat = 0.0
    for k in range(gate.share.shape[0]):
        if gp.features == FEATURES_LOOMING:
            # A looming target keeps its feature up for a while (decaying by loom_memory per
            # step): an escape is not called off the moment the threat steps out of range. A
            # target in view beyond the radius is seen to be away: loom_memory_seen.
            if looms(percept[k], gp.loom_radius):
                x[1 + k] = 1.0
            elif percept[k, 2] > 0.0:
                x[1 + k] = gp.loom_memory_seen * x[1 + k]
            else:
                x[1 + k] = gp.loom_memory * x[1 + k]
        else:
            vis = percept[k, 2] > 0.0
            x[1 + k] = 1.0 / (1.0 + percept[k, 1] / rp.cue_scale) if vis else 0.0
        if kinds[k] == gp.calm_kind:
            threat = max(threat, x[1 + k])
    x[0] = 1.0 - threat


@jit_only(**KERNEL)
def learned_gate(
    gate: GateState, gp: GateParams, rp: RingParams, percept: np.ndarray, kinds: np.ndarray
) -> None:
    """g_k = s_k q_k / sum_j s_j q_j with q = floor + (1 - E floor) softmax(V x) and
    s_k = (slider share_k)^override: focus 0.5 is neutral, focus 0 or 1 shuts a kind out
    exactly (its g is 0). The floor keeps every expert in play while the gate learns, so the
    gate's learning signal cannot vanish by saturation."""
    gate_features(gate, gp, rp, percept, kinds)
    g = gate.share
    n_exp = g.shape[0]
    x = gate.context
    m = -1.0e300
    for k in range(n_exp):
        z = 0.0
        for j in range(n_exp + 1):
            z += gate.weights[k, j] * x[j]
        g[k] = z
        m = max(m, z)
    total = 0.0
    for k in range(n_exp):
        g[k] = np.exp(g[k] - m)
        total += g[k]
    scale = 1.0 - n_exp * gp.floor
    norm = 0.0
    for k in range(n_exp):
        q = gp.floor + scale * g[k] / total
        b = gate.bias[k]
        # A share of 0 (log = -inf): shut out whatever the override.
        shut = 0.0 if gp.override > 0.0 else 1.0
        s = shut if b < -1.0e300 else np.exp(gp.override * b)
        g[k] = q * s
        norm += g[k]
    for k in range(n_exp):
        g[k] /= norm


@njit(inline="always")
def gate_logit(gate: GateState, k: int) -> float:
    """z_k = V_k . x, expert k's logit in the learned gate's softmax."""
    z = 0.0
    for j in range(gate.context.shape[0]):
        z += gate.weights[k, j] * gate.context[j]
    return z


@njit(inline="always")
def critic_value(gate: GateState, gl: GateLearningParams) -> float:
    """Rbar(x) = c . x', x' = (1, x_1, ..., x_E): the gate critic's prediction in the
    current context (c_0 alone with gate_critic off)."""
    c, x = gate.baseline, gate.context
    value = c[0]
    if gl.critic:
        for j in range(1, x.shape[0]):
            value += c[j] * x[j]
    return value


@njit(inline="always")
def add_choice(gate: GateState, gl: GateLearningParams, k: int, post: float, baseline: float):
    """e_g[k] <- lambda_g e_g[k] + post x; with gate_baseline return, also V[k] -= eta_g
    Rbar(x) post x: the baseline of this choice's own context, once, for its own term."""
    x = gate.context
    for j in range(x.shape[0]):
        gate.elig[k, j] = gl.trace_decay * gate.elig[k, j] + post * x[j]
        if gl.baseline == BASELINE_RETURN:
            w = gate.weights[k, j] - gl.learning_rate * baseline * post * x[j]
            gate.weights[k, j] = min(max(w, -gl.clip), gl.clip)


@jit_only(**KERNEL)
def gate_traces(
    gate: GateState, motor: MotorState, gp: GateParams, gl: GateLearningParams, action: int
) -> None:
    """e_g <- lambda_g e_g + post (x) x.

    Exact (default): post_k = d log pi(a) / dz_k for the policy the mouse follows,
    pi(a) = sum_j g_j p_j(a) (sampled routing: expert j drives with probability g_j), with
    g_j = a_j q_j, q = floor + (1 - E floor) s, s = softmax(z), a_j = g_j / q_j the slider's
    scaling: post_k = (1 - E floor) s_k [a_k (p_k - pi) - sum_j a_j s_j (p_j - pi)] / pi.
    It vanishes as the softmax saturates, so a gate that has learned a clear preference stops
    growing its weights (Williams 1992; the mixture-of-experts gradient, Jacobs et al. 1991).
    Responsibility: post_k = resp_k - g_k, resp_k = g_k p_k(a) / pi, the same gradient for an
    unfloored softmax; with a floor it never vanishes (g_k stays >= floor while resp_k -> 1),
    so the weights of every feature active while one expert dominates grow until the clip."""
    g = gate.share
    n_exp = g.shape[0]
    pi = action_likelihood(g, motor.expert_probs, action)
    baseline = critic_value(gate, gl) if gl.baseline == BASELINE_RETURN else 0.0
    if gl.gradient == GRADIENT_EXACT:
        m = -1.0e300
        for k in range(n_exp):
            m = max(m, gate_logit(gate, k))
        total = 0.0
        for k in range(n_exp):
            total += np.exp(gate_logit(gate, k) - m)
        scale = 1.0 - n_exp * gp.floor
        mean = 0.0  # sum_j a_j s_j (p_j - pi)
        for j in range(n_exp):
            sj = np.exp(gate_logit(gate, j) - m) / total
            qj = gp.floor + scale * sj
            aj = g[j] / qj if qj > 0.0 else 0.0
            mean += aj * sj * (motor.expert_probs[j, action] - pi)
        for k in range(n_exp):
            post = 0.0
            if pi > 0.0:
                sk = np.exp(gate_logit(gate, k) - m) / total
                qk = gp.floor + scale * sk
                ak = g[k] / qk if qk > 0.0 else 0.0
                post = scale * sk * (ak * (motor.expert_probs[k, action] - pi) - mean) / pi
            add_choice(gate, gl, k, post, baseline)
        return
    for k in range(n_exp):
        resp = g[k] * motor.expert_probs[k, action] / pi if pi > 0.0 else g[k]
        add_choice(gate, gl, k, resp - g[k], baseline)


@jit_only(**KERNEL)
def gate_learn(
    gate: GateState,
    gl: GateLearningParams,
    rewards: np.ndarray,
    events: float,
    terminal: int,
) -> None:
    """V += eta_g (R - Rbar(x)) e_g with R the task's outcome `events` (eat_bonus per cheese
    eaten, -caught_penalty per catch; gate_reward events) or the total reward of all experts
    (gate_reward total: distance shaping included, whose noise drowns the rare catch), and
    Rbar(x) = c . x' a baseline that depends on the gate's context, x' = (1, x_1, ..., x_E)
    (a linear critic with its own constant whatever x_0 is, c += rate (R - c.x') x';
    Fremaux et al. 2010: the expectation must be per context), or, with gate_critic off, a
    single running mean (c_0 alone). Weights clipped to [-gate_clip, gate_clip].

    gate_baseline return: V += eta_g R e_g, each choice's baseline having been taken off its
    own term when it was made (`add_choice`), and the critic fits the trace-discounted return
    G_s = sum_t lambda_g^(t-s) R_t of each context by least squares online (the backward view:
    z <- lambda_g z + x', c += rate (R z - (c . x') x')).

    gate_baseline td: an actor-critic (Sutton & Barto 2018, ch. 13; in spiking networks,
    Fremaux et al. 2013). The critic V(x) = c . x' learns the discounted value of each context
    and the gate moves by the TD error delta_t = R_t + gamma V(x_{t+1}) - V(x_t):
    c += rate delta_t x'_t, V += eta_g delta_t e_g. V(x_{t+1}) is known only once the next
    choice's context is, so this step's R_t and V(x_t) wait in `pending` for `gate_bootstrap`;
    a catch ends the episode (delta = R_t - V(x_t) at once). The last step of an episode that
    runs out of time is not learned from.

    NumPy reference: `ReferenceSimulation.step` (sim/reference.py)."""
    total = events
    if not gl.events:
        total = 0.0
        for k in range(rewards.shape[0]):
            total += rewards[k]
    x = gate.context
    c = gate.baseline
    expect = critic_value(gate, gl)
    if gl.baseline == BASELINE_TD:
        z = gate.critic_trace  # x'_t, the features the critic's update will move
        for j in range(x.shape[0]):
            z[j] = 1.0 if j == 0 else (x[j] if gl.critic else 0.0)
        if terminal:
            td_step(gate, gl, total - expect)
            gate.pending[2] = 0.0
        else:
            gate.pending[0], gate.pending[1], gate.pending[2] = total, expect, 1.0
        return
    if gl.baseline == BASELINE_RETURN:
        z = gate.critic_trace
        n_c = x.shape[0] if gl.critic else 1
        for j in range(n_c):
            xj = 1.0 if j == 0 else x[j]
            z[j] = gl.trace_decay * z[j] + xj
            c[j] += gl.baseline_rate * (total * z[j] - expect * xj)
        expect = 0.0  # V moves by eta_g R e_g
    delta = total - expect
    if gl.baseline == BASELINE_STEP:
        c[0] += gl.baseline_rate * delta
        if gl.critic:
            for j in range(1, x.shape[0]):
                c[j] += gl.baseline_rate * delta * x[j]
    move_gate(gate, gl, delta)


@njit(inline="always")
def move_gate(gate: GateState, gl: GateLearningParams, delta: float) -> None:
    """V += eta_g delta e_g, clipped to [-gate_clip, gate_clip]."""
    step = gl.learning_rate * delta
    v = gate.weights
    for k in range(v.shape[0]):
        for j in range(v.shape[1]):
            w = v[k, j] + step * gate.elig[k, j]
            v[k, j] = min(max(w, -gl.clip), gl.clip)


@njit(inline="always")
def td_step(gate: GateState, gl: GateLearningParams, delta: float) -> None:
    """The TD error's two moves: the critic c += rate delta x'_t, the gate V += eta_g delta e_g."""
    c, z = gate.baseline, gate.critic_trace
    for j in range(c.shape[0]):
        c[j] += gl.baseline_rate * delta * z[j]
    move_gate(gate, gl, delta)


@jit_only(**KERNEL)
def gate_bootstrap(gate: GateState, gl: GateLearningParams, learning: int) -> None:
    """gate_baseline td: once the next choice's context x_{t+1} is known, the step that
    awaits it learns from delta_t = R_t + gamma V(x_{t+1}) - V(x_t) (see `gate_learn`); before
    this choice's own term enters the gate's trace. With learning off it is dropped (learning
    switched back on later starts afresh). Nothing with the other baselines."""
    if gl.baseline != BASELINE_TD or gate.pending[2] == 0.0:
        return
    if not learning:
        gate.pending[2] = 0.0
        return
    delta = gate.pending[0] + gl.discount * critic_value(gate, gl) - gate.pending[1]
    td_step(gate, gl, delta)
    gate.pending[2] = 0.0
