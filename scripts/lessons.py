"""Run the lessons' commands and write docs/lessons.md with the numbers they give.

    python scripts/lessons.py            # every lesson at full size (a few minutes on 2 cores)
    python scripts/lessons.py --small    # every command at a tiny size (a smoke test; the
                                         # numbers mean nothing), into a temporary folder

Each lesson lists the exact commands a student types; this script runs those commands (the
`mousesim` CLI, in a fresh process each, from a scratch folder), reads the files they write
and puts the figures into the page, so the page's numbers are what the commands give.
"""

from __future__ import annotations

import argparse
import csv
import json
import math
import shlex
import subprocess
import sys
import tempfile
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]


@dataclass(frozen=True)
class Lesson:
    title: str
    intro: str
    commands: tuple[str, ...]  # run in order, from a scratch folder with configs/ beside it
    look: str  # what to look at
    expect: str  # the figures, a format string filled by `measure`
    question: str
    measure: Callable[[Path], dict]


def _summary(d: Path) -> dict:
    return json.loads((d / "summary.json").read_text())


def _last_rows(d: Path, frac: float = 0.25) -> list[dict]:
    rows = list(csv.DictReader((d / "metrics.csv").open()))
    return rows[-max(1, int(len(rows) * frac)) :]


def _mean(xs) -> float:
    xs = list(xs)
    return sum(xs) / len(xs) if xs else float("nan")


def _run_figures(d: Path) -> tuple[float, float]:
    """Cheese per episode and caught rate over the last quarter of a run's episodes."""
    rows = _last_rows(d)
    return _mean(float(r["cheese"]) for r in rows), _mean(float(r["caught"]) for r in rows)


# -- lesson 1: the ring remembers, and turns with the mouse ---------------------------------
def ring_memory(_: Path) -> dict:
    import numpy as np

    from mousesim.brain.ring import RingProbe
    from mousesim.common.config import RingConfig

    def remember(step_gain: float) -> tuple[float, float, float, float]:
        p = RingProbe(RingConfig(step_gain=step_gain))
        p.step(cue=np.radians(60), distance=3.0, n=10)  # the cheese 60 deg to the left, 3 cells
        seen = math.degrees(p.bump()[0])
        p.step(cue=None, n=20)  # out of range for 20 steps
        kept = math.degrees(p.bump()[0])
        p.step(cue=None, turn=+1)  # the mouse turns 45 deg left: the target is 45 deg more right
        turned = math.degrees(p.bump()[0])
        p.step(cue=None, ahead=1.0, n=2)  # then walks two cells straight on
        return seen, kept, turned, math.degrees(p.bump()[0])

    seen, kept, turned, walked = remember(1.0)
    walked_turns_only = remember(0.0)[3]
    # Where the cheese really is after the turn and the two steps: 3 cells at 60 - 45 deg.
    b = math.radians(60 - 45)
    true_walked = math.degrees(math.atan2(3 * math.sin(b), 3 * math.cos(b) - 2))
    silent = RingProbe()
    silent.step(cue=None, n=20)
    return {
        "seen": seen,
        "kept": kept,
        "turned": turned,
        "walked": walked,
        "true_walked": true_walked,
        "walked_turns_only": walked_turns_only,
        "silent": float(silent.rates.max()),
    }


# -- lesson 6: the learned readouts and the gate near a predator ----------------------------
def learned_maps(d: Path) -> dict:
    import numpy as np

    brain = np.load(d / "lessons" / "learned" / "brain.npz")
    w = brain["readout"]
    rel = w - w.mean(axis=1, keepdims=True)
    n = w.shape[2]
    theta = (2 * np.pi * np.arange(n) / n + np.pi) % (2 * np.pi) - np.pi
    left, right = theta > np.radians(30), theta < -np.radians(30)
    toward = [float(rel[k, 0, left].mean() - rel[k, 0, right].mean()) for k in range(w.shape[0])]
    near, far = _gate_shares(d / "lessons" / "gate")
    return {
        "cheese_toward": toward[0],
        "predator_toward": toward[1],
        "near": near,
        "far": far,
    }


