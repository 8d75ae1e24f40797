"""Jitted fast path, jitted dense path and the NumPy reference are the same brain."""

from __future__ import annotations

import numpy as np
import pytest

from mousesim.sim.reference import ReferenceSimulation
from mousesim.sim.simulation import Simulation

from .conftest import make_config

STEPS = 10_000


@pytest.mark.parametrize("seed", [0, 1, 2])
def test_fast_dense_and_numpy_reference_agree(seed):
    cfg = make_config(**{"world.max_steps": 400})
    fast = Simulation(cfg, seed=seed)
    dense = Simulation(make_config(**{"world.max_steps": 400, "brain.ring.path": "dense"}), seed)
    ref = ReferenceSimulation(cfg, seed=seed)
    worst = 0.0
    episodes = 0
    for t in range(STEPS):
        a_fast = fast.step()
        a_dense = dense.step()
        a_ref, flags = ref.step()
        assert a_fast.action == a_dense.action == a_ref, f"actions differ at step {t}"
        worst = max(
            worst,
            np.abs(fast.brain.rates - dense.brain.rates).max(),
            np.abs(fast.brain.rates - ref.rates).max(),
        )
        episodes += bool(flags & 3)
    assert worst <= 1e-9, worst
    np.testing.assert_allclose(fast.brain.readout, ref.readout, atol=1e-9, rtol=0)
    np.testing.assert_allclose(fast.brain.readout, dense.brain.readout, atol=1e-9, rtol=0)
    assert episodes >= 3, "the comparison should span several episodes"
    assert not np.array_equal(fast.brain.readout, Simulation(cfg, seed=seed).brain.readout)


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
    np.testing.assert_allclose(fast.brain.readout, ref.readout, atol=1e-9, rtol=0)


def test_reference_agrees_with_the_learned_gate():
    over = {"world.max_steps": 300, "mixture.gate": "learned", "mixture.focus": 0.6}
    cfg = make_config(**over)
    fast, ref = Simulation(cfg, seed=8), ReferenceSimulation(cfg, seed=8)
    for _ in range(3000):
        assert fast.step().action == ref.step()[0]
        np.testing.assert_allclose(fast.brain.gate, ref.gate, atol=1e-9, rtol=0)
    np.testing.assert_allclose(fast.brain.gate_w, ref.gate_w, atol=1e-9, rtol=0)
    assert np.abs(fast.brain.gate_w).max() > 0, "the gate should have learned something"
