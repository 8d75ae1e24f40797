"""A pure-NumPy reference of the brain: slow, plain, written apart from the kernels.

It is the test oracle for the jitted kernels (STUMPY's `naive.py` pattern) and the baseline
of `scripts/bench.py`. It uses the explicit N x N weight matrix and `numpy.tanh`/`numpy.exp`,
whatever path the jitted brain takes. The world is not re-implemented: the reference drives
the same jitted world kernels, and draws its random numbers from the same explicit streams
in the same order, so a reference run and a jitted run with one seed are the same run.
"""

from __future__ import annotations

import numpy as np

from mousesim.brain.kernels import (
    BASELINE_RETURN,
    BASELINE_TD,
    FEATURES_LOOMING,
    GATE_LEARNED,
    GATE_TOP1,
    GRADIENT_EXACT,
    POST_BLENDED,
    POST_RESPONSIBLE,
    ROUTE_SAMPLE,
)
from mousesim.jit.rng import ACTION, NOISE, normal, uniform
from mousesim.sim.simulation import Simulation
from mousesim.world.escape import escape_action, look_ahead
from mousesim.world.kernels import (
    ATE,
    BLOCKED,
    CTRL_MOUSE,
    KIND_CHEESE,
    KIND_PREDATOR,
    NO_CONTROL,
    TERMINATED,
    TRUNCATED,
    feel_walls,
    reset_world,
    sense,
    world_step,
)


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
        readout, gate = base.brain.readout, base.brain.gate
        self.readout = readout.weights.copy()
        self.row_norm = readout.row_norm.copy()
        self.baseline = readout.baseline.copy()
        self.sighted = readout.sighted.copy()
        self.owner = readout.owner.copy()
        self.foresees = readout.foresees.astype(bool)
        self.trust = readout.trust.copy()
        self.trust_elig = np.zeros_like(self.trust)
        self.gate = gate.share.copy()
        self.gate_bias = gate.bias.copy()
        self.gate_w = gate.weights.copy()
        self.gate_elig = np.zeros_like(self.gate_w)
        self.gate_baseline = gate.baseline.copy()
        self.critic_trace = np.zeros_like(self.gate_baseline)
        self.pending = np.zeros(3)  # td: (R, V(x), waiting) of the step before this choice
        e = len(cfg.brain.experts)
        self.rates = np.zeros((e, n))
        self.elig = np.zeros((e, 3, n))
        self.last_turn = 0
        self.last_step = np.zeros(2)
        self.distance = np.full(e, -1.0)
        self.percept = np.zeros((e, 3))
        self.rewards = np.zeros(e)
        self.progress = 0.0
        self.startle = 0
        self.threat = 0.0
        self.loom = np.zeros(e)
        self.whiskers = np.zeros(3)
        self.ahead = np.zeros(3)
        self.beta = self.bp.explore.beta
        self.learning = base.learning
        self.greedy = base.greedy
        self.in_episode = False

    def _set_beta(self) -> None:
        xp = self.bp.explore
        beta = xp.beta
        if xp.adaptive:
            level = min(max(self.progress / xp.progress_ref, 0.0), 1.0)
            level = max(level, self.threat)
            beta = xp.beta_min + (xp.beta - xp.beta_min) * level
        self.beta = min(beta, xp.startle_beta) if self.startle > 0 else beta

    def reset(self) -> None:
        reset_world(self.world, self.wparams)
        self.rates[:] = 0.0
        self.elig[:] = 0.0
        self.trust_elig[:] = 0.0
        self.gate_elig[:] = 0.0
        self.critic_trace[:] = 0.0
        self.pending[:] = 0.0
        self.last_turn = 0
        self.last_step[:] = 0.0
        self.distance[:] = -1.0
        self.progress = 0.0
        self.startle = 0
        self.threat = 0.0
        self.loom = np.zeros(self.rates.shape[0])
        self._set_beta()
        self._perceive()
        self.in_episode = True

    def _perceive(self) -> None:
        sense(self.world, self.wparams, self.kinds, self.ranks, self.percept)
        xp = self.bp.explore
        feel_walls(self.world, self.wparams, xp.whisker_reach, self.whiskers)
        if xp.lookahead_radius > 0:  # the same jitted look-ahead: it reads the world
            look_ahead(
                self.world, self.wparams, xp.lookahead_radius, xp.lookahead_depth, self.ahead
            )
        drives = self._drives()
        for e in range(self.rates.shape[0]):
            self._ring(e, drives[e])

    def _drives(self) -> np.ndarray:
        """Each ring's rotation drive: the turn, and for a remembered target the parallax of
        the step (`ring_drives` in brain/kernels.py)."""
        rp = self.bp.ring
        drives = np.full(self.rates.shape[0], rp.rot_turn * self.last_turn)
        vec = self.rates @ np.exp(1j * self.theta)  # the bump before this step's update
        for e in range(self.rates.shape[0]):
            _, d, vis = self.percept[e]
            if vis > 0:
                self.distance[e] = d
                continue
            if rp.step_gain == 0 or self.distance[e] < 0 or abs(vec[e]) / len(self.theta) <= 1e-3:
                continue
            phi = np.angle(vec[e]) - self.last_turn * np.pi / 4
            x = self.distance[e] * np.cos(phi) - self.last_step[0]
            y = self.distance[e] * np.sin(phi) - self.last_step[1]
            if np.hypot(x, y) < 0.5:
                self.distance[e] = -1.0
                continue
            self.distance[e] = np.hypot(x, y)
            shift = (np.arctan2(y, x) - phi + np.pi) % (2 * np.pi) - np.pi
            drives[e] += rp.step_gain * rp.rot_rad * np.clip(shift, -np.pi / 2, np.pi / 2)
        return drives

    def _ring(self, e: int, drive: float) -> None:
        rp = self.bp.ring
        bearing, d, vis = self.percept[e]
        if vis > 0:
            amp = rp.cue_gain / (1.0 + d / rp.cue_scale)
            cue = amp * np.exp(rp.kappa * (np.cos(self.theta - bearing) - 1.0))
        else:
            cue = np.zeros_like(self.theta)
        w = self.w_sym + drive * self.w_rot
        r = self.rates[e]
        for _ in range(rp.euler_steps):
            noise = np.zeros_like(r)
            if rp.noise > 0:
                noise = np.array([rp.noise * normal(self.world.rng, NOISE) for _ in r])
            h = w @ r + rp.I0 + cue + noise
            r += rp.dt * (rp.r_max * np.tanh(np.maximum(h, 0.0) / rp.r_max) - r)

    def _features(self) -> np.ndarray:
        gp = self.bp.gate
        vis, d = self.percept[:, 2] > 0, self.percept[:, 1]
        if gp.features == FEATURES_LOOMING:
            memory = np.where(vis, gp.loom_memory_seen, gp.loom_memory)
            feat = np.where(vis & (d <= gp.loom_radius), 1.0, memory * self.loom)
            self.loom = feat
        else:
            feat = np.where(vis, 1.0 / (1.0 + d / self.bp.ring.cue_scale), 0.0)
        threat = feat[self.kinds == gp.calm_kind]
        calm = 1.0 - (threat.max() if threat.size else 0.0)
        return np.concatenate([[calm], feat])

    def _learned_gate(self, x: np.ndarray) -> np.ndarray:
        gp = self.bp.gate
        q = gp.floor + (1.0 - len(self.gate) * gp.floor) * _softmax(self.gate_w @ x, 1.0)
        with np.errstate(invalid="ignore"):
            s = np.where(
                np.isneginf(self.gate_bias),
                0.0 if gp.override > 0 else 1.0,
                np.exp(gp.override * self.gate_bias),
            )
        g = q * s
        return g / g.sum()

    def _critic_features(self, x: np.ndarray) -> np.ndarray:
        """x' of the gate's critic: its own constant (c_0 x 1) whatever x_0 is (the calm
        feature), then x_1..x_E; (1, 0, ..., 0) with gate_critic off."""
        if self.bp.gate_learning.critic:
            return np.concatenate([[1.0], x[1:]])
        return np.eye(len(x))[0]

    def _move_gate(self, delta: float) -> None:
        gl = self.bp.gate_learning
        self.gate_w = np.clip(
            self.gate_w + gl.learning_rate * delta * self.gate_elig, -gl.clip, gl.clip
        )

    def _td_step(self, delta: float) -> None:
        """gate_baseline td: the critic c += rate delta x'_t and the gate V += eta_g delta e_g."""
        self.gate_baseline += self.bp.gate_learning.baseline_rate * delta * self.critic_trace
        self._move_gate(delta)

    def step(self) -> tuple[int, int]:
        """One world step; returns (action, world flags) like one step of the jitted
        `run_steps`."""
        if not self.in_episode:
            self.reset()
        lp, xp, gp, gl = self.bp.readout, self.bp.explore, self.bp.gate, self.bp.gate_learning
        learned = gp.mode == GATE_LEARNED
        x = self._features()
        if learned:
            self.gate = self._learned_gate(x)
            if gl.baseline == BASELINE_TD and self.pending[2] > 0:
                # The step before learns from delta = R + gamma V(this context) - V(its own)
                # (dropped with learning off).
                if self.learning:
                    value = self.gate_baseline @ self._critic_features(x)
                    self._td_step(self.pending[0] + gl.discount * value - self.pending[1])
                self.pending[2] = 0.0
        votes = np.einsum("kan,kn->ka", self.readout, self.rates)
        votes[self.foresees] += self.trust[self.foresees, None] * self.ahead
        winner = int(np.argmax(self.gate))
        if gp.mode == GATE_TOP1:
            drive = votes[winner]
        else:
            drive = (np.where(self.gate > 0, self.gate, 0.0)[:, None] * votes).sum(axis=0)
        if gp.mode != GATE_TOP1 and gp.routing == ROUTE_SAMPLE:
            r = uniform(self.world.rng, ACTION)  # drawn even when greedy, as the kernel does
            if not self.greedy:
                winner = int(
                    min(np.searchsorted(np.cumsum(self.gate), r, side="right"), len(self.gate) - 1)
                )
            drive = votes[winner]
        reflex = xp.whisker_gain * self.whiskers
        probs = _softmax(self.beta * drive - reflex, 1.0)
        expert_p = np.array([_softmax(self.beta * v - reflex, 1.0) for v in votes])
        u = uniform(self.world.rng, ACTION)
        self.last_draw = (u, probs)  # for tests: how near the draw was to a decision boundary
        if self.greedy and self.startle <= 0:
            z = xp.beta * drive - reflex
            tied = np.flatnonzero(z == z.max())
            action = int(tied[min(int(u * len(tied)), len(tied) - 1)])
        else:
            action = int(min(np.searchsorted(np.cumsum(probs), u, side="right"), 2))
        # The escape reflex (the same jitted search as the kernel's: it reads the world, like
        # the whiskers) overrides the choice; a person's move overrides both.
        escape = (
            escape_action(self.world, self.wparams, xp.escape_radius, xp.escape_depth)
            if xp.escape_radius > 0
            else -1
        )
        if escape >= 0:
            action = int(escape)
        if self.world.control[CTRL_MOUSE] != NO_CONTROL:
            action = int(self.world.control[CTRL_MOUSE])
            escape = -1
        if self.learning and escape >= 0:  # not the learned policy's step: traces only decay
            self.elig *= lp.trace_decay
            self.trust_elig *= lp.trace_decay
            if learned:
                self.gate_elig = gl.trace_decay * self.gate_elig
        elif self.learning:
            for k in range(self.rates.shape[0]):
                if gp.mode == GATE_TOP1 and k != winner:
                    self.elig[k] *= lp.trace_decay  # only the acting expert takes credit
                    self.trust_elig[k] *= lp.trace_decay
                    continue
                p = probs if lp.post == POST_BLENDED else expert_p[k]
                post = np.eye(3)[action] - p
                if lp.post == POST_RESPONSIBLE:
                    pi = self.gate @ expert_p[:, action]
                    post = post * (self.gate[k] * expert_p[k, action] / pi if pi > 0 else 0.0)
                elif lp.gate_scaled:
                    post = post * self.gate[k]
                self.elig[k] = lp.trace_decay * self.elig[k] + np.outer(post, self.rates[k])
                if self.foresees[k]:
                    self.trust_elig[k] = lp.trace_decay * self.trust_elig[k] + post @ self.ahead
            if learned:
                p_a = expert_p[:, action]
                pi = self.gate @ p_a
                if gl.gradient == GRADIENT_EXACT:
                    # d log pi(a) / dz through g = a q, q = floor + (1 - E floor) softmax(z)
                    soft = _softmax(self.gate_w @ x, 1.0)
                    scale = 1.0 - len(self.gate) * gp.floor
                    q = gp.floor + scale * soft
                    a = np.where(q > 0, self.gate / np.where(q > 0, q, 1.0), 0.0)
                    mean = np.sum(a * soft * (p_a - pi))
                    post = (
                        scale * soft * (a * (p_a - pi) - mean) / pi
                        if pi > 0
                        else np.zeros_like(soft)
                    )
                else:
                    resp = self.gate * p_a / pi if pi > 0 else self.gate
                    post = resp - self.gate
                self.gate_elig = gl.trace_decay * self.gate_elig + np.outer(post, x)
                if (
                    gl.baseline == BASELINE_RETURN
                ):  # this choice's own baseline, off its own term, once
                    cx = self._critic_features(x)
                    step = gl.learning_rate * (self.gate_baseline @ cx) * np.outer(post, x)
                    self.gate_w = np.clip(self.gate_w - step, -gl.clip, gl.clip)
        x0, y0 = int(self.world.mouse[0]), int(self.world.mouse[1])
        flags = world_step(self.world, self.wparams, action, self.kinds, self.ranks, self.rewards)
        self.last_turn = 1 - action
        dx, dy = int(self.world.mouse[0]) - x0, int(self.world.mouse[1]) - y0
        heading = self.world.mouse[2] * np.pi / 4  # the step in the mouse's frame: ahead, left
        self.last_step[:] = (
            dx * np.cos(heading) - dy * np.sin(heading),
            -dx * np.sin(heading) - dy * np.cos(heading),
        )
        if flags & ATE and self.bp.ring.clear_on_eat:
            self.rates[self.kinds == KIND_CHEESE] = 0.0
            self.distance[self.kinds == KIND_CHEESE] = -1.0
        self._perceive()
        self.progress += xp.progress_rate * (float(self.gate @ self.rewards) - self.progress)
        vis, d = self.percept[:, 2] > 0, self.percept[:, 1]
        near = np.any((self.kinds == KIND_PREDATOR) & vis & (d <= gp.loom_radius))
        self.threat = 1.0 if near and xp.threat_arousal else gp.loom_memory * self.threat
        if flags & BLOCKED:
            self.startle = xp.startle_steps
        elif self.startle > 0:
            self.startle -= 1
        self._set_beta()
        if self.learning:
            delta = self.rewards - self.baseline
            self.baseline += lp.baseline_alpha * delta
            # A rarely sensed target teaches more per sighting: eta_k = eta min(G, 1 / s_k).
            self.sighted += lp.sighting_rate * (self.percept[:, 2] - self.sighted)
            boost = np.minimum(lp.rarity_gain, 1.0 / np.maximum(self.sighted, 1e-300))
            # Each expert learns into its owner's readout (its own unless shared within a
            # kind), in expert order; the experts that share it then read the owner's rows.
            for k, o in enumerate(self.owner):
                if self.foresees[k]:
                    self.trust[o] += lp.trust_rate * delta[k] * self.trust_elig[k]
                m = self.readout[o] + lp.learning_rate * boost[k] * delta[k] * self.elig[k]
                norms = np.linalg.norm(m, axis=1, keepdims=True)
                self.readout[o] = m * self.row_norm[o][:, None] / np.where(norms > 0, norms, 1.0)
            self.readout[:] = self.readout[self.owner]
            self.trust[:] = self.trust[self.owner]
            if learned:
                c = self.gate_baseline
                cx = self._critic_features(x)
                if gl.events:
                    outcome = self.wparams.eat_bonus * bool(flags & ATE) - (
                        self.wparams.caught_penalty * bool(flags & TERMINATED)
                    )
                else:
                    outcome = self.rewards.sum()
                if gl.baseline == BASELINE_TD:
                    self.critic_trace = cx  # x'_t: what the TD error will move
                    if flags & TERMINATED:
                        self._td_step(outcome - c @ cx)
                    else:
                        self.pending[:] = (outcome, c @ cx, 1.0)
                else:
                    if gl.baseline == BASELINE_RETURN:
                        # The critic fits each context's trace-discounted return (backward
                        # view).
                        expect = c @ cx
                        self.critic_trace = gl.trace_decay * self.critic_trace + cx
                        c += gl.baseline_rate * (outcome * self.critic_trace - expect * cx)
                        delta_total = outcome
                    else:
                        delta_total = outcome - c @ cx
                        c += gl.baseline_rate * delta_total * cx
                    self._move_gate(delta_total)
        if flags & (TERMINATED | TRUNCATED):
            self.in_episode = False
        return action, int(flags)
