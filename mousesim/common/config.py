"""Validated, frozen configuration models.

Every default of the simulation lives here, once. YAML is read elsewhere
(`mousesim.io.yaml_config`); this module only knows plain Python data, so the
core can be configured from code without any file.
"""

from __future__ import annotations

import re
from typing import Annotated, Literal

from pydantic import BaseModel, ConfigDict, Field, field_validator, model_validator

PosFloat = Annotated[float, Field(gt=0)]
NonNegFloat = Annotated[float, Field(ge=0)]
Prob = Annotated[float, Field(ge=0, le=1)]


class _Model(BaseModel):
    model_config = ConfigDict(
        extra="forbid", frozen=True, validate_default=True, allow_inf_nan=False
    )


class MouseConfig(_Model):
    """The mouse's body."""

    slide: bool = True
    """A diagonal step into a wall slides along it instead of stopping."""


class CheeseConfig(_Model):
    count: int = Field(1, ge=0, le=64)
    respawn_min_dist: NonNegFloat = 5.0
    eat_bonus: NonNegFloat = 5.0


class PredatorConfig(_Model):
    count: int = Field(1, ge=0, le=16)
    policy: Literal["chase", "random", "patrol"] = "chase"
    move_prob: Prob = 0.5
    chase_prob: Prob = 0.8
    vision_radius: NonNegFloat = 4.0
    give_up: int = Field(4, ge=0)
    catch_radius: int = Field(0, ge=0, le=3)
    caught_penalty: NonNegFloat = 25.0
    min_start_dist: NonNegFloat = 8.0


class WorldConfig(_Model):
    size: int | tuple[int, int] = 24
    layout: str | None = None
    obstacle_density: Annotated[float, Field(ge=0, le=0.5)] = 0.05
    max_steps: int = Field(500, ge=1, le=1_000_000)
    sense_radius: PosFloat = 20.0
    line_of_sight: bool = False
    mouse: MouseConfig = MouseConfig()
    cheese: CheeseConfig = CheeseConfig()
    predator: PredatorConfig = PredatorConfig()

    @field_validator("size")
    @classmethod
    def _size_range(cls, v: int | tuple[int, int]) -> int | tuple[int, int]:
        dims = (v, v) if isinstance(v, int) else v
        if any(d < 5 or d > 256 for d in dims):
            raise ValueError("each side must be between 5 and 256 cells")
        return v

    @field_validator("layout")
    @classmethod
    def _layout_chars(cls, v: str | None) -> str | None:
        if v is None:
            return v
        rows = [r.strip() for r in v.strip().splitlines() if r.strip()]
        if len(rows) < 3:
            raise ValueError("a layout needs at least 3 rows")
        if len({len(r) for r in rows}) != 1:
            raise ValueError("every layout row must have the same length")
        bad = sorted({c for r in rows for c in r} - set("#.MCP"))
        if bad:
            raise ValueError(f"unknown layout character(s) {''.join(bad)!r}; use # . M C P")
        if sum(r.count("M") for r in rows) > 1:
            raise ValueError("a layout has at most one M (mouse start)")
        if not any(c != "#" for r in rows for c in r):
            raise ValueError("the layout has no floor cell")
        return v


class RingConfig(_Model):
    """One ring attractor, in continuous time: tau dr/dt = -r + f(W r + I + I0 + I_rot).

    Times are in units of the membrane time constant tau. One world step lasts `step_duration`
    tau; `euler_steps` only sets how finely that time is integrated (dt = step_duration /
    euler_steps). The mouse's turn is spread over the step as an angular velocity, so the bump
    moves by the turn the mouse made (times `rotation_gain`) whatever the step's duration or
    resolution."""

    neurons: int = Field(64, ge=8, le=1024)
    J0: float = -2.0
    J1: float = Field(8.0, ge=0)
    I0: float = 0.0
    r_max: PosFloat = 1.0
    kappa: NonNegFloat = 4.0
    step_duration: Annotated[float, Field(gt=0, le=20)] = 1.0
    """Duration of one world step, in tau."""
    euler_steps: int = Field(10, ge=1, le=400)
    """Euler steps per world step: resolution only (dt = step_duration / euler_steps)."""
    rotation_gain: float = Field(1.0, ge=-4, le=4)
    """Path-integration gain: 1 shifts the bump by exactly the turn (-45 deg per 45 deg left)."""
    step_gain: float = Field(1.0, ge=0, le=4)
    """Steps too: a remembered target's bump moves by the parallax of each step (0: turns only)."""
    cue_gain: NonNegFloat = 8.0
    cue_scale: PosFloat = 4.0
    noise: NonNegFloat = 0.0
    path: Literal["auto", "fast", "dense"] = "auto"
    """auto/fast: rank-3 cosine update (O(N)); dense: explicit N x N matrix (reference)."""

    @model_validator(mode="before")
    @classmethod
    def _renamed(cls, data: object) -> object:
        if isinstance(data, dict):
            for old, new in _RING_RENAMED.items():
                if old in data:
                    raise ValueError(f"'{old}' was replaced: {new}")
        return data

    @property
    def dt(self) -> float:
        """Euler step in tau."""
        return self.step_duration / self.euler_steps


