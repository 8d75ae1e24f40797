"""The three-factor rule in isolation: signs, baseline, bounds (SCIENCE.md 4: 9, 13)."""

from __future__ import annotations

import numpy as np

from mousesim.brain.brain import brain_params, build_brain
from mousesim.brain.kernels import learn
from mousesim.common.config import BrainConfig, MixtureConfig
from mousesim.jit.rng import make_streams

from .conftest import choose, traces


def make(**kw):
    brain = BrainConfig(**kw)
    bs = build_brain(brain, MixtureConfig(), np.random.default_rng(0))
    bp = brain_params(brain, MixtureConfig())
    return bs, bp


def drive_once(bs, bp, rng, action=None):
    bs.ring.rates[:] = np.random.default_rng(1).random(bs.ring.rates.shape)
    a = choose(bs, bp, rng)
    traces(bs, bp, a if action is None else action)
    return a


def test_reward_equal_to_baseline_changes_nothing():
    bs, bp = make()
    rng = make_streams(0).kernel.copy()
    drive_once(bs, bp, rng)
    before = bs.readout.weights.copy()
    learn(bs.readout, bp.readout, bs.readout.baseline.copy())
    np.testing.assert_allclose(bs.readout.weights, before, rtol=1e-12, atol=0)


def test_reward_sign_sets_direction():
    """Positive surprise makes the chosen action more likely for the same input; negative less."""
    for sign in (1.0, -1.0):
        bs, bp = make(learning_rate=0.05, trace_decay=0.0)
        rng = make_streams(0).kernel.copy()
        drive_once(bs, bp, rng, action=0)
        p_before = bs.motor.probs[0]
        learn(bs.readout, bp.readout, np.full(bs.readout.baseline.shape, sign))
        choose(bs, bp, rng)
        assert np.sign(bs.motor.probs[0] - p_before) == sign


def test_row_norms_are_held_for_many_updates():
    bs, bp = make(learning_rate=0.5)
    rng = make_streams(0).kernel.copy()
    gen = np.random.default_rng(2)
    norms = bs.readout.row_norm.copy()
    for _ in range(20000):
        bs.ring.rates[:] = gen.random(bs.ring.rates.shape)
        a = choose(bs, bp, rng)
        traces(bs, bp, a)
        learn(bs.readout, bp.readout, gen.normal(3.0, 1.0, bs.readout.baseline.shape))
    np.testing.assert_allclose(np.linalg.norm(bs.readout.weights, axis=2), norms, rtol=1e-9)
    assert np.all(np.isfinite(bs.readout.weights))


def test_baseline_tracks_reward_and_centres_the_modulator():
    """With reward independent of action, R - Rbar averages ~0 once the baseline has converged."""
    bs, bp = make(baseline_alpha=0.01)
    rng = make_streams(0).kernel.copy()
    gen = np.random.default_rng(3)
    mods = []
    for t in range(10000):
        r = gen.normal(2.0, 1.0, bs.readout.baseline.shape)
        if t >= 2000:
            mods.append(r - bs.readout.baseline)
        drive_once(bs, bp, rng)
        learn(bs.readout, bp.readout, r)
    mods = np.array(mods)
    assert np.all(np.abs(mods.mean(axis=0)) < 0.1 * mods.std(axis=0))
    np.testing.assert_allclose(bs.readout.baseline, 2.0, atol=0.3)
