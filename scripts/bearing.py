"""The ring as a bearing estimator: how far the decoded bump misses the true bearing.

    python scripts/bearing.py            # print the tables (a few seconds)
    python scripts/bearing.py --write    # also rewrite docs/memory.md

Drives one ring on its own (`mousesim.brain.ring.RingProbe`: the brain's own cue, drive and
ring kernels, one world step at a time) with the shipped ring settings (`brain.ring` in
configs/default.yaml: J1 8, a bump that persists without a cue, and step_gain 1, a bump that
path-integrates the mouse's turns and steps), the same ring with step_gain 0 (turns only),
and the same ring with J1 2 (no memory: the bump fades once the cue goes). In the world each
step is an optional 45 deg turn and then a step forward; here the two are first separated, so
each table shows one cause of error: time alone, turns, forward steps (the bearing of a fixed
target changes by parallax), a target that moves, and a bearing that jumps; then they are
put together on random walks. The ring has no noise in the shipped config, so one run per
case is the whole answer.

Geometry: the mouse sits at the origin facing +x; + y is to its left, so a bearing
atan2(y, x) is egocentric with + = left, as the world's percept and the ring use it.
"""

from __future__ import annotations

import argparse
import functools
import sys
from dataclasses import dataclass
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

DOC = ROOT / "docs" / "memory.md"
# The rings compared: name -> what it changes in the shipped `brain.ring`.
RINGS: dict[str, dict[str, float]] = {
    "shipped": {},
    "turns only": {"step_gain": 0.0},
    "no memory": {"J1": 2.0},
}
TWO = ("shipped", "no memory")  # step_gain does not act: no step, or the target is sensed
MEMORY = ("shipped", "turns only")  # where J1 2 cannot matter: its bump is gone
FORM_STEPS = 30  # steps of cue that form the bump before a case starts
FORM_DIST = 6.0  # cells: the cue's distance while the bump forms
FADED = 0.01  # below 1% of its cued amplitude a bump is gone: its angle is not shown
AFTER = (1, 2, 5, 10, 20, 50)  # steps after the cue is removed
TURNS = (1, 2, 4, 8)  # 45 deg turns
SETTLE = 3  # still steps after the last turn
WAIT = 20  # still steps without a cue that let a bump settle before it turns
# (ring, cue on, still steps before the first turn)
TURN_CASES = (
    ("shipped", False, 0),
    ("shipped", False, WAIT),
    ("shipped", True, 0),
    ("no memory", False, 0),
    ("no memory", True, 0),
)
WALK = (1, 2, 5, 10)  # forward steps of one cell
DISTANCES = (3.0, 6.0, 12.0)
BEARINGS = (45.0, 90.0)
MOVE = (1, 2, 5, 10, 20)  # steps of a target moving sideways
SPEED = 0.5  # cells per step
JUMPS = (45.0, 90.0, 180.0)
WITHIN = 10.0  # degrees: the bump has caught up with a jumped bearing
MAX_LAG = 60
PATHS = 10  # random walks per case (seeds 0..PATHS-1)
PATH_STEPS = (1, 2, 5, 10, 20)  # readings along a random walk
REACHED = 1.0  # cells: a random walk that comes this close to its target ends
P_TURN = 0.25  # chance of a 45 deg left turn before a step, and of a right one


def ang(a: float, b: float) -> float:
    """Signed difference a - b in degrees, wrapped to (-180, 180]."""
    return float(np.degrees(np.angle(np.exp(1j * (a - b)))))


@functools.cache
def _shipped():
    from mousesim.io.yaml_config import load_config

    return load_config(str(ROOT / "configs" / "default.yaml")).brain.ring


def shipped_ring(name: str):
    """The shipped `brain.ring` settings (configs/default.yaml), changed as RINGS[name] says."""
    return _shipped().model_copy(update=RINGS[name])


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

    def __init__(self, ring: str, bearing_deg: float, dist: float = FORM_DIST) -> None:
        from mousesim.brain.ring import RingProbe

        self.probe = RingProbe(shipped_ring(ring))
        self.probe.step(cue=np.radians(bearing_deg), distance=dist, n=FORM_STEPS)
        self.amp0 = self.probe.bump()[1]

    def step(
        self, cue: float | None = None, dist: float = 0.0, turn: int = 0, ahead: float = 0.0
    ) -> None:
        """One world step: the turn just made, then `ahead` cells forward, then the cue."""
        self.probe.step(cue=cue, distance=dist, turn=turn, ahead=ahead)

    def read(self, true_bearing: float) -> Reading:
        angle, amp = self.probe.bump()
        return Reading(ang(angle, true_bearing), amp / self.amp0)


