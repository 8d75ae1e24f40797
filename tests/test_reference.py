"""Jitted fast path, jitted dense path and the NumPy reference are the same brain.

The dense path and the reference run in float64; the fast path runs its rings in float32
(README: Performance), so it matches them to float32 precision: the same actions, rates
within RATE_TOL (measured <= 5e-7 over 10,000 steps) and learned weights within WEIGHT_TOL
(measured <= 4e-8: learning integrates the rates)."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from mousesim.sim.reference import ReferenceSimulation
from mousesim.sim.simulation import Simulation

from .conftest import make_config

STEPS = 10_000
RATE_TOL = 5e-6
WEIGHT_TOL = 2e-5


FLIP_DP = 1e-3  # the largest probability difference a float32 flip may come from


def float32_flip(ref: ReferenceSimulation, fast: Simulation) -> bool:
    """The two paths chose differently only because their probabilities differ by float32
    rounding: the reference's draw u lies between the two paths' cumulative probabilities at
    a decision boundary, and the probabilities are within FLIP_DP of each other."""
    u, p_ref = ref.last_draw
    p_fast = fast.brain.motor.probs
    if np.abs(p_ref - p_fast).max() >= FLIP_DP:
        return False
    c_ref, c_fast = np.cumsum(p_ref)[:2], np.cumsum(p_fast)[:2]
    return bool(np.any((np.minimum(c_ref, c_fast) <= u) & (u <= np.maximum(c_ref, c_fast))))


@pytest.mark.parametrize("seed", [0, 1, 2])
def test_fast_dense_and_numpy_reference_agree(seed):
    """Dense (float64) and the NumPy reference take the same action at every step for 10,000
    steps, rates within 1e-9. The float32 fast path takes the same actions with rates within
    RATE_TOL until, if ever, a draw lands between its probabilities and the reference's
    (measured: on none of seeds 0-2; the learned gate, which learns from events of size 5
    and 25, keeps float32 differences in its weights within 5e-6 over 10,000 steps); from
    there its trajectory is its own."""
    cfg = make_config(**{"world.max_steps": 400})
    fast = Simulation(cfg, seed=seed)
    dense = Simulation(make_config(**{"world.max_steps": 400, "brain.ring.path": "dense"}), seed)
    ref = ReferenceSimulation(cfg, seed=seed)
    worst = worst64 = 0.0
    episodes = 0
    fast_on = True
    for t in range(STEPS):
        a_dense = dense.step()
        a_ref, flags = ref.step()
        assert a_dense.action == a_ref, f"dense and reference differ at step {t}"
        worst64 = max(worst64, np.abs(dense.brain.ring.rates - ref.rates).max())
        if fast_on:
            a_fast = fast.step()
            if a_fast.action != a_ref:
                assert float32_flip(ref, fast), f"fast path differs at step {t}, not by float32"
                assert t >= 1000, f"fast path diverged early, at step {t}"
                fast_on = False
            else:
                worst = max(worst, np.abs(fast.brain.ring.rates - ref.rates).max())
        episodes += bool(flags & 3)
    assert worst64 <= 1e-9, worst64
    assert worst <= RATE_TOL, worst
    if fast_on:
        np.testing.assert_allclose(fast.brain.readout.weights, ref.readout, atol=WEIGHT_TOL, rtol=0)
    np.testing.assert_allclose(dense.brain.readout.weights, ref.readout, atol=1e-9, rtol=0)
    assert episodes >= 3, "the comparison should span several episodes"
    assert not np.array_equal(
        dense.brain.readout.weights, Simulation(cfg, seed=seed).brain.readout.weights
    )


def test_reference_agrees_in_top1_and_expert_post_modes():
    over = {
        "world.max_steps": 300,
        "mixture.gate": "top1",
        "brain.post": "expert",
        "mixture.focus": 0.7,
    }
    cfg = make_config(**over)
    fast, ref = Simulation(cfg, seed=5), ReferenceSimulation(cfg, seed=5)
    for _ in range(2000):
        assert fast.step().action == ref.step()[0]
    np.testing.assert_allclose(fast.brain.readout.weights, ref.readout, atol=WEIGHT_TOL, rtol=0)


GATE_TOL = (
    2e-4  # the learned gate amplifies float32 differences (seed 8: 1.1e-8 at 3,000 steps here)
)


def test_reference_agrees_with_the_learned_gate():
    """The learned gate's shares and weights match the reference to GATE_TOL over 3,000 steps:
    the gate learns from events of size 5 and 25 at rate 0.005 from its TD critic's error, so
    float32 differences in the rates reach its weights (seed 8: 3e-9 after 1,000 steps, 6e-9
    after 2,000, 1.1e-8 after 3,000; the step gate 3e-9, 3e-9, 4e-9), while the actions stay
    the same."""
    over = {"world.max_steps": 300, "mixture.gate": "learned", "mixture.focus": 0.6}
    cfg = make_config(**over)
    fast, ref = Simulation(cfg, seed=8), ReferenceSimulation(cfg, seed=8)
    for _ in range(3000):
        assert fast.step().action == ref.step()[0]
        np.testing.assert_allclose(fast.brain.gate.share, ref.gate, atol=GATE_TOL, rtol=0)
    np.testing.assert_allclose(fast.brain.gate.weights, ref.gate_w, atol=GATE_TOL, rtol=0)
    assert np.abs(fast.brain.gate.weights).max() > 0, "the gate should have learned something"


def test_reference_agrees_behind_walls():
    """On the maze (line of sight: the predator is in view on few steps, so each expert's
    learning rate is boosted by its rarity, up to brain.rarity_gain) the dense path and the
    reference take the same 4,000 actions and end with the same sighting shares and readouts."""
    from mousesim.io.yaml_config import load_config

    over = {"world.max_steps": 300, "brain.ring.path": "dense"}
    cfg = load_config(Path(__file__).parents[1] / "configs" / "maze.yaml", over)
    dense, ref = Simulation(cfg, seed=4), ReferenceSimulation(cfg, seed=4)
    for t in range(4000):
        assert dense.step().action == ref.step()[0], f"differ at step {t}"
    np.testing.assert_allclose(dense.brain.readout.sighted, ref.sighted, atol=1e-12, rtol=0)
    assert ref.sighted.min() < 0.5, "some target should have been out of view most steps"
    np.testing.assert_allclose(dense.brain.readout.weights, ref.readout, atol=1e-9, rtol=0)


def test_reference_agrees_with_two_predators_and_a_shared_readout():
    """Two chasing predators and three experts (the second predator's expert shares the
    first's readout, and a catch is the penalty only of the experts whose predator made it):
    the dense path and the reference take the same 4,000 actions and end with the same
    readouts, the two predator experts' rows identical in both."""
    from mousesim.io.yaml_config import load_config

    over = {"world.max_steps": 300, "brain.ring.path": "dense"}
    cfg = load_config(Path(__file__).parents[1] / "configs" / "two_predators.yaml", over)
    dense, ref = Simulation(cfg, seed=3), ReferenceSimulation(cfg, seed=3)
    start = dense.brain.readout.weights.copy()
    caught = 0
    for t in range(4000):
        step = dense.step()
        assert step.action == ref.step()[0], f"differ at step {t}"
        caught += step.terminated
    assert caught >= 3, "the comparison should include catches"
    np.testing.assert_allclose(dense.brain.readout.weights, ref.readout, atol=1e-9, rtol=0)
    np.testing.assert_array_equal(dense.brain.readout.weights[1], dense.brain.readout.weights[2])
    assert not np.allclose(dense.brain.readout.weights[1], start[1]), "the shared one learned"
