"""Population mode: each mouse's run is the single-mouse run with its seed."""

from __future__ import annotations

import numpy as np
import pytest

from mousesim.sim.population import Population
from mousesim.sim.simulation import Simulation

from .conftest import make_config


@pytest.mark.parametrize("parallel", [False, True])
def test_population_matches_single_runs(parallel):
    cfg = make_config(**{"world.max_steps": 200})
    seeds = [3, 11, 42]
    pop = Population(cfg, seeds)
    stats = pop.run(episodes=6, parallel=parallel)
    for b, seed in enumerate(seeds):
        sim = Simulation(cfg, seed=seed)
        for ep in range(6):
            sim.run_episode()
            np.testing.assert_array_equal(stats[b, ep], sim.buffers.stats)
        np.testing.assert_allclose(
            pop.brain.readout.weights[b], sim.brain.readout.weights, atol=1e-9, rtol=0
        )
        np.testing.assert_allclose(pop.brain.ring.rates[b], sim.brain.ring.rates, atol=1e-9, rtol=0)
    assert not np.array_equal(stats[0], stats[1])


def test_population_step_by_step_actions_match():
    """Same actions: record the population's first episode and compare with single runs."""
    cfg = make_config(**{"world.max_steps": 150, "run.episodes": 1})
    seeds = [0, 1]
    pop = Population(cfg, seeds)
    pop.run(episodes=2)
    for b, seed in enumerate(seeds):
        sim = Simulation(cfg, seed=seed)
        sim.run_episode()
        sim.run_episode()
        assert np.array_equal(pop.world.mouse[b], sim.world.mouse)
        assert np.array_equal(pop.world.rng[b], sim.world.rng)