def _gate_shares(eval_dir: Path) -> tuple[float, float]:
    """The gate's mean predator share with the predator within 3 cells and 8 or more away."""
    profile = list(csv.DictReader((eval_dir / "gate_profile.csv").open()))
    near = [float(r["share"]) for r in profile if int(r["distance"]) <= 3]
    far = [float(r["share"]) for r in profile if int(r["distance"]) >= 8]
    return _mean(near), _mean(far)


def two_runs(a: str, b: str) -> Callable[[Path], dict]:
    def measure(d: Path) -> dict:
        ca, ka = _run_figures(d / a)
        cb, kb = _run_figures(d / b)
        return {"cheese_a": ca, "caught_a": ka, "cheese_b": cb, "caught_b": kb}

    return measure


def focus_sweep(d: Path) -> dict:
    rows = list(csv.DictReader((d / "lessons" / "focus" / "focus_sweep.csv").open()))
    out = {}
    for f in ("0", "0.5", "1"):
        mine = [r for r in rows if r["policy"] == "learned" and float(r["focus"]) == float(f)]
        key = f.replace(".", "")
        out[f"cheese_{key}"] = _mean(float(r["cheese_per_episode"]) for r in mine)
        out[f"caught_{key}"] = _mean(float(r["caught_rate"]) for r in mine)
    gate = [r for r in csv.DictReader((d / "lessons" / "focus" / "eval.csv").open())]
    gate = [r for r in gate if r["policy"] == "learned-gate"]
    out["cheese_gate"] = _mean(float(r["cheese_per_episode"]) for r in gate)
    out["caught_gate"] = _mean(float(r["caught_rate"]) for r in gate)
    return out


def _learned(eval_dir: Path) -> tuple[float, float]:
    """The learned brain's cheese per episode and caught rate, mean over an eval's seeds."""
    rows = [r for r in csv.DictReader((eval_dir / "eval.csv").open()) if r["policy"] == "learned"]
    return (
        _mean(float(r["cheese_per_episode"]) for r in rows),
        _mean(float(r["caught_rate"]) for r in rows),
    )


def penalties(d: Path) -> dict:
    out = {}
    for p in (5, 25, 100):
        c, k = _learned(d / "lessons" / f"penalty{p}")
        out[f"cheese_{p}"], out[f"caught_{p}"] = c, k
    return out


# -- lesson 7: the default gate against the TD gate -------------------------------------------
def two_gates(d: Path) -> dict:
    out = {}
    for name in ("step", "td"):
        c, k = _learned(d / "lessons" / f"{name}_gate")
        out[f"cheese_{name}"], out[f"caught_{name}"] = c, k
        out[f"far_{name}"] = _gate_shares(d / "lessons" / f"{name}_gate")[1]
    return out


