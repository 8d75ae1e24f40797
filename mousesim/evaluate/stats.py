"""Per-seed metrics of a policy and their mean with a t-based 95% interval over seeds."""

from __future__ import annotations

import math
from collections.abc import Sequence

import numpy as np

# Metric columns of eval.csv, in order, with the label a table shows.
METRICS: tuple[tuple[str, str], ...] = (
    ("cheese_per_episode", "cheese/episode"),
    ("caught_rate", "caught rate"),
    ("catches_per_1000_steps", "catches/1000 steps"),
    ("mean_survival_steps", "survival steps"),
    ("score", "score"),
)

# Two-sided 95% Student t quantiles for 1..30 degrees of freedom (no scipy dependency).
_T975 = (
    12.706, 4.303, 3.182, 2.776, 2.571, 2.447, 2.365, 2.306, 2.262, 2.228,
    2.201, 2.179, 2.160, 2.145, 2.131, 2.120, 2.110, 2.101, 2.093, 2.086,
    2.080, 2.074, 2.069, 2.064, 2.060, 2.056, 2.052, 2.048, 2.045, 2.042,
)  # fmt: skip


def t975(df: int) -> float:
    """The 97.5% quantile of Student's t with `df` degrees of freedom."""
    if df < 1:
        return math.nan
    if df <= len(_T975):
        return _T975[df - 1]
    # Cornish-Fisher expansion around the normal quantile: < 1e-3 off beyond 30 dof.
    z = 1.959964
    return z + (z**3 + z) / (4 * df) + (5 * z**5 + 16 * z**3 + 3 * z) / (96 * df**2)


def mean_ci(values: Sequence[float]) -> tuple[float, float, float]:
    """(mean, low, high) of a 95% t interval over the values (seeds); NaN bounds for one value."""
    x = np.asarray(values, dtype=float)
    if x.size == 0:
        return math.nan, math.nan, math.nan
    m = float(x.mean())
    if x.size < 2:
        return m, math.nan, math.nan
    half = t975(x.size - 1) * float(x.std(ddof=1)) / math.sqrt(x.size)
    return m, m - half, m + half


def episode_metrics(rows: Sequence[dict], catch_weight: float) -> dict[str, float]:
    """The metrics of one policy on one seed from its episode rows (steps, cheese, caught, and
    use_<expert> for brains): the eval.csv columns."""
    steps = np.array([r["steps"] for r in rows], dtype=float)
    cheese = np.array([r["cheese"] for r in rows], dtype=float)
    caught = np.array([r["caught"] for r in rows], dtype=float)
    out = {
        "cheese_per_episode": float(cheese.mean()),
        "caught_rate": float(caught.mean()),
        "catches_per_1000_steps": float(1000.0 * caught.sum() / max(steps.sum(), 1.0)),
        "mean_survival_steps": float(steps.mean()),
    }
    out["score"] = combined_score(out["cheese_per_episode"], out["caught_rate"], catch_weight)
    for key in rows[0] if rows else ():
        if key.startswith("use_"):
            # Share of all evaluation steps, so long episodes weigh more (as a share should).
            out[key] = float(sum(r[key] * r["steps"] for r in rows) / max(steps.sum(), 1.0))
    out["episodes"] = len(rows)
    return out


def combined_score(cheese_per_episode: float, caught_rate: float, catch_weight: float) -> float:
    """Cheese per episode minus the caught rate times `catch_weight` (one catch costs that
    many pieces of cheese)."""
    return cheese_per_episode - catch_weight * caught_rate