def after_cue(ring: str) -> dict[int, Reading]:
    """The cue is removed and the mouse stays still: readings after each of AFTER steps."""
    run = Run(ring, 30.0)
    out = {}
    for k in range(1, max(AFTER) + 1):
        run.step()
        if k in AFTER:
            out[k] = run.read(np.radians(30.0))
    return out


def turns(ring: str, cue: bool, wait: int = 0) -> dict[int, Reading]:
    """Target straight ahead (6 cells), then k left turns of 45 deg on the spot: the true
    bearing moves by -45 deg a turn, and the bump moves by the efference copy (and the cue).
    `wait`: still steps without the cue before the first turn (the bump settles).
    Key 0: after the last turn, SETTLE more steps standing still."""
    run = Run(ring, 0.0)
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


def walk(ring: str, dist: float, bearing_deg: float, cue: bool) -> dict[int, Reading]:
    """A fixed target at `dist` cells and `bearing_deg`; the mouse steps one cell forward per
    step and tells the ring so (ahead=1). Without the cue a ring with step_gain > 0 moves its
    bump by the step's parallax; one with step_gain 0 keeps it where the target was."""
    b = np.radians(bearing_deg)
    tx, ty = dist * np.cos(b), dist * np.sin(b)
    run = Run(ring, bearing_deg, dist)
    out = {}
    for k in range(1, max(WALK) + 1):
        true = float(np.arctan2(ty, tx - k))
        run.step(cue=true if cue else None, dist=float(np.hypot(tx - k, ty)), ahead=1.0)
        if k in WALK:
            out[k] = run.read(true)
    return out


def moving(ring: str, dist: float, cue: bool) -> dict[int, Reading]:
    """A target (a predator) straight ahead at `dist` cells moves to the mouse's left at SPEED
    cells a step; the mouse stays still."""
    run = Run(ring, 0.0, dist)
    out = {}
    for k in range(1, max(MOVE) + 1):
        ty = SPEED * k
        true = float(np.arctan2(ty, dist))
        run.step(cue=true if cue else None, dist=float(np.hypot(dist, ty)))
        if k in MOVE:
            out[k] = run.read(true)
    return out


def lag(ring: str, dist: float, jump_deg: float) -> int | None:
    """With the cue on at 0 deg, the bearing jumps to `jump_deg`: world steps until the bump is
    within WITHIN degrees of it (None: not within MAX_LAG steps)."""
    run = Run(ring, 0.0, dist)
    true = np.radians(jump_deg)
    for k in range(1, MAX_LAG + 1):
        run.step(cue=true, dist=dist)
        if abs(run.read(true).error) < WITHIN:
            return k
    return None


def random_walk(ring: str, dist: float, seed: int, wait: int = 0) -> dict[int, Reading]:
    """The world's own motion, cue off: a fixed target at `dist` cells and a random bearing;
    each step the mouse turns 45 deg left or right (each with chance P_TURN) and then steps
    to the next cell along its heading (1 cell, or 1.414 on a diagonal), as on the grid.
    `wait`: still steps without the cue first (the bump settles). The walk ends when the
    mouse comes within REACHED cells of the target (there it would sense it, eat it or be
    caught); the readings stop there."""
    rng = np.random.default_rng(seed)
    b = rng.uniform(-np.pi, np.pi)
    tx, ty = dist * np.cos(b), dist * np.sin(b)
    run = Run(ring, float(np.degrees(b)), dist)
    for _ in range(wait):
        run.step()
    x = y = 0.0
    h = 0  # heading in 45 deg units, counter-clockwise from +x
    out = {}
    for k in range(1, max(PATH_STEPS) + 1):
        turn = int(rng.choice((1, -1, 0), p=(P_TURN, P_TURN, 1 - 2 * P_TURN)))
        h = (h + turn) % 8
        dx, dy = round(np.cos(h * np.pi / 4)), round(np.sin(h * np.pi / 4))
        x, y = x + dx, y + dy
        if np.hypot(tx - x, ty - y) < REACHED:
            break
        run.step(turn=turn, ahead=float(np.hypot(dx, dy)))
        if k in PATH_STEPS:
            out[k] = run.read(float(np.arctan2(ty - y, tx - x)) - h * np.pi / 4)
    return out


