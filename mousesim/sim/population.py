"""Population mode: B independent mice (own worlds, own readouts, own streams) advanced in one
jitted call, sharing the ring's geometry. For sweeps over seeds: mouse b's run is exactly the run
`Simulation(cfg, seed=seeds[b])` gives, episode for episode.
"""

from __future__ import annotations

import numpy as np
from numba import njit, parallel_chunksize, prange, types
from numba.extending import overload

from mousesim.brain.kernels import BrainParams, BrainState
from mousesim.common.config import SimConfig
from mousesim.sim.kernels import StepBuffers, run_episode
from mousesim.sim.simulation import Simulation
from mousesim.world.kernels import WorldParams, WorldState


def mouse_row(group: tuple, b: int) -> tuple:
    """Mouse b's view of a population's group: the same named tuple with row b of every array
    (no copy). One function for every group, so a field added to a group needs no change here."""
    return type(group)(*(a[b] for a in group))


@overload(mouse_row)
def _mouse_row_jit(group, b):
    """The jitted mouse_row, written out for the group's own fields (`group[0][b], ...`)."""
    if not isinstance(group, types.BaseNamedTuple):
        return None
    rows = ", ".join(f"group[{i}][b]" for i in range(len(group)))
    scope = {"group_type": group.instance_class}
    exec(f"def impl(group, b):\n    return group_type({rows})\n", scope)
    return scope["impl"]


@njit(cache=True)
def _one_mouse(
    pw: WorldState,
    wp: WorldParams,
    pb: BrainState,
    bp: BrainParams,
    pbuf: StepBuffers,
    b: int,
    learning: int,
    greedy: int,
    out: np.ndarray,
) -> None:
    ws = mouse_row(pw, b)
    bs = BrainState(
        pb.geometry,
        mouse_row(pb.ring, b),
        mouse_row(pb.readout, b),
        mouse_row(pb.motor, b),
        mouse_row(pb.gate, b),
        mouse_row(pb.explore, b),
    )
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


# numba's parallel loop hands the loop body a tuple of arrays or of scalars that is an argument
# of its function, not a tuple of tuples: the brain's groups come in one by one and are put
# together again inside the loop.
@njit(cache=True, parallel=True)
def _run_parallel(
    pw, wp, geometry, ring, readout, motor, gate, explore,
    ring_p, readout_p, explore_p, gate_p, gate_learning_p, pbuf, learning, greedy, out,
) -> None:  # fmt: skip
    for b in prange(out.shape[0]):
        brain = BrainState(geometry, ring, readout, motor, gate, explore)
        params = BrainParams(ring_p, readout_p, explore_p, gate_p, gate_learning_p)
        _one_mouse(pw, wp, brain, params, pbuf, b, learning, greedy, out)


def run_population_parallel(pw, wp, pb, bp, pbuf, learning, greedy, out) -> None:
    """The same on every core: mice share nothing they write, so results are identical."""
    _run_parallel(pw, wp, *pb, *bp, pbuf, learning, greedy, out)


def _stacked(groups: list) -> tuple:
    """One group of B mice: each array of `groups` (one group per mouse) stacked on a new
    leading axis."""
    return type(groups[0])(*(np.stack(arrays) for arrays in zip(*groups, strict=True)))


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
        # The same state types as one mouse's, with a leading mouse axis B on every array
        # but the rings' geometry and the experts' kinds and ranks (one for all).
        self.world = _stacked([s.world for s in sims])
        groups = zip(BrainState._fields, zip(*(s.brain for s in sims), strict=True), strict=True)
        self.brain = BrainState(
            *(mice[0] if name == "geometry" else _stacked(list(mice)) for name, mice in groups)
        )
        b0 = sims[0].buffers
        self.buffers = StepBuffers(
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