LESSONS = (
    Lesson(
        "The ring remembers, and turns and walks with the mouse",
        "A ring attractor holds a bump of activity where its target was last sensed. Here one "
        "ring is cued with a cheese 60° to the left and 3 cells away, the cheese then goes out "
        "of range for 20 steps, the mouse turns 45° left and then walks two cells on.",
        (
            "mousesim play configs/maze.yaml",
            "python scripts/lessons.py --lesson 1",
        ),
        "In the window, watch the cheese ring when the cheese goes behind a wall: the dot "
        "outside the ring disappears, the arrow (the bump) stays. Turn on single steps (Space, "
        "then N) and watch the bump move the other way when the mouse turns. The dashed line "
        "on the map is where the ring says the cheese is.",
        "While cued the bump points {seen:.0f}° left; after 20 steps without the cheese it "
        "still points {kept:.0f}° left; after a 45° left turn it points {turned:.0f}° left "
        "(it moved {turn_shift:.0f}°); after two steps on it points {walked:.0f}° left, where "
        "the cheese now is ({true_walked:.0f}°: walking past a target swings its bearing). "
        "A ring that integrates only the turns (`brain.ring.step_gain` 0) still points "
        "{walked_turns_only:.0f}°. A ring that never sensed its target stays silent "
        "(largest rate {silent:.1f}).",
        "Why must the bump move to the right when the mouse turns left? What would the mouse "
        "do if it did not, or if it did not follow its steps?",
        ring_memory,
    ),
    Lesson(
        "Learning on and off",
        "The readout weights start random. Does the mouse get better because it learns, or "
        "would any brain of this shape do as well?",
        (
            "mousesim run --episodes 200 --seed 1 --out lessons/on --quiet",
            "mousesim run --episodes 200 --seed 1 --out lessons/off --set brain.learn=false --quiet",
            "mousesim plot lessons/on",
        ),
        "Compare `lessons/on/metrics.csv` with `lessons/off/metrics.csv` (cheese and caught per episode), and "
        "look at `lessons/on/plots/learning_curves.png`: its last panel shows how the two "
        "experts come to share the steps as the gate learns. In the window, press L to switch "
        "learning off and on.",
        "Over the last 50 episodes: learning on, {cheese_a:.1f} cheese per episode and caught "
        "in {caught_a:.0%} of episodes; learning off (the same random start), {cheese_b:.1f} "
        "cheese and caught in {caught_b:.0%}.",
        "The learning-off mouse has the same rings, reflexes and gate. What, exactly, did the "
        "learning mouse change?",
        two_runs("lessons/on", "lessons/off"),
    ),
    Lesson(
        "The focus trade-off",
        "The focus slider biases the gate: 0 lets only the predator expert act, 1 only the "
        "cheese expert. `mousesim eval --focus-sweep` trains brains (with their learned gate), "
        "then plays their readouts behind a fixed gate at each focus (at 0.5 each expert "
        "drives half of the steps), and also plays them with their own learned gate.",
        (
            "mousesim eval --seeds 3 --train-episodes 200 --episodes 100 "
            "--focus-sweep 0,0.5,1 --out lessons/focus --quiet",
        ),
        "`lessons/focus/focus_tradeoff.png` (cheese per episode against catches per 1000 steps "
        "and against survival, one point per focus, coloured by focus) and the `learned` rows of `lessons/focus/focus_sweep.csv`. In the window, drag the "
        "slider to each end.",
        "The same trained readouts behind a fixed gate: at focus 0, {cheese_0:.1f} cheese per "
        "episode, caught in {caught_0:.0%} of episodes; at 0.5, {cheese_05:.1f} and "
        "{caught_05:.0%}; at 1, {cheese_1:.1f} and {caught_1:.0%}. With their learned gate: "
        "{cheese_gate:.1f} cheese, caught in {caught_gate:.0%}.",
        "No fixed focus gets both the cheese and the safety the learned gate gets. What does "
        "the learned gate know, step by step, that a fixed focus cannot?",
        focus_sweep,
    ),
    Lesson(
        "Taking an expert away",
        "Remove the predator expert: the mouse keeps its body, whiskers and reflexes, but has "
        "no ring for the predator and no readout to learn to flee with.",
        (
            "mousesim run --episodes 200 --seed 1 --out lessons/both --quiet",
            "mousesim run --episodes 200 --seed 1 --out lessons/cheese_only --quiet "
            "--set 'brain.experts=[{name: cheese, target: cheese}]' --set mixture.focus=1",
        ),
        "Compare the caught column of `lessons/both/metrics.csv` and `lessons/cheese_only/metrics.csv`.",
        "Over the last 50 episodes: with both experts {cheese_a:.1f} cheese per episode, "
        "caught in {caught_a:.0%}; with the cheese expert alone {cheese_b:.1f} cheese, caught "
        "in {caught_b:.0%}.",
        "The cheese-only mouse still sees the predator with its body (it can be caught), but "
        "not with its brain. What would a third expert for a second predator add? Run "
        "`configs/two_predators.yaml` as shipped (predator2 shares the predator's readout) "
        "and with predator2's own readout (the [README's Configs section](../README.md#configs); "
        "`python scripts/targets.py experts` measures both).",
        two_runs("lessons/both", "lessons/cheese_only"),
    ),
    Lesson(
        "Pricing a catch",
        "`world.predator.caught_penalty` is what a catch costs the predator expert and the "
        "gate (the default, 25, is five cheeses). Train mice that price it differently, five "
        "seeds each (one seed is one mouse), and evaluate them with learning off.",
        (
            "mousesim eval --seeds 5 --train-episodes 200 --episodes 100 --out lessons/penalty5 "
            "--quiet --set world.predator.caught_penalty=5",
            "mousesim eval --seeds 5 --train-episodes 200 --episodes 100 --out lessons/penalty25 "
            "--quiet",
            "mousesim eval --seeds 5 --train-episodes 200 --episodes 100 --out lessons/penalty100 "
            "--quiet --set world.predator.caught_penalty=100",
        ),
        "The `learned` row of each folder's `summary.csv` (mean and 95% interval over the five "
        "seeds), and `policies.png`.",
        "The learned mouse, mean of five seeds: penalty 5: {cheese_5:.1f} cheese per episode, "
        "caught in {caught_5:.0%} of episodes; 25: {cheese_25:.1f} and {caught_25:.0%}; 100: "
        "{cheese_100:.1f} and {caught_100:.0%}.",
        "Is a higher price always safer? A catch also ends the episode, and with it all the "
        "cheese still to come. Which price gives the best score (cheese per episode - 5 x "
        "caught rate), and are the differences larger than the intervals?",
        penalties,
    ),
    Lesson(
        "What the mouse learned: readouts and the gate",
        "After training, the readout weights say which way each expert turns for a target at "
        "each bearing, and the learned gate says when each expert is listened to.",
        (
            "mousesim run --episodes 200 --seed 1 --out lessons/learned --quiet",
            "mousesim play --brain lessons/learned/brain.npz",
            "mousesim eval --seeds 1 --train-episodes 200 --episodes 100 --out lessons/gate --quiet",
        ),
        "In the window, the readout panel (H explains it): the cheese expert's left row is "
        "warm on the left half; the predator expert's is warm on the right half. "
        "`lessons/gate/gate_profile.png`: the gate's predator share against the distance to the "
        "predator.",
        "The left row's weights (minus the mean of the three rows) for targets on the left "
        "minus those on the right: cheese expert {cheese_toward:+.2f} (turn toward), "
        "predator expert {predator_toward:+.2f} (turn away). The gate gives the predator "
        "expert {near:.0%} of the steps with the predator within 3 cells, {far:.0%} at 8 cells "
        "or more.",
        "The gate was never told which expert is for danger. From what did it learn to listen "
        "to the predator expert when the predator is near?",
        learned_maps,
    ),
    Lesson(
        "Judging a choice by what follows",
        "The gate has a critic that learns what each situation is worth, and judges a choice "
        "by what the situation it leads to is worth (an actor-critic, learning from the TD "
        "error). `configs/step_gate.yaml` gives it instead a critic of the next step's outcome "
        "alone, so a choice is judged by the rewards of the next few steps. Train and evaluate "
        "both, three seeds each.",
        (
            "mousesim eval configs/step_gate.yaml --seeds 3 --train-episodes 200 --episodes 100 "
            "--out lessons/step_gate --quiet",
            "mousesim eval --seeds 3 --train-episodes 200 --episodes 100 --out lessons/td_gate "
            "--quiet",
        ),
        "The `learned` rows of `lessons/step_gate/summary.csv` and `lessons/td_gate/summary.csv`, "
        "and each folder's `gate_profile.png` (the gate's predator share against the "
        "distance to the predator).",
        "The step gate: {cheese_step:.1f} cheese per episode, caught in {caught_step:.0%} "
        "of episodes; it gives the predator expert {far_step:.0%} of the steps with the "
        "predator 8 cells or more away. The default TD gate: {cheese_td:.1f} cheese, caught in "
        "{caught_td:.0%}; {far_td:.0%} of the steps at 8 cells or more.",
        "The TD gate lets go of a predator it sees walking away; the step gate keeps "
        "fleeing long after. Why can the step gate not simply forget sooner "
        "([model](model.md#a-gate-that-learns-what-follows))? Compare both in four rooms "
        "joined by doorways (`python scripts/td_gate.py --maps rooms`): what does the TD "
        "mouse learn there, and why does that score no worse than the step-gate mouse?",
        two_gates,
    ),
)

