"""Building a brain's arrays from its config: ring geometry, readouts, gate."""

from __future__ import annotations

import functools

import numpy as np

from mousesim.brain.kernels import (
    BASELINE_RETURN,
    BASELINE_STEP,
    BASELINE_TD,
    FEATURES_LOOMING,
    FEATURES_PROXIMITY,
    GATE_FIXED,
    GATE_LEARNED,
    GATE_TOP1,
    GRADIENT_EXACT,
    GRADIENT_RESPONSIBILITY,
    N_MOTOR,
    POST_BLENDED,
    POST_EXPERT,
    POST_RESPONSIBLE,
    ROUTE_BLEND,
    ROUTE_SAMPLE,
    BrainParams,
    BrainState,
    ExploreParams,
    ExploreState,
    GateLearningParams,
    GateParams,
    GateState,
    MotorState,
    ReadoutParams,
    ReadoutState,
    RingGeometry,
    RingParams,
    RingState,
    ring32_rows,
)
from mousesim.common.config import BrainConfig, MixtureConfig, RingConfig
from mousesim.world.kernels import KIND_CHEESE, KIND_PREDATOR

KIND_CODES = {"cheese": KIND_CHEESE, "predator": KIND_PREDATOR}
_FEATURES = {"looming": FEATURES_LOOMING, "proximity": FEATURES_PROXIMITY}
_BASELINES = {"step": BASELINE_STEP, "return": BASELINE_RETURN, "td": BASELINE_TD}


def _foresee(brain: BrainConfig) -> bool:
    """Some expert reads the look-ahead: it is on and an expert targets predators."""
    return brain.lookahead_radius > 0 and any(x.target == "predator" for x in brain.experts)


def brain_params(brain: BrainConfig, mixture: MixtureConfig) -> BrainParams:
    ring = brain.ring
    ex = brain.explore
    return BrainParams(
        ring=RingParams(
            J0=float(ring.J0),
            J1=float(ring.J1),
            I0=float(ring.I0),
            r_max=float(ring.r_max),
            kappa=float(ring.kappa),
            dt=float(ring.dt),
            euler_steps=int(ring.euler_steps),
            rot_turn=rotation_drive(ring),
            rot_rad=rotation_per_radian(ring),
            step_gain=float(ring.step_gain),
            cue_gain=float(ring.cue_gain),
            cue_scale=float(ring.cue_scale),
            noise=float(ring.noise),
            dense=int(ring.path == "dense"),
            clear_on_eat=int(brain.clear_on_eat),
        ),
        readout=ReadoutParams(
            learning_rate=float(brain.learning_rate),
            trace_decay=float(brain.trace_decay),
            baseline_alpha=float(brain.baseline_alpha),
            post={"blended": POST_BLENDED, "expert": POST_EXPERT, "responsible": POST_RESPONSIBLE}[
                brain.post
            ],
            gate_scaled=int(brain.gate_scaled),
            rarity_gain=float(brain.rarity_gain),
            sighting_rate=float(brain.sighting_rate),
            trust_rate=float(brain.lookahead_rate),
        ),
        explore=ExploreParams(
            beta=float(brain.beta),
            adaptive=int(ex.adaptive),
            beta_min=float(ex.beta_min),
            progress_rate=float(ex.progress_rate),
            progress_ref=float(ex.progress_ref),
            startle_steps=int(ex.startle_steps),
            startle_beta=float(ex.startle_beta),
            threat_arousal=int(ex.threat_arousal),
            whisker_gain=float(brain.whisker_gain),
            whisker_reach=int(brain.whisker_reach),
            # No predator expert reads the look-ahead: do not compute it each step.
            lookahead_radius=float(brain.lookahead_radius) if _foresee(brain) else 0.0,
            lookahead_depth=int(brain.lookahead_depth),
            escape_radius=float(brain.escape_radius),
            escape_depth=int(brain.escape_depth),
        ),
        gate=GateParams(
            mode={"fixed": GATE_FIXED, "top1": GATE_TOP1, "learned": GATE_LEARNED}[mixture.gate],
            features=_FEATURES[mixture.features],
            loom_radius=float(mixture.loom_radius),
            loom_memory=float(mixture.loom_memory),
            loom_memory_seen=float(
                mixture.loom_memory
                if mixture.loom_memory_seen is None
                else mixture.loom_memory_seen
            ),
            floor=min(float(mixture.gate_floor), 0.5 / len(brain.experts)),
            override=float(mixture.override),
            calm_kind=KIND_PREDATOR if mixture.calm_feature else -1,
            routing={"sample": ROUTE_SAMPLE, "blend": ROUTE_BLEND}[mixture.routing],
        ),
        gate_learning=GateLearningParams(
            learning_rate=float(mixture.gate_learning_rate),
            trace_decay=float(mixture.gate_trace_decay),
            critic=int(mixture.gate_critic),
            baseline_rate=float(mixture.gate_baseline_rate),
            baseline=_BASELINES[mixture.gate_baseline],
            discount=float(mixture.gate_discount),
            clip=float(mixture.gate_clip),
            events=int(mixture.gate_reward == "events"),
            gradient={"exact": GRADIENT_EXACT, "responsibility": GRADIENT_RESPONSIBILITY}[
                mixture.gate_gradient
            ],
        ),
    )