_RING_RENAMED = {
    "dt": "set brain.ring.step_duration (a world step's length in tau) and brain.ring.euler_steps"
    " (dt = step_duration / euler_steps)",
    "substeps": "use brain.ring.euler_steps (resolution only; the step lasts step_duration tau)",
    "gamma": "use brain.ring.rotation_gain (1 = the bump shifts by the turn, at any timing)",
}


class ExpertConfig(_Model):
    name: str = Field(min_length=1)
    target: Literal["cheese", "predator"]
    rank: int = Field(0, ge=0, le=15)
    """0 = nearest target of that kind, 1 = second nearest, ..."""
    readout: str | None = None
    """The name of an earlier expert of the same target kind whose readout this one shares:
    it reads out through it and learns into it, from its own trace and its own reward (one
    escape skill for every predator). null: a readout of its own."""

    @field_validator("name")
    @classmethod
    def _identifier_name(cls, v: str) -> str:
        # Names become CSV column names (use_<name>) and file keys: no commas or newlines.
        if not re.fullmatch(r"[A-Za-z_][A-Za-z0-9_]{0,31}", v):
            raise ValueError(
                f"must be a name like cheese_2: a letter or _, then letters, digits or _ "
                f"(at most 32 characters), got {v!r}"
            )
        return v


def _default_experts() -> tuple[ExpertConfig, ...]:
    return (
        ExpertConfig(name="cheese", target="cheese"),
        ExpertConfig(name="predator", target="predator"),
    )


class ExploreConfig(_Model):
    """How the softmax's inverse temperature beta is modulated (set adaptive false and
    startle_steps 0 for a fixed beta)."""

    adaptive: bool = True
    """Adaptive gain (Aston-Jones & Cohen 2005): beta follows the running reward of what the
    mouse attends to; no progress -> beta_min (explore), progress >= progress_ref -> beta."""
    beta_min: NonNegFloat = 0.5
    progress_rate: Annotated[float, Field(gt=0, le=1)] = 0.1
    """Rate of the running average of the gated reward sum_k g_k R_k (per step)."""
    progress_ref: PosFloat = 0.3
    """Progress (cells per step) at which beta reaches its full value."""
    startle_steps: int = Field(2, ge=0, le=100)
    """After a step into a wall, beta is capped at startle_beta for this many decisions."""
    startle_beta: NonNegFloat = 1.0
    threat_arousal: bool = True
    """A predator sensed within mixture.loom_radius sets beta to its ceiling (decaying by
    mixture.loom_memory per step after): a mouse fleeing a threat acts decisively. Without it
    a chased mouse made no progress, so adaptive gain dropped its beta to beta_min and it fled
    at random (seeds 0-19: caught 0.32 -> 0.24 alone; 0.17 -> 0.14 with the other defaults)."""


