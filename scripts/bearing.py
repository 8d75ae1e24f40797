"""The ring as a bearing estimator: how far the decoded bump misses the true bearing.

    python scripts/bearing.py            # print the tables (a few seconds)
    python scripts/bearing.py --write    # also rewrite docs/memory.md

Drives one ring on its own (`mousesim.brain.ring.RingProbe`: the brain's own cue and ring
kernels, one world step at a time) with the shipped ring settings (`brain.ring` in
configs/default.yaml: J1 8, a bump that persists without a cue) and the same ring with J1 2
(no memory: the bump fades once the cue goes). In the world each step is a step forward plus
an optional 45 deg turn; here the two are separated, so each table shows one cause of error:
time alone, turns (which the ring path-integrates from its efference copy), forward steps
(which it does not: the bearing of a fixed target changes by parallax), a target that moves,
and a bearing that jumps. The ring has no noise in the shipped config, so one run per case is
the whole answer.

Geometry: the mouse sits at the origin facing +x; + y is to its left, so a bearing
atan2(y, x) is egocentric with + = left, as the world's percept and the ring use it.
"""

from __future__ import annotations

import argparse
import sys
from dataclasses import dataclass
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

DOC = ROOT / "docs" / "memory.md"
RINGS = (8.0, 2.0)  # the shipped J1, and a ring without memory
FORM_STEPS = 30  # steps of cue that form the bump before a case starts
FORM_DIST = 6.0  # cells: the cue's distance while the bump forms
FADED = 0.01  # below 1% of its cued amplitude a bump is gone: its angle is not shown
AFTER = (1, 2, 5, 10, 20, 50)  # steps after the cue is removed
TURNS = (1, 2, 4, 8)  # 45 deg turns
SETTLE = 3  # still steps after the last turn
WAIT = 20  # still steps without a cue that let a bump settle before it turns
# (J1, cue on, still steps before the first turn)
TURN_CASES = ((8.0, False, 0), (8.0, False, WAIT), (8.0, True, 0), (2.0, False, 0), (2.0, True, 0))
WALK = (1, 2, 5, 10)  # forward steps of one cell
DISTANCES = (3.0, 6.0, 12.0)
BEARINGS = (45.0, 90.0)
MOVE = (1, 2, 5, 10, 20)  # steps of a target moving sideways
SPEED = 0.5  # cells per step
JUMPS = (45.0, 90.0, 180.0)
WITHIN = 10.0  # degrees: the bump has caught up with a jumped bearing
MAX_LAG = 60


def ang(a: float, b: float) -> float:
    """Signed difference a - b in degrees, wrapped to (-180, 180]."""
    return float(np.degrees(np.angle(np.exp(1j * (a - b)))))


def shipped_ring(j1: float):
    """The shipped `brain.ring` settings with this J1."""
    from mousesim.io.yaml_config import load_config

    return load_config(str(ROOT / "configs" / "default.yaml")).brain.ring.model_copy(
        update={"J1": j1}
    )


@dataclass(frozen=True)
class Reading:
    """The bump against the truth at one moment."""

    error: float  # decoded bump angle - true bearing, degrees (+ = the bump is left of it)
    amp: float  # decoded amplitude / the amplitude at the end of the formation

    @property
    def faded(self) -> bool:
        return self.amp < FADED


class Run:
    """One ring, cued on a bearing until it holds a bump, then stepped by a case."""

    def __init__(self, j1: float, bearing_deg: float, dist: float = FORM_DIST) -> None:
        from mousesim.brain.ring import RingProbe

        self.probe = RingProbe(shipped_ring(j1))
        self.probe.step(cue=np.radians(bearing_deg), distance=dist, n=FORM_STEPS)
        self.amp0 = self.probe.bump()[1]

    def step(self, cue: float | None = None, dist: float = 0.0, turn: int = 0) -> None:
        self.probe.step(cue=cue, distance=dist, turn=turn)

    def read(self, true_bearing: float) -> Reading:
        angle, amp = self.probe.bump()
        return Reading(ang(angle, true_bearing), amp / self.amp0)


