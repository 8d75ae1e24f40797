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


# What each quantity can be. A t interval is symmetric and knows nothing of a rate's
# ceiling or a count's floor, so near a bound it reaches past it (a caught rate of
# 0.98 [0.93, 1.03]); every interval mousesim shows is clipped to these ranges.
UNBOUNDED = (-math.inf, math.inf)
RANGES: dict[str, tuple[float, float]] = {
    "cheese_per_episode": (0.0, math.inf),
    "cheese_per_episode_last_10pct": (0.0, math.inf),  # a run's summary (sweep tables)
    "mean_steps": (0.0, math.inf),
    "caught_rate": (0.0, 1.0),
    "catches_per_1000_steps": (0.0, 1000.0),
    "mean_survival_steps": (0.0, math.inf),
    "episodes": (0.0, math.inf),
    "gate_predator_near": (0.0, 1.0),
    "gate_predator_far": (0.0, 1.0),
}
RANGE_NOTE = "intervals clipped to the possible range (rates and shares 0-1, counts >= 0)"


def quantity_range(
    name: str, catch_weight: float | None = None, max_steps: int | None = None
) -> tuple[float, float]:
    """(low, high) a quantity can take: rates and shares (use_<expert>, gate shares) 0..1,
    counts >= 0, survival steps <= max_steps and the score >= -catch_weight (no cheese,
    always caught) when those are given; anything else (a difference) is unbounded."""
    if name.startswith("use_"):
        return 0.0, 1.0
    if name == "score" and catch_weight is not None:
        return -float(catch_weight), math.inf
    if name == "mean_survival_steps" and max_steps is not None:
        return 0.0, float(max_steps)
    return RANGES.get(name, UNBOUNDED)


def clip_interval(
    mean: float, lo: float, hi: float, bounds: tuple[float, float] = UNBOUNDED
) -> tuple[float, float, float]:
    """(mean, lo, hi) with lo and hi clipped to `bounds` (NaN stays NaN)."""
    b_lo, b_hi = bounds
    if not math.isnan(lo):
        lo = min(max(lo, b_lo), b_hi)
    if not math.isnan(hi):
        hi = min(max(hi, b_lo), b_hi)
    return mean, lo, hi


def mean_ci(
    values: Sequence[float], bounds: tuple[float, float] = UNBOUNDED
) -> tuple[float, float, float]:
    """(mean, low, high) of a 95% t interval over the values (seeds), clipped to `bounds`
    (see `quantity_range`); NaN bounds for one value."""
    x = np.asarray(values, dtype=float)
    if x.size == 0:
        return math.nan, math.nan, math.nan
    m = float(x.mean())
    if x.size < 2:
        return m, math.nan, math.nan
    half = t975(x.size - 1) * float(x.std(ddof=1)) / math.sqrt(x.size)
    return clip_interval(m, m - half, m + half, bounds)


def metric_ci(
    values: Sequence[float],
    name: str,
    catch_weight: float | None = None,
    max_steps: int | None = None,
) -> tuple[float, float, float]:
    """`mean_ci` clipped to the range of the quantity `name` (an eval.csv column)."""
    return mean_ci(values, quantity_range(name, catch_weight, max_steps))


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