def _transfer(h: np.ndarray, r_max: float) -> np.ndarray:
    return r_max * np.tanh(np.maximum(h, 0.0) / r_max)


def _ring_steps(ring: RingConfig, r: np.ndarray, cue: np.ndarray, rot: float, n: int) -> None:
    """n Euler steps of the rank-3 ring (NumPy; the same equation as ring_substep_fast)."""
    theta = 2 * np.pi * np.arange(ring.neurons) / ring.neurons
    c, s = np.cos(theta), np.sin(theta)
    k = ring.J1 / ring.neurons
    for _ in range(n):
        t_sum, c_sum, s_sum = r.sum(), r @ c, r @ s
        p = k * c_sum + rot * k * s_sum
        q = k * s_sum - rot * k * c_sum
        h = ring.J0 * t_sum / ring.neurons + ring.I0 + c * p + s * q + cue
        r += ring.dt * (_transfer(h, ring.r_max) - r)


def _bump_angle(ring: RingConfig, r: np.ndarray) -> float:
    theta = 2 * np.pi * np.arange(ring.neurons) / ring.neurons
    return float(np.angle(np.sum(r * np.exp(1j * theta))))


@functools.lru_cache(maxsize=64)
def rotation_drive(ring: RingConfig) -> float:
    """The rotation drive rot_turn that moves a cue-free bump by -45 deg x rotation_gain over
    one world step (+45 deg left turn), measured on this ring at its own dt and step duration.

    The odd kernel rot * Wa moves the bump at an angular velocity close to rot / tau (Zhang
    1996), so the drive needed is about (pi / 4) / step_duration; the exact factor depends on
    the bump's shape and the Euler step, so it is found by the secant method on the shift of
    a settled bump (one step with the drive, three without, as a turn happens in the world).
    A ring that holds no bump (J1 too weak) gets the analytic value."""
    target = -(np.pi / 4) * ring.rotation_gain
    guess = (np.pi / 4) * ring.rotation_gain / ring.step_duration
    if target == 0.0:
        return 0.0
    n = ring.neurons
    theta = 2 * np.pi * np.arange(n) / n
    r0 = np.zeros(n)
    steps = ring.euler_steps
    cue = ring.cue_gain * np.exp(ring.kappa * (np.cos(theta) - 1.0))
    _ring_steps(ring, r0, cue, 0.0, max(1, int(30.0 / ring.dt)))  # 30 tau on a cue at 0
    _ring_steps(ring, r0, np.zeros(n), 0.0, max(1, int(20.0 / ring.dt)))  # 20 tau to settle
    if r0.max() < 1e-3 or not np.all(np.isfinite(r0)):
        return guess
    zero = np.zeros(n)

    def shift(rot: float) -> float:
        r = r0.copy()
        _ring_steps(ring, r, zero, rot, steps)
        _ring_steps(ring, r, zero, 0.0, 3 * steps)
        return _bump_angle(ring, r) - _bump_angle(ring, r0)

    x0, x1 = 0.0, guess
    f0, f1 = -target, shift(x1) - target
    for _ in range(30):
        if abs(f1) < 1e-10 or f1 == f0:
            break
        x0, x1, f0 = x1, x1 - f1 * (x1 - x0) / (f1 - f0), f1
        f1 = shift(x1) - target
    return float(x1) if np.isfinite(x1) else guess