def paths(ring: str, dist: float, wait: int) -> dict[int, list[Reading]]:
    """random_walk over seeds 0..PATHS-1: each reading step -> the readings of the walks that
    have not reached the target by then."""
    walks = [random_walk(ring, dist, s, wait) for s in range(PATHS)]
    return {k: [w[k] for w in walks if k in w] for k in PATH_STEPS}


def measure() -> dict[str, object]:
    """Every case, as numbers (the tables and the test read these)."""
    return {
        "after": {r: after_cue(r) for r in TWO},
        "turns": {(r, c, w): turns(r, c, w) for r, c, w in TURN_CASES},
        "walk": {
            (r, d, b, c): walk(r, d, b, c)
            for c in (False, True)
            for r in (RINGS if not c else TWO)
            for d in DISTANCES
            for b in BEARINGS
        },
        "moving": {(r, d, c): moving(r, d, c) for r in RINGS for d in (3.0, 6.0) for c in (0, 1)},
        "lag": {(r, d, a): lag(r, d, a) for r in TWO for d in DISTANCES for a in JUMPS},
        "paths": {(r, d, w): paths(r, d, w) for r in MEMORY for w in (0, WAIT) for d in DISTANCES},
    }


# -- tables ------------------------------------------------------------------------------


def cell(r: Reading) -> str:
    """'error deg (amplitude %)', or the amplitude alone once the bump has faded."""
    if r.faded:
        return f"faded (<{100 * FADED:g}%)"
    return f"{deg(r.error)} ({100 * r.amp:.0f}%)"


def deg(x: float) -> str:
    """A signed angle in whole degrees; 0 for less than half a degree."""
    return "0°" if abs(x) < 0.5 else f"{x:+.0f}°"


def spread(rs: list[Reading]) -> str:
    """'median |error| / largest |error|' over the random walks (degrees)."""
    e = [abs(r.error) for r in rs]
    n = "" if len(e) == PATHS else f" ({len(e)})"
    return f"{np.median(e):.0f}° / {max(e):.0f}°{n}" if e else "-"


def table(head: list[str], rows: list[list[str]]) -> str:
    lines = ["| " + " | ".join(head) + " |", "|" + "---|" * len(head)]
    lines += ["| " + " | ".join(r) + " |" for r in rows]
    return "\n".join(lines)


def ring_name(ring: str) -> str:
    cfg = shipped_ring(ring)
    return f"J1 {cfg.J1:g}, step_gain {cfg.step_gain:g} ({ring})"


def steps(ks: tuple[int, ...], unit: str = "step") -> list[str]:
    return [f"{k} {unit}{'s' * (k > 1)}" for k in ks]


def tables(m: dict) -> dict[str, str]:
    after = table(
        ["ring", *steps(AFTER)],
        [[ring_name(r), *[cell(m["after"][r][k]) for k in AFTER]] for r in TWO],
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
                ring_name(r),
                ("on" if c else "off") + (f", {w} still steps first" if w else ""),
                *[cell(m["turns"][r, c, w][k]) for k in (*TURNS, 0)],
            ]
            for r, c, w in TURN_CASES
        ],
    )
    walks = {}
    for c in (False, True):
        rows = [
            [ring_name(r), f"{d:g}", f"{b:g}°", *[cell(m["walk"][r, d, b, c][k]) for k in WALK]]
            for r in (TWO if c else RINGS)
            for d in DISTANCES
            for b in BEARINGS
        ]
        walks[c] = table(["ring", "distance", "bearing", *steps(WALK)], rows)
    parallax = table(
        ["distance", "bearing", *steps(WALK)],
        [
            [f"{d:g}", f"{b:g}°", *[deg(true_change(d, b, k)) for k in WALK]]
            for d in DISTANCES
            for b in BEARINGS
        ],
    )
    move = table(
        ["ring", "distance", "cue", *steps(MOVE)],
        [
            [
                ring_name(r),
                f"{d:g}",
                "on" if c else "off",
                *[cell(m["moving"][r, d, c][k]) for k in MOVE],
            ]
            for r in RINGS
            for d in (3.0, 6.0)
            for c in (0, 1)
        ],
    )
    lags = table(
        ["ring", "distance", *[f"jump {a:g}°" for a in JUMPS]],
        [
            [ring_name(r), f"{d:g}", *[_steps(m["lag"][r, d, a]) for a in JUMPS]]
            for r in TWO
            for d in DISTANCES
        ],
    )
    roam = table(
        ["ring", "cue gone", "distance", *steps(PATH_STEPS)],
        [
            [
                ring_name(r),
                "just now" if w == 0 else f"{w} steps before",
                f"{d:g}",
                *[spread(m["paths"][r, d, w][k]) for k in PATH_STEPS],
            ]
            for r in MEMORY
            for w in (0, WAIT)
            for d in DISTANCES
        ],
    )
    return {
        "after": after,
        "turns": turn,
        "parallax": parallax,
        "walk_off": walks[False],
        "walk_on": walks[True],
        "moving": move,
        "lag": lags,
        "paths": roam,
    }


