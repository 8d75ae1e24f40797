"""The learned gate (mixture.gate: learned) and the slider's override of it."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

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
    episodes on the default config (the TD gate) the predator-near weight favours the predator
    expert (3 seeds; measured logit differences of 4.6 to 4.8; the step gate 3.8 to 4.2), and
    with the predator near the predator share is above what it is with the predator far,
    whatever the cheese context (measured: 0.007-0.017 far, 0.95-0.99 near)."""
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


def test_a_threat_seen_going_away_is_let_go_sooner_than_one_out_of_sight():
    """mixture.loom_memory_seen: on the pillars map (line of sight), the predator's looming
    feature is 1 while it is sensed within loom_radius; once farther it decays by
    loom_memory_seen (0.5) a step while the predator is in view, and by loom_memory (0.95)
    while it is hidden behind a pillar or out of range. All three cases occur."""
    path = Path(__file__).parents[1] / "configs" / "pillars.yaml"
    sets = {"mixture.loom_memory": 0.95, "mixture.loom_memory_seen": 0.5}
    sim = Simulation(load_config(path, sets), seed=1)
    k = list(sim.expert_targets).index("predator")
    radius = sim.bparams.gate.loom_radius
    seen = {"looms": 0, "in view": 0, "hidden": 0}
    sim.step()
    for _ in range(3000):
        p, before = sim.buffers.percept[k].copy(), sim.brain.gate.context[1 + k]
        step = sim.step()
        if step.terminated or step.truncated:
            sim.step()  # a new episode starts its features afresh
            continue
        after = sim.brain.gate.context[1 + k]
        if p[2] > 0 and p[1] <= radius:
            case, want = "looms", 1.0
        elif p[2] > 0:
            case, want = "in view", 0.5 * before
        else:
            case, want = "hidden", 0.95 * before
        assert after == pytest.approx(want, abs=1e-12), (case, p, before, after)
        seen[case] += 1
    assert min(seen.values()) > 50, seen
