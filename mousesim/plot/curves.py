"""Learning curves of a finished run, drawn from its metrics.csv with matplotlib (Agg, no display).

`plot_learning_curves(run_dir)` writes ``RUN_DIR/plots/learning_curves.png`` (atomically):
cheese per episode, caught rate and steps per episode, each with a trailing rolling mean, and
the share of the steps each expert drove (the ``use_<expert>`` columns): a gate that drifts
toward an expert shows there before the cheese or the caught rate move far.
"""

from __future__ import annotations

import csv
import io
import json
from pathlib import Path

import numpy as np

from mousesim.common.errors import UsageError
from mousesim.common.words import plural

REQUIRED = ("episode", "steps", "cheese", "caught")
USE = "use_"  # prefix of the columns holding the share of steps each expert drove
CHEESE_COLOR, CAUGHT_COLOR, STEPS_COLOR = "#d9a400", "#c8383a", "#3a6fc8"
# Expert lines: the cheese and caught panels' colours for the two default experts, then others.
_EXPERT_COLORS = {"cheese": CHEESE_COLOR, "predator": CAUGHT_COLOR}
PLOT_DIR = "plots"
PLOT_NAME = "learning_curves.png"


class PlotError(UsageError):
    """A run directory whose metrics cannot be plotted (one line naming the file)."""


def read_run_metrics(run_dir: str | Path) -> dict[str, np.ndarray]:
    """The numeric columns of ``RUN_DIR/metrics.csv``, one float array per column.

    Raises:
        PlotError: no such directory, no metrics.csv, missing columns, a malformed row or
            no rows (one line naming the file and line).
    """
    run = Path(run_dir)
    if not run.exists():
        raise PlotError(f"{run}: no such directory")
    if not run.is_dir():
        raise PlotError(f"{run}: is not a directory (give the run's output directory)")
    path = run / "metrics.csv"
    if not path.is_file():
        raise PlotError(f"{run}: no metrics.csv here (is it a `mousesim run` output directory?)")
    try:
        with open(path, encoding="utf-8", newline="") as f:
            rows = list(csv.reader(f))
    except (OSError, UnicodeDecodeError, csv.Error) as exc:
        raise PlotError(f"{path}: cannot read ({exc.__class__.__name__})") from None
    if not rows:
        raise PlotError(f"{path}: empty file (no header)")
    header = [h.strip() for h in rows[0]]
    missing = [c for c in REQUIRED if c not in header]
    if missing:
        raise PlotError(
            f"{path}: missing column(s) {', '.join(missing)} (not a mousesim metrics file?)"
        )
    body = rows[1:]
    if not body:
        raise PlotError(f"{path}: no episodes yet")
    values = np.empty((len(body), len(header)))
    for i, row in enumerate(body):
        line = i + 2
        if len(row) != len(header):
            raise PlotError(f"{path}:{line}: expected {len(header)} fields, got {len(row)}")
        for j, cell in enumerate(row):
            try:
                values[i, j] = float(cell)
            except ValueError:
                raise PlotError(f"{path}:{line}: {header[j]}: not a number ({cell!r})") from None
    if not np.isfinite(values).all():
        raise PlotError(f"{path}: has non-finite values")
    return {name: values[:, j] for j, name in enumerate(header)}


def rolling_mean(x: np.ndarray, window: int) -> np.ndarray:
    """Trailing mean over the last `window` values (fewer at the start), same length as x."""
    x = np.asarray(x, dtype=np.float64)
    if window < 1:
        raise ValueError("window must be >= 1")
    c = np.concatenate([[0.0], np.cumsum(x)])
    idx = np.arange(1, len(x) + 1)
    lo = np.maximum(idx - window, 0)
    return (c[idx] - c[lo]) / (idx - lo)


