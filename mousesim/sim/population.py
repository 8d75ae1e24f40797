"""Population mode: B independent mice (own worlds, own readouts, own streams) advanced in one
jitted call, sharing the ring's geometry. For sweeps over seeds: mouse b's run is exactly the run
`Simulation(cfg, seed=seeds[b])` gives, episode for episode.
"""

from __future__ import annotations

from typing import NamedTuple

import numpy as np
from numba import njit, parallel_chunksize, prange

from mousesim.brain.kernels import BrainParams, BrainState
from mousesim.common.config import SimConfig
from mousesim.sim.kernels import StepBuffers, run_episode
from mousesim.sim.simulation import Simulation
from mousesim.world.kernels import WorldParams, WorldState


class PopWorld(NamedTuple):
    """WorldState arrays with a leading mouse axis B."""

    grid: np.ndarray
    mouse: np.ndarray
    cheese: np.ndarray
    preds: np.ndarray
    counters: np.ndarray
    starts: np.ndarray
    rng: np.ndarray
    control: np.ndarray


class PopBrain(NamedTuple):
    """BrainState arrays: the ring geometry shared, every state array with a leading B axis."""

    theta: np.ndarray
    cos_t: np.ndarray
    sin_t: np.ndarray
    w_sym: np.ndarray
    w_rot: np.ndarray
    rates: np.ndarray
    cue: np.ndarray
    h: np.ndarray
    noise: np.ndarray
    readout: np.ndarray
    row_norm: np.ndarray
    elig: np.ndarray
    baseline: np.ndarray
    gate: np.ndarray
    gate_bias: np.ndarray
    gate_w: np.ndarray
    gate_x: np.ndarray
    gate_elig: np.ndarray
    gate_baseline: np.ndarray
    votes: np.ndarray
    drive: np.ndarray
    probs: np.ndarray
    expert_probs: np.ndarray
    decoded: np.ndarray
    last_turn: np.ndarray
    driver: np.ndarray
    explore: np.ndarray
    whiskers: np.ndarray
    ring32: np.ndarray


class PopBuffers(NamedTuple):
    kinds: np.ndarray
    ranks: np.ndarray
    percept: np.ndarray
    rewards: np.ndarray
    stats: np.ndarray
    record: np.ndarray


_SHARED_BRAIN = ("theta", "cos_t", "sin_t", "w_sym", "w_rot")


@njit(cache=True)
def _one_mouse(
    pw: PopWorld,
    wp: WorldParams,
    pb: PopBrain,
    bp: BrainParams,
    pbuf: PopBuffers,
    b: int,
    learning: int,
    greedy: int,
    out: np.ndarray,
) -> None:
    ws = WorldState(
        pw.grid[b],
        pw.mouse[b],
        pw.cheese[b],
        pw.preds[b],
        pw.counters[b],
        pw.starts[b],
        pw.rng[b],
        pw.control[b],
    )
    bs = BrainState(
        pb.theta, pb.cos_t, pb.sin_t, pb.w_sym, pb.w_rot, pb.rates[b], pb.cue[b], pb.h[b],
        pb.noise[b], pb.readout[b], pb.row_norm[b], pb.elig[b], pb.baseline[b], pb.gate[b],
        pb.gate_bias[b], pb.gate_w[b], pb.gate_x[b], pb.gate_elig[b], pb.gate_baseline[b],
        pb.votes[b], pb.drive[b], pb.probs[b], pb.expert_probs[b], pb.decoded[b],
        pb.last_turn[b], pb.driver[b], pb.explore[b],
        pb.whiskers[b], pb.ring32[b],
    )  # fmt: skip
    buf = StepBuffers(
        pbuf.kinds, pbuf.ranks, pbuf.percept[b], pbuf.rewards[b], pbuf.stats[b], pbuf.record[b]
    )
    for ep in range(out.shape[1]):
        run_episode(ws, wp, bs, bp, buf, learning, greedy)
        out[b, ep, :] = buf.stats


@njit(cache=True)
def run_population(pw, wp, pb, bp, pbuf, learning, greedy, out) -> None:
    """out[b, episode, :] = episode stats of mouse b, for out.shape[1] episodes."""
    for b in range(out.shape[0]):
        _one_mouse(pw, wp, pb, bp, pbuf, b, learning, greedy, out)


@njit(cache=True, parallel=True)
def run_population_parallel(pw, wp, pb, bp, pbuf, learning, greedy, out) -> None:
    """The same on every core: mice share nothing they write, so results are identical."""
    for b in prange(out.shape[0]):
        _one_mouse(pw, wp, pb, bp, pbuf, b, learning, greedy, out)


class Population:
    """B mice, one per seed, on the same config."""

    def __init__(self, cfg: SimConfig, seeds: list[int]) -> None:
        if not seeds:
            raise ValueError("a population needs at least one seed")
        sims = [Simulation(cfg, seed=s) for s in seeds]
        if len({s.world.grid.shape for s in sims}) != 1:
            raise ValueError("all mice of a population need maps of one size")
        self.cfg = cfg
        self.seeds = list(seeds)
        self.template = sims[0]
        self.wparams, self.bparams = sims[0].wparams, sims[0].bparams
        self.world = PopWorld(
            *(np.stack([getattr(s.world, f) for s in sims]) for f in WorldState._fields)
        )
        self.brain = PopBrain(
            *(
                getattr(sims[0].brain, f)
                if f in _SHARED_BRAIN
                else np.stack([getattr(s.brain, f) for s in sims])
                for f in BrainState._fields
            )
        )
        b0 = sims[0].buffers
        self.buffers = PopBuffers(
            b0.kinds,
            b0.ranks,
            np.stack([s.buffers.percept for s in sims]),
            np.stack([s.buffers.rewards for s in sims]),
            np.stack([s.buffers.stats for s in sims]),
            np.zeros((len(sims), 0, b0.record.shape[1])),
        )
        self.learning = sims[0].learning
        self.greedy = sims[0].greedy

    def run(self, episodes: int, parallel: bool = False) -> np.ndarray:
        """Run every mouse for `episodes` episodes; returns stats [B, episodes, n_stats]
        (columns as `Simulation.buffers.stats`: steps, cheese, caught, returns..., drives...)."""
        out = np.zeros((len(self.seeds), episodes, self.buffers.stats.shape[1]))
        fn = run_population_parallel if parallel else run_population
        # Mice are handed to threads one at a time (dynamic scheduling), not in B/threads
        # fixed blocks: episode lengths differ several-fold between mice, so one thread's
        # fixed block could run long after the other's. (No effect on the serial kernel.)
        with parallel_chunksize(1):
            fn(
                self.world,
                self.wparams,
                self.brain,
                self.bparams,
                self.buffers,
                int(self.learning),
                int(self.greedy),
                out,
            )
        return out
