"""Train-then-evaluate over seeds, next to baselines on the same seeds and maps.

For each seed: a fresh brain trains for N episodes (learning on, `Simulation.run_episode`),
then every player plays M evaluation episodes with learning off, each in a fresh world built
from that seed (same map, same first episode): scripted players through `World`, brains
through `Simulation`. Seeds are independent, so they run in a small process pool.
"""

from __future__ import annotations

import math
import multiprocessing
import os
import time
from collections.abc import Callable, Sequence
from concurrent.futures import as_completed
from dataclasses import dataclass, field

import numpy as np

from mousesim.common.config import SimConfig
from mousesim.evaluate.oracle import OraclePlanner
from mousesim.evaluate.policies import accepts_gate, with_overrides
from mousesim.evaluate.scripted import random_policy, run_policy
from mousesim.evaluate.sighted import SightedOraclePlanner
from mousesim.evaluate.stats import METRICS, combined_score, episode_metrics, mean_ci, metric_ci
from mousesim.sim.simulation import Simulation
from mousesim.world.world import World

# Every player, in table order. `learned-gate` runs only when the config schema accepts
# `mixture.gate: learned` (and the config's own gate is not already learned).
POLICIES = (
    "random",
    "predator-only",
    "cheese-only",
    "hand-wired",
    "learned",
    "learned-gate",
    "oracle",
    "sighted-oracle",
)
BRAIN_POLICIES = ("predator-only", "cheese-only", "hand-wired", "learned", "learned-gate")
SWEEP_POLICIES = ("hand-wired", "learned")

DEFAULT_CATCH_WEIGHT = 5.0


@dataclass(frozen=True)
class EvalOptions:
    """What an evaluation runs. Defaults: a full `mousesim eval` in a few minutes on 2 cores."""

    train_episodes: int = 200
    episodes: int = 200
    seeds: int = 5
    greedy: bool = False
    focus_sweep: tuple[float, ...] = ()
    catch_weight: float = DEFAULT_CATCH_WEIGHT
    policies: tuple[str, ...] = POLICIES
    workers: int = 2


@dataclass
class EvalResult:
    """Per-seed rows of every player, the focus sweep and the training curves."""

    cfg: SimConfig
    options: EvalOptions
    seeds: list[int]
    policies: list[str]  # the players that actually ran, in table order
    rows: list[dict] = field(default_factory=list)  # one per (policy, seed)
    sweep: list[dict] = field(default_factory=list)  # one per (policy, focus, seed)
    training: list[dict] = field(default_factory=list)  # one per (policy, seed, episode)
    gate_profile: list[dict] = field(default_factory=list)  # one per (seed, distance bin)
    notes: list[str] = field(default_factory=list)
    seconds: float = 0.0


def has_kind(cfg: SimConfig, kind: str) -> bool:
    return any(e.target == kind for e in cfg.brain.experts)


def plan_policies(cfg: SimConfig, opts: EvalOptions) -> tuple[list[str], bool, list[str]]:
    """(players to run, whether to run the focus sweep, notes on what was left out and why)."""
    notes: list[str] = []
    chosen = []
    # Focus and a gate only choose between kinds of expert: with one kind they change nothing.
    both = has_kind(cfg, "cheese") and has_kind(cfg, "predator")
    for name in POLICIES:
        if name not in opts.policies:
            continue
        if name in ("predator-only", "cheese-only", "learned-gate") and not both:
            notes.append(f"{name} skipped: the config has only one kind of expert")
            continue
        if name == "learned-gate":
            if cfg.mixture.gate == "learned":
                notes.append(
                    "the config's own gate is learned: learned-gate is the learned brain, and "
                    "the focus sweep plays its readouts with a fixed gate"
                )
            elif not accepts_gate(cfg, "learned"):
                continue  # this version has no learned gate yet
        chosen.append(name)
    sweep = bool(opts.focus_sweep)
    if sweep and not both:
        notes.append("focus sweep skipped: the config has only one kind of expert")
        sweep = False
    return chosen, sweep, notes


# -- one seed --------------------------------------------------------------------------


