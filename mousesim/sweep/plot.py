"""sweep.png: the main metric (and the caught rate) against each swept key.

One column per swept key. Top row: cheese per episode over the last 10% of episodes; bottom
row: caught rate. Each line is the mean over seeds with its 95% interval as a band (for a
key with non-numeric values: a marker with an error bar per value), the dots are single runs. When other keys are swept too, each combination of their values gets its own line
(up to six; beyond that the line averages over them). Drawn on matplotlib's Agg canvas directly,
so the global backend of a host program is never touched.
"""

from __future__ import annotations

import io
from typing import Any

import numpy as np

from mousesim.sweep.spec import Sweep, format_value, short_names
from mousesim.sweep.tables import mean_interval

MAX_LINES = 6
PANELS = (
    ("cheese_per_episode_last_10pct", "cheese per episode (last 10%)"),
    ("caught_rate", "caught rate (share of episodes)"),
)


def _numeric(values: tuple[Any, ...]) -> bool:
    return all(isinstance(v, int | float) and not isinstance(v, bool) for v in values)


def sweep_png(sweep: Sweep, rows: list[dict[str, Any]]) -> bytes:
    """The figure as PNG bytes; `rows` are summary rows (typed values) of finished runs."""
    from matplotlib.backends.backend_agg import FigureCanvasAgg
    from matplotlib.figure import Figure

    keys = sweep.keys
    names = short_names(keys)
    ncol = len(keys)
    fig = Figure(figsize=(max(5.6, 4.3 * ncol), 6.8), layout="constrained")
    FigureCanvasAgg(fig)
    axes = fig.subplots(len(PANELS), ncol, squeeze=False)
    episodes = sorted({r["episodes"] for r in rows if r["episodes"] is not None})
    ep_text = ", ".join(map(str, episodes)) if episodes else "?"
    fig.suptitle(
        f"{sweep.name}: {len(rows)} runs\n"
        f"{len(sweep.seeds)} seeds per point, {ep_text} episodes per run",
        fontsize=11,
    )
    for j, key in enumerate(keys):
        values = sweep.values[j]
        numeric = _numeric(values)
        xs = {format_value(v): (float(v) if numeric else i) for i, v in enumerate(values)}
        others = [k for k in keys if k != key]
        combos: list[tuple] = []
        for r in rows:
            c = tuple(format_value(r[k]) for k in others)
            if c not in combos:
                combos.append(c)
        split = 1 < len(combos) <= MAX_LINES
        groups = combos if split else [None]
        for i, (metric, title) in enumerate(PANELS):
            ax = axes[i][j]
            for g, combo in enumerate(groups):
                color = f"C{g % 10}"
                members = [
                    r
                    for r in rows
                    if combo is None or tuple(format_value(r[k]) for k in others) == combo
                ]
                # Categories: side by side, not on top of each other.
                shift = 0.0 if numeric else 0.12 * (g - (len(groups) - 1) / 2)
                pts, means, los, his = [], [], [], []
                for text, x0 in xs.items():
                    x = x0 + shift
                    vals = [
                        float(r[metric])
                        for r in members
                        if format_value(r[key]) == text and r[metric] is not None
                    ]
                    if not vals:
                        continue
                    m, lo, hi = mean_interval(vals, metric)
                    pts.append(x)
                    means.append(m)
                    los.append(m if lo is None else lo)
                    his.append(m if hi is None else hi)
                    jitter = np.linspace(-1, 1, len(vals)) * (0.0 if numeric else 0.03)
                    ax.scatter(x + jitter, vals, s=9, color=color, alpha=0.35, linewidths=0)
                if not pts:
                    continue
                label = None
                if split:
                    label = ", ".join(f"{names[k]}={v}" for k, v in zip(others, combo, strict=True))
                if numeric:
                    ax.plot(pts, means, "-o", color=color, ms=4, lw=1.6, label=label)
                    ax.fill_between(pts, los, his, color=color, alpha=0.18, linewidth=0)
                else:  # no line between categories: a mean and its interval each
                    err = [np.subtract(means, los), np.subtract(his, means)]
                    ax.errorbar(
                        pts, means, yerr=err, fmt="o", color=color, ms=5, capsize=4, label=label
                    )
            ax.set_title(title, fontsize=10)
            ax.set_xlabel(key)
            ax.grid(alpha=0.3)
            if not numeric:
                ax.set_xticks(list(xs.values()), list(xs))
                ax.set_xlim(-0.6, len(xs) - 0.4)
            if metric == "caught_rate":
                ax.set_ylim(-0.03, 1.03)
            if split and i == 0:
                ax.legend(fontsize=7, loc="best")
    buf = io.BytesIO()
    fig.savefig(buf, format="png", dpi=110)
    return buf.getvalue()


__all__ = ["sweep_png"]
