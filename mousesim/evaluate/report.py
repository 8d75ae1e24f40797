"""Tables, CSV files and plots of an evaluation; every file written atomically.

Files in an eval directory:

| file | contents |
|---|---|
| `eval.csv` | one row per (policy, seed): the metrics of `stats.episode_metrics` |
| `summary.csv` | mean and 95% interval over seeds per policy (and per focus of the sweep) |
| `focus_sweep.csv` | one row per (policy, focus, seed) of the focus sweep |
| `training.csv` | one row per (trained policy, seed, training episode) |
| `eval.json` | options, seeds, notes, the learned-gate comparison, versions |
| `config.yaml` | the resolved config |
| `learning_curve.png`, `policies.png`, `focus_tradeoff.png` | the plots |
"""

from __future__ import annotations

import io
import json
import math
from collections.abc import Sequence
from pathlib import Path

import numpy as np

from mousesim import __version__
from mousesim.common.errors import UsageError
from mousesim.common.words import plural
from mousesim.evaluate.evaluate import EvalResult, gate_comparison, summarize
from mousesim.evaluate.stats import METRICS, RANGE_NOTE, mean_ci, metric_ci
from mousesim.io.atomic import write_bytes, write_text

OUTPUT_FILES = (
    "eval.csv",
    "summary.csv",
    "focus_sweep.csv",
    "training.csv",
    "eval.json",
    "config.yaml",
    "learning_curve.png",
    "policies.png",
    "focus_tradeoff.png",
    "gate_profile.csv",
    "gate_profile.png",
)

# Decimals each metric shows in a table.
_DECIMALS = {
    "cheese_per_episode": 2,
    "caught_rate": 2,
    "catches_per_1000_steps": 2,
    "mean_survival_steps": 0,
    "score": 2,
}
_COLORS = {
    "random": "#9e9e9e",
    "predator-only": "#1f77b4",
    "cheese-only": "#ff7f0e",
    "hand-wired": "#8c564b",
    "learned": "#2ca02c",
    "learned-gate": "#d62728",
    "oracle": "#9467bd",
    "sighted-oracle": "#e377c2",
}


# -- CSV ---------------------------------------------------------------------------------


def _cell(v: object) -> str:
    if v is None:
        return ""
    if isinstance(v, float):
        # repr round-trips exactly, so a table printed from these values matches the CSV;
        # float() first: numpy 2's repr of np.float64 is "np.float64(...)"
        return "nan" if math.isnan(v) else repr(float(v))
    return str(v)


def to_csv(rows: Sequence[dict], columns: Sequence[str]) -> str:
    lines = [",".join(columns)]
    lines += [",".join(_cell(r.get(c)) for c in columns) for r in rows]
    return "\n".join(lines) + "\n"


def eval_columns(result: EvalResult) -> list[str]:
    uses = [f"use_{e.name}" for e in result.cfg.brain.experts]
    cols = ["policy", "seed", "focus", "gate", *(m for m, _ in METRICS), "episodes", *uses]
    if any("gate_predator_near" in r for r in result.rows):
        cols += ["gate_predator_near", "gate_predator_far"]
    return cols


def _summary(
    result: EvalResult, rows: Sequence[dict], keys: Sequence[str] = ("policy", "focus")
) -> list[dict]:
    """`summarize` with the score's and survival's intervals clipped too."""
    return summarize(rows, keys, result.options.catch_weight, result.cfg.world.max_steps)


def summary_rows(result: EvalResult) -> list[dict]:
    """The printed tables as rows: table = policies | focus-sweep."""
    out = [{"table": "policies", **e} for e in _summary(result, result.rows)]
    out += [{"table": "focus-sweep", **e} for e in _summary(result, result.sweep)]
    return out


def summary_columns(result: EvalResult) -> list[str]:
    cols = ["table", "policy", "focus", "n_seeds"]
    names = [m for m, _ in METRICS] + [f"use_{e.name}" for e in result.cfg.brain.experts]
    if any("gate_predator_near" in r for r in result.rows):
        names += ["gate_predator_near", "gate_predator_far"]
    for m in names:
        cols += [m, f"{m}_lo", f"{m}_hi"]
    return cols


# -- text tables ---------------------------------------------------------------------------


