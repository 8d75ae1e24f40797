"""`Simulation`: owns one world, one brain and their streams; the one loop every front end uses.

Headless runs call `run_episode()` (a single jitted call per episode); the
window calls `advance(n)` (a few steps a frame) or `step()` (one). All three run the one
jitted loop, `run_steps`, so what you watch is what the batch runs compute.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

import numpy as np

from mousesim import __version__
from mousesim.brain.brain import (
    brain_params,
    build_brain,
    expert_codes,
    gate_bias_from_focus,
    gate_from_focus,
)
from mousesim.common.config import SimConfig
from mousesim.jit.rng import make_streams
from mousesim.sim.kernels import (
    N_STAT_FIXED,
    S_CAUGHT,
    S_EATEN,
    S_ESCAPE,
    S_STEPS,
    WHOLE_EPISODE,
    StepBuffers,
    record_width,
    run_steps,
    start_episode,
    stats_size,
)
from mousesim.world.build import build_world, world_params
from mousesim.world.kernels import (
    ATE,
    CTRL_MOUSE,
    CTRL_PREDATOR,
    NO_CONTROL,
    TERMINATED,
    TRUNCATED,
)

# The trail of a step whose cells nobody keeps: no rows, so `run_steps` never writes to it
# (writeable all the same: a read-only array is another type, and run_steps would compile twice).
_NO_TRAIL = np.zeros((0, 2), dtype=np.int64)


@dataclass(frozen=True)
class AdvanceResult:
    steps: int
    last_action: int
    terminated: bool
    truncated: bool


@dataclass(frozen=True)
class StepResult:
    action: int
    rewards: np.ndarray  # per expert
    terminated: bool
    truncated: bool
    ate: bool


class Simulation:
    """A mouse in its world, with its brain. Build with a validated `SimConfig`."""

    def __init__(self, cfg: SimConfig, seed: int | None = None, record_steps: int = 0) -> None:
        self.cfg = cfg
        self.seed = cfg.run.seed if seed is None else int(seed)
        streams = make_streams(self.seed)
        self.world = build_world(cfg.world, streams.layout, streams.kernel.copy())
        self.wparams = world_params(cfg.world)
        self.brain = build_brain(cfg.brain, cfg.mixture, streams.brain_init)
        self.bparams = brain_params(cfg.brain, cfg.mixture)
        self.expert_names = [e.name for e in cfg.brain.experts]
        self.expert_targets = [e.target for e in cfg.brain.experts]
        kinds, ranks = expert_codes(cfg.brain)
        n_exp = len(kinds)
        self.buffers = StepBuffers(
            kinds=kinds,
            ranks=ranks,
            percept=np.zeros((n_exp, 3)),
            rewards=np.zeros(n_exp),
            stats=np.zeros(stats_size(n_exp)),
            record=np.zeros((record_steps, record_width(n_exp))),
        )
        self.learning = bool(cfg.brain.learn)
        self.greedy = bool(cfg.run.greedy)
        self.focus = float(cfg.mixture.focus)
        self.episode = 0  # finished episodes
        self.in_episode = False

    # -- commands (the only writes a front end makes) -------------------------
    def set_focus(self, focus: float) -> None:
        """Move the slider: takes effect from the next step."""
        self.focus = float(min(1.0, max(0.0, focus)))
        self.brain.gate.bias[:] = gate_bias_from_focus(self.cfg.brain, self.focus)
        if self.cfg.mixture.gate != "learned":  # a learned gate is recomputed every step
            self.brain.gate.share[:] = gate_from_focus(self.cfg.brain, self.focus)

    def set_control(
        self, mouse_action: int | None = None, predator_move: int | None = None
    ) -> None:
        """Game mode: moves chosen from outside, used from the next step until changed.

        mouse_action: 0 left, 1 straight, 2 right (None: the brain chooses; it still computes its
        own choice, so its state and random streams advance as usual). predator_move: heading
        0..7 to step along, 8 to stay (None: the predator's own policy); predator 0 only."""
        ctrl = self.world.control
        ctrl[CTRL_MOUSE] = NO_CONTROL if mouse_action is None else int(mouse_action)
        ctrl[CTRL_PREDATOR] = NO_CONTROL if predator_move is None else int(predator_move)

    def set_learning(self, on: bool) -> None:
        self.learning = bool(on)

    # -- stepping ---------------------------------------------------------------
    def reset(self) -> None:
        """Start a new episode (the brain's readouts carry over) and perceive its first moment."""
        start_episode(self.world, self.wparams, self.brain, self.bparams, self.buffers)
        run_steps(*self._kernel_args(), 0, _NO_TRAIL, 1)
        self.in_episode = True

    def _kernel_args(self) -> tuple:
        """What every step kernel takes, in its order: world, brain, buffers, mode flags."""
        return (self.world, self.wparams, self.brain, self.bparams, self.buffers,
                int(self.learning), int(self.greedy))  # fmt: skip

    def _end_if_done(self, flags: int) -> None:
        if flags & (TERMINATED | TRUNCATED):
            self.in_episode = False
            self.episode += 1

    def step(self) -> StepResult:
        """One world step; starts an episode first if none is running."""
        if not self.in_episode:
            self.reset()
        _, action, flags = run_steps(*self._kernel_args(), 1, _NO_TRAIL, 0)
        self._end_if_done(flags)
        return StepResult(
            action=int(action),
            rewards=self.buffers.rewards.copy(),
            terminated=bool(flags & TERMINATED),
            truncated=bool(flags & TRUNCATED) and not bool(flags & TERMINATED),
            ate=bool(flags & ATE),
        )

    def advance(self, n: int, trail: np.ndarray | None = None) -> AdvanceResult:
        """Up to `n` steps in one jitted call (what `step()` does n times, without n calls'
        overhead); stops after a step that ends the episode, so `episode_row()` still
        describes it. `trail` (int64[n, 2]) receives the mouse's cell after each step."""
        if not self.in_episode:
            self.reset()
        buf = trail if trail is not None else _NO_TRAIL
        steps, action, flags = run_steps(*self._kernel_args(), int(n), buf, 0)
        self._end_if_done(flags)
        return AdvanceResult(
            steps=int(steps),
            last_action=int(action),
            terminated=bool(flags & TERMINATED),
            truncated=bool(flags & TRUNCATED) and not bool(flags & TERMINATED),
        )

    def run_episode(self) -> dict:
        """A whole episode in one jitted call; returns its metrics row."""
        start_episode(self.world, self.wparams, self.brain, self.bparams, self.buffers)
        run_steps(*self._kernel_args(), WHOLE_EPISODE, _NO_TRAIL, 1)
        self._end_if_done(TERMINATED | TRUNCATED)
        return self.episode_row()

    def mean_outcome(self, episodes: int) -> tuple[float, float]:
        """Run `episodes` whole episodes (learning as it is set): (cheese per episode, caught
        rate), the two figures every measurement of the mouse reads."""
        rows = [self.run_episode() for _ in range(episodes)]
        return float(np.mean([r["cheese"] for r in rows])), float(
            np.mean([r["caught"] for r in rows])
        )

    def learn_then_play(self, train: int = 200, play: int = 100) -> tuple[float, float]:
        """`train` episodes learning, then `play` with learning off: the frozen brain's
        (cheese per episode, caught rate). Learning stays off afterwards."""
        for _ in range(train):
            self.run_episode()
        self.set_learning(False)
        return self.mean_outcome(play)

    def episode_row(self) -> dict:
        """Metrics of the current (or just finished) episode, as one CSV row."""
        st = self.buffers.stats
        n_exp = len(self.expert_names)
        steps = max(st[S_STEPS], 1.0)
        row: dict = {
            "episode": self.episode,
            "steps": int(st[S_STEPS]),
            "cheese": int(st[S_EATEN]),
            "caught": int(st[S_CAUGHT]),
        }
        returns = st[N_STAT_FIXED : N_STAT_FIXED + n_exp]
        for kind in ("cheese", "predator"):
            row[f"return_{kind}"] = float(
                sum(r for r, t in zip(returns, self.expert_targets, strict=False) if t == kind)
            )
        row["focus"] = self.focus
        row["learning"] = int(self.learning)
        for k, name in enumerate(self.expert_names):
            row[f"use_{name}"] = float(st[N_STAT_FIXED + n_exp + k] / steps)
        row["escape"] = float(st[S_ESCAPE] / steps)
        return row

    # -- state for checkpoints and brain files -----------------------------------
    def state_dict(self) -> dict[str, np.ndarray]:
        """What a checkpoint needs to continue bit-identically at an episode boundary."""
        return {
            "readout": self.brain.readout.weights.copy(),
            "baseline": self.brain.readout.baseline.copy(),
            "sighted": self.brain.readout.sighted.copy(),
            "trust": self.brain.readout.trust.copy(),
            "gate_w": self.brain.gate.weights.copy(),
            "gate_baseline": self.brain.gate.baseline.copy(),
            "rng": self.world.rng.copy(),
            "episode": np.array(self.episode, dtype=np.int64),
            "focus": np.array(self.focus),
        }

    def load_state(self, state: dict[str, np.ndarray], *, rng: bool = True) -> None:
        self.load_brain(state)
        if rng:
            self.world.rng[:] = state["rng"]
            self.episode = int(state["episode"])
            self.set_focus(float(state["focus"]))
        self.in_episode = False

    def load_brain(self, data: Mapping[str, np.ndarray]) -> None:
        """Put a brain file's or checkpoint's arrays into this brain: the readouts and their
        baselines, and the learned gate's and the sighting shares when present."""
        self.load_readout(
            data["readout"],
            data["baseline"],
            data.get("gate_w"),
            data.get("gate_baseline"),
            sighted=data.get("sighted"),
            trust=data.get("trust"),
        )

    def load_readout(
        self,
        readout: np.ndarray,
        baseline: np.ndarray,
        gate_w: np.ndarray | None = None,
        gate_baseline: np.ndarray | None = None,
        *,
        sighted: np.ndarray | None = None,
        trust: np.ndarray | None = None,
    ) -> None:
        """Put trained weights into this brain (the learned gate's too, when given; and how
        often each expert has sensed its target, which sets its learning rate; a brain file
        without it starts from "always in view"; and the predator experts' trust in the
        look-ahead, 0 when not given)."""
        mine, gate = self.brain.readout, self.brain.gate
        if readout.shape != mine.weights.shape or baseline.shape != mine.baseline.shape:
            raise ValueError(
                f"readout shape {readout.shape} does not fit this brain {mine.weights.shape}"
            )
        mine.weights[:] = readout
        mine.baseline[:] = baseline
        if gate_w is not None and gate_w.shape == gate.weights.shape:
            gate.weights[:] = gate_w
        if gate_baseline is not None and gate_baseline.shape == gate.baseline.shape:
            gate.baseline[:] = gate_baseline
        if sighted is not None and sighted.shape == mine.sighted.shape:
            mine.sighted[:] = np.clip(sighted, 0.0, 1.0)
        if trust is not None and trust.shape == mine.trust.shape:
            mine.trust[:] = trust

    @property
    def version(self) -> str:
        return __version__