def after_cue(j1: float) -> dict[int, Reading]:
    """The cue is removed and the mouse stays still: readings after each of AFTER steps."""
    run = Run(j1, 30.0)
    out = {}
    for k in range(1, max(AFTER) + 1):
        run.step()
        if k in AFTER:
            out[k] = run.read(np.radians(30.0))
    return out


def turns(j1: float, cue: bool, wait: int = 0) -> dict[int, Reading]:
    """Target straight ahead (6 cells), then k left turns of 45 deg on the spot: the true
    bearing moves by -45 deg a turn, and the bump moves by the efference copy (and the cue).
    `wait`: still steps without the cue before the first turn (the bump settles).
    Key 0: after the last turn, SETTLE more steps standing still."""
    run = Run(j1, 0.0)
    for _ in range(wait):
        run.step()
    out = {}
    true = 0.0
    for k in range(1, max(TURNS) + 1):
        true = -np.radians(45.0) * k
        run.step(cue=true if cue else None, dist=FORM_DIST, turn=1)
        if k in TURNS:
            out[k] = run.read(true)
    for _ in range(SETTLE):
        run.step(cue=true if cue else None, dist=FORM_DIST)
    out[0] = run.read(true)
    return out


def walk(j1: float, dist: float, bearing_deg: float, cue: bool) -> dict[int, Reading]:
    """A fixed target at `dist` cells and `bearing_deg`; the mouse steps one cell forward per
    step. The ring gets no signal of the step, so without the cue the bump stays where it was
    and misses by the parallax."""
    b = np.radians(bearing_deg)
    tx, ty = dist * np.cos(b), dist * np.sin(b)
    run = Run(j1, bearing_deg, dist)
    out = {}
    for k in range(1, max(WALK) + 1):
        true = float(np.arctan2(ty, tx - k))
        run.step(cue=true if cue else None, dist=float(np.hypot(tx - k, ty)))
        if k in WALK:
            out[k] = run.read(true)
    return out


def moving(j1: float, dist: float, cue: bool) -> dict[int, Reading]:
    """A target (a predator) straight ahead at `dist` cells moves to the mouse's left at SPEED
    cells a step; the mouse stays still."""
    run = Run(j1, 0.0, dist)
    out = {}
    for k in range(1, max(MOVE) + 1):
        ty = SPEED * k
        true = float(np.arctan2(ty, dist))
        run.step(cue=true if cue else None, dist=float(np.hypot(dist, ty)))
        if k in MOVE:
            out[k] = run.read(true)
    return out


def lag(j1: float, dist: float, jump_deg: float) -> int | None:
    """With the cue on at 0 deg, the bearing jumps to `jump_deg`: world steps until the bump is
    within WITHIN degrees of it (None: not within MAX_LAG steps)."""
    run = Run(j1, 0.0, dist)
    true = np.radians(jump_deg)
    for k in range(1, MAX_LAG + 1):
        run.step(cue=true, dist=dist)
        if abs(run.read(true).error) < WITHIN:
            return k
    return None


# -- tables ------------------------------------------------------------------------------


def cell(r: Reading) -> str:
    """'error deg (amplitude %)', or the amplitude alone once the bump has faded."""
    if r.faded:
        return f"faded (<{100 * FADED:g}%)"
    err = "0°" if abs(r.error) < 0.5 else f"{r.error:+.0f}°"
    return f"{err} ({100 * r.amp:.0f}%)"


def table(head: list[str], rows: list[list[str]]) -> str:
    lines = ["| " + " | ".join(head) + " |", "|" + "---|" * len(head)]
    lines += ["| " + " | ".join(r) + " |" for r in rows]
    return "\n".join(lines)


def ring_name(j1: float) -> str:
    return f"J1 {j1:g}" + (" (shipped)" if j1 == RINGS[0] else " (no memory)")


def measure() -> dict[str, object]:
    """Every case, as numbers (the tables and the test read these)."""
    return {
        "after": {j: after_cue(j) for j in RINGS},
        "turns": {(j, c, w): turns(j, c, w) for j, c, w in TURN_CASES},
        "walk": {
            (j, d, b, c): walk(j, d, b, c)
            for j in RINGS
            for c in (False, True)
            for d in DISTANCES
            for b in BEARINGS
        },
        "moving": {(j, d, c): moving(j, d, c) for j in RINGS for d in (3.0, 6.0) for c in (0, 1)},
        "lag": {(j, d, a): lag(j, d, a) for j in RINGS for d in DISTANCES for a in JUMPS},
    }


