"""The mouse learns (issue 3): three-factor rule on the real world, several seeds."""

from __future__ import annotations

import numpy as np
import pytest

from mousesim.brain.analysis import readout_correlation, row_preferred_angles
from mousesim.brain.brain import hand_wired_readout
from mousesim.evaluate.scripted import random_policy, run_policy
from mousesim.io.yaml_config import load_config
from mousesim.sim.simulation import Simulation
from mousesim.world.world import World

from .conftest import CONFIGS

SEEDS = (0, 1, 2)


def _ang(a: float, b: float) -> float:
    return abs(float(np.degrees(np.angle(np.exp(1j * (a - b))))))


@pytest.fixture(scope="module")
def no_predator_runs():
    cfg = load_config(CONFIGS / "no_predator.yaml")
    out = []
    for seed in SEEDS:
        frozen = Simulation(cfg, seed=seed)
        frozen.set_learning(False)
        frozen_cheese = np.mean([frozen.run_episode()["cheese"] for _ in range(50)])
        sim = Simulation(cfg, seed=seed)
        assert np.array_equal(
            sim.brain.readout.weights, Simulation(cfg, seed=seed).brain.readout.weights
        )
        rows = [sim.run_episode() for _ in range(300)]
        learned_cheese = np.mean([r["cheese"] for r in rows[-50:]])
        rand = run_policy(
            World(cfg.world, seed=seed), random_policy(np.random.default_rng(seed)), 50, seed=seed
        )
        random_cheese = np.mean([r["cheese"] for r in rand])
        out.append((cfg, sim, learned_cheese, frozen_cheese, random_cheese))
    return out


def test_learning_beats_same_brain_frozen_and_random(no_predator_runs):
    """configs/no_predator.yaml, seeds 0-2: cheese per episode over the last 50 of 300
    learning episodes against the same brain frozen from the start and a random policy (50
    episodes each). Measured: 30.54, 34.30, 35.08 against 1.60, 0.50, 1.00 frozen and 0.68,
    0.68, 0.84 random."""
    learned = np.array([r[2] for r in no_predator_runs])
    frozen = np.array([r[3] for r in no_predator_runs])
    rand = np.array([r[4] for r in no_predator_runs])
    assert learned.mean() >= 3 * frozen.mean(), (learned, frozen)
    assert learned.mean() >= 5 * rand.mean(), (learned, rand)
    assert np.all(learned > 2 * frozen), "every seed should learn"


def test_learned_cheese_map_looks_hand_wired(no_predator_runs):
    """The cheese expert's learned readout correlates with the hand-wired one (measured 0.48,
    0.49, 0.50 on seeds 0-2) and its left and right rows prefer bumps 90 deg to their side
    (measured within 3 deg)."""
    for cfg, sim, *_ in no_predator_runs:
        hand = hand_wired_readout(cfg.brain)[0]
        learned = sim.brain.readout.weights[0]
        assert readout_correlation(learned, hand) >= 0.4
        left, _, right = row_preferred_angles(learned)
        assert _ang(left, np.pi / 2) <= 30.0
        assert _ang(right, -np.pi / 2) <= 30.0


def test_predator_expert_learns_to_flee():
    """Default config (the TD gate), 300 learning episodes: the predator expert's readout
    correlates with the hand-wired fleeing one (measured 0.51, 0.50 on seeds 0-1; seeds 0-5
    0.36-0.53)."""
    cfg = load_config(None)
    for seed in SEEDS[:2]:
        sim = Simulation(cfg, seed=seed)
        for _ in range(300):
            sim.run_episode()
        hand = hand_wired_readout(cfg.brain)[1]
        assert readout_correlation(sim.brain.readout.weights[1], hand) >= 0.3