def _fmt(v: float, decimals: int) -> str:
    return "n/a" if v is None or math.isnan(v) else f"{v:.{decimals}f}"


def _interval(t: tuple[float, float, float], decimals: int) -> str:
    """(mean, lo, hi) as 'mean [lo, hi]', or just the mean when there is no interval."""
    if math.isnan(t[1]):
        return _fmt(t[0], decimals)
    return f"{t[0]:.{decimals}f} [{t[1]:.{decimals}f}, {t[2]:.{decimals}f}]"


def format_interval(entry: dict, metric: str) -> str:
    """'mean [lo, hi]' with the metric's decimals (just the mean for a single seed)."""
    d = _DECIMALS.get(metric, 3)
    return _interval((entry[metric], entry[f"{metric}_lo"], entry[f"{metric}_hi"]), d)


def _label(entry: dict, with_focus: bool) -> str:
    if with_focus and entry.get("focus") is not None:
        return f"{entry['policy']} @ {entry['focus']:g}"
    return str(entry["policy"])


def table_lines(entries: Sequence[dict], *, with_focus: bool = False) -> list[list[str]]:
    """Header + one row per entry: policy, then each metric as 'mean [lo, hi]'."""
    head = ["policy", *(label for _, label in METRICS)]
    return [head] + [
        [_label(e, with_focus), *(format_interval(e, m) for m, _ in METRICS)] for e in entries
    ]


def format_table(entries: Sequence[dict], *, with_focus: bool = False) -> str:
    lines = table_lines(entries, with_focus=with_focus)
    widths = [max(len(row[i]) for row in lines) for i in range(len(lines[0]))]
    out = []
    for row in lines:
        cells = [
            c.ljust(w) if i == 0 else c.rjust(w)
            for i, (c, w) in enumerate(zip(row, widths, strict=True))
        ]
        out.append("  ".join(cells).rstrip())
    return "\n".join(out)


def markdown_table(entries: Sequence[dict], *, with_focus: bool = False) -> str:
    lines = table_lines(entries, with_focus=with_focus)
    out = ["| " + " | ".join(lines[0]) + " |", "|" + "---|" * len(lines[0])]
    out += ["| " + " | ".join(row) + " |" for row in lines[1:]]
    return "\n".join(out)


def describe_comparison(comp: dict | None) -> str:
    if comp is None:
        return ""
    lg, best, diff = comp["learned_gate"], comp["best_fixed"], comp["difference"]
    n = comp["n_fixed"]
    picked = "the only fixed focus tried" if n == 1 else f"best of {n} focus values on these seeds"

    def iv(t: tuple[float, float, float]) -> str:
        return _interval(t, 2)

    return (
        f"learned gate vs best fixed focus (score = cheese/episode - {comp['catch_weight']:g} x "
        f"caught rate): learned gate {iv(lg)}, learned brain at focus "
        f"{comp['best_fixed_focus']:g} {iv(best)} ({picked}); difference {iv(diff)}: the learned gate {comp['verdict']}"
    )


def describe_gate_probe(result: EvalResult) -> str:
    """Where the learned gate puts the predator expert, near and far from the predator."""
    from mousesim.evaluate.evaluate import GateProbe

    rows = [r for r in result.rows if "gate_predator_near" in r]
    if not rows:
        return ""
    near = metric_ci([r["gate_predator_near"] for r in rows], "gate_predator_near")
    far = metric_ci([r["gate_predator_far"] for r in rows], "gate_predator_far")
    # a difference of two shares lies in [-1, 1]
    diff = mean_ci([r["gate_predator_near"] - r["gate_predator_far"] for r in rows], (-1.0, 1.0))

    def iv(t: tuple[float, float, float]) -> str:
        return _interval(t, 3)

    return (
        f"learned gate: the predator expert's gate share is {iv(near)} with the predator within "
        f"{plural(float(GateProbe.NEAR), 'cell')} and {iv(far)} at {GateProbe.FAR:g}+ cells "
        "(near - far: "
        f"{iv(diff)})"
    )