def default_window(n: int) -> int:
    """A tenth of the run, between 3 and 50 episodes (never more than the run)."""
    return int(max(1, min(n, max(3, min(50, n // 10)))))


def plot_learning_curves(run_dir: str | Path, *, window: int | None = None) -> Path:
    """Draw the run's learning curves to ``RUN_DIR/plots/learning_curves.png``.

    Args:
        run_dir: a `mousesim run` output directory (needs metrics.csv).
        window: episodes in the rolling mean (default: a tenth of the run, 1 to 50).

    Returns:
        The PNG written.

    Raises:
        PlotError: see `read_run_metrics`.
    """
    from mousesim.io.atomic import write_bytes

    run = Path(run_dir)
    fig = learning_curves_figure(run, read_run_metrics(run), window)
    buf = io.BytesIO()
    fig.savefig(buf, format="png")
    out = run / PLOT_DIR / PLOT_NAME
    out.parent.mkdir(exist_ok=True)
    write_bytes(out, buf.getvalue())
    return out


def learning_curves_figure(run: Path, m: dict[str, np.ndarray], window: int | None = None):
    """The matplotlib Figure `plot_learning_curves` saves (metrics `m` of the run `run`).

    Each panel's legend sits to the right of its axes, outside the plotting area, so it
    never covers the start of a curve (where a caught rate usually is high)."""
    from matplotlib.backends.backend_agg import FigureCanvasAgg
    from matplotlib.figure import Figure
    from matplotlib.ticker import MaxNLocator

    ep = m["episode"]
    n = len(ep)
    win = window or default_window(n)
    experts = [c[len(USE) :] for c in m if c.startswith(USE)]
    fig = Figure(figsize=(9.5, 9.5 if experts else 7.5), dpi=110, layout="constrained")
    FigureCanvasAgg(fig)
    axes = fig.subplots(4 if experts else 3, 1, sharex=True)
    panels = (
        ("cheese", "cheese per episode", CHEESE_COLOR, False),
        ("caught", "caught rate", CAUGHT_COLOR, True),
        ("steps", "steps per episode", STEPS_COLOR, False),
    )
    marker = "o" if n <= 40 else None  # a short run: show each episode's point
    for ax, (col, label, color, rate) in zip(axes, panels, strict=False):
        y = m[col]
        if rate:
            # 0/1 per episode: dots at the bottom and top, the rate as the rolling mean.
            ax.scatter(
                ep,
                y,
                s=6 if n > 40 else 14,
                color=color,
                alpha=0.35,
                linewidths=0,
                label="per episode (0 or 1)",
            )
            ax.set_ylim(-0.05, 1.05)
        else:
            ax.plot(
                ep,
                y,
                color=color,
                alpha=0.35,
                linewidth=0.8,
                marker=marker,
                markersize=3,
                label="per episode",
            )
            ax.set_ylim(0, max(1.0, float(y.max())) * 1.05)
        ax.plot(ep, rolling_mean(y, win), color=color, linewidth=2.0, label=f"mean of last {win}")
        ax.set_ylabel(label)
        ax.grid(True, alpha=0.3)
        ax.legend(loc="upper left", bbox_to_anchor=(1.01, 1.0), fontsize=8, frameon=False)
    if experts:
        _expert_panel(axes[-1], ep, m, experts, win)
    axes[-1].set_xlabel("episode")
    axes[-1].xaxis.set_major_locator(MaxNLocator(integer=True))
    fig.suptitle(_title(run, n))
    return fig


def _expert_panel(ax, ep: np.ndarray, m: dict[str, np.ndarray], experts: list[str], win: int):
    """The share of each episode's steps each expert drove, as rolling means (one line per
    expert). The lines sum to 1 at every episode."""
    cycle = iter(["#2e9e5b", "#8a4fc8", "#d0702c", "#555555", "#17a2b8"] * 4)  # not the steps blue
    for name in experts:
        color = _EXPERT_COLORS.get(name) or next(cycle)
        ax.plot(ep, rolling_mean(m[USE + name], win), color=color, linewidth=2.0, label=name)
    ax.set_ylim(-0.02, 1.02)
    ax.set_ylabel("steps driven by")
    ax.grid(True, alpha=0.3)
    ax.legend(
        loc="upper left",
        bbox_to_anchor=(1.01, 1.0),
        fontsize=8,
        frameon=False,
        title=f"mean of last {win}",
        title_fontsize=8,
    )


def _title(run: Path, n: int) -> str:
    title = f"{run.resolve().name}: {plural(n, 'episode')}"
    try:
        s = json.loads((run / "summary.json").read_text(encoding="utf-8"))
        title += f", seed {s['seed']}, config {s['config_hash']}"
    except (OSError, ValueError, KeyError, TypeError):
        pass  # the title is a courtesy; metrics.csv alone is enough to plot
    return title


__all__ = [
    "PlotError",
    "learning_curves_figure",
    "plot_learning_curves",
    "read_run_metrics",
    "rolling_mean",
]
