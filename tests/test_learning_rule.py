"""The three-factor rule in isolation: signs, baseline, bounds (SCIENCE.md 4: 9, 13)."""

from __future__ import annotations

import numpy as np
import pytest

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


def in_view(bs):
    """Percept rows (bearing, distance, visible) with every expert's target in view."""
    return np.tile([0.0, 1.0, 1.0], (bs.readout.baseline.shape[0], 1))


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
    learn(bs.readout, bp.readout, bs.readout.baseline.copy(), in_view(bs))
    np.testing.assert_allclose(bs.readout.weights, before, rtol=1e-12, atol=0)


def test_reward_sign_sets_direction():
    """Positive surprise makes the chosen action more likely for the same input; negative less."""
    for sign in (1.0, -1.0):
        bs, bp = make(learning_rate=0.05, trace_decay=0.0)
        rng = make_streams(0).kernel.copy()
        drive_once(bs, bp, rng, action=0)
        p_before = bs.motor.probs[0]
        learn(bs.readout, bp.readout, np.full(bs.readout.baseline.shape, sign), in_view(bs))
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
        learn(bs.readout, bp.readout, gen.normal(3.0, 1.0, bs.readout.baseline.shape), in_view(bs))
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
        learn(bs.readout, bp.readout, r, in_view(bs))
    mods = np.array(mods)
    assert np.all(np.abs(mods.mean(axis=0)) < 0.1 * mods.std(axis=0))
    np.testing.assert_allclose(bs.readout.baseline, 2.0, atol=0.3)


def _one_update(bs, bp, visible: float, sighted: float) -> np.ndarray:
    """The readout change of one update with surprise +1, the expert's running sighting share
    set to `sighted` and its target `visible` (1) or not (0) this step."""
    rng = make_streams(0).kernel.copy()
    drive_once(bs, bp, rng, action=0)
    bs.readout.sighted[:] = sighted
    before = bs.readout.weights.copy()
    percept = in_view(bs)
    percept[:, 2] = visible
    learn(bs.readout, bp.readout, bs.readout.baseline + 1.0, percept)
    return bs.readout.weights - before


def test_a_rarely_seen_target_teaches_more_per_sighting():
    """eta_k = eta min(G, 1 / s_k): with rarity_gain G = 8 an expert that sensed its target in
    1 step of 4 learns 4x as much from the same surprise as one that always sees it (small
    steps: the row renormalisation is nearly linear), and the boost stops at 8 for a target
    seen in 1 step of 100; with G = 2 (the default) both stop at 2."""

    def per_sighting(gain: float) -> dict[float, float]:
        steps = {}
        for s in (1.0, 0.25, 0.01):
            bs, bp = make(learning_rate=1e-6, sighting_rate=1e-9, rarity_gain=gain)
            steps[s] = np.abs(_one_update(bs, bp, 1.0, s)).sum()
        return {s: v / steps[1.0] for s, v in steps.items()}

    eight = per_sighting(8.0)
    assert eight[0.25] == pytest.approx(4.0, rel=1e-3)
    assert eight[0.01] == pytest.approx(8.0, rel=1e-3)
    two = per_sighting(2.0)
    assert two[0.25] == pytest.approx(2.0, rel=1e-3)
    assert two[0.01] == pytest.approx(2.0, rel=1e-3)


def test_the_sighting_share_follows_what_the_expert_senses():
    """s_k += rho (v_k - s_k): unseen steps lower it, seen steps raise it back; with
    rarity_gain 1 the rule is the plain three-factor rule whatever s_k is."""
    bs, bp = make(sighting_rate=0.1)
    _one_update(bs, bp, 0.0, 1.0)
    np.testing.assert_allclose(bs.readout.sighted, 0.9)
    _one_update(bs, bp, 1.0, 0.5)
    np.testing.assert_allclose(bs.readout.sighted, 0.55)
    plain, rare = make(rarity_gain=1.0), make(rarity_gain=1.0)
    np.testing.assert_array_equal(_one_update(*plain, 1.0, 1.0), _one_update(*rare, 1.0, 0.05))


OWN = (
    {"name": "cheese", "target": "cheese"},
    {"name": "predator", "target": "predator"},
    {"name": "predator2", "target": "predator", "rank": 1},
)
SHARED = (*OWN[:2], {**OWN[2], "readout": "predator"})


def test_experts_of_one_kind_learn_one_shared_readout():
    """`readout: predator`: the second predator's expert starts from and keeps the first's
    rows; each learns into them from its own trace and reward, so one step's change is (for
    small steps) the sum of the two experts' own changes; off, each changes only its own.
    (Hand-wired rows: both predator experts start from the same rows either way.)"""
    kw = {"init": "hand_wired", "learning_rate": 1e-6}
    own = {}
    for k in (1, 2):  # each predator expert alone surprised, the other at its baseline
        bs, bp = make(experts=OWN, **kw)
        drive_once(bs, bp, make_streams(0).kernel.copy(), action=0)
        before = bs.readout.weights.copy()
        r = bs.readout.baseline.copy()
        r[k] += 1.0
        learn(bs.readout, bp.readout, r, in_view(bs))
        change = bs.readout.weights - before
        assert np.abs(change[3 - k]).max() < 1e-15, "unshared: the other expert keeps its rows"
        own[k] = change[k]
    bs, bp = make(experts=SHARED, **kw)
    drive_once(bs, bp, make_streams(0).kernel.copy(), action=0)
    np.testing.assert_array_equal(bs.readout.weights, before)
    learn(bs.readout, bp.readout, bs.readout.baseline + np.array([0.0, 1.0, 1.0]), in_view(bs))
    shared = bs.readout.weights[1] - before[1]
    np.testing.assert_allclose(shared, own[1] + own[2], rtol=1e-3, atol=1e-12)
    np.testing.assert_array_equal(bs.readout.weights[1], bs.readout.weights[2])
    assert np.abs(own[2]).sum() > 0.1 * np.abs(own[1]).sum(), "both experts should contribute"