def header(result: EvalResult) -> str:
    o = result.options
    mode = "greedy (argmax)" if o.greedy else f"sampled at beta {result.cfg.brain.beta:g}"
    return (
        f"{plural(len(result.seeds), 'seed')} ({result.seeds[0]}..{result.seeds[-1]}); "
        f"learned brains trained {plural(o.train_episodes, 'episode')}; "
        f"{plural(o.episodes, 'evaluation episode')} per seed and "
        f"policy, learning off, actions {mode}; mean [95% t interval] over seeds, "
        f"{RANGE_NOTE}; score = cheese/episode - {o.catch_weight:g} x caught rate"
    )


def report_text(result: EvalResult) -> str:
    """What `mousesim eval` prints: the policy table, the sweep table, the gate comparison."""
    parts = [header(result), "", format_table(_summary(result, result.rows))]
    if result.sweep:
        parts += [
            "",
            "focus sweep:",
            format_table(_summary(result, result.sweep), with_focus=True),
        ]
    tail = []  # after a blank line, so the table ends where a reader (or a parser) expects
    comp = gate_comparison(result)
    if comp is not None:
        tail.append(describe_comparison(comp))
    probe = describe_gate_probe(result)
    if probe:
        tail.append(probe)
    tail += [f"note: {n}" for n in result.notes]
    if tail:
        parts += ["", *tail]
    return "\n".join(parts)


# -- plots ---------------------------------------------------------------------------------


def _running_mean(x: np.ndarray, window: int) -> np.ndarray:
    window = max(1, min(window, x.shape[-1]))
    kernel = np.ones(window) / window
    return np.apply_along_axis(lambda r: np.convolve(r, kernel, mode="valid"), -1, x)