class BrainConfig(_Model):
    ring: RingConfig = RingConfig()
    experts: tuple[ExpertConfig, ...] = Field(default_factory=_default_experts, min_length=1)
    beta: NonNegFloat = 10.0
    learning_rate: NonNegFloat = 0.0005
    trace_decay: Annotated[float, Field(ge=0, lt=1)] = 0.3
    baseline_alpha: Annotated[float, Field(gt=0, le=1)] = 0.01
    rarity_gain: Annotated[float, Field(ge=1)] = 2.0
    sighting_rate: Annotated[float, Field(gt=0, le=1)] = 0.001
    learn: bool = True
    post: Literal["responsible", "blended", "expert"] = "responsible"
    """An expert's Hebbian 'post' term. responsible: its own proposal, weighted by its
    responsibility for the action taken (the gradient of the routed mixture's log-likelihood);
    blended: the mixture's proposal; expert: its own, weighted by its gate share."""
    gate_scaled: bool = True
    """(post blended or expert) Scale each expert's eligibility by its gate weight: an expert learns from the steps
    it had a say in (unscaled, an expert the gate left out learned from another expert's
    actions, and its readout decayed)."""
    init: Literal["random", "hand_wired"] = "random"
    init_spread: Annotated[float, Field(ge=0, le=2)] = 0.5
    """Random rows are 1 + init_spread (U(0, 1) - 1/2), rescaled to the hand-wired row norm:
    2 gives U(0, 1)-like rows (strong random preferences), small values nearly flat rows."""
    readout_width: PosFloat = 2.0
    """Concentration of the hand-wired readout's tuning (von Mises kappa)."""
    readout_turn_angle: Annotated[float, Field(gt=0, lt=180)] = 45.0
    """Bearing (deg) the hand-wired approach turn rows prefer (the straight row prefers 0)."""
    avoid_turn_angle: Annotated[float, Field(gt=0, lt=180)] = 90.0
    """Hand-wired avoidance: the turn rows prefer 180 deg -+ this (a predator behind-left
    makes the mouse turn right)."""
    clear_on_eat: bool = True
    """Silence the cheese rings when the mouse eats: the remembered bearing is of a goal that
    is gone."""
    explore: ExploreConfig = ExploreConfig()
    whisker_gain: NonNegFloat = 8.0
    """Whisker reflex: a wall felt where an action would step lowers that motor neuron's
    log-odds by this much, outside the exploration temperature (0: the mouse cannot feel
    walls)."""
    whisker_reach: int = Field(3, ge=1, le=4)
    """Whiskers feel a wall up to this many steps along each action's heading (a wall k steps
    away inhibits by whisker_gain / k)."""
    lookahead_radius: NonNegFloat = 6.0
    """Look-ahead: while a predator is sensed within this many cells, the predator experts
    read, for each action, how far from it the best `lookahead_depth`-move sequence that
    starts with that action ends (over the walls around the mouse), and each learns how much
    to trust it (0: no look-ahead)."""
    lookahead_depth: int = Field(3, ge=1, le=5)
    """Moves the look-ahead plays out (3^depth sequences)."""
    lookahead_rate: NonNegFloat = 0.05
    """Learning rate of each predator expert's trust in the look-ahead (it starts at 0)."""
    escape_radius: NonNegFloat = 0.0
    """Escape reflex: while a predator is sensed within this many cells, the mouse takes the
    first move of the `escape_depth`-move sequence, over the walls around it, that ends
    farthest from it (and never first into a cell it can reach next); 0: no reflex, the
    learned brain alone acts."""
    escape_depth: int = Field(3, ge=1, le=5)
    """Moves the escape reflex looks ahead (3^depth sequences)."""

    @model_validator(mode="after")
    def _unique_names(self) -> BrainConfig:
        names = [e.name for e in self.experts]
        if len(set(names)) != len(names):
            raise ValueError(f"expert names must be unique, got {names}")
        for k, e in enumerate(self.experts):
            if e.readout is None:
                continue
            owners = [
                o.name for o in self.experts[:k] if o.target == e.target and o.readout is None
            ]
            if e.readout not in owners:
                raise ValueError(
                    f"experts[{k}].readout: {e.readout!r} must name an earlier {e.target} expert "
                    f"with a readout of its own (here: {', '.join(owners) or 'none'})"
                )
        return self


