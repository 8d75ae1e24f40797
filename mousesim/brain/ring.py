"""A single ring attractor driven by hand: for tests, calibration and teaching.

It runs the same jitted `ring_update` the mouse uses, on a one-expert brain.
"""

from __future__ import annotations

import numpy as np

from mousesim.brain.brain import brain_params, build_brain
from mousesim.brain.kernels import cue_input, ring_drives, ring_update
from mousesim.common.config import BrainConfig, ExpertConfig, MixtureConfig, RingConfig
from mousesim.jit.rng import make_streams


class RingProbe:
    """One ring you can cue, turn and read out, a world step at a time."""

    def __init__(self, ring: RingConfig | None = None, seed: int = 0) -> None:
        ring = ring or RingConfig()
        brain = BrainConfig(ring=ring, experts=(ExpertConfig(name="probe", target="cheese"),))
        self.state = build_brain(brain, MixtureConfig(), np.random.default_rng(seed))
        self.params = brain_params(brain, MixtureConfig())
        self.rng = make_streams(seed).kernel.copy()

    @property
    def rates(self) -> np.ndarray:
        return self.state.ring.rates[0]

    def seed_bump(self, angle: float, width: float = 0.5, amp: float = 0.5) -> None:
        """Start from a ready-made bump at `angle` (radians), to skip the onset transient."""
        self.state.ring.rates[0] = amp * np.exp(
            (np.cos(self.state.geometry.theta - angle) - 1) / width**2
        )

    def step(
        self,
        cue: float | None = None,
        distance: float = 0.0,
        turn: int = 0,
        n: int = 1,
        ahead: float = 0.0,
        left: float = 0.0,
    ):
        """Advance `n` world steps (each `euler_steps` Euler steps).

        cue: egocentric bearing in radians, or None for no input.
        turn: +1 a 45 deg left turn was just made, -1 right, 0 none (rotation term).
        ahead, left: the step the mouse just took, in cells, in its frame after the turn (a
        remembered target's bump moves by its parallax; `brain.ring.step_gain`).
        """
        ring, geo, rp = self.state.ring, self.state.geometry, self.params.ring
        percept = np.zeros((1, 3))
        for _ in range(n):
            vis = 0.0 if cue is None else 1.0
            percept[0] = (0.0 if cue is None else cue, distance, vis)
            cue_input(ring, geo, rp, 0, percept[0, 0], distance, vis)
            ring.last_turn[0] = turn
            ring.last_step[0], ring.last_step[1] = ahead, left
            ring_drives(ring, rp, percept)
            ring_update(ring, geo, rp, 0, self.rng)

    def bump(self) -> tuple[float, float]:
        """(decoded angle in radians, amplitude) by population vector."""
        return float(self.state.ring.decoded[0, 0]), float(self.state.ring.decoded[0, 1])

    def peaks(self) -> int:
        """Number of local maxima above 10% of the max (counts bumps)."""
        r = self.rates
        if r.max() <= 0:
            return 0
        left, right = np.roll(r, 1), np.roll(r, -1)
        return int(np.sum((r > left) & (r >= right) & (r > 0.1 * r.max())))