def rotation_per_radian(ring: RingConfig) -> float:
    """The rotation drive that moves a cue-free bump by one radian (+ = to the left) over one
    world step: the turn's calibration (`rotation_drive`) at gain 1, per radian."""
    return rotation_drive(ring.model_copy(update={"rotation_gain": 1.0})) / (-np.pi / 4)


def hand_wired_readout(brain: BrainConfig) -> np.ndarray:
    """The reference readout M[E, 3, N]: von Mises tuning around each row's preferred bearing.

    Approach (cheese): left prefers +turn_angle, straight 0, right -turn_angle. With turn rows
    at +-45 deg, a target at +-45 deg (a diagonal cell) votes for the turn outright instead of
    tying turn and straight (rows at +-90 deg tie exactly there, and the mouse orbits).
    Avoidance (predator): left prefers avoid_angle - 180 (a predator behind on the right),
    straight 180, right 180 - avoid_angle; at 90 deg a predator straight ahead still gets a
    clear vote to turn away (rows at +-135 deg barely answer a bearing of 0)."""
    n = brain.ring.neurons
    theta = 2 * np.pi * np.arange(n) / n
    out = np.empty((len(brain.experts), N_MOTOR, n))
    for k, expert in enumerate(brain.experts):
        if expert.target == "cheese":
            a = np.radians(brain.readout_turn_angle)
            prefs = (a, 0.0, -a)
        else:
            a = np.radians(brain.avoid_turn_angle)
            prefs = (a - np.pi, np.pi, np.pi - a)
        for row, pref in enumerate(prefs):
            out[k, row] = np.exp(brain.readout_width * (np.cos(theta - pref) - 1.0))
    return out


def gate_from_focus(brain: BrainConfig, focus: float) -> np.ndarray:
    """Gate g[E] from the slider: cheese experts share `focus`, predator experts `1 - focus`
    (split evenly within a kind). A kind with no expert leaves the other kind all the weight."""
    kinds = [e.target for e in brain.experts]
    n_c, n_p = kinds.count("cheese"), kinds.count("predator")
    f_c = focus if n_p else 1.0
    f_p = (1.0 - focus) if n_c else 1.0
    return np.array([f_c / n_c if k == "cheese" else f_p / n_p for k in kinds], dtype=np.float64)


def gate_bias_from_focus(brain: BrainConfig, focus: float) -> np.ndarray:
    """log of the slider's shares: the learned gate's override term (0.5 adds the same to
    every logit, i.e. nothing; 0 or 1 shuts one kind out: log 0 = -inf)."""
    shares = gate_from_focus(brain, focus)
    out = np.full(shares.shape, -np.inf)
    np.log(shares, out=out, where=shares > 0)
    return out