def _copy_brain(dst: Simulation, src: Simulation) -> None:
    """Everything the source brain learned (every brain array, whatever the gate mode)."""
    for src_group, dst_group in zip(src.brain, dst.brain, strict=True):
        for a, b in zip(src_group, dst_group, strict=True):
            if a.shape == b.shape:
                np.copyto(b, a)


LONG_EPISODE = 20_000  # steps: a longer episode is played in chunks of this many


def play_episode(sim: Simulation) -> dict:
    """`sim.run_episode()`, but an episode of more than LONG_EPISODE steps goes in chunks
    through the same step loop (the same bits), so that Python runs between them and a
    stop signal is honoured within a chunk, not after a million-step episode."""
    if sim.cfg.world.max_steps <= LONG_EPISODE:
        return sim.run_episode()
    sim.reset()
    while sim.in_episode:
        sim.advance(LONG_EPISODE)
    return sim.episode_row()


def _eval_brain(
    cfg: SimConfig,
    seed: int,
    episodes: int,
    greedy: bool,
    focus: float | None,
    trained: Simulation | None = None,
    gate_probe: GateProbe | None = None,
) -> list[dict]:
    """Evaluation episodes (learning off) of a brain in a fresh world from `seed`."""
    record = cfg.world.max_steps + 1 if gate_probe is not None else 0
    sim = Simulation(cfg, seed=seed, record_steps=record)
    if trained is not None:
        _copy_brain(sim, trained)
    sim.set_learning(False)
    sim.greedy = bool(greedy)
    if focus is not None:
        sim.set_focus(focus)
    rows = []
    for _ in range(episodes):
        rows.append(play_episode(sim))
        if gate_probe is not None:
            gate_probe.add(sim, rows[-1]["steps"])
    return rows


class GateProbe:
    """The predator experts' share of the gate, by distance between mouse and predator, over
    the recorded steps of evaluation episodes: does a learned gate turn to the predator when
    it comes close? Near = within NEAR cells, far = FAR cells or more (predator 0)."""

    NEAR = 3.0
    FAR = 8.0
    BINS = 16  # whole-cell distance bins 0..15; the last holds 15 cells and more

    def __init__(self) -> None:
        self.sums = {"near": 0.0, "far": 0.0}
        self.counts = {"near": 0, "far": 0}
        self.bin_sums = np.zeros(self.BINS)
        self.bin_counts = np.zeros(self.BINS, dtype=np.int64)

    def add(self, sim: Simulation, steps: int) -> None:
        from mousesim.sim.kernels import (
            N_RECORD_FIXED,
            N_RECORD_PER_EXPERT,
            R_PX,
            R_PY,
            R_X,
            R_Y,
        )

        cols = [
            N_RECORD_FIXED + N_RECORD_PER_EXPERT * k
            for k, t in enumerate(sim.expert_targets)
            if t == "predator"
        ]
        if not cols or sim.world.preds.shape[0] == 0:
            return
        rec = sim.buffers.record[1 : steps + 1]  # row t: after step t, with that step's gate
        d = np.hypot(rec[:, R_X] - rec[:, R_PX], rec[:, R_Y] - rec[:, R_PY])
        share = rec[:, cols].sum(axis=1)
        for name, mask in (("near", d <= self.NEAR), ("far", d >= self.FAR)):
            self.sums[name] += float(share[mask].sum())
            self.counts[name] += int(mask.sum())
        bins = np.minimum(np.round(d).astype(np.int64), self.BINS - 1)
        np.add.at(self.bin_sums, bins, share)
        np.add.at(self.bin_counts, bins, 1)

    def profile(self) -> list[dict]:
        """Mean predator share per whole-cell distance (rows: distance, share, steps)."""
        return [
            {"distance": b, "share": float(self.bin_sums[b] / n), "steps": int(n)}
            for b, n in enumerate(self.bin_counts)
            if n > 0
        ]

    def metrics(self) -> dict[str, float]:
        return {
            f"gate_predator_{name}": self.sums[name] / self.counts[name]
            if self.counts[name]
            else math.nan
            for name in ("near", "far")
        }


