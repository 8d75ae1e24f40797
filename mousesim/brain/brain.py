"""Building a brain's arrays from its config: ring geometry, readouts, gate."""

from __future__ import annotations

import numpy as np

from mousesim.brain.kernels import (
    GATE_FIXED,
    GATE_LEARNED,
    GATE_TOP1,
    N_MOTOR,
    POST_BLENDED,
    POST_EXPERT,
    BrainParams,
    BrainState,
)
from mousesim.config import BrainConfig, MixtureConfig
from mousesim.world.kernels import KIND_CHEESE, KIND_PREDATOR

KIND_CODES = {"cheese": KIND_CHEESE, "predator": KIND_PREDATOR}

# Preferred egocentric bearing of each motor row (left, straight, right) in the
# hand-wired brain: approach turns toward the target, avoidance away from it.
_APPROACH_PREFS = (np.pi / 2, 0.0, -np.pi / 2)
_AVOID_PREFS = (-np.pi / 2, np.pi, np.pi / 2)


def brain_params(brain: BrainConfig, mixture: MixtureConfig) -> BrainParams:
    ring = brain.ring
    return BrainParams(
        J0=float(ring.J0),
        J1=float(ring.J1),
        I0=float(ring.I0),
        r_max=float(ring.r_max),
        kappa=float(ring.kappa),
        dt=float(ring.dt),
        substeps=int(ring.substeps),
        gamma=float(ring.gamma),
        cue_gain=float(ring.cue_gain),
        cue_scale=float(ring.cue_scale),
        noise=float(ring.noise),
        dense=int(ring.path == "dense"),
        beta=float(brain.beta),
        learning_rate=float(brain.learning_rate),
        trace_decay=float(brain.trace_decay),
        baseline_alpha=float(brain.baseline_alpha),
        post={"blended": POST_BLENDED, "expert": POST_EXPERT}[brain.post],
        gate_scaled=int(brain.gate_scaled),
        gate_mode={"fixed": GATE_FIXED, "top1": GATE_TOP1, "learned": GATE_LEARNED}[mixture.gate],
        gate_learning_rate=float(mixture.gate_learning_rate),
        gate_override=float(mixture.override),
        gate_clip=float(mixture.gate_clip),
    )


def hand_wired_readout(brain: BrainConfig) -> np.ndarray:
    """The reference readout M[E, 3, N]: von Mises tuning around each row's preferred bearing."""
    n = brain.ring.neurons
    theta = 2 * np.pi * np.arange(n) / n
    out = np.empty((len(brain.experts), N_MOTOR, n))
    for k, expert in enumerate(brain.experts):
        prefs = _APPROACH_PREFS if expert.target == "cheese" else _AVOID_PREFS
        for a, pref in enumerate(prefs):
            out[k, a] = np.exp(brain.readout_width * (np.cos(theta - pref) - 1.0))
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
    every logit, i.e. nothing; 0 or 1 pushes one kind out with log(1e-12))."""
    return np.log(np.maximum(gate_from_focus(brain, focus), 1e-12))


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
        readout = rng.random((e, N_MOTOR, n))
        readout *= (row_norm / np.linalg.norm(readout, axis=2))[:, :, None]
    if brain.ring.path == "dense":
        diff = theta[:, None] - theta[None, :]
        w_sym = (brain.ring.J0 + brain.ring.J1 * np.cos(diff)) / n
        w_rot = -brain.ring.J1 * np.sin(diff) / n
    else:
        w_sym = np.zeros((0, 0))
        w_rot = np.zeros((0, 0))
    return BrainState(
        theta=theta,
        cos_t=np.cos(theta),
        sin_t=np.sin(theta),
        w_sym=np.ascontiguousarray(w_sym),
        w_rot=np.ascontiguousarray(w_rot),
        rates=np.zeros((e, n)),
        cue=np.zeros((e, n)),
        h=np.zeros(n),
        noise=np.zeros(n),
        readout=np.ascontiguousarray(readout),
        row_norm=row_norm,
        elig=np.zeros((e, N_MOTOR, n)),
        baseline=np.zeros(e),
        gate=gate_from_focus(brain, mixture.focus),
        gate_bias=gate_bias_from_focus(brain, mixture.focus),
        gate_w=np.zeros((e, e + 1)),
        gate_x=np.zeros(e + 1),
        gate_elig=np.zeros((e, e + 1)),
        gate_baseline=np.zeros(1),
        votes=np.zeros((e, N_MOTOR)),
        drive=np.zeros(N_MOTOR),
        probs=np.full(N_MOTOR, 1.0 / N_MOTOR),
        expert_probs=np.full((e, N_MOTOR), 1.0 / N_MOTOR),
        decoded=np.zeros((e, 2)),
        last_turn=np.zeros(1, dtype=np.int64),
        driver=np.zeros(1, dtype=np.int64),
    )


def expert_codes(brain: BrainConfig) -> tuple[np.ndarray, np.ndarray]:
    kinds = np.array([KIND_CODES[e.target] for e in brain.experts], dtype=np.int64)
    ranks = np.array([e.rank for e in brain.experts], dtype=np.int64)
    return kinds, ranks