class MixtureConfig(_Model):
    focus: Prob = 0.5
    """Slider: 1 = all cheese, 0 = all predator."""
    gate: Literal["fixed", "top1", "learned"] = "learned"
    """fixed: the slider sets the gate; top1: only the expert with the larger gate acts;
    learned: softmax over context features (target proximities), learned from total reward."""
    features: Literal["looming", "proximity"] = "looming"
    """Learned gate's context per expert: looming = 1 when the target is sensed within
    loom_radius cells (else 0); proximity = 1 / (1 + d / cue_scale) when sensed."""
    loom_radius: PosFloat = 5.5
    loom_memory: Annotated[float, Field(ge=0, lt=1)] = 0.95
    """Looming features decay by this factor per step once the target is out of loom_radius
    (0: the feature follows the distance alone); with loom_memory_seen set, only while the
    target is out of sight. The threat arousal's memory is this one."""
    loom_memory_seen: Annotated[float, Field(ge=0, lt=1)] | None = 0.3
    """The looming features' decay while the target is in view but beyond loom_radius: a
    threat seen going away can be let go sooner than one that went out of sight, whose place is
    unknown (null: loom_memory, one memory for both)."""
    calm_feature: bool = True
    """The learned gate's first context feature is 'no predator looms' (1 - the predators'
    largest looming feature) instead of a constant 1, so what the gate learns during an escape
    stays with the predator's own weight (false: a constant bias, which escapes pulled toward
    the predator)."""
    routing: Literal["sample", "blend"] = "sample"
    """How the gate's shares become the motor drive. sample: each step one expert, drawn with
    probability g_k, drives the motor neurons (the mixture of experts the gate learns for;
    experts that disagree never average into a move that serves neither); blend: the drive is
    the gate-weighted sum of every expert's votes."""
    gate_floor: Annotated[float, Field(ge=0, lt=0.5)] = 0.005
    """Every expert keeps at least this share of the learned gate (before the slider), so an
    expert the gate has turned away from is still tried now and then; with many experts it
    shrinks to 0.5 / experts, so the learned part always keeps half the gate."""
    gate_learning_rate: NonNegFloat = 0.005
    """eta of the learned gate's reward-modulated rule."""
    gate_trace_decay: Annotated[float, Field(ge=0, lt=1)] = 0.8
    """lambda of the gate's eligibility trace (a catch comes some steps after the choice)."""
    gate_critic: bool = True
    """The gate's reward baseline depends on its context (a linear critic c . x) instead of
    one running mean."""
    gate_baseline_rate: Annotated[float, Field(gt=0, le=1)] = 0.05
    gate_baseline: Literal["step", "return", "td"] = "td"
    """What the gate's critic predicts. step: this step's outcome, subtracted from the whole
    trace. return: the trace-discounted outcome that follows each choice, subtracted from
    that choice's own term (unbiased: a baseline of a later context is not correlated with
    the earlier choices that led to it). td: the discounted value of each context; the gate
    learns from the TD error R + gate_discount V(next context) - V(context), an actor-critic
    whose credit reaches past the trace (the default; configs/step_gate.yaml has the step baseline)."""
    gate_discount: Annotated[float, Field(ge=0, lt=1)] = 0.8
    """gamma of the gate's TD critic (gate_baseline td): how far ahead a context's value
    looks, about 1 / (1 - gamma) steps."""
    override: NonNegFloat = 1.0
    """Learned gate: slider strength beta in g = softmax(V x + beta log(slider shares));
    focus 0.5 is neutral, 0 or 1 forces one kind of expert."""
    gate_clip: PosFloat = 10.0
    """Learned gate weights are clipped to [-gate_clip, gate_clip]."""
    gate_gradient: Literal["exact", "responsibility"] = "exact"
    """The learned gate's eligibility: exact, the gradient of log pi(action) through the floored
    gate, which vanishes once the gate has a clear preference; responsibility, resp - g (exact
    only without a floor: with one, the weights of every active feature grow to the clip)."""
    gate_reward: Literal["events", "total"] = "events"
    """What the learned gate learns from. events: the task's outcomes alone (eat_bonus for
    each cheese eaten, -caught_penalty for a catch); total: every expert's reward summed,
    distance shaping included (its noise drowned the rare catch: seeds ended flee-only or
    cheese-only)."""


class RunConfig(_Model):
    episodes: int = Field(200, ge=1)
    seed: int = Field(0, ge=0)
    checkpoint_every: int = Field(10, ge=1)
    greedy: bool = False


class SimConfig(_Model):
    """The whole configuration of a run."""

    world: WorldConfig = WorldConfig()
    brain: BrainConfig = BrainConfig()
    mixture: MixtureConfig = MixtureConfig()
    run: RunConfig = RunConfig()
