"""The learned gate (mixture.gate: learned) and the slider's override of it."""

from __future__ import annotations

import numpy as np

from mousesim.io.yaml_config import load_config
from mousesim.sim.simulation import Simulation

from .conftest import step_until_the_predator_looms


def predator_share(sim: Simulation, cheese_near: float, predator_near: float) -> float:
    """The gate's predator share for a looming context, from the learned weights (slider
    neutral): g = floor + (1 - 2 floor) softmax(V x), x = (calm, cheese near, predator near),
    calm = 1 - predator near (mixture.calm_feature) or 1."""
    calm = 1.0 - predator_near if sim.bparams.gate.calm_kind >= 0 else 1.0
    x = np.array([calm, cheese_near, predator_near])
    z = sim.brain.gate.weights @ x
    s = np.exp(z - z.max())
    floor = sim.bparams.gate.floor
    return float(floor + (1 - 2 * floor) * s[1] / s.sum())


def test_learned_gate_turns_to_a_near_predator():
    """The looming feature is what the gate learns from (Yilmaz & Meister 2013): after 200
    episodes on the default config the predator-near weight favours the predator expert (3
    seeds; measured logit differences of 8.8 to 12.9), and with the predator near the predator
    share is above what it is with the predator far, whatever the cheese context (measured:
    0.10-0.18 far, 0.85-0.90 near)."""
    for seed in (0, 1, 2):
        sim = Simulation(load_config(None), seed=seed)
        for _ in range(200):
            sim.run_episode()
        w = (
            sim.brain.gate.weights
        )  # rows: cheese, predator; columns: calm, cheese near, predator near
        assert w[1, 2] - w[0, 2] > 2.0, w
        for cheese in (0.0, 1.0):
            assert predator_share(sim, cheese, 1.0) >= predator_share(sim, cheese, 0.0)


def test_slider_overrides_the_learned_gate():
    sim = Simulation(load_config(None, {"mixture.gate": "learned"}), seed=0)
    for _ in range(3):
        sim.run_episode()
    sim.set_focus(1.0)
    for _ in range(50):
        sim.step()
        assert sim.brain.gate.share[0] > 1 - 1e-6  # all cheese, whatever the context says
    sim.set_focus(0.5)
    sim.step()
    assert 0.0 < sim.brain.gate.share[0] < 1.0


def test_calm_feature_is_off_while_the_predator_looms():
    """mixture.calm_feature: the gate's first feature is 1 - the predator's looming feature:
    0 while the predator looms (the threat's own weight decides), back towards 1 as the
    looming memory decays; a constant 1 with the key off. A looming cheese leaves it at 1."""
    sim = Simulation(load_config(None, {"mixture.gate": "learned"}), seed=3)
    step_until_the_predator_looms(sim)
    sim.step()  # the gate reads the percept the last step left
    x = sim.brain.gate.context
    if x[2] == 1.0:
        assert x[0] == 0.0, x
    assert x[0] == 1.0 - x[2], x
    off = Simulation(load_config(None, {"mixture.calm_feature": False}), seed=3)
    step_until_the_predator_looms(off)
    off.step()
    assert off.brain.gate.context[0] == 1.0 and off.brain.gate.context[2] > 0.0, (
        off.brain.gate.context
    )
    calm = Simulation(load_config(None, {"world.predator.count": 0}), seed=3)
    for _ in range(50):
        calm.step()
    assert calm.brain.gate.context[0] == 1.0, calm.brain.gate.context