def _train(cfg: SimConfig, seed: int, episodes: int) -> tuple[Simulation, list[dict]]:
    sim = Simulation(cfg, seed=seed)
    sim.set_learning(True)
    return sim, [play_episode(sim) for _ in range(episodes)]


def evaluate_seed(
    cfg: SimConfig, seed: int, opts: EvalOptions, policies: Sequence[str], sweep: bool
) -> dict:
    """Every player on one seed: {'seed', 'rows', 'sweep', 'training', 'seconds'}."""
    t0 = time.perf_counter()
    w = opts.catch_weight
    m = opts.episodes
    focus = float(cfg.mixture.focus)
    hand_cfg = with_overrides(cfg, {"brain.init": "hand_wired"})
    rows: list[dict] = []
    training: list[dict] = []

    def add(out: list[dict], policy: str, ep_rows: list[dict], f: float | None, gate: str) -> None:
        out.append(
            {
                "policy": policy,
                "seed": seed,
                "focus": f,
                "gate": gate,
                **episode_metrics(ep_rows, w),
            }
        )

    def add_training(policy: str, ep_rows: list[dict]) -> None:
        for i, r in enumerate(ep_rows):
            training.append(
                {
                    "policy": policy,
                    "seed": seed,
                    "episode": i + 1,
                    "steps": r["steps"],
                    "cheese": r["cheese"],
                    "caught": r["caught"],
                }
            )

    learned: Simulation | None = None
    if "learned" in policies or sweep:
        learned, curve = _train(cfg, seed, opts.train_episodes)
        add_training("learned", curve)

    # A brain at a focus plays the same episodes whichever table asks (same seed, fresh world),
    # so the focus sweep reuses hand-wired at 0 / config focus / 1 and learned at config focus.
    played: dict[tuple[str, float], list[dict]] = {}

    # With a learned gate in the config, a fixed focus means the same readouts behind a fixed
    # gate (the slider alone), so the gate can be compared with every fixed focus.
    own_gate = cfg.mixture.gate == "learned"
    fixed_cfg = with_overrides(cfg, {"mixture.gate": "fixed"}) if own_gate else cfg
    probe = GateProbe()

    def brain_at(kind: str, f: float | None) -> list[dict]:
        key = (kind, -1.0 if f is None else float(f))
        if key not in played:
            if kind == "hand":
                played[key] = _eval_brain(hand_cfg, seed, m, opts.greedy, f)
            elif kind == "gate":
                played[key] = _eval_brain(cfg, seed, m, opts.greedy, None, learned, probe)
            else:
                played[key] = _eval_brain(fixed_cfg, seed, m, opts.greedy, f, trained=learned)
        return played[key]

    gate = cfg.mixture.gate
    profile: list[dict] = []
    for name in policies:
        if name == "random":
            rand = random_policy(np.random.default_rng(seed))
            add(rows, name, run_policy(World(cfg.world, seed), rand, m, seed), None, "")
        elif name in ("oracle", "sighted-oracle"):
            planner = (OraclePlanner if name == "oracle" else SightedOraclePlanner).for_world(
                cfg.world
            )
            add(rows, name, run_policy(World(cfg.world, seed), planner, m, seed), None, "")
        elif name == "cheese-only":
            add(rows, name, brain_at("hand", 1.0), 1.0, gate)
        elif name == "predator-only":
            add(rows, name, brain_at("hand", 0.0), 0.0, gate)
        elif name == "hand-wired":
            add(rows, name, brain_at("hand", focus), focus, gate)
        elif name == "learned" and own_gate:
            add(rows, name, brain_at("gate", None), None, gate)
        elif name == "learned":
            add(rows, name, brain_at("learned", focus), focus, gate)
        elif name == "learned-gate" and own_gate:
            add(rows, name, brain_at("gate", None), None, "learned")
            rows[-1].update(probe.metrics())
            profile = [{"seed": seed, **p} for p in probe.profile()]
        elif name == "learned-gate":
            gate_cfg = with_overrides(cfg, {"mixture.gate": "learned"})
            trained, curve = _train(gate_cfg, seed, opts.train_episodes)
            add_training(name, curve)
            ep = _eval_brain(gate_cfg, seed, m, opts.greedy, None, trained, probe)
            add(rows, name, ep, None, "learned")
            rows[-1].update(probe.metrics())
            profile = [{"seed": seed, **p} for p in probe.profile()]

    sweep_rows: list[dict] = []
    if sweep:
        for f in opts.focus_sweep:
            add(sweep_rows, "hand-wired", brain_at("hand", f), f, gate)
            add(sweep_rows, "learned", brain_at("learned", f), f, "fixed" if own_gate else gate)
    return {
        "seed": seed,
        "rows": rows,
        "sweep": sweep_rows,
        "training": training,
        "gate_profile": profile,
        "seconds": time.perf_counter() - t0,
    }