def _band(per_seed: np.ndarray, name: str) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Mean and 95% t band over seeds (axis 0), column by column, clipped to the range of
    the quantity `name`."""
    stats = np.array([metric_ci(per_seed[:, j], name) for j in range(per_seed.shape[1])])
    return stats[:, 0], stats[:, 1], stats[:, 2]


def _png(fig) -> bytes:
    buf = io.BytesIO()
    fig.savefig(buf, format="png", dpi=110, bbox_inches="tight")
    return buf.getvalue()


def _title(result: EvalResult, name: str) -> str:
    return f"{name}: {plural(len(result.seeds), 'seed')}"


def plot_learning_curve(result: EvalResult, name: str, window: int | None = None) -> bytes:
    """Cheese per episode and caught rate vs training episode: mean and 95% band over seeds
    of a `window`-episode running mean (default: an eighth of the training, at least 5), with
    the evaluated baselines as dashed lines."""
    import matplotlib.pyplot as plt

    summ = {e["policy"]: e for e in _summary(result, result.rows, ("policy",))}
    if window is None:
        window = max(5, result.options.train_episodes // 8)
    panels = [("cheese", "cheese per episode", "cheese_per_episode")]
    if result.cfg.world.predator.count > 0:  # no predator: nothing to catch the mouse
        panels.append(("caught", "caught rate (share of episodes caught)", "caught_rate"))
    fig, axes = plt.subplots(1, len(panels), figsize=(5.5 * len(panels), 4), squeeze=False)
    axes = axes[0]
    for ax, (metric, ylabel, ref) in zip(axes, panels, strict=True):
        for policy in ("learned", "learned-gate"):
            rows = [r for r in result.training if r["policy"] == policy]
            if not rows:
                continue
            per_seed = np.array(
                [[r[metric] for r in rows if r["seed"] == s] for s in result.seeds], dtype=float
            )
            smooth = _running_mean(per_seed, window)
            mean, lo, hi = _band(smooth, ref)
            x = np.arange(smooth.shape[1]) + (per_seed.shape[1] - smooth.shape[1]) + 1
            color = _COLORS[policy]
            ax.plot(x, mean, color=color, label=f"{policy} (training, learning on)")
            if not np.isnan(lo).all():  # the t band (clipped to what the metric can be)
                ax.fill_between(x, lo, hi, color=color, alpha=0.2)
        for policy in ("hand-wired", "random"):
            if policy in summ:
                ax.axhline(
                    summ[policy][ref],
                    color=_COLORS[policy],
                    linestyle="--",
                    label=f"{policy} (evaluation mean)",
                )
        ax.set_xlabel(f"training episode ({window}-episode running mean)")
        ax.set_ylabel(ylabel)
        ax.grid(alpha=0.3)
    if len(axes) > 1:
        axes[1].set_ylim(-0.02, 1.02)
    axes[0].legend(fontsize=8, loc="best")
    fig.suptitle(
        f"{_title(result, name)}: learning curve\n"
        "(band: 95% interval over seeds, clipped to the possible range)"
    )
    fig.tight_layout()
    data = _png(fig)
    plt.close(fig)
    return data


def plot_policies(result: EvalResult, name: str) -> bytes:
    """One bar per policy and metric, with the 95% interval over seeds as the error bar."""
    import matplotlib.pyplot as plt

    entries = _summary(result, result.rows)
    panels = [("cheese_per_episode", "cheese per episode (log scale)", True, np.inf)]
    if result.cfg.world.predator.count > 0:  # without a predator every episode runs out
        panels += [
            ("caught_rate", "caught rate", False, 1.0),
            ("catches_per_1000_steps", "catches per 1000 steps", False, np.inf),
            ("mean_survival_steps", "mean survival steps", False, result.cfg.world.max_steps),
        ]
    fig, axes = plt.subplots(
        1, len(panels), figsize=(max(4.2 * len(panels), 7), 4.6), squeeze=False
    )
    axes = axes[0]
    labels = [e["policy"] for e in entries]
    x = np.arange(len(entries))
    for ax, (metric, ylabel, log, top) in zip(axes, panels, strict=True):
        mean = np.array([e[metric] for e in entries])
        # summarize clipped the intervals to the metric's range; survival also to max_steps
        lo = np.array([e[f"{metric}_lo"] for e in entries], dtype=float)
        hi = np.minimum([e[f"{metric}_hi"] for e in entries], top)
        err = np.vstack([np.nan_to_num(mean - lo), np.nan_to_num(hi - mean)])
        if log:
            floor = 0.01
            mean_plot = np.maximum(mean, floor)
            err = np.vstack([np.minimum(err[0], mean_plot - floor * 0.5), err[1]])
        else:
            mean_plot = mean
        ax.bar(x, mean_plot, color=[_COLORS.get(p, "#444444") for p in labels])
        ax.errorbar(x, mean_plot, yerr=err, fmt="none", ecolor="black", capsize=3, lw=1)
        d = _DECIMALS[metric]
        for xi, (m, top) in enumerate(zip(mean, mean_plot + err[1], strict=True)):
            ax.text(xi, top, _fmt(m, d), ha="center", va="bottom", fontsize=7)
        if log:
            ax.set_yscale("log")
            ax.set_ylim(bottom=0.005, top=max(mean_plot + err[1]) * 3)
        else:
            peak = float(max(mean_plot + err[1])) if len(mean) else 0.0
            ax.set_ylim(0, peak * 1.15 if peak > 0 else 1.0)
        ax.set_xticks(x, labels, rotation=40, ha="right", fontsize=8)
        ax.set_ylabel(ylabel)
        ax.grid(axis="y", alpha=0.3)
    fig.suptitle(
        f"{_title(result, name)}, {plural(result.options.episodes, 'evaluation episode')} each\n"
        "mean and 95% interval over seeds (clipped to the possible range)"
    )
    fig.tight_layout()
    data = _png(fig)
    plt.close(fig)
    return data


def plot_gate_profile(result: EvalResult, name: str) -> bytes:
    """The learned gate's predator share against the distance to the predator (mean and 95%
    interval over seeds, clipped to [0, 1]): does the gate turn to the predator as it nears?"""
    import matplotlib.pyplot as plt

    by_d: dict[int, list[float]] = {}
    for r in result.gate_profile:
        by_d.setdefault(int(r["distance"]), []).append(float(r["share"]))
    ds = sorted(by_d)
    stats = [mean_ci(by_d[d], (0.0, 1.0)) for d in ds]
    fig, ax = plt.subplots(figsize=(6.4, 3.8), dpi=100)
    mean = [m for m, _, _ in stats]
    lo = [lo if math.isfinite(lo) else m for m, lo, _ in stats]
    hi = [hi if math.isfinite(hi) else m for m, _, hi in stats]
    ax.fill_between(ds, lo, hi, alpha=0.25, color="tab:red", lw=0)
    ax.plot(ds, mean, "o-", color="tab:red", label="predator share of the learned gate")
    loom = result.cfg.mixture.loom_radius
    ax.axvline(loom, color="0.5", ls="--", lw=1, label=f"loom radius {loom:g}")
    ax.set_xlabel("distance to the predator (cells; the last point: 15 or more)")
    ax.set_ylabel("predator share")
    ax.set_ylim(0, 1)
    ax.set_title(
        f"{name}: where the learned gate looks\n(mean and 95% interval over seeds, clipped to 0-1)",
        fontsize=10,
    )
    ax.legend(loc="upper right", fontsize=8)
    fig.tight_layout()
    buf = io.BytesIO()
    fig.savefig(buf, format="png")
    plt.close(fig)
    return buf.getvalue()


_FOCUS_CMAP = "plasma"  # focus 0 (dark purple) .. 1 (yellow)


def plot_focus_tradeoff(result: EvalResult, name: str) -> bytes:
    """Cheese per episode against catches per 1000 steps and against survival, one point per
    focus value (labelled), for the hand-wired and the learned brain."""
    import matplotlib.pyplot as plt

    entries = _summary(result, result.sweep)
    gate = [e for e in _summary(result, result.rows, ("policy",)) if e["policy"] == "learned-gate"]
    fig, axes = plt.subplots(1, 2, figsize=(11, 4.6))
    for ax, xm, xlabel in (
        (axes[0], "catches_per_1000_steps", "catches per 1000 steps"),
        (axes[1], "mean_survival_steps", "mean survival steps"),
    ):
        for policy in ("hand-wired", "learned"):
            pts = sorted((e for e in entries if e["policy"] == policy), key=lambda e: e["focus"])
            if not pts:
                continue
            xs = np.array([e[xm] for e in pts])
            ys = np.array([e["cheese_per_episode"] for e in pts])
            xerr = np.nan_to_num(
                [[e[xm] - e[f"{xm}_lo"] for e in pts], [e[f"{xm}_hi"] - e[xm] for e in pts]]
            )
            yerr = np.nan_to_num(
                [
                    [e["cheese_per_episode"] - e["cheese_per_episode_lo"] for e in pts],
                    [e["cheese_per_episode_hi"] - e["cheese_per_episode"] for e in pts],
                ]
            )
            color = _COLORS[policy]
            ax.errorbar(
                xs,
                ys,
                xerr=xerr,
                yerr=yerr,
                color=color,
                marker="s" if policy == "hand-wired" else "o",
                capsize=2,
                lw=1.2,
                label=policy,
            )
            # The focus of each point is its fill colour (one colour bar for both panels):
            # text labels beside clustered points overlapped each other and the axes.
            ax.scatter(
                xs,
                ys,
                c=[e["focus"] for e in pts],
                cmap=_FOCUS_CMAP,
                vmin=0.0,
                vmax=1.0,
                marker="s" if policy == "hand-wired" else "o",
                s=60,
                edgecolors=color,
                linewidths=1.6,
                zorder=3,
            )
        for e in gate:
            ax.errorbar(
                [e[xm]],
                [e["cheese_per_episode"]],
                xerr=np.nan_to_num([[e[xm] - e[f"{xm}_lo"]], [e[f"{xm}_hi"] - e[xm]]]),
                yerr=np.nan_to_num(
                    [
                        [e["cheese_per_episode"] - e["cheese_per_episode_lo"]],
                        [e["cheese_per_episode_hi"] - e["cheese_per_episode"]],
                    ]
                ),
                color=_COLORS["learned-gate"],
                marker="*",
                markersize=12,
                capsize=2,
                ls="none",
                label="learned gate (its own focus)",
            )
        ax.set_xlabel(xlabel)
        ax.set_ylabel("cheese per episode")
        ax.grid(alpha=0.3)
    axes[0].legend(fontsize=8, loc="best")
    fig.suptitle(
        f"{_title(result, name)}: the focus slider's trade-off\n(fill colour = focus, "
        "0 all predator, 1 all cheese; bars: 95% interval over seeds, clipped to the possible "
        "range)",
        fontsize=11,
    )
    fig.tight_layout()
    bar = fig.colorbar(
        plt.cm.ScalarMappable(cmap=_FOCUS_CMAP, norm=plt.Normalize(0.0, 1.0)),
        ax=list(axes),
        fraction=0.025,
        pad=0.02,
    )
    bar.set_label("focus")
    data = _png(fig)
    plt.close(fig)
    return data


# -- the eval directory ----------------------------------------------------------------------


# Files that mark another command's output folder, which an evaluation must not write into
# (its config.yaml and summary.csv would replace theirs), with what to call that folder.
_FOREIGN = (
    (("metrics.csv", "checkpoint.npz", "summary.json", "brain.npz"), "a `mousesim run` output"),
    (("sweep.yaml", "runs", "summary_by_params.csv"), "a `mousesim sweep` output"),
)


def check_out_dir(out: Path, overwrite: bool) -> None:
    """Refuse an eval directory that already holds an evaluation (unless `overwrite`), and
    always refuse another command's output folder, saying which it is."""
    if out.exists() and not out.is_dir():
        raise UsageError(f"{out}: exists and is not a directory")
    if not out.exists():
        return
    for marks, what in _FOREIGN:
        found = [f for f in marks if (out / f).exists()]
        if found:
            raise UsageError(
                f"{out} holds {what} ({found[0]}), not an evaluation; "
                "give `mousesim eval` its own --out folder"
            )
    if overwrite:
        return
    present = [f for f in OUTPUT_FILES if (out / f).exists()]
    ours = [f for f in ("eval.json", "eval.csv") if f in present]
    if ours:
        raise UsageError(
            f"{out} already holds an evaluation ({ours[0]}); use --overwrite to replace it"
        )
    if present:
        raise UsageError(
            f"{out} holds {', '.join(present)}, which an evaluation would replace; "
            "use --overwrite to replace them"
        )


