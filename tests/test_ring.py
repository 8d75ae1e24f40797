"""Ring-attractor properties (DESIGN.md section 2, SCIENCE.md section 4)."""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from mousesim.brain.ring import RingProbe
from mousesim.common.config import RingConfig


def ang_diff(a: float, b: float) -> float:
    return float(np.degrees(np.angle(np.exp(1j * (a - b)))))


BIN = 360.0 / 64


@pytest.mark.parametrize("cue_deg", [0.0, 37.0, 90.0, -135.0, 179.0])
def test_bump_forms_on_cue(cue_deg):
    p = RingProbe()
    p.step(cue=np.radians(cue_deg), distance=3.0, n=30)
    angle, amp = p.bump()
    assert p.peaks() == 1
    assert amp > 0.1
    assert abs(ang_diff(angle, np.radians(cue_deg))) <= BIN + 2.0
    assert p.rates.max() > 2 * p.rates.mean()


def test_silent_ring_stays_silent():
    """A ring that never sensed its target has no bump (no phantom target)."""
    p = RingProbe()
    p.step(n=100)
    assert np.all(p.rates == 0.0)


@pytest.mark.parametrize("cue_deg", [20.0, -100.0])
def test_bump_persists_without_cue(cue_deg):
    p = RingProbe()
    p.step(cue=np.radians(cue_deg), distance=3.0, n=30)
    start, _ = p.bump()
    p.step(n=100)  # 100 world steps x 10 substeps x 0.1 tau = 100 tau
    end, amp = p.bump()
    assert amp > 0.1, "the bump died"
    assert p.peaks() == 1
    assert abs(ang_diff(end, start)) < 10.0


@pytest.mark.parametrize("turn", [1, -1])
@pytest.mark.parametrize("start_deg", [0.0, 70.0, -160.0])
def test_turn_shifts_bump_opposite(turn, start_deg):
    """A 45 deg turn left (+1) moves every egocentric bearing by -45 deg, and the bump with it."""
    p = RingProbe()
    p.step(cue=np.radians(start_deg), distance=3.0, n=30)
    p.step(n=10)
    before, _ = p.bump()
    p.step(turn=turn)
    p.step(n=3)  # settle without rotation
    after, _ = p.bump()
    assert abs(ang_diff(after, before) - (-45.0 * turn)) <= 10.0


def test_full_rotation_returns_near_start():
    p = RingProbe()
    p.step(cue=np.radians(30), distance=3.0, n=30)
    p.step(n=5)
    before, _ = p.bump()
    for _ in range(8):
        p.step(turn=1)
    p.step(n=3)
    after, _ = p.bump()
    assert abs(ang_diff(after, before)) <= 15.0


@pytest.mark.parametrize("offset_deg", [60.0, 120.0, 180.0])
def test_strong_cue_reanchors(offset_deg):
    p = RingProbe()
    p.step(cue=0.0, distance=3.0, n=30)
    p.step(n=10)
    target = np.radians(offset_deg)
    # DESIGN: a cue of A >= ~3 re-anchors the bump from 180 deg within ~10 world steps.
    steps = 0
    while abs(ang_diff(p.bump()[0], target)) >= BIN and steps < 10:
        p.step(cue=target, distance=2.0)
        steps += 1
    assert abs(ang_diff(p.bump()[0], target)) < BIN, f"not re-anchored after {steps} steps"


def test_dense_and_fast_paths_agree():
    fast = RingProbe(RingConfig(path="fast"))
    dense = RingProbe(RingConfig(path="dense"))
    for probe in (fast, dense):
        probe.step(cue=np.radians(50), distance=4.0, n=20)
        probe.step(turn=1, n=3)
        probe.step(n=10)
    # The fast path runs in float32 (README: Performance); measured 2e-7 apart.
    np.testing.assert_allclose(fast.rates, dense.rates, atol=1e-6, rtol=0)


@settings(max_examples=40, deadline=None)
@given(
    cues=st.lists(
        st.tuples(st.floats(-10, 10), st.floats(0, 1e6), st.sampled_from([-1, 0, 1])),
        min_size=1,
        max_size=20,
    ),
    gain=st.floats(0, 1e4),
    noise=st.floats(0, 5),
)
def test_rates_finite_and_bounded(cues, gain, noise):
    p = RingProbe(RingConfig(cue_gain=gain, noise=noise))
    for bearing, d, turn in cues:
        p.step(cue=bearing, distance=d, turn=turn)
        assert np.all(np.isfinite(p.rates))
        assert p.rates.min() >= 0.0
        assert p.rates.max() <= 1.0
