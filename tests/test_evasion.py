"""The default world lets a good policy escape (DESIGN.md section 1)."""

from __future__ import annotations

import numpy as np

from mousesim.common.config import SimConfig
from mousesim.evaluate.scripted import flee_oracle, random_policy, run_policy
from mousesim.world.world import World


def caught_rate(policy, seed: int, episodes: int = 25) -> float:
    rows = run_policy(World(SimConfig().world, seed=seed), policy, episodes, seed=seed)
    return float(np.mean([r["caught"] for r in rows]))


def test_flee_oracle_survives_most_episodes():
    rates = [caught_rate(flee_oracle(), seed) for seed in (0, 1)]
    assert np.mean(rates) < 0.3, rates


def test_random_policy_is_caught():
    rates = [caught_rate(random_policy(np.random.default_rng(seed)), seed) for seed in (0, 1)]
    assert np.mean(rates) > 0.8, rates
