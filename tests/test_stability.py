"""The mouse stays good: learning on for 1500 episodes, it neither drifts into catches nor
into cowering (docs/targets.md, `python scripts/targets.py stability`)."""

from __future__ import annotations

import numpy as np
import pytest

from mousesim.sim.simulation import Simulation

from .conftest import make_config

WINDOW = 250


def _windows(seed: int, **overrides) -> tuple[np.ndarray, float]:
    """(caught rate, cheese per episode) per 250-episode window, and cheese in episodes 101-300."""
    sim = Simulation(make_config(**overrides), seed=seed)
    rows = np.array([[r["caught"], r["cheese"]] for r in (sim.run_episode() for _ in range(1500))])
    return rows.reshape(-1, WINDOW, 2).mean(axis=1), float(rows[100:300, 1].mean())


@pytest.mark.slow
@pytest.mark.parametrize("seed", [0, 1, 2])
def test_learning_mouse_stays_safe_and_keeps_eating(seed):
    """Default config, learning on throughout. Measured (seeds 0, 1, 2): caught per window
    after the first 0.10-0.16, 0.10-0.13, 0.16-0.21; last window's cheese 1.06, 1.15, 1.06 x
    episodes 101-300. Bounds: caught <= 0.25 in every window after the first, cheese kept at
    0.9 x."""
    w, early = _windows(seed)
    assert w[1:, 0].max() <= 0.25, w
    assert w[-1, 1] >= 0.9 * early, (w, early)


@pytest.mark.slow
def test_blended_gate_with_the_responsibility_rule_drifts_into_catches():
    """The ablation the test above guards against: the same seed with the drive blended,
    the responsibility rule, a floor of 0.1, the blended post term and a gate rate of 0.02
    climbs to caught 0.72 by
    episodes 1001-1250 (measured windows 0.27 0.10 0.08 0.36 0.72 0.64)."""
    w, _ = _windows(
        0,
        **{
            "mixture.routing": "blend",
            "mixture.gate_gradient": "responsibility",
            "mixture.gate_floor": 0.1,
            "brain.post": "blended",
            "mixture.gate_learning_rate": 0.02,
        },
    )
    assert w[1:, 0].max() > 0.45, w


def _trained_score(config: str, seed: int, j1: float) -> float:
    """cheese - 5 x caught of a brain trained 200 episodes, then frozen for 100."""
    from mousesim.io.yaml_config import load_config

    from .conftest import CONFIGS

    cfg = load_config(CONFIGS / config, {"brain.ring.J1": j1})
    sim = Simulation(cfg, seed=seed)
    for _ in range(200):
        sim.run_episode()
    frozen = Simulation(cfg, seed=seed)
    frozen.load_state(sim.state_dict(), rng=False)
    frozen.set_learning(False)
    rows = [frozen.run_episode() for _ in range(100)]
    return float(np.mean([r["cheese"] - 5 * r["caught"] for r in rows]))


@pytest.mark.slow
def test_the_rings_memory_pays_where_pillars_hide_targets():
    """configs/pillars.yaml (line of sight: pillars hide the cheese and the predator for a few
    steps), seeds 0-4: the learned brain with the shipped ring (J1 8: a bump lasts without a
    cue) against the same brain whose bump fades within a few steps (J1 2). Measured scores
    (cheese - 5 x caught) -0.55/-3.62, -0.12/-1.26, -0.14/-0.54, -2.62/-3.22, 1.54/-1.70:
    memory better on 5 of 5 seeds, mean -0.38 vs -2.07. Bounds: better on 4 of 5, by 1.0 on
    average."""
    pairs = [(_trained_score("pillars.yaml", s, 8.0), _trained_score("pillars.yaml", s, 2.0))
             for s in range(5)]  # fmt: skip
    wins = sum(a > b for a, b in pairs)
    gain = np.mean([a - b for a, b in pairs])
    assert wins >= 4 and gain > 1.0, pairs