def tables(m: dict) -> dict[str, str]:
    after = table(
        ["ring", *[f"{k} step{'s' * (k > 1)}" for k in AFTER]],
        [[ring_name(j), *[cell(m["after"][j][k]) for k in AFTER]] for j in RINGS],
    )
    turn = table(
        [
            "ring",
            "cue",
            *[f"{k} turn{'s' * (k > 1)} ({45 * k}°)" for k in TURNS],
            f"then {SETTLE} steps still",
        ],
        [
            [
                ring_name(j),
                ("on" if c else "off") + (f", {w} still steps first" if w else ""),
                *[cell(m["turns"][j, c, w][k]) for k in (*TURNS, 0)],
            ]
            for j, c, w in TURN_CASES
        ],
    )
    walks = {}
    for c in (False, True):
        rows = []
        for j in RINGS:
            for d in DISTANCES:
                for b in BEARINGS:
                    r = m["walk"][j, d, b, c]
                    rows.append([ring_name(j), f"{d:g}", f"{b:g}°", *[cell(r[k]) for k in WALK]])
        head = ["ring", "distance", "bearing", *[f"{k} step{'s' * (k > 1)}" for k in WALK]]
        walks[c] = table(head, rows)
    parallax = table(
        ["distance", "bearing", *[f"{k} step{'s' * (k > 1)}" for k in WALK]],
        [
            [f"{d:g}", f"{b:g}°", *[f"{true_change(d, b, k):+.0f}°" for k in WALK]]
            for d in DISTANCES
            for b in BEARINGS
        ],
    )
    move = table(
        ["ring", "distance", "cue", *[f"{k} step{'s' * (k > 1)}" for k in MOVE]],
        [
            [
                ring_name(j),
                f"{d:g}",
                "on" if c else "off",
                *[cell(m["moving"][j, d, c][k]) for k in MOVE],
            ]
            for j in RINGS
            for d in (3.0, 6.0)
            for c in (0, 1)
        ],
    )
    lags = table(
        ["ring", "distance", *[f"jump {a:g}°" for a in JUMPS]],
        [
            [
                ring_name(j),
                f"{d:g}",
                *[_steps(m["lag"][j, d, a]) for a in JUMPS],
            ]
            for j in RINGS
            for d in DISTANCES
        ],
    )
    return {
        "after": after,
        "turns": turn,
        "walk_off": walks[False],
        "walk_on": walks[True],
        "parallax": parallax,
        "moving": move,
        "lag": lags,
    }


def worst(m: dict, j1: float) -> float:
    """The largest error of this ring on the walk with the cue on (degrees)."""
    return max(
        abs(r.error) for (j, _, _, c), rs in m["walk"].items() if j == j1 and c for r in rs.values()
    )


def true_change(dist: float, bearing_deg: float, k: int) -> float:
    """How far the true bearing of a fixed target moved after k forward steps (degrees)."""
    b = np.radians(bearing_deg)
    return ang(float(np.arctan2(dist * np.sin(b), dist * np.cos(b) - k)), b)


def _steps(k: int | None) -> str:
    return f"> {MAX_LAG}" if k is None else str(k)


# -- the page ----------------------------------------------------------------------------


