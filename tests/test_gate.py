"""The learned gate (mixture.gate: learned) and the slider's override of it."""

from __future__ import annotations

import numpy as np

from mousesim.io.yaml_config import load_config
from mousesim.sim.simulation import Simulation


def predator_share(sim: Simulation, cheese_prox: float, predator_prox: float) -> float:
    """The gate's predator share for a context, from the learned weights (slider neutral)."""
    x = np.array([1.0, cheese_prox, predator_prox])
    z = sim.brain.gate_w @ x + sim.bparams.gate_override * sim.brain.gate_bias
    g = np.exp(z - z.max())
    return float(g[1] / g.sum())


def test_learned_gate_turns_to_a_near_predator():
    """Same cheese context, predator 1 cell vs 15 cells away (proximity 1 / (1 + d / 4))."""
    near, far = 1 / (1 + 1 / 4), 1 / (1 + 15 / 4)
    for seed in (0, 1):
        sim = Simulation(load_config(None, {"mixture.gate": "learned"}), seed=seed)
        for _ in range(300):
            sim.run_episode()
        for cheese in (0.2, 0.5, 0.8):
            assert predator_share(sim, cheese, near) > predator_share(sim, cheese, far) + 0.1


def test_slider_overrides_the_learned_gate():
    sim = Simulation(load_config(None, {"mixture.gate": "learned"}), seed=0)
    for _ in range(3):
        sim.run_episode()
    sim.set_focus(1.0)
    for _ in range(50):
        sim.step()
        assert sim.brain.gate[0] > 1 - 1e-6  # all cheese, whatever the context says
    sim.set_focus(0.5)
    sim.step()
    assert 0.0 < sim.brain.gate[0] < 1.0