# -- all seeds -------------------------------------------------------------------------


# Distances 0: the default ones cannot be met on so small a map (a note on every eval).
_TINY_WORLD = {
    "size": 8,
    "max_steps": 3,
    "cheese": {"respawn_min_dist": 0},
    "predator": {"min_start_dist": 0},
}


def warmup(log: Callable[[str], None] | None = None) -> None:
    """Compile (or load) the simulation and oracle kernels once, before forking workers."""
    from mousesim.common.config import WorldConfig
    from mousesim.sim.warmup import ensure_compiled

    ensure_compiled(log)
    world = World(WorldConfig.model_validate(_TINY_WORLD), seed=0)
    run_policy(world, OraclePlanner.for_world(world.cfg), 1, seed=0)
    run_policy(world, SightedOraclePlanner.for_world(world.cfg), 1, seed=0)


def _pool_context() -> multiprocessing.context.BaseContext:
    # fork shares the parent's compiled kernels; elsewhere workers load them from numba's cache.
    methods = multiprocessing.get_all_start_methods()
    return multiprocessing.get_context("fork" if "fork" in methods else "spawn")


class SeedFailed(Exception):
    """A seed's worker process died (killed, out of memory): the evaluation cannot finish."""


def _worker_init(parent_pid: int) -> None:
    """First thing in an eval worker: a stop signal ends it (a forked worker would otherwise
    run the parent's handlers), Ctrl-C is the parent's to act on, and the worker ends when
    the parent is gone (even by SIGKILL): no orphan computes on or holds the caller's
    stdout and stderr open."""
    from mousesim.io.stop import default_in_child, start_parent_watchdog

    default_in_child()
    start_parent_watchdog(parent_pid)


def _in_workers(cfg, opts, policies, sweep, seeds, workers, report) -> None:
    """Seeds in a pool of `workers` processes. Whatever stops the evaluation (a stop signal,
    a failed seed, a worker that died) ends every worker before it returns."""
    from mousesim.io.pool import ProcessPool, WorkerDied

    pool = ProcessPool(workers, _pool_context(), _worker_init, (os.getpid(),), respawn=False)
    futures = {pool.submit(evaluate_seed, cfg, s, opts, policies, sweep): s for s in seeds}
    try:
        for fut in as_completed(futures):
            try:
                res = fut.result()
            except WorkerDied as exc:
                raise SeedFailed(
                    f"evaluation of seed {futures[fut]} failed: {exc}; nothing was written"
                ) from None
            report(res)
    except BaseException:
        pool.kill()
        pool.shutdown(wait=True)
        raise
    pool.shutdown(wait=True)


def evaluate(
    cfg: SimConfig, opts: EvalOptions, log: Callable[[str], None] | None = None
) -> EvalResult:
    """Run the whole evaluation; `log` gets one progress line per finished seed."""
    t0 = time.perf_counter()
    policies, sweep, notes = plan_policies(cfg, opts)
    seeds = [int(cfg.run.seed) + i for i in range(opts.seeds)]
    result = EvalResult(cfg=cfg, options=opts, seeds=seeds, policies=policies, notes=notes)
    warmup(log)
    workers = max(1, min(opts.workers, len(seeds), os.cpu_count() or 1))
    done: dict[int, dict] = {}

    def report(res: dict) -> None:
        done[res["seed"]] = res
        if log is not None:
            log(f"seed {res['seed']} done in {res['seconds']:.1f} s ({len(done)}/{len(seeds)})")

    if workers == 1:
        for s in seeds:
            report(evaluate_seed(cfg, s, opts, policies, sweep))
    else:
        _in_workers(cfg, opts, policies, sweep, seeds, workers, report)
    for s in seeds:  # seed order, whatever order the workers finished in
        result.rows.extend(done[s]["rows"])
        result.sweep.extend(done[s]["sweep"])
        result.training.extend(done[s]["training"])
        result.gate_profile.extend(done[s]["gate_profile"])
    result.seconds = time.perf_counter() - t0
    return result


