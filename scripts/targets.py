"""Measure the learning targets (long-run stability, walls, memory, experts, the oracle gap) and
write them to docs/targets.md.

    python scripts/targets.py                  # every section (about 2 minutes on 2 cores)
    python scripts/targets.py stability memory # only these sections (printed, not written)
    python scripts/targets.py stability --long # 3000 episodes x 10 seeds (printed)
    python scripts/targets.py stability --long --first-seed 10  # seeds 10-19 (printed)
    python scripts/targets.py --keys configs/step_gate.yaml  # with that file's keys (printed)

Sections:
- stability: the default config, seeds 0-4, 1500 episodes each, learning on throughout;
  caught rate and cheese per 250-episode window, and the drift apart from the level: each
  seed's caught-rate slope over the windows after the first.
- frozen: seeds 0-2; a copy of the brain frozen after 100k and after 1M training steps, each
  played 200 episodes with learning off (the same evaluation seed for both).
- transfer: seeds 0-9; 500 episodes on the default map without its predator, then 1000 on
  the default map with it (the brain carried over, learning on): can a learned mouse still
  learn to flee? Caught rate / cheese per 200-episode window after the switch.
- walls: `mousesim eval` on the maze and the rooms, corridors and pillars maps (line of sight
  on), 3 seeds, 200 training and 100 evaluation episodes: learned vs hand-wired vs oracle
  and the sighted oracle (the oracle's planner with only the mouse's senses).
- memory: the maze, the pillars and the corridors maps, seeds 0-4 (and a line for seeds
  0-39): the learned brain with the shipped ring and with `brain.ring.J1=2` (the bump falls
  to ~1% within 5 steps without a cue), 200 training and 100 evaluation episodes, paired by
  seed.
- experts: two chasing predators, seeds 0-19: experts [cheese, predator, predator2 (rank 1)]
  against the default two, and against the same three without a shared readout
  (predator2 without `readout: predator`); and two cheeses with a cheese2 expert that does or
  does not share the cheese readout; 200 training and 100 evaluation episodes. Then seeds 0-9
  learning for 1000 episodes: three against two experts per 100-episode window, and the share
  of the predator experts' steps the second predator's expert drove.
- oracle: `mousesim eval` on the default config, 5 seeds: learned cheese / oracle cheese.
- maps: seeds 0-4; brains trained on the default map, on the maze, and on the default map
  then the maze, each played frozen on the maze.
Score = cheese per episode - 5 x caught rate, as in `mousesim eval`.
"""

from __future__ import annotations

import argparse
import csv
import json
import subprocess
import sys
import tempfile
from concurrent.futures import ProcessPoolExecutor
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
WINDOW = 250
SECTIONS = ("stability", "frozen", "transfer", "walls", "memory", "experts", "oracle", "maps")
WALL_MAPS = ("maze", "rooms", "corridors", "pillars")


EXTRA: dict = {}  # --set KEY=VALUE: applied to every config (an A/B of a key)


def _sim(config: str | None, seed: int, overrides: dict | None = None):
    from mousesim.io.yaml_config import load_config
    from mousesim.sim.simulation import Simulation

    cfg = load_config(str(ROOT / config) if config else None, {**EXTRA, **(overrides or {})})
    return Simulation(cfg, seed=seed)


def _play_frozen(src, seed: int, episodes: int) -> tuple[float, float]:
    """Mean cheese and caught rate of a frozen copy of `src`'s brain on seed `seed`'s world."""
    from mousesim.sim.simulation import Simulation

    sim = Simulation(src.cfg, seed=seed)
    sim.load_state(src.state_dict(), rng=False)
    sim.set_learning(False)
    return sim.mean_outcome(episodes)


def score(cheese: float, caught: float) -> float:
    return cheese - 5.0 * caught


# -- stability -----------------------------------------------------------------------------
LONG = {"episodes": 1500, "seeds": 5}  # --long: 3000 episodes, 10 seeds (printed only)


