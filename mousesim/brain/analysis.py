"""Reading a readout: how it compares with the hand-wired map and where its rows point."""

from __future__ import annotations

import numpy as np


def readout_correlation(learned: np.ndarray, reference: np.ndarray) -> float:
    """Pearson r between two readouts of one expert (3 x N), after removing each row's mean
    (a uniform offset in a row does not change which action wins)."""
    a = learned - learned.mean(axis=-1, keepdims=True)
    b = reference - reference.mean(axis=-1, keepdims=True)
    return float(np.corrcoef(a.ravel(), b.ravel())[0, 1])


def row_preferred_angles(readout: np.ndarray) -> np.ndarray:
    """Preferred egocentric bearing (radians, + = left) of each motor row: the angle of the
    row's population vector after removing its mean."""
    n = readout.shape[-1]
    theta = 2 * np.pi * np.arange(n) / n
    w = readout - readout.mean(axis=-1, keepdims=True)
    return np.angle((w * np.exp(1j * theta)).sum(axis=-1))
