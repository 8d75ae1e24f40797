"""summary.csv (a row per run) and summary_by_params.csv (mean and 95% interval over seeds).

Both are rebuilt from the runs' summary.json files every time, in sweep order (grid point, then
seed), never in the order runs finished: a re-run or a resumed sweep gives the same tables and
no duplicate rows. Every column but the last (steps_per_s, a wall-clock speed) is the same for
the same sweep whatever ran it: one worker or many, local or Dask.
"""

from __future__ import annotations

import csv
import functools
import io
import math
from collections.abc import Sequence
from typing import Any

import numpy as np

from mousesim.evaluate.stats import quantity_range
from mousesim.sweep.spec import RunSpec, Sweep, format_value

METRICS = ("cheese_per_episode_last_10pct", "cheese_per_episode", "caught_rate", "mean_steps")
"""Per-run results summarised over seeds; the first is the sweep's main metric."""
MAIN_METRIC = METRICS[0]


@functools.cache
def t_quantile(df: int, q: float = 0.975) -> float:
    """Quantile `q` (> 0.5) of Student's t with `df` degrees of freedom.

    No scipy: the density is integrated with Simpson's rule and the quantile found by
    bisection (agrees with the printed tables to 4 decimals)."""
    if df < 1 or not 0.5 < q < 1:
        raise ValueError("need df >= 1 and 0.5 < q < 1")
    log_c = math.lgamma((df + 1) / 2) - math.lgamma(df / 2) - 0.5 * math.log(df * math.pi)

    def cdf_above_half(t: float) -> float:
        x = np.linspace(0.0, t, 4001)
        y = np.exp(log_c - (df + 1) / 2 * np.log1p(x * x / df))
        w = np.ones_like(x)
        w[1:-1:2], w[2:-1:2] = 4.0, 2.0
        return float((t / 4000 / 3) * (w * y).sum())

    lo, hi = 0.0, 1.0
    while cdf_above_half(hi) < q - 0.5:
        lo, hi = hi, hi * 2
    for _ in range(60):
        mid = (lo + hi) / 2
        if cdf_above_half(mid) < q - 0.5:
            lo = mid
        else:
            hi = mid
    return (lo + hi) / 2


def mean_interval(
    values: Sequence[float], metric: str | None = None
) -> tuple[float, float | None, float | None]:
    """Mean and t-based 95% interval of the mean (None, None for fewer than 2 values), clipped
    to the metric's possible range when `metric` is one of METRICS."""
    x = np.asarray(values, dtype=float)
    if x.size == 0:
        return math.nan, None, None
    m = float(x.mean())
    if x.size < 2:
        return m, None, None
    half = t_quantile(x.size - 1) * float(x.std(ddof=1)) / math.sqrt(x.size)
    lo, hi = quantity_range(metric or "")  # the same ranges `mousesim eval` clips to
    return m, max(m - half, lo), min(m + half, hi)


def run_row(run: RunSpec, summary: dict[str, Any]) -> dict[str, Any]:
    """One summary.csv row (typed values) from a run and its summary.json."""
    row: dict[str, Any] = {"run_id": run.run_id}
    row.update(dict(run.params))
    row["seed"] = run.seed
    row["episodes"] = summary.get("episodes")
    for m in METRICS:
        row[m] = summary.get(m)
    row["config_hash"] = summary.get("config_hash")
    row["steps_per_s"] = summary.get("steps_per_s")
    return row


def _cell(v: Any, metric: bool = False) -> str:
    if v is None:
        return ""
    if metric and isinstance(v, int | float) and not isinstance(v, bool):
        return f"{float(v):.6f}"
    return format_value(v)


def _csv(header: list[str], rows: list[list[str]]) -> str:
    buf = io.StringIO()
    w = csv.writer(buf, lineterminator="\n")
    w.writerow(header)
    w.writerows(rows)
    return buf.getvalue()


def summary_csv(sweep: Sweep, rows: list[dict[str, Any]]) -> str:
    """summary.csv text; `rows` as `run_row` gives them, in sweep order."""
    header = ["run_id", *sweep.keys, "seed", "episodes", *METRICS, "config_hash", "steps_per_s"]
    body = []
    for r in rows:
        line = [r["run_id"], *(_cell(r[k]) for k in sweep.keys), str(r["seed"])]
        line.append(_cell(r["episodes"]))
        line += [_cell(r[m], metric=True) for m in METRICS]
        line.append(_cell(r["config_hash"]))
        sps = r["steps_per_s"]
        line.append("" if sps is None else f"{float(sps):.1f}")
        body.append(line)
    return _csv(header, body)


def by_params(sweep: Sweep, rows: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """Per grid point (sweep order, points with at least one finished run): the swept values,
    the number of seeds, and mean / 95% interval of every metric over those seeds."""
    groups: dict[tuple, list[dict[str, Any]]] = {}
    for r in rows:
        key = tuple((k, format_value(r[k])) for k in sweep.keys)
        groups.setdefault(key, []).append(r)
    out = []
    for point in sweep.points:
        key = tuple((k, format_value(v)) for k, v in zip(sweep.keys, point, strict=True))
        members = groups.get(key)
        if not members:
            continue
        agg: dict[str, Any] = dict(zip(sweep.keys, point, strict=True))
        agg["n_seeds"] = len(members)
        for m in METRICS:
            vals = [float(r[m]) for r in members if r[m] is not None]
            mean, lo, hi = mean_interval(vals, m)
            agg[f"{m}_mean"], agg[f"{m}_ci_low"], agg[f"{m}_ci_high"] = mean, lo, hi
        out.append(agg)
    return out


def by_params_csv(sweep: Sweep, groups: list[dict[str, Any]]) -> str:
    """summary_by_params.csv text."""
    stats = [f"{m}_{s}" for m in METRICS for s in ("mean", "ci_low", "ci_high")]
    header = [*sweep.keys, "n_seeds", *stats]
    body = [
        [*(_cell(g[k]) for k in sweep.keys), str(g["n_seeds"]), *(_cell(g[s], True) for s in stats)]
        for g in groups
    ]
    return _csv(header, body)


__all__ = [
    "MAIN_METRIC",
    "METRICS",
    "by_params",
    "by_params_csv",
    "mean_interval",
    "run_row",
    "summary_csv",
    "t_quantile",
]