def worst_walk(m: dict, ring: str, cue: bool, k: int | None = None) -> float:
    """The largest |error| of this ring on the straight walks (after k steps, or any k), while
    its bump has not faded (degrees)."""
    return max(
        abs(x.error)
        for (r, _, _, c), rs in m["walk"].items()
        if r == ring and c == cue
        for j, x in rs.items()
        if (k is None or j == k) and not x.faded
    )


def path_stats(
    m: dict, ring: str, wait: int, ks: tuple[int, ...] = PATH_STEPS, stat=np.median
) -> list[float]:
    """The median (or `stat`) |error| over the random walks, one per distance and step in ks:
    the figures of the walking table's cells (degrees)."""
    return [
        float(stat([abs(x.error) for x in m["paths"][ring, d, wait][k]]))
        for d in DISTANCES
        for k in ks
        if m["paths"][ring, d, wait][k]
    ]


def true_change(dist: float, bearing_deg: float, k: int) -> float:
    """How far the true bearing of a fixed target moved after k forward steps (degrees)."""
    b = np.radians(bearing_deg)
    return ang(float(np.arctan2(dist * np.sin(b), dist * np.cos(b) - k)), b)


def _steps(k: int | None) -> str:
    return f"> {MAX_LAG}" if k is None else str(k)


# -- the page ----------------------------------------------------------------------------