# -- summaries -------------------------------------------------------------------------


def summarize(
    rows: Sequence[dict],
    keys: Sequence[str] = ("policy",),
    catch_weight: float | None = None,
    max_steps: int | None = None,
) -> list[dict]:
    """Mean and 95% interval over seeds of every metric, per group of `keys` (first-seen
    order). Each entry: the keys, n_seeds, and <metric>, <metric>_lo, <metric>_hi (the
    interval clipped to the metric's range, `stats.quantity_range`; the score's and the
    survival's need the `catch_weight` and `max_steps` of the evaluation)."""
    groups: dict[tuple, list[dict]] = {}
    for r in rows:
        groups.setdefault(tuple(r[k] for k in keys), []).append(r)
    out = []
    for key, group in groups.items():
        entry: dict = dict(zip(keys, key, strict=True))
        entry["n_seeds"] = len(group)
        extra = sorted(k for k in group[0] if k.startswith(("use_", "gate_predator_")))
        names = [m for m, _ in METRICS] + extra
        for metric in names:
            mean, lo, hi = metric_ci([g[metric] for g in group], metric, catch_weight, max_steps)
            entry[metric], entry[f"{metric}_lo"], entry[f"{metric}_hi"] = mean, lo, hi
        out.append(entry)
    return out


def gate_comparison(result: EvalResult) -> dict | None:
    """Learned gate against the best fixed focus of the learned brain, on the combined score
    (cheese per episode - catch_weight x caught rate), paired by seed. None without a
    learned-gate row. The best fixed focus is picked on the mean over seeds among the
    config's focus and every focus-sweep value."""
    by_seed = {r["seed"]: r["score"] for r in result.rows if r["policy"] == "learned-gate"}
    if not by_seed:
        return None
    fixed: dict[float, dict[int, float]] = {}
    for r in [*result.rows, *result.sweep]:
        if r["policy"] == "learned" and r["focus"] is not None:
            fixed.setdefault(float(r["focus"]), {})[r["seed"]] = r["score"]
    if not fixed:
        return None
    best_focus = max(fixed, key=lambda f: float(np.mean(list(fixed[f].values()))))
    best = fixed[best_focus]
    seeds = [s for s in result.seeds if s in by_seed and s in best]
    diff = mean_ci([by_seed[s] - best[s] for s in seeds])
    score_range = (-result.options.catch_weight, math.inf)  # no cheese, always caught
    if math.isnan(diff[1]):
        verdict = "cannot be judged against the best fixed focus on one seed"
    elif diff[1] > 0:
        verdict = "beats the best fixed focus"
    elif diff[2] < 0:
        verdict = "falls short of the best fixed focus"
    else:
        verdict = (
            "is within noise of the best fixed focus (the difference's 95% interval includes 0)"
        )
    return {
        "catch_weight": result.options.catch_weight,
        "learned_gate": mean_ci(list(by_seed.values()), score_range),
        "best_fixed_focus": best_focus,
        "n_fixed": len(fixed),
        "best_fixed": mean_ci(list(best.values()), score_range),
        "difference": diff,
        "verdict": verdict,
    }


__all__ = [
    "BRAIN_POLICIES",
    "POLICIES",
    "SWEEP_POLICIES",
    "EvalOptions",
    "EvalResult",
    "SeedFailed",
    "combined_score",
    "evaluate",
    "evaluate_seed",
    "gate_comparison",
    "summarize",
    "warmup",
]