def _stability_seed(seed: int) -> tuple[int, np.ndarray, float]:
    sim = _sim(None, seed)
    n = LONG["episodes"]
    rows = np.array([[r["cheese"], r["caught"]] for r in (sim.run_episode() for _ in range(n))])
    return seed, rows.reshape(-1, WINDOW, 2).mean(axis=1), float(rows[100:300, 0].mean())


def caught_slope(caught: np.ndarray) -> float:
    """Least-squares slope of the caught rate over the 250-episode windows after the first,
    per 1000 episodes. Drift is a trend across windows; a seed that sits at its own level with
    window-to-window scatter is not drifting, and its slope is near 0."""
    centers = (np.arange(len(caught)) + 0.5) * WINDOW / 1000
    return float(np.polyfit(centers[1:], caught[1:], 1)[0])


def stability(pool: ProcessPoolExecutor) -> list[str]:
    first = LONG.get("first", 0)
    res = list(pool.map(_stability_seed, range(first, first + LONG["seeds"])))
    heads = [f"{i * WINDOW + 1}-{(i + 1) * WINDOW}" for i in range(LONG["episodes"] // WINDOW)]
    out = [
        "| seed | " + " | ".join(heads) + " | cheese last / 101-300 |",
        "|---" * (len(heads) + 2) + "|",
    ]
    met = 0
    for seed, w, early in res:
        cells = [f"{c:.2f} / {k:.1f}" for k, c in w]
        ratio = w[-1, 0] / early if early > 0 else float("nan")
        ok = w[1:, 1].max() <= 0.20 and ratio >= 0.9
        met += ok
        out.append(f"| {seed} | " + " | ".join(cells) + f" | {ratio:.2f} |")
    out.append("")
    out.append(
        f"Cells: caught rate / cheese per episode in each 250-episode window. Target: after episode "
        f"250 no window caught above 0.20, and the last window's cheese at least 0.9 x episodes "
        f"101-300. Seeds meeting both: {met} of {len(res)}."
    )
    slopes = [caught_slope(w[:, 1]) for _, w, _ in res]
    levels = [w[1:, 1].mean() for _, w, _ in res]
    out.append("")
    out.append(
        f"Drift: the slope of each seed's caught rate over the windows after the first is "
        f"{np.mean(slopes):+.3f} per 1000 episodes on average ({min(slopes):+.3f} to "
        f"{max(slopes):+.3f}); each seed's mean caught rate over those windows is "
        f"{min(levels):.2f} to {max(levels):.2f}."
    )
    return out


# -- frozen brains after 100k and 1M steps -------------------------------------------------
def _frozen_seed(seed: int) -> tuple[int, tuple, tuple]:
    sim = _sim(None, seed)
    steps, marks = 0, {}
    for mark in (100_000, 1_000_000):
        while steps < mark:
            steps += sim.run_episode()["steps"]
        marks[mark] = _play_frozen(sim, 10_000 + seed, 200)
    return seed, marks[100_000], marks[1_000_000]


def frozen(pool: ProcessPoolExecutor) -> list[str]:
    res = list(pool.map(_frozen_seed, range(3)))
    out = ["| seed | after 100k: cheese / caught | after 1M: cheese / caught |", "|---|---|---|"]
    for seed, a, b in res:
        out.append(f"| {seed} | {a[0]:.2f} / {a[1]:.2f} | {b[0]:.2f} / {b[1]:.2f} |")
    a = np.mean([r[1] for r in res], axis=0)
    b = np.mean([r[2] for r in res], axis=0)
    out.append(f"| mean | {a[0]:.2f} / {a[1]:.2f} | {b[0]:.2f} / {b[1]:.2f} |")
    out.append("")
    out.append("Each brain frozen and played 200 episodes with learning off on seed 10000 + seed.")
    return out


# -- a predator appears: what was learned without one must not stop the mouse learning to flee
def _transfer_seed(seed: int) -> tuple[int, np.ndarray]:
    calm = _sim(None, seed, {"world.predator.count": 0})
    for _ in range(500):
        calm.run_episode()
    sim = _sim(None, seed)
    sim.load_state(calm.state_dict(), rng=False)
    rows = np.array([[r["caught"], r["cheese"]] for r in (sim.run_episode() for _ in range(1000))])
    return seed, rows.reshape(-1, 200, 2).mean(axis=1)


def transfer(pool: ProcessPoolExecutor) -> list[str]:
    res = list(pool.map(_transfer_seed, range(10)))
    heads = [f"{i * 200 + 1}-{(i + 1) * 200}" for i in range(5)]
    out = ["| seed | " + " | ".join(heads) + " |", "|---" * (len(heads) + 1) + "|"]
    for seed, w in res:
        out.append(f"| {seed} | " + " | ".join(f"{c:.2f} / {k:.1f}" for c, k in w) + " |")
    learned = sum(w[-1, 0] <= 0.3 for _, w in res)
    out.append("")
    out.append(f"Cells: caught rate / cheese per episode after the predator appears. Seeds whose "
               f"last window is caught at most 0.30: {learned} of {len(res)}.")  # fmt: skip
    return out


# -- walled maps through `mousesim eval` ------------------------------------------------------
def _eval_table(config: str, seeds: int, train: int, episodes: int) -> dict[str, dict]:
    with tempfile.TemporaryDirectory() as tmp:
        out = Path(tmp) / "eval"
        cmd = [sys.executable, "-m", "mousesim", "eval", str(ROOT / config), "--seeds", str(seeds),
               "--train-episodes", str(train), "--episodes", str(episodes), "--out", str(out),
               "--quiet"]  # fmt: skip
        for key, value in EXTRA.items():
            cmd += ["--set", f"{key}={json.dumps(value)}"]  # JSON is YAML: None -> null
        subprocess.run(cmd, check=True, cwd=ROOT, stdout=subprocess.DEVNULL)
        with open(out / "summary.csv", newline="") as f:
            rows = [r for r in csv.DictReader(f) if r["table"] == "policies"]
    return {r["policy"]: {k: float(r[k]) for k in ("cheese_per_episode", "caught_rate", "score")}
            for r in rows}  # fmt: skip


def walls(pool: ProcessPoolExecutor) -> list[str]:
    out = ["| map | learned: cheese / caught / score | hand-wired | oracle | sighted oracle | caught <= oracle + 0.15 | caught <= sighted oracle + 0.15 | score >= hand-wired |",
           "|---|---|---|---|---|---|---|---|"]  # fmt: skip
    for name in WALL_MAPS:
        t = _eval_table(f"configs/{name}.yaml", 3, 200, 100)
        cells = []
        for p in ("learned", "hand-wired", "oracle", "sighted-oracle"):
            r = t[p]
            cells.append(
                f"{r['cheese_per_episode']:.2f} / {r['caught_rate']:.2f} / {r['score']:.2f}"
            )
        caught = t["learned"]["caught_rate"]
        checks = (
            caught <= t["oracle"]["caught_rate"] + 0.15,
            caught <= t["sighted-oracle"]["caught_rate"] + 0.15,
            t["learned"]["score"] >= t["hand-wired"]["score"],
        )
        out.append(
            f"| {name} | " + " | ".join(cells) + " | "
            + " | ".join("yes" if c else "no" for c in checks) + " |"
        )  # fmt: skip
    out.append("")
    out.append("`mousesim eval configs/MAP.yaml --seeds 3 --train-episodes 200 --episodes 100`: "
               "means over seeds. The oracle reads the whole world, through walls; the sighted "
               "oracle plans the same way with only what the mouse senses (and a memory of it): "
               "see [RESULTS.md](RESULTS.md).")  # fmt: skip
    return out


# -- memory ablation and expert count: train, freeze, evaluate --------------------------------
def _train_eval(args: tuple) -> tuple[float, float]:
    config, seed, overrides = args
    sim = _sim(config, seed, overrides)
    for _ in range(200):
        sim.run_episode()
    return _play_frozen(sim, seed, 100)


def _paired(pool, config: str | None, a: dict, b: dict, seeds=range(5)) -> list[tuple]:
    ra = list(pool.map(_train_eval, [(config, s, a) for s in seeds]))
    rb = list(pool.map(_train_eval, [(config, s, b) for s in seeds]))
    return [(s, x, y) for s, x, y in zip(seeds, ra, rb, strict=True)]


def _paired_lines(label_a: str, label_b: str, pairs: list[tuple]) -> list[str]:
    out = [f"| seed | {label_a}: cheese / caught / score | {label_b}: cheese / caught / score |",
           "|---|---|---|"]  # fmt: skip
    for s, x, y in pairs:
        out.append(
            f"| {s} | {x[0]:.2f} / {x[1]:.2f} / {score(*x):.2f} | {y[0]:.2f} / {y[1]:.2f} / {score(*y):.2f} |"
        )
    sa = np.mean([score(*x) for _, x, _ in pairs])
    sb = np.mean([score(*y) for _, _, y in pairs])
    wins = sum(score(*x) > score(*y) for _, x, y in pairs)
    out.append(f"| mean | {sa:.2f} | {sb:.2f} |")
    out.append("")
    out.append(
        f"{label_a} better on {wins} of {len(pairs)} seeds; mean score {sa:.2f} vs {sb:.2f}."
    )
    return out


def memory(pool: ProcessPoolExecutor) -> list[str]:
    out: list[str] = []
    for name in ("maze", "pillars", "corridors"):
        out.append(f"**{name}** (`configs/{name}.yaml`)")
        out.append("")
        pairs = _paired(pool, f"configs/{name}.yaml", {}, {"brain.ring.J1": 2.0}, range(40))
        out += _paired_lines("memory (J1 8)", "no memory (J1 2)", pairs[:5])
        # Five seeds are the target's; forty say how often a seed's memory pays.
        a = np.array([score(*x) for _, x, _ in pairs])
        b = np.array([score(*y) for _, _, y in pairs])
        out.append(
            f"Seeds 0-39: memory better on {int((a > b).sum())} of 40; mean score "
            f"{a.mean():.2f} vs {b.mean():.2f}."
        )
        out.append("")
    return out


def experts(pool: ProcessPoolExecutor) -> list[str]:
    two = {"brain.experts": [{"name": "cheese", "target": "cheese", "rank": 0},
                             {"name": "predator", "target": "predator", "rank": 0}]}  # fmt: skip
    own = {"brain.experts": [*two["brain.experts"],
                             {"name": "predator2", "target": "predator", "rank": 1}]}  # fmt: skip
    config, seeds = "configs/two_predators.yaml", range(20)
    three = list(pool.map(_train_eval, [(config, s, {}) for s in seeds]))
    runs = {
        name: list(pool.map(_train_eval, [(config, s, over) for s in seeds]))
        for name, over in (("two", two), ("unshared", own))
    }
    out = _paired_lines(
        "three experts", "two experts", list(zip(seeds, three, runs["two"], strict=True))
    )
    out += ["", "The same three experts without `readout: predator` (each predator expert "
            "learns its own readout from its own share of the steps):", ""]  # fmt: skip
    out += _paired_lines(
        "shared", "unshared", list(zip(seeds, three, runs["unshared"], strict=True))
    )
    # The same choice for a second cheese: two pieces on the default field, experts [cheese,
    # cheese2 (rank 1), predator], cheese2 with and without `readout: cheese`.
    cheese2 = {"name": "cheese2", "target": "cheese", "rank": 1}
    first, pred = two["brain.experts"]
    pair = [
        list(pool.map(_train_eval, [(None, s, over) for s in seeds]))
        for over in (
            {"world.cheese.count": 2, "brain.experts": [first, {**cheese2, "readout": "cheese"}, pred]},
            {"world.cheese.count": 2, "brain.experts": [first, cheese2, pred]},
        )
    ]  # fmt: skip
    out += ["", "Two cheeses (`world.cheese.count: 2`, default config), experts [cheese, cheese2 "
            "(rank 1), predator], cheese2 with and without `readout: cheese`:", ""]  # fmt: skip
    out += _paired_lines("shared", "unshared", list(zip(seeds, *pair, strict=True)))
    return [*out, "", *_experts_curve(pool, two)]


CURVE = 1000  # episodes of the experts' learning curve
CURVE_WINDOW = 100


def _curve_seed(args: tuple) -> tuple[np.ndarray, np.ndarray]:
    """(overrides, seed, episodes): score per 100-episode window, learning on throughout, and
    the share of the predator experts' steps that the second-nearest predator's expert drove
    (0 with two experts)."""
    overrides, seed, episodes = args
    sim = _sim("configs/two_predators.yaml", seed, overrides)
    rows = [sim.run_episode() for _ in range(episodes)]
    scores = np.array([score(r["cheese"], r["caught"]) for r in rows])
    second = np.array([r.get("use_predator2", 0.0) * r["steps"] for r in rows])
    both = np.array([r["use_predator"] * r["steps"] for r in rows]) + second
    windows = (-1, CURVE_WINDOW)
    share = second.reshape(windows).sum(1) / np.maximum(both.reshape(windows).sum(1), 1.0)
    return scores.reshape(windows).mean(1), share


def _experts_curve(pool: ProcessPoolExecutor, two: dict) -> list[str]:
    # Does the third expert's cost last? The same two worlds learning for CURVE episodes.
    seeds = range(10)
    three = list(pool.map(_curve_seed, [({}, s, CURVE) for s in seeds]))
    base = list(pool.map(_curve_seed, [(two, s, CURVE) for s in seeds]))
    a = np.array([x for x, _ in three])
    b = np.array([x for x, _ in base])
    share = np.mean([u for _, u in three], axis=0)
    heads = [f"{i * CURVE_WINDOW + 1}-{(i + 1) * CURVE_WINDOW}" for i in range(a.shape[1])]
    late = slice(a.shape[1] // 2, None)
    return [
        f"Learning on for {CURVE} episodes (seeds {seeds[0]}-{seeds[-1]}), score per "
        f"{CURVE_WINDOW}-episode "
        "window, and how many of the predator experts' steps the second-nearest predator's "
        "expert drove:",
        "",
        "| | " + " | ".join(heads) + " |",
        "|---" * (len(heads) + 1) + "|",
        "| three experts | " + " | ".join(f"{v:.2f}" for v in a.mean(0)) + " |",
        "| two experts | " + " | ".join(f"{v:.2f}" for v in b.mean(0)) + " |",
        "| three better (seeds) | " + " | ".join(str(int(v)) for v in (a > b).sum(0)) + " |",
        "| predator2's share | " + " | ".join(f"{v:.2f}" for v in share) + " |",
        "",
        f"Episodes {late.start * CURVE_WINDOW + 1}-{CURVE}: three experts {a[:, late].mean():.2f}, "
        f"two {b[:, late].mean():.2f}; better on {int((a[:, late].mean(1) > b[:, late].mean(1)).sum())} "
        f"of {len(seeds)} seeds.",
    ]


def oracle(pool: ProcessPoolExecutor) -> list[str]:
    t = _eval_table("configs/default.yaml", 5, 200, 200)
    lc, oc = t["learned"]["cheese_per_episode"], t["oracle"]["cheese_per_episode"]
    return [
        "| learned cheese | oracle cheese | ratio | learned caught |",
        "|---|---|---|---|",
        f"| {lc:.2f} | {oc:.2f} | {lc / oc:.2f} | {t['learned']['caught_rate']:.2f} |",
        "",
        "`mousesim eval configs/default.yaml --seeds 5 --train-episodes 200 --episodes 200`. "
        "Target: ratio >= 0.6 with caught <= 0.15.",
    ]


# -- a brain moved between maps --------------------------------------------------------------
def _maps_seed(seed: int) -> list[tuple[float, float]]:
    """The maze played frozen (100 episodes) by brains trained 200 episodes on the default
    map, on the maze, and on the default map and then 200 more on the maze."""
    dflt = _sim(None, seed)
    for _ in range(200):
        dflt.run_episode()
    maze = _sim("configs/maze.yaml", seed)
    for _ in range(200):
        maze.run_episode()
    both = _sim("configs/maze.yaml", seed)
    both.load_state(dflt.state_dict(), rng=False)
    for _ in range(200):
        both.run_episode()
    out = []
    for brain in (dflt, maze, both):
        frozen = _sim("configs/maze.yaml", seed)
        frozen.load_state(brain.state_dict(), rng=False)
        frozen.set_learning(False)
        out.append(frozen.mean_outcome(100))
    return out


def maps(pool: ProcessPoolExecutor) -> list[str]:
    res = np.array(list(pool.map(_maps_seed, range(5))))  # seeds x brains x (cheese, caught)
    out = ["| trained on | cheese / caught / score on the maze |", "|---|---|"]
    names = ("the default map (200 episodes)", "the maze (200 episodes)",
             "the default map, then the maze (200 + 200)")  # fmt: skip
    for i, name in enumerate(names):
        c, k = res[:, i].mean(axis=0)
        out.append(f"| {name} | {c:.2f} / {k:.2f} / {score(c, k):.2f} |")
    out += ["", "Means over seeds 0-4; each brain frozen and played 100 episodes on the maze "
            "(seeds as in the other sections). Does going on learning behind walls unlearn "
            "what the open field taught? Compare the last row with the first two."]  # fmt: skip
    return out


TITLES = {
    "stability": "Long-run stability (default config, learning on for 1500 episodes)",
    "frozen": "A brain frozen after 100k and after 1M steps (default config)",
    "transfer": "A predator appears: learned without one, then with it",
    "walls": "Walled maps: learned vs hand-wired vs oracle",
    "memory": "Does the ring's memory pay? (learned brain, with and without a persistent bump)",
    "experts": "Two predators: a third expert for the second-nearest predator",
    "oracle": "Default config: the learned mouse against the oracle",
    "maps": "A brain moved between maps: the open field, then the maze",
}


def _init_worker(extra: dict, long: dict) -> None:
    EXTRA.update(extra)
    LONG.update(long)


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("sections", nargs="*", choices=[*SECTIONS, []], help="default: all")
    ap.add_argument(
        "--set",
        action="append",
        default=[],
        metavar="KEY=VALUE",
        help="override a config key everywhere (printed only, docs not written)",
    )
    ap.add_argument(
        "--keys",
        action="append",
        default=[],
        metavar="CONFIG",
        help="a config file's keys on top of every config, before --set (e.g. "
        "configs/step_gate.yaml; printed only)",
    )
    ap.add_argument(
        "--long",
        action="store_true",
        help="stability over 3000 episodes and 10 seeds (printed only)",
    )
    ap.add_argument(
        "--first-seed",
        type=int,
        default=0,
        metavar="S",
        help="stability on seeds S, S+1, ... instead of 0, 1, ... (printed only)",
    )
    args = ap.parse_args()

    from mousesim.common.errors import ConfigError
    from mousesim.io.yaml_config import dotted_keys, load_config, parse_override, read_yaml

    LONG["first"] = args.first_seed
    if args.long:
        LONG.update(episodes=3000, seeds=10)
    for path in args.keys:
        try:
            data, _ = read_yaml(path)
        except ConfigError as exc:
            raise SystemExit(f"targets.py: --keys {exc}") from None
        if not isinstance(data, dict):
            raise SystemExit(f"targets.py: --keys {path}: not a config (a mapping of sections)")
        EXTRA.update(dotted_keys(data))
    try:  # a malformed --set, a typo or a bad value is refused here, not by each worker
        EXTRA.update(parse_override(item) for item in args.set)
        load_config(None, EXTRA)
    except ConfigError as exc:
        raise SystemExit(f"targets.py: {exc}") from None
    chosen = args.sections or list(SECTIONS)
    parts = [
        "# Learning targets",
        "",
        "Generated by `python scripts/targets.py`; do not edit by hand. Each section says how "
        "it was measured; the figures are this version's, weak spots included.",
        "",
    ]
    with ProcessPoolExecutor(
        2, initializer=_init_worker, initargs=(dict(EXTRA), dict(LONG))
    ) as pool:
        for name in chosen:
            lines = globals()[name](pool)
            print(f"## {TITLES[name]}\n" + "\n".join(lines) + "\n", flush=True)
            parts += [f"## {TITLES[name]}", "", *lines, ""]
    if not (args.sections or args.set or args.keys or args.long or args.first_seed):
        (ROOT / "docs" / "targets.md").write_text("\n".join(parts).rstrip() + "\n")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
