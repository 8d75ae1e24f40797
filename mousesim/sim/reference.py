"""A pure-NumPy reference of the brain: slow, plain, written apart from the kernels.

It is the test oracle for the jitted kernels (STUMPY's `naive.py` pattern) and the baseline
of `scripts/bench.py`. It uses the explicit N x N weight matrix and `numpy.tanh`/`numpy.exp`,
whatever path the jitted brain takes. The world is not re-implemented: the reference drives
the same jitted world kernels, and draws its random numbers from the same explicit streams
in the same order, so a reference run and a jitted run with one seed are the same run.
"""

from __future__ import annotations

import numpy as np

from mousesim.brain.kernels import GATE_LEARNED, GATE_TOP1, POST_BLENDED
from mousesim.rng import ACTION, NOISE, normal, uniform
from mousesim.sim.simulation import Simulation
from mousesim.world.kernels import TERMINATED, TRUNCATED, reset_world, sense, world_step


def _softmax(u: np.ndarray, beta: float) -> np.ndarray:
    z = np.exp(beta * (u - u.max()))
    return z / z.sum()


class ReferenceSimulation:
    """Same world and brain as `Simulation(cfg, seed)`, with every brain update in NumPy."""

    def __init__(self, cfg, seed: int | None = None) -> None:
        # Borrow the built world, parameters and initial readout; nothing jitted touches the
        # brain arrays below.
        base = Simulation(cfg, seed=seed)
        self.world, self.wparams, self.bp = base.world, base.wparams, base.bparams
        self.kinds, self.ranks = base.buffers.kinds, base.buffers.ranks
        n = cfg.brain.ring.neurons
        theta = 2 * np.pi * np.arange(n) / n
        diff = theta[:, None] - theta[None, :]
        ring = cfg.brain.ring
        self.theta = theta
        self.w_sym = (ring.J0 + ring.J1 * np.cos(diff)) / n
        self.w_rot = -ring.J1 * np.sin(diff) / n
        self.readout = base.brain.readout.copy()
        self.row_norm = base.brain.row_norm.copy()
        self.baseline = base.brain.baseline.copy()
        self.gate = base.brain.gate.copy()
        self.gate_bias = base.brain.gate_bias.copy()
        self.gate_w = base.brain.gate_w.copy()
        self.gate_elig = np.zeros_like(self.gate_w)
        self.gate_baseline = 0.0
        e = len(cfg.brain.experts)
        self.rates = np.zeros((e, n))
        self.elig = np.zeros((e, 3, n))
        self.last_turn = 0
        self.percept = np.zeros((e, 3))
        self.rewards = np.zeros(e)
        self.learning = base.learning
        self.greedy = base.greedy
        self.in_episode = False

    def reset(self) -> None:
        reset_world(self.world, self.wparams)
        self.rates[:] = 0.0
        self.elig[:] = 0.0
        self.gate_elig[:] = 0.0
        self.last_turn = 0
        self.in_episode = True

    def _ring(self, e: int) -> None:
        bp = self.bp
        bearing, d, vis = self.percept[e]
        if vis > 0:
            amp = bp.cue_gain / (1.0 + d / bp.cue_scale)
            cue = amp * np.exp(bp.kappa * (np.cos(self.theta - bearing) - 1.0))
        else:
            cue = np.zeros_like(self.theta)
        w = self.w_sym + bp.gamma * self.last_turn * self.w_rot
        r = self.rates[e]
        for _ in range(bp.substeps):
            noise = np.zeros_like(r)
            if bp.noise > 0:
                noise = np.array([bp.noise * normal(self.world.rng, NOISE) for _ in r])
            h = w @ r + bp.I0 + cue + noise
            r += bp.dt * (bp.r_max * np.tanh(np.maximum(h, 0.0) / bp.r_max) - r)

    def step(self) -> tuple[int, int]:
        """One world step; returns (action, world flags) like the jitted `sim_step`."""
        if not self.in_episode:
            self.reset()
        bp = self.bp
        sense(self.world, self.wparams, self.kinds, self.ranks, self.percept)
        learned = bp.gate_mode == GATE_LEARNED
        if learned:
            vis, d = self.percept[:, 2], self.percept[:, 1]
            x = np.concatenate([[1.0], np.where(vis > 0, 1.0 / (1.0 + d / bp.cue_scale), 0.0)])
            self.gate = _softmax(self.gate_w @ x + bp.gate_override * self.gate_bias, 1.0)
        for e in range(self.rates.shape[0]):
            self._ring(e)
        votes = np.einsum("kan,kn->ka", self.readout, self.rates)
        winner = int(np.argmax(self.gate))
        if bp.gate_mode == GATE_TOP1:
            drive = votes[winner]
        else:
            drive = (self.gate[:, None] * votes).sum(axis=0)
        probs = _softmax(drive, bp.beta)
        u = uniform(self.world.rng, ACTION)
        if self.greedy:
            action = int(np.argmax(drive))
        else:
            action = int(min(np.searchsorted(np.cumsum(probs), u, side="right"), 2))
        if self.learning:
            for k in range(self.rates.shape[0]):
                if bp.gate_mode == GATE_TOP1 and k != winner:
                    self.elig[k] *= bp.trace_decay  # only the acting expert takes credit
                    continue
                p = probs if bp.post == POST_BLENDED else _softmax(votes[k], bp.beta)
                post = np.eye(3)[action] - p
                if bp.gate_scaled:
                    post = post * self.gate[k]
                self.elig[k] = bp.trace_decay * self.elig[k] + np.outer(post, self.rates[k])
            if learned:
                expert_p = np.array([_softmax(v, bp.beta)[action] for v in votes])
                resp = self.gate * expert_p / (self.gate * expert_p).sum()
                self.gate_elig = bp.trace_decay * self.gate_elig + np.outer(resp - self.gate, x)
        flags = world_step(self.world, self.wparams, action, self.kinds, self.ranks, self.rewards)
        self.last_turn = 1 - action
        if self.learning:
            delta = self.rewards - self.baseline
            self.baseline += bp.baseline_alpha * delta
            self.readout += bp.learning_rate * delta[:, None, None] * self.elig
            norms = np.linalg.norm(self.readout, axis=2, keepdims=True)
            self.readout *= self.row_norm[:, :, None] / np.where(norms > 0, norms, 1.0)
            if learned:
                delta_total = self.rewards.sum() - self.gate_baseline
                self.gate_baseline += bp.baseline_alpha * delta_total
                self.gate_w = np.clip(
                    self.gate_w + bp.gate_learning_rate * delta_total * self.gate_elig,
                    -bp.gate_clip,
                    bp.gate_clip,
                )
        if flags & (TERMINATED | TRUNCATED):
            self.in_episode = False
        return action, int(flags)