SMALL = {"--episodes": "3", "--train-episodes": "3", "--seeds": "1"}


def shrink(cmd: str) -> list[str]:
    """A lesson's command at a tiny size (for the test): fewer episodes and seeds, and a
    window that draws a few frames off-screen."""
    args = shlex.split(cmd)
    out = []
    for i, a in enumerate(args):
        out.append(SMALL[args[i - 1]] if i and args[i - 1] in SMALL else a)
    if args[:2] == ["mousesim", "play"]:
        out += ["--frames", "3"]
    if args[:2] == ["python", "scripts/lessons.py"]:
        out += ["--small"]
    return out


def run_lesson(n: int, work: Path, small: bool) -> dict:
    """Run lesson n's commands in `work` (configs/ and scripts/ are linked in) and measure."""
    lesson = LESSONS[n - 1]
    for name in ("configs", "scripts"):
        if not (work / name).exists():
            (work / name).symlink_to(ROOT / name)
    for cmd in lesson.commands:
        if cmd.startswith("python scripts/lessons.py"):
            continue  # this script itself: the measure below is what it prints
        args = shrink(cmd) if small else shlex.split(cmd)
        if args[:2] == ["mousesim", "play"] and not small:
            continue  # the window is for the student; nothing to measure
        if args[0] == "mousesim":
            args = [sys.executable, "-m", "mousesim", *args[1:]]
        r = subprocess.run(args, cwd=work, capture_output=True, text=True)
        if r.returncode != 0:
            raise SystemExit(f"lesson {n}: `{cmd}` failed: {r.stderr.strip()[-400:]}")
    figures = lesson.measure(work)
    if "turned" in figures:
        figures["turn_shift"] = figures["turned"] - figures["kept"]
    return figures