def eval_json(result: EvalResult, config_name: str) -> dict:
    from mousesim.io.yaml_config import config_hash

    o = result.options
    comp = gate_comparison(result)
    return {
        "mousesim_version": __version__,
        "config": config_name,
        "config_hash": config_hash(result.cfg),
        "seeds": result.seeds,
        "policies": result.policies,
        "options": {
            "train_episodes": o.train_episodes,
            "episodes": o.episodes,
            "greedy": o.greedy,
            "focus_sweep": list(o.focus_sweep),
            "catch_weight": o.catch_weight,
            "workers": o.workers,
        },
        "notes": result.notes,
        "intervals": f"95% t intervals over seeds; {RANGE_NOTE}",
        "gate_comparison": comp,
        "seconds": round(result.seconds, 1),
    }


def write_outputs(result: EvalResult, out: Path, config_name: str) -> list[Path]:
    """Write every file of the eval directory (each atomically); remove files of ours a
    previous evaluation left that this one does not produce (e.g. an old focus sweep)."""
    import matplotlib

    from mousesim.io.yaml_config import dump_config

    matplotlib.use("Agg")
    out.mkdir(parents=True, exist_ok=True)
    files: dict[str, bytes | str] = {
        "eval.csv": to_csv(result.rows, eval_columns(result)),
        "summary.csv": to_csv(summary_rows(result), summary_columns(result)),
        "eval.json": json.dumps(eval_json(result, config_name), indent=2) + "\n",
        "config.yaml": dump_config(result.cfg),
        "policies.png": plot_policies(result, config_name),
    }
    if result.training:
        cols = ["policy", "seed", "episode", "steps", "cheese", "caught"]
        files["training.csv"] = to_csv(result.training, cols)
        files["learning_curve.png"] = plot_learning_curve(result, config_name)
    if result.gate_profile:
        cols = ["seed", "distance", "share", "steps"]
        files["gate_profile.csv"] = to_csv(result.gate_profile, cols)
        files["gate_profile.png"] = plot_gate_profile(result, config_name)
    if result.sweep:
        files["focus_sweep.csv"] = to_csv(result.sweep, eval_columns(result))
        files["focus_tradeoff.png"] = plot_focus_tradeoff(result, config_name)
    written = []
    for name, data in files.items():
        path = out / name
        if isinstance(data, str):
            write_text(path, data)
        else:
            write_bytes(path, data)
        written.append(path)
    for name in OUTPUT_FILES:
        if name not in files and (out / name).exists():
            (out / name).unlink()
    return written
