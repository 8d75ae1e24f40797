"""The window's words and pictures agree with the brain: the heat map shows how the three
motor rows differ (what decides the action), and the text under a ring says what is drawn."""

from __future__ import annotations

import os

os.environ.setdefault("SDL_VIDEODRIVER", "dummy")
os.environ.setdefault("PYGAME_HIDE_SUPPORT_PROMPT", "1")

import numpy as np
import pytest

pytest.importorskip("pygame")

from mousesim.render.view import relative_readout, ring_texts
from mousesim.sim.simulation import Simulation

from .conftest import make_config


def _toward(rel: np.ndarray) -> np.ndarray:
    """Per expert: its left row's relative weight on the left minus on the right."""
    n = rel.shape[2]
    theta = (2 * np.pi * np.arange(n) / n + np.pi) % (2 * np.pi) - np.pi
    left, right = theta > np.radians(30), theta < -np.radians(30)
    return rel[:, 0, left].mean(axis=1) - rel[:, 0, right].mean(axis=1)


def test_heat_map_shows_turning_toward_the_cheese_and_away_from_the_predator():
    """The hand-wired brain (the reference a trained one comes to resemble): relative to the
    mean of the three rows, the cheese expert's left row is high on the left (turn toward),
    the predator expert's low (turn away); a random brain (init_spread 0.5) shows less than
    a third of that structure. The three relative rows sum to 0 at every neuron."""
    wired = relative_readout(
        Simulation(make_config(**{"brain.init": "hand_wired"})).brain.readout.weights
    )
    fresh = relative_readout(Simulation(make_config()).brain.readout.weights)
    assert np.allclose(wired.sum(axis=1), 0.0) and np.allclose(fresh.sum(axis=1), 0.0)
    t_wired, t_fresh = _toward(wired), _toward(fresh)
    assert t_wired[0] > 0 > t_wired[1]
    assert np.all(np.abs(t_fresh) < np.abs(t_wired) / 3), (t_fresh, t_wired)


def test_ring_texts_say_what_is_drawn():
    """No bump and an out-of-range target: nothing is remembered (not 'remembering'); a bump
    and an out-of-range target: the bump remembers; a sensed target: where it is."""
    bump, line, _ = ring_texts("cheese", 0.0, 0.0, 0.0, 12.0, False)
    assert "no bump" in bump[0] and "not remembered" in line[0]
    bump, line, _ = ring_texts("cheese", 0.5, 0.3, 0.0, 12.0, False)
    assert "29° left" in bump[0] and "the bump remembers" in line[0]
    bump, line, colour = ring_texts("predator", -0.5, 0.3, -0.5, 3.0, True)
    assert "29° right" in line[0] and "3 cells" in line[0] and colour == "target"
    _, line, _ = ring_texts("predator", 0.0, 0.0, 0.0, 1e9, False)
    assert line[0] == "no predator on the map"
