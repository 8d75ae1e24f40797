"""The default mouse learns readouts and gate together from random weights: no seed collapses
into flee-only or cheese-only, the learned gate beats every fixed focus of the same readouts,
and it turns from a looming predator. One evaluation (the same code as `mousesim eval`) serves
the slow tests; the gate's reward has a fast unit test of its own."""

from __future__ import annotations

import numpy as np
import pytest

from mousesim.evaluate.evaluate import EvalOptions, evaluate, gate_comparison
from mousesim.io.yaml_config import load_config
from mousesim.sim.simulation import Simulation

from .conftest import CONFIGS

SWEEP = tuple(round(0.1 * i, 1) for i in range(11))  # 0, 0.1, ..., 1 (the fixed foci)


@pytest.fixture(scope="module")
def default_eval():
    """5 seeds (0..4) x 200 training episodes, then 100 evaluation episodes per player and
    focus, learning off, sampled at beta 10: what `mousesim eval configs/default.yaml
    --focus-sweep 0,0.1,...,1 --episodes 100` runs for the learned brain."""
    opts = EvalOptions(
        train_episodes=200,
        episodes=100,
        seeds=5,
        focus_sweep=SWEEP,
        policies=("learned", "learned-gate"),
    )
    return evaluate(load_config(CONFIGS / "default.yaml"), opts)


def _per_seed(result, policy: str, focus=None) -> dict[int, dict]:
    rows = [*result.rows, *result.sweep]
    return {
        r["seed"]: r
        for r in rows
        if r["policy"] == policy and (focus is None or r["focus"] == pytest.approx(focus))
    }


@pytest.mark.slow
def test_joint_learning_does_not_collapse(default_eval):
    """Every seed learns both jobs: at least 4 of 5 seeds reach 70% of the best seed's score
    (cheese - 5 x caught), and none is a flee-only mouse (< 3 cheese per episode) or a mouse
    that ignores the predator (caught in > 60% of episodes). Measured (the default gate, TD;
    100 evaluation episodes): 12 of 12 groups of 5 seeds (0-59) pass, every seed 0-59 scoring
    at least 17.1 (seeds 0-4: 19.90, 20.22, 19.01, 19.56, 19.88). With a constant bias instead
    of the calm feature (mixture.calm_feature false) 9 of 12 groups pass, seeds 0-4 among
    them, one seed of 0-59 scoring 0.01. (With the step gate, configs/step_gate.yaml: every
    seed 0-19 at least 11.2; with the calm feature off 3 of 12 groups, seeds 0-4 not.)"""
    seeds = _per_seed(default_eval, "learned-gate")
    scores = np.array([r["score"] for r in seeds.values()])
    assert np.sum(scores >= 0.7 * scores.max()) >= 4, scores
    for seed, r in seeds.items():
        assert r["cheese_per_episode"] >= 3.0, (seed, r["cheese_per_episode"])
        assert r["caught_rate"] <= 0.6, (seed, r["caught_rate"])


@pytest.mark.slow
def test_learned_gate_beats_every_fixed_focus(default_eval):
    """Score = cheese - 5 x caught rate: the learned gate beats the same readouts behind each
    fixed focus 0, 0.1, ..., 1, paired over 5 seeds with the 95% interval of the difference
    above 0 (the issue's target). Measured (seeds 0-4): 19.71 against 2.86 at the best fixed
    focus (0.9), a difference of 16.86 [16.31, 17.41]; with the calm feature off 15.06 [13.02,
    17.10] (with the step gate it was [0.3, 6.0] there, the seeds' spread widening it)."""
    comp = gate_comparison(default_eval)
    assert comp is not None and comp["n_fixed"] == len(SWEEP), comp
    assert comp["verdict"] == "beats the best fixed focus", comp
    assert comp["difference"][1] > 0, comp


@pytest.mark.slow
def test_learned_mouse_turns_from_a_looming_predator(default_eval):
    """The gate hands control to the predator expert when it looms: the learned mouse is caught
    in at most 20% of episodes (the product target) and in at most half as many as the same
    readouts chasing cheese alone (focus 1). Measured (seeds 0-4): 0.11 against 0.99."""
    gated = np.mean([r["caught_rate"] for r in _per_seed(default_eval, "learned-gate").values()])
    cheese_only = np.mean(
        [r["caught_rate"] for r in _per_seed(default_eval, "learned", 1.0).values()]
    )
    assert gated <= 0.5 * cheese_only, (gated, cheese_only)
    assert gated <= 0.20, gated


def _quiet_episode(gate_reward: str) -> Simulation:
    """20 steps on an open map whose predator starts far and moves slowly: nothing is eaten
    and nobody is caught, but the distance-shaping rewards are never 0."""
    over = {
        "mixture.gate_reward": gate_reward,
        "world.max_steps": 20,
        "world.cheese.count": 0,
        "world.predator.move_prob": 0.0,
    }
    sim = Simulation(load_config(None, over), seed=1)
    sim.run_episode()
    return sim


def test_gate_learns_from_outcomes_not_from_shaping():
    """gate_reward events: an episode without a cheese eaten or a catch leaves the gate's
    weights where they were (its reward is the task's outcome, 0 here); gate_reward total
    moves them with the experts' distance-shaping rewards."""
    events = _quiet_episode("events")
    assert events.world.counters[1] == 0 and events.buffers.stats[2] == 0.0
    assert np.all(events.brain.gate.weights == 0.0), events.brain.gate.weights
    total = _quiet_episode("total")
    assert np.abs(total.brain.gate.weights).max() > 0.0