COUNT = dict(
    enumerate(["No", "One", "Two", "Three", "Four", "Five", "Six", "Seven", "Eight", "Nine", "Ten"])
)


def page(figures: dict[int, dict]) -> str:
    out = [
        "# Lessons",
        "",
        f"{COUNT[len(LESSONS)]} experiments a student can run in a class, each with the exact "
        "commands, what to",
        "look at, the numbers to expect and a question to think about. Run the commands from",
        "the repository's folder after the [quick start](../README.md#quick-start); they write",
        "into `lessons/`. The numbers below are what these commands give (on seed 1 where a",
        "seed is named): `python scripts/lessons.py` runs every command and rewrites this page.",
        "Another seed gives another mouse, so expect the same story, not the same digits. Each",
        "`mousesim run` takes a few seconds, each `mousesim eval` under a minute. In the window,",
        "press H for what each panel shows.",
        "",
    ]
    for i, lesson in enumerate(LESSONS, 1):
        cmds = "\n".join(lesson.commands)
        out += [
            f"## {i}. {lesson.title}",
            "",
            lesson.intro,
            "",
            f"```bash\n{cmds}\n```",
            "",
            f"**Look at:** {lesson.look}",
            "",
            f"**You should see:** {lesson.expect.format(**figures[i])}",
            "",
            f"**Think:** {lesson.question}",
            "",
        ]
    return "\n".join(out)


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--small", action="store_true", help="tiny sizes, a temporary folder")
    ap.add_argument("--lesson", type=int, help="run this lesson only and print its figures")
    ap.add_argument("--out", type=Path, default=ROOT / "docs" / "lessons.md")
    args = ap.parse_args(argv)
    chosen = [args.lesson] if args.lesson else range(1, len(LESSONS) + 1)
    if args.lesson is not None and not 1 <= args.lesson <= len(LESSONS):
        ap.error(f"--lesson must be 1 to {len(LESSONS)}")
    figures = {}
    with tempfile.TemporaryDirectory(prefix="mousesim-lessons-") as tmp:
        for n in chosen:
            work = Path(tmp) / f"lesson{n}"
            work.mkdir()
            figures[n] = run_lesson(n, work, args.small)
            text = " ".join(LESSONS[n - 1].expect.format(**figures[n]).split())
            print(f"lesson {n}: {text}")
    if args.lesson is None and not args.small:
        args.out.write_text(page(figures))
        print(f"wrote {args.out}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