def page(m: dict, t: dict[str, str]) -> str:
    a8, a2 = m["after"]["shipped"], m["after"]["no memory"]
    t8, ts = m["turns"]["shipped", False, 0], m["turns"]["shipped", False, WAIT]
    t2 = m["turns"]["no memory", False, 0]
    t8on, t2on = m["turns"]["shipped", True, 0], m["turns"]["no memory", True, 0]
    w3, w12 = m["walk"]["shipped", 3.0, 90.0, False], m["walk"]["shipped", 12.0, 90.0, False]
    o3 = m["walk"]["turns only", 3.0, 90.0, False]
    o12 = m["walk"]["turns only", 12.0, 90.0, False]
    o45 = m["walk"]["turns only", 3.0, 45.0, False]
    mv8, mvo = m["moving"]["shipped", 6.0, 0], m["moving"]["turns only", 6.0, 0]
    mv8on, mv2on = m["moving"]["shipped", 6.0, 1], m["moving"]["no memory", 6.0, 1]
    lag8, lag2 = m["lag"]["shipped", 6.0, 45.0], m["lag"]["no memory", 6.0, 45.0]
    fade2 = next((k for k in AFTER if a2[k].faded), None)
    ship = shipped_ring("shipped")
    walk8 = worst_walk(m, "shipped", False)
    last = max(PATH_STEPS)
    p_fresh = max(path_stats(m, "shipped", 0))
    p_settled = max(path_stats(m, "shipped", WAIT))
    p_fresh_max = max(path_stats(m, "shipped", 0, stat=np.max))
    p_settled_max = max(path_stats(m, "shipped", WAIT, stat=np.max))
    later = tuple(k for k in PATH_STEPS if k >= 5)
    p_only = min(min(path_stats(m, "turns only", w, later)) for w in (0, WAIT))
    p_only_max = max(max(path_stats(m, "turns only", w, stat=np.max)) for w in (0, WAIT))
    # the walks are the same for every ring (the same seeds): count those that ended early
    reached = sum(PATHS - len(m["paths"]["shipped", d, 0][last]) for d in DISTANCES)
    out = [
        "# What the ring remembers, and how well",
        "",
        "Each expert keeps its target's bearing in a ring attractor: 64 neurons, one per",
        "egocentric direction (+ = left), whose activity forms a bump where the target is",
        "([the model](model.md)). The decoded bump angle is the ring's estimate of the bearing.",
        "This page measures that estimate against the truth: how long it lasts once the",
        "target is out of sight, and how far it misses after a turn, a step forward, a walk",
        "with turns, a target that moves, or a bearing that jumps. It compares three rings:",
        "",
        f"- **{ring_name('shipped')}**: `brain.ring.J1` {ship.J1:g}, the bump holds itself up",
        f"  without a cue; `brain.ring.step_gain` {ship.step_gain:g}, the bump follows the",
        "  mouse's turns and its steps (`configs/default.yaml`).",
        f"- **{ring_name('turns only')}**: the same bump, moved by the mouse's turns only.",
        f"- **{ring_name('no memory')}**: the bump fades once the cue goes.",
        "",
        "Every figure comes from one command, which drives a single ring with the brain's own",
        "kernels, step by step, and rewrites this page (a few seconds):",
        "",
        "```bash",
        "python scripts/bearing.py --write",
        "```",
        "",
        "In the world each step is an optional 45° turn and then one cell forward; here the two",
        "are first separated so each table shows one cause of error, then put together on",
        f"random walks. Before each case the ring is cued on its target for {FORM_STEPS} steps",
        f"(the target {FORM_DIST:g} cells away unless a table names a distance). A cell reads",
        "*error (amplitude)*: the bump angle minus the true bearing (+ = the bump points left of",
        "the target), and the bump's strength as a share of what it was when the case began.",
        f"*faded* means the amplitude fell below {100 * FADED:g}%: there is no bump left to read.",
        "The shipped ring has no noise, so one run per case is the whole answer.",
        "`tests/test_bearing.py` checks the properties named below. Where the mouse takes no",
        "step, or senses the target, `step_gain` does nothing and the turns-only ring is left",
        "out.",
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
        f" {deg(ts[max(TURNS)].error)} off after {max(TURNS)} turns, a full circle. A turn in"
        " the first steps after the cue went is under-shifted: the bump is still shrinking from"
        " its cued shape, and the turn drive was calibrated on a settled bump. It is"
        f" {deg(t8[1].error)} off after one turn and {deg(t8[max(TURNS)].error)} after"
        f" {max(TURNS)}, and the error stays ({deg(t8[0].error)} after {SETTLE} still steps).",
        f"The ring without memory does not turn its bump ({deg(t2[1].error)} off after one"
        " turn: its weak recurrent weights carry too little of the turn drive), and the bump",
        "fades within a few turns anyway. With the cue on, both rings follow the cue and lag",
        f"behind it while the mouse keeps turning: the shipped ring by up to"
        f" {deg(max(t8on[k].error for k in TURNS))}, the ring without memory by up to"
        f" {deg(max(t2on[k].error for k in TURNS))}. Both catch up once the turning stops.",
        "",
        "## Forward steps: the ring walks with the mouse",
        "",
        "A target stands still at a distance and bearing; the mouse walks straight ahead one",
        "cell a step. The target's true bearing changes (parallax: a near target at the side",
        "swings behind the mouse fast). How far the true bearing moves:",
        "",
        t["parallax"],
        "",
        "The ring is told each step, as it is told each turn, and it remembers how far the",
        "target was when it last sensed it. While it only remembers the target, it works out",
        "where the target now lies from the bump's bearing, that distance and the step, and",
        "shifts its bump by the change of bearing through the same rotation drive the turns",
        "use (and updates the distance; [the model](model.md#the-bump-follows-the-mouses-steps)).",
        "The ring, cue off:",
        "",
        t["walk_off"],
        "",
        f"The shipped bump stays on the target: within {walk8:.1f}° over every walk above (a",
        f"target 3 cells away at 90° is {deg(w3[5].error)} off after 5 steps, one 12 cells away"
        f" {deg(w12[5].error)}). The turns-only bump stays where the target was, so its error",
        "is the parallax (the table above, with the sign turned):"
        f" {deg(o3[5].error)} and {deg(o12[5].error)} for the same two targets, and"
        f" {deg(o45[max(WALK)].error)} for a target 3 cells away at 45° after {max(WALK)} steps,",
        "which is then behind the mouse. The ring without memory misses by the parallax too:",
        "its weak recurrent weights carry too little of the rotation drive (as with the turns),",
        "and its bump is gone after a few steps.",
        "",
        "The same walk with the cue on (the target stays in view):",
        "",
        t["walk_on"],
        "",
        "With the cue on the bump tracks the target; the error is the lag of a bump chasing a",
        "bearing that keeps moving, largest for a near target whose bearing moves fastest.",
        "While the target is sensed the ring follows the cue alone (a step moves the bump only",
        "for a target the ring remembers but does not sense), so the shipped bump lags more",
        f"here (up to {worst_walk(m, 'shipped', True):.0f}°) than on the same walks without the",
        f"cue ({walk8:.1f}°), and more than the ring without memory"
        f" ({worst_walk(m, 'no memory', True):.0f}°): a bump",
        "that holds itself up also resists being moved.",
        "",
        "## Walking and turning",
        "",
        "The world's own motion, cue off: a target at a distance and a random bearing, and a",
        f"mouse that before each step turns 45° left or right (each with chance {P_TURN:g}) and",
        "then steps to the next cell along its heading (1.4 cells on a diagonal). Each cell",
        f"reads *median / largest* |error| over {PATHS} such walks (numpy seeds"
        f" 0-{PATHS - 1}); a walk ends when the mouse comes within {REACHED:g} cell of the",
        "target (there it would sense it), and a number in parentheses says how many walks were",
        f"still going ({reached} of the {len(DISTANCES) * PATHS} walks, the same for each ring,"
        " reached their target). *cue gone*: the target vanished just before the walk, or"
        f" {WAIT} steps before (the bump had settled).",
        "",
        t["paths"],
        "",
        f"The shipped bump stays near the target: the median error is at most {p_fresh:.0f}°"
        f" when the walk starts as the target vanishes and {p_settled:.0f}° for a settled bump.",
        f"Its largest errors ({p_fresh_max:.0f}° fresh, {p_settled_max:.0f}° settled) come from the",
        "under-shifted turns of a fresh bump (above) and from walks that pass within a cell or",
        "two of the target, where a cell of distance is many degrees of bearing. The turns-only",
        "bump misses by"
        f" {p_only:.0f}° or more in the median from 5 steps on (more for a nearer target), and",
        f"by up to {p_only_max:.0f}° on walks that pass a near target (it ends up behind the",
        "mouse while the bump points where it was).",
        "",
        "## A target that moves",
        "",
        f"A predator straight ahead walks sideways (to the mouse's left) at {SPEED:g} cells a",
        "step; the mouse stands still.",
        "",
        t["moving"],
        "",
        "With the cue off the shipped bump stays where the predator was; at 6 cells it is"
        f" {deg(mv8[20].error)} off after 20 steps (the predator moved {SPEED * 20:g} cells).",
        "The ring integrates the mouse's own motion, not the target's: the turns-only ring is",
        f"as far off ({deg(mvo[20].error)}), and a predator that moves while unseen is",
        "remembered where it was last sensed. With the cue on the bump follows, a few degrees",
        f"behind ({deg(mv8on[20].error)} at 20 steps, against {deg(mv2on[20].error)} for the",
        "ring without memory).",
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
        f" {_steps(m['lag']['shipped', 12.0, 180.0])} steps, as the old bump holds on until the",
        "new one outgrows it.",
        "",
        "## What this means for the mouse",
        "",
        "The shipped ring is a good memory of *where a still target is*, kept up to date with",
        f"the mouse's turns (to within {max(abs(ts[k].error) for k in TURNS):.0f}° once the bump"
        f" has settled, {max(abs(t8[k].error) for k in TURNS):.0f}° for turns made just as the",
        f"target vanished) and its steps (within {walk8:.1f}° walking straight past a target 3",
        f"to 12 cells away; a median of {max(p_fresh, p_settled):.0f}° or less on random walks).",
        "Without the steps (`brain.ring.step_gain` 0) the same bump misses by the parallax, tens",
        "of degrees for a near target within a few steps. The ring does not know where an",
        "unseen target goes: a predator that moves while out of sight is remembered where it",
        "was.",
        "",
        "To see it, run `mousesim play configs/maze.yaml` (walls hide the targets): while an",
        "expert's target is out of view and its ring still holds a bump, a faint dashed line in",
        "the expert's colour leaves the mouse along the remembered bearing. Watch it swing with",
        "the mouse's turns and keep pointing at the target as the mouse walks on; with",
        "`--set brain.ring.step_gain=0` it drifts away from the target instead.",
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
        "paths": f"random walks with turns, cue off: median / largest |error| over {PATHS}",
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
