"""Generate docs/RESULTS.md and its plots: `python scripts/make_results.py` from the repo root.

Runs the same evaluation as `mousesim eval CONFIG --focus-sweep 0,0.25,0.5,0.75,1` (default
options: 5 seeds, 200 training episodes, 200 evaluation episodes per seed and policy) on the
default and maze configs, plus the no-predator sanity case, writes each eval directory under
docs/results/<config>/ and the tables into docs/RESULTS.md. Takes about three minutes on
2 cores. Same code + same seeds = the same numbers.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
SWEEP = (0.0, 0.25, 0.5, 0.75, 1.0)
CONFIGS = (
    ("default", "configs/default.yaml", "24 x 24 open field, one cheese, one chasing predator."),
    (
        "maze",
        "configs/maze.yaml",
        "ASCII maze with line of sight (walls hide targets), one patrolling predator.",
    ),
    (
        "no_predator",
        "configs/no_predator.yaml",
        "The learning sanity case: one cheese expert, no predator (focus and the gate have "
        "nothing to choose between, so no focus sweep and no learned gate).",
    ),
)
COMMAND = "python scripts/make_results.py"

# The previous model's figures (docs/RESULTS.md at commit b205894: beta 0.2, no reflexes, the
# proximity gate, predator move 0.7 / vision 6, 150 training episodes), for the "before" column.
BEFORE = {
    "default": {
        "learned": (1.47, 0.70),
        "learned-gate": (1.87, 0.88),
        "hand-wired": (1.22, 0.79),
        "random": (0.11, 1.00),
        "oracle": (20.12, 0.64),
    },
    "maze": {
        "learned": (0.45, 0.39),
        "learned-gate": (0.42, 0.34),
        "hand-wired": (0.46, 0.41),
        "random": (0.37, 0.54),
        "oracle": (19.12, 0.05),
    },
    "no_predator": {
        "learned": (6.87, 0.0),
        "hand-wired": (5.59, 0.0),
        "random": (0.64, 0.0),
        "oracle": (40.25, 0.0),
    },
}
# Hand-written sections kept across regenerations (e.g. the PPO comparison, which needs the rl
# extra and about 25 minutes of training): appended verbatim.
APPENDICES = ("results/ppo.md",)


def fill_figures(text: str, summaries: dict[str, dict]) -> str:
    """Replace {policy:config:metric} in a hand-written appendix by this run's figure,
    'mean [lo, hi]' (or 'n/a' when that config or policy did not run)."""
    import re

    def one(m: re.Match) -> str:
        policy, config, metric = m.group(1), m.group(2), m.group(3)
        e = summaries.get(config, {}).get(policy)
        if not e or metric not in e:
            return "n/a"
        return f"{e[metric]:.2f} [{e[metric + '_lo']:.2f}, {e[metric + '_hi']:.2f}]"

    return re.sub(r"\{([\w-]+):(\w+):(\w+)\}", one, text)


def before_table(name: str, summ: dict) -> list[str]:
    """Cheese per episode and caught rate, previous model beside this one."""
    old = BEFORE.get(name)
    if not old:
        return []
    lines = [
        "Before and now (previous model: docs/RESULTS.md at commit b205894):",
        "",
        "| policy | cheese/episode before | now | caught rate before | now |",
        "|---|---|---|---|---|",
    ]
    for policy, (c0, k0) in old.items():
        if policy in summ:
            e = summ[policy]
            lines.append(
                f"| {policy} | {c0:.2f} | {e['cheese_per_episode']:.2f} | {k0:.2f} | "
                f"{e['caught_rate']:.2f} |"
            )
    return [*lines, ""]


def _log(msg: str) -> None:
    print(msg, file=sys.stderr, flush=True)


def _ratio(summ: dict, a: str, b: str, metric: str = "cheese_per_episode") -> str:
    if a not in summ or b not in summ or summ[b][metric] == 0:
        return "n/a"
    return f"{summ[a][metric] / summ[b][metric]:.2f}x"


def weakness(result, summ: dict, w: float, top: int) -> list[str]:
    """A paragraph saying in words where the learned mouse is weak on this config, from the
    figures (empty when it beats random on both cheese and safety)."""
    from mousesim.evaluate.evaluate import summarize

    learned, rnd = summ.get("learned"), summ.get("random")
    if not learned or not rnd or learned["caught_rate"] <= rnd["caught_rate"]:
        return []
    text = (
        f"Where the mouse is weak: here the learned mouse is caught in "
        f"{learned['caught_rate']:.0%} of episodes, more often than a mouse that moves at random "
        f"({rnd['caught_rate']:.0%})."
    )
    if result.sweep:
        at = {(e["policy"], e["focus"]): e for e in summarize(result.sweep, ("policy", "focus"))}
        flee, wired = at.get(("learned", 0.0)), at.get(("hand-wired", 0.0))
        if flee and wired:
            text += (
                f" With its predator expert alone (focus 0) it is still caught in "
                f"{flee['caught_rate']:.0%}, where the hand-wired flee readout is caught in "
                f"{wired['caught_rate']:.0%}: in this world its predator expert has not learned "
                f"to flee within {result.options.train_episodes} training episodes."
            )
    return [text, ""]


def early_learning(result) -> list[str]:
    """How fast the learned brain improves while it trains: cheese and caught rate over
    episodes 1-20, 21-40 and the last 20, means over seeds (the window's sparkline)."""
    rows = [r for r in result.training if r["policy"] == "learned"]
    if not rows:
        return []
    last = max(int(r["episode"]) for r in rows)
    parts = []
    for lo, hi in ((1, 20), (21, 40), (last - 19, last)):
        sel = [r for r in rows if lo <= int(r["episode"]) <= hi]
        if sel:
            cheese = sum(float(r["cheese"]) for r in sel) / len(sel)
            caught = sum(float(r["caught"]) for r in sel) / len(sel)
            parts.append(f"episodes {lo}-{hi}: {cheese:.1f} cheese, caught {caught:.0%}")
    return ["while learning: " + "; ".join(parts)]


def section(name: str, path: str, blurb: str, result, rel: str) -> str:
    from mousesim.evaluate.evaluate import gate_comparison, summarize
    from mousesim.evaluate.report import (
        describe_comparison,
        describe_gate_probe,
        header,
        markdown_table,
    )

    summ = {e["policy"]: e for e in summarize(result.rows)}
    lines = [f"## {name} (`{path}`)", "", blurb, "", header(result) + ".", ""]
    # the score's and survival's intervals are clipped at -catch_weight and max_steps
    w, top = result.options.catch_weight, result.cfg.world.max_steps
    lines += [
        "The table: how each player does over the same evaluation episodes. Cheese per "
        "episode and the caught rate are what matter; catches per 1000 steps and survival "
        "say the same about safety in other units; the score weighs both (higher is better).",
        "",
        markdown_table(summarize(result.rows, ("policy", "focus"), w, top)),
        "",
    ]
    facts = [
        f"learned / random cheese per episode: {_ratio(summ, 'learned', 'random')}",
        f"learned / hand-wired cheese per episode: {_ratio(summ, 'learned', 'hand-wired')}",
        f"oracle / learned cheese per episode: {_ratio(summ, 'oracle', 'learned')}",
    ]
    facts += early_learning(result)
    lines += [f"- {f}" for f in facts] + [f"- note: {n}" for n in result.notes] + [""]
    lines += weakness(result, summ, w, top)
    lines += before_table(name, summ)
    if result.training:
        lines += [f"![learning curve, {name}]({rel}/learning_curve.png)", ""]
    lines += [f"![policies, {name}]({rel}/policies.png)", ""]
    if result.sweep:
        sweep = summarize(result.sweep, ("policy", "focus"), w, top)
        lines += [
            "Focus sweep: the hand-wired brain, and the learned brain's readouts (trained at the "
            "config's focus) behind a fixed gate, played at each focus value (0: only the "
            "predator expert acts, 1: only the cheese expert). It shows the trade-off the "
            "slider makes: more cheese for more catches.",
            "",
            markdown_table(sweep, with_focus=True),
            "",
        ]
        at = {(e["policy"], e["focus"]): e for e in sweep}
        for policy in ("hand-wired", "learned"):
            lo, hi = at.get((policy, 0.0)), at.get((policy, 1.0))
            if lo and hi:
                lines.append(
                    f"- {policy}, focus 1 vs focus 0: cheese per episode "
                    f"{hi['cheese_per_episode']:.2f} vs {lo['cheese_per_episode']:.2f}, catches "
                    f"per 1000 steps {hi['catches_per_1000_steps']:.2f} vs "
                    f"{lo['catches_per_1000_steps']:.2f}"
                )
        lines += ["", f"![focus trade-off, {name}]({rel}/focus_tradeoff.png)", ""]
    comp = gate_comparison(result)
    if comp is not None:
        lines += [describe_comparison(comp) + ".", ""]
    probe = describe_gate_probe(result)
    if probe:
        lines += [probe[0].upper() + probe[1:] + ".", ""]
    if result.gate_profile:
        lines += [f"![learned gate vs predator distance, {name}]({rel}/gate_profile.png)", ""]
    lines += [f"All files of this evaluation (CSV, JSON, config): `{rel}/`.", ""]
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> int:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--seeds", type=int, default=5)
    p.add_argument("--train-episodes", type=int, default=200)
    p.add_argument("--episodes", type=int, default=200)
    p.add_argument("--out", default=str(ROOT / "docs"), help="docs directory (default: docs/)")
    args = p.parse_args(argv)

    from mousesim import __version__
    from mousesim.evaluate.evaluate import EvalOptions, evaluate, summarize
    from mousesim.evaluate.report import write_outputs
    from mousesim.io.atomic import write_text
    from mousesim.io.yaml_config import load_config

    docs = Path(args.out)
    summaries: dict[str, dict] = {}
    parts = [
        "# mousesim results",
        "",
        f"Generated by `{COMMAND}` (mousesim {__version__}); do not edit by hand.",
        "The same evaluation for any config: `mousesim eval CONFIG --focus-sweep "
        "0,0.25,0.5,0.75,1` (see [evaluation and sweeps](evaluation.md)).",
        "",
        "Players, all on the same seeds and maps: `random` (uniform actions), `predator-only` "
        "and `cheese-only` (the hand-wired brain at focus 0 and 1), `hand-wired` (the "
        "hand-wired brain at the config's focus), `learned` (a brain trained from random "
        "readouts, then frozen), `learned-gate` (trained with `mixture.gate: learned`), and "
        "`oracle` (full knowledge: shortest path over (x, y, heading) states to the nearest "
        "cheese, keeping off the cells the predator can reach next, falling back to fleeing), "
        "and `sighted-oracle` (the same planner with only what the mouse senses: it knows the "
        "walls, sees targets in range and in line of sight, remembers where it saw them and "
        "explores the cells it has not seen for longest; behind walls its gap to the oracle is "
        "the price of not seeing). "
        "Intervals are 95% t intervals over seeds; score = cheese per episode - 5 x caught "
        "rate. `use_<expert>` in the CSV files is the share of steps each expert drove the "
        "action.",
        "",
    ]
    for name, path, blurb in CONFIGS:
        cfg = load_config(ROOT / path)
        opts = EvalOptions(
            train_episodes=args.train_episodes,
            episodes=args.episodes,
            seeds=args.seeds,
            focus_sweep=SWEEP,
        )
        _log(f"{name}: evaluating ({args.seeds} seeds)...")
        result = evaluate(cfg, opts, log=_log)
        rel = f"results/{name}"
        write_outputs(result, docs / rel, name)
        parts.append(section(name, path, blurb, result, rel))
        summaries[name] = {e["policy"]: e for e in summarize(result.rows)}
        _log(f"{name}: done in {result.seconds:.0f} s")
    for extra in APPENDICES:
        if (docs / extra).exists():
            text = (docs / extra).read_text(encoding="utf-8")
            parts.append(fill_figures(text, summaries).rstrip() + "\n")
    write_text(docs / "RESULTS.md", "\n".join(parts).rstrip() + "\n")
    _log(f"wrote {docs / 'RESULTS.md'}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
