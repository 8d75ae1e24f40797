"""The one place the window reads the brain's state arrays.

The brain's kernel state is grouped by owner (ring, readouts, exploration, gate) and may be
regrouped; the window only needs a handful of arrays, named here once, so a regrouping
changes this file and nothing else in render/."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from mousesim.brain.kernels import X_BETA, X_ESCAPE, X_STARTLE, X_THREAT
from mousesim.sim.simulation import Simulation


@dataclass(frozen=True)
class BrainArrays:
    """Views (not copies) of the arrays the window draws; valid until the next step."""

    rates: np.ndarray  # [E, N] ring rates
    decoded: np.ndarray  # [E, 2] bump angle (rad, egocentric) and amplitude
    readout: np.ndarray  # [E, 3, N] readout weights
    baseline: np.ndarray  # [E] reward baselines
    sighted: np.ndarray  # [E] share of recent steps each expert sensed its target
    gate: np.ndarray  # [E] gate shares this step
    gate_w: np.ndarray  # learned gate weights
    gate_baseline: np.ndarray  # learned gate baseline (per context)
    driver: int  # the expert credited with the last action
    drive: np.ndarray  # [3] motor drive
    probs: np.ndarray  # [3] motor probabilities
    whiskers: np.ndarray  # [3] walls felt along left / straight / right
    beta: float  # the softmax inverse temperature now
    startle: float  # > 0 while startled by a blocked step
    fear: float  # threat arousal, 0..1
    escape: bool  # the escape reflex took the last step


def brain_arrays(sim: Simulation) -> BrainArrays:
    b = sim.brain
    return BrainArrays(
        rates=b.ring.rates,
        decoded=b.ring.decoded,
        readout=b.readout.weights,
        baseline=b.readout.baseline,
        sighted=b.readout.sighted,
        gate=b.gate.share,
        gate_w=b.gate.weights,
        gate_baseline=b.gate.baseline,
        driver=int(b.motor.driver[0]),
        drive=b.motor.drive,
        probs=b.motor.probs,
        whiskers=b.explore.whiskers,
        beta=float(b.explore.values[X_BETA]),
        startle=float(b.explore.values[X_STARTLE]),
        fear=float(b.explore.values[X_THREAT]),
        escape=bool(b.explore.values[X_ESCAPE] > 0),
    )