def build_brain(brain: BrainConfig, mixture: MixtureConfig, rng: np.random.Generator) -> BrainState:
    """Allocate every brain array once; readouts from `brain.init` (random rows are U(0, 1),
    rescaled to the hand-wired row norm, which stays fixed while learning)."""
    n = brain.ring.neurons
    e = len(brain.experts)
    theta = 2 * np.pi * np.arange(n) / n
    hand = hand_wired_readout(brain)
    row_norm = np.linalg.norm(hand, axis=2)
    if brain.init == "hand_wired":
        readout = hand.copy()
    else:
        readout = 1.0 + brain.init_spread * (rng.random((e, N_MOTOR, n)) - 0.5)
        readout *= (row_norm / np.linalg.norm(readout, axis=2))[:, :, None]
    owner = readout_owners(brain)
    readout = readout[owner]  # experts that share a readout start from its owner's rows
    if brain.ring.path == "dense":
        diff = theta[:, None] - theta[None, :]
        w_sym = (brain.ring.J0 + brain.ring.J1 * np.cos(diff)) / n
        w_rot = -brain.ring.J1 * np.sin(diff) / n
    else:
        w_sym = np.zeros((0, 0))
        w_rot = np.zeros((0, 0))
    return BrainState(
        geometry=RingGeometry(
            theta=theta,
            cos_t=np.cos(theta),
            sin_t=np.sin(theta),
            w_sym=np.ascontiguousarray(w_sym),
            w_rot=np.ascontiguousarray(w_rot),
        ),
        ring=RingState(
            rates=np.zeros((e, n)),
            cue=np.zeros((e, n)),
            h=np.zeros(n),
            noise=np.zeros(n),
            decoded=np.zeros((e, 2)),
            ring32=ring32_rows(e, theta),
            last_turn=np.zeros(1, dtype=np.int64),
            last_step=np.zeros(2),
            distance=np.full(e, -1.0),
            drive=np.zeros(e),
        ),
        readout=ReadoutState(
            weights=np.ascontiguousarray(readout),
            row_norm=row_norm,
            elig=np.zeros((e, N_MOTOR, n)),
            baseline=np.zeros(e),
            sighted=np.ones(e),
            owner=owner,
            foresees=np.array(
                [int(_foresee(brain) and x.target == "predator") for x in brain.experts],
                dtype=np.int64,
            ),
            trust=np.zeros(e),
            trust_elig=np.zeros(e),
        ),
        motor=MotorState(
            votes=np.zeros((e, N_MOTOR)),
            drive=np.zeros(N_MOTOR),
            probs=np.full(N_MOTOR, 1.0 / N_MOTOR),
            expert_probs=np.full((e, N_MOTOR), 1.0 / N_MOTOR),
            driver=np.zeros(1, dtype=np.int64),
        ),
        gate=GateState(
            share=gate_from_focus(brain, mixture.focus),
            bias=gate_bias_from_focus(brain, mixture.focus),
            weights=np.zeros((e, e + 1)),
            context=np.zeros(e + 1),
            elig=np.zeros((e, e + 1)),
            baseline=np.zeros(e + 1),
            critic_trace=np.zeros(e + 1),
            pending=np.zeros(3),
        ),
        explore=ExploreState(
            values=np.array([brain.beta, 0.0, 0.0, 0.0, 0.0]),
            whiskers=np.zeros(N_MOTOR),
            ahead=np.zeros(N_MOTOR),
        ),
    )


def readout_owners(brain: BrainConfig) -> np.ndarray:
    """o(k): the expert whose readout expert k reads and learns into (itself, or the earlier
    expert of its kind that its `readout` key names)."""
    index = {e.name: k for k, e in enumerate(brain.experts)}
    return np.array(
        [k if e.readout is None else index[e.readout] for k, e in enumerate(brain.experts)],
        dtype=np.int64,
    )


def expert_codes(brain: BrainConfig) -> tuple[np.ndarray, np.ndarray]:
    kinds = np.array([KIND_CODES[e.target] for e in brain.experts], dtype=np.int64)
    ranks = np.array([e.rank for e in brain.experts], dtype=np.int64)
    return kinds, ranks