def page(m: dict, t: dict[str, str]) -> str:
    a8, a2 = m["after"][8.0], m["after"][2.0]
    t8, ts = m["turns"][8.0, False, 0], m["turns"][8.0, False, WAIT]
    t2, t8on, t2on = m["turns"][2.0, False, 0], m["turns"][8.0, True, 0], m["turns"][2.0, True, 0]
    w8, w12 = m["walk"][8.0, 3.0, 90.0, False], m["walk"][8.0, 12.0, 90.0, False]
    mv8 = m["moving"][8.0, 6.0, 0]
    mv8on = m["moving"][8.0, 6.0, 1]
    mv2on = m["moving"][2.0, 6.0, 1]
    lag8, lag2 = m["lag"][8.0, 6.0, 45.0], m["lag"][2.0, 6.0, 45.0]
    fade2 = next((k for k in AFTER if a2[k].faded), None)
    out = [
        "# What the ring remembers, and how well",
        "",
        "Each expert keeps its target's bearing in a ring attractor: 64 neurons, one per",
        "egocentric direction (+ = left), whose activity forms a bump where the target is",
        "([the model](model.md)). The decoded bump angle is the ring's estimate of the bearing.",
        "This page measures that estimate against the truth: how long it lasts once the",
        "target is out of sight, and how far it misses after a turn, a step forward, a target",
        "that moves, or a bearing that jumps. It compares the shipped ring (`brain.ring.J1` 8:",
        "the bump holds itself up without a cue) with a ring without memory (J1 2: the bump",
        "fades once the cue goes).",
        "",
        "Every figure comes from one command, which drives a single ring with the brain's own",
        "kernels, step by step, and rewrites this page (a few seconds):",
        "",
        "```bash",
        "python scripts/bearing.py --write",
        "```",
        "",
        "In the world each step is one cell forward plus an optional 45° turn; here the two are",
        "separated so each table shows one cause of error. Before each case the ring is cued on",
        f"its target for {FORM_STEPS} steps (the target {FORM_DIST:g} cells away unless a table",
        "names a distance). A cell reads *error (amplitude)*: the bump angle minus the true",
        "bearing (+ = the bump points left of the target), and the bump's strength as a share",
        "of what it was when the case began. *faded* means the amplitude fell below",
        f"{100 * FADED:g}%: there is no bump left to read. The shipped ring has no noise, so one",
        "run per case is the whole answer. `tests/test_bearing.py` checks the properties named",
        "below.",
        "",
        "## Once the target is out of sight",
        "",
        "The cue is removed (the target went behind a wall or out of range) and the mouse",
        "stands still; the target was at 30°.",
        "",
        t["after"],
        "",
        f"The shipped bump loses part of its height as the cue's push goes (to"
        f" {100 * a8[10].amp:.0f}% within 10 steps) and then holds: {100 * a8[50].amp:.0f}%"
        f" after 50 steps, within {max(abs(a8[k].error) for k in AFTER):.1f}° of the bearing.",
        f"Without memory the bump is at {100 * a2[2].amp:.0f}% after 2 steps and"
        + (f" gone after {fade2}." if fade2 else " nearly gone."),
        "A mouse with the shipped ring can still steer by the bearing of a target it stopped",
        "sensing long ago; one without memory forgets it in a few steps.",
        "",
        "## Turns: the ring turns with the mouse",
        "",
        "The target is straight ahead; the mouse turns left by 45° k times on the spot, so the",
        "target's true bearing moves by -45° a turn. The ring is told each turn (an efference",
        "copy of the motor command) and shifts its bump by it: path integration.",
        "",
        t["turns"],
        "",
        f"A settled shipped bump (the cue gone {WAIT} steps before) follows the turns: it is"
        f" {ts[max(TURNS)].error:+.0f}° off after {max(TURNS)} turns, a full circle. A turn in"
        " the first steps after the cue went is under-shifted: the bump is still shrinking from"
        " its cued shape, and the turn drive was calibrated on a settled bump. It is"
        f" {t8[1].error:+.0f}° off after one turn and {t8[max(TURNS)].error:+.0f}° after"
        f" {max(TURNS)}, and the error stays ({t8[0].error:+.0f}° after {SETTLE} still steps).",
        f"The ring without memory does not turn its bump ({t2[1].error:+.0f}° off after one"
        " turn: its weak recurrent weights carry too little of the turn drive), and the bump",
        "fades within a few turns anyway. With the cue on, both rings follow the cue and lag",
        f"behind it while the mouse keeps turning: the shipped ring by up to"
        f" {max(t8on[k].error for k in TURNS):+.0f}°, the ring without memory by up to"
        f" {max(t2on[k].error for k in TURNS):+.0f}°. Both catch up once the turning stops.",
        "",
        "## Forward steps: the ring does not know the mouse moved",
        "",
        "A target stands still at a distance and bearing; the mouse walks straight ahead one",
        "cell a step. The target's true bearing changes (parallax: a near target at the side",
        "swings behind the mouse fast), but the ring gets no signal of a step forward, so",
        "without a cue its bump stays where the target was. How far the true bearing moves:",
        "",
        t["parallax"],
        "",
        "The ring, cue off:",
        "",
        t["walk_off"],
        "",
        "The shipped bump's error is the parallax (the table above, with the sign turned):",
        f"a target 3 cells away at 90° is {w8[5].error:+.0f}° off after 5 steps, one 12 cells"
        f" away {w12[5].error:+.0f}°. The error grows as the target gets closer and the mouse",
        "walks farther. A remembered bearing is a good estimate for a far target and a poor",
        "one for a near target the mouse walks past.",
        "",
        "The same walk with the cue on (the target stays in view):",
        "",
        t["walk_on"],
        "",
        "With the cue on the bump tracks the target; the error is the lag of a bump chasing a",
        "bearing that keeps moving, largest for a near target whose bearing moves fastest.",
        f"The shipped bump lags more (up to {worst(m, 8.0):.0f}°, against"
        f" {worst(m, 2.0):.0f}° without memory): a bump that holds itself up also resists",
        "being moved.",
        "",
        "## A target that moves",
        "",
        f"A predator straight ahead walks sideways (to the mouse's left) at {SPEED:g} cells a",
        "step; the mouse stands still.",
        "",
        t["moving"],
        "",
        f"With the cue off the shipped bump stays where the predator was; at 6 cells it is"
        f" {mv8[20].error:+.0f}° off after 20 steps (the predator moved"
        f" {SPEED * 20:g} cells). With the cue on it follows, a few degrees behind"
        f" ({mv8on[20].error:+.0f}° at 20 steps, against {mv2on[20].error:+.0f}° for the ring"
        " without memory).",
        "",
        "## A bearing that jumps",
        "",
        "With the cue on at 0°, the bearing jumps (another target becomes the nearest, or one",
        "comes into view from behind a wall): world steps until the bump is within"
        f" {WITHIN:g}° of the new bearing.",
        "",
        t["lag"],
        "",
        f"Memory has a price: the shipped bump holds on to the old bearing and needs"
        f" {_steps(lag8)} step{'s' * (lag8 != 1)} to follow a 45° jump at 6 cells, the ring",
        f"without memory {_steps(lag2)}. A weaker cue (a farther target) slows the shipped",
        "ring, most for a target on the opposite side: at 12 cells it needs"
        f" {_steps(m['lag'][8.0, 12.0, 180.0])} steps, as the old bump holds on until the new",
        "one outgrows it.",
        "",
        "## What this means for the mouse",
        "",
        "The shipped ring is a good memory of *where the target was*, corrected for the",
        f"mouse's turns (to within {max(abs(ts[k].error) for k in TURNS):.0f}° once the bump has"
        f" settled, {max(abs(t8[k].error) for k in TURNS):.0f}° for turns made just as the target"
        " vanished) but not for its steps or the target's own movement. It helps most when",
        "the target is far and the mouse mostly turns; it misleads when the mouse walks past a",
        "near target, or the target moves away while unseen.",
        "",
        "To see it, run `mousesim play configs/maze.yaml` (walls hide the targets): while an",
        "expert's target is out of view and its ring still holds a bump, a faint dashed line in",
        "the expert's colour leaves the mouse along the remembered bearing. Watch it swing with",
        "the mouse's turns and drift away from the target as the mouse walks on.",
        "",
    ]
    return "\n".join(out)


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--write", action="store_true", help=f"also rewrite {DOC.relative_to(ROOT)}")
    args = ap.parse_args(argv)
    m = measure()
    t = tables(m)
    titles: dict[str, str] = {
        "after": "cue removed, mouse still (target at 30 deg)",
        "turns": "45 deg left turns on the spot (target ahead at 6 cells)",
        "parallax": "true bearing change of a fixed target after k forward steps",
        "walk_off": "forward steps, cue off",
        "walk_on": "forward steps, cue on",
        "moving": f"target moving sideways at {SPEED:g} cells/step, mouse still",
        "lag": f"steps until within {WITHIN:g} deg after a jump, cue on",
    }
    for key, title in titles.items():
        print(f"### {title}\n\n{t[key]}\n")
    if args.write:
        from mousesim.io.atomic import write_text

        write_text(DOC, page(m, t))
        print(f"wrote {DOC.relative_to(ROOT)}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
