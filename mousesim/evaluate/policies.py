"""The players an evaluation compares: brain policy variants and scripted players.

Brain policies run through `Simulation` (the jitted episode loop); scripted ones (uniform
random, the oracle planner of `mousesim.evaluate.oracle`) through `World` with the same seed,
so every player of a seed faces the same map.
"""

from __future__ import annotations

from dataclasses import dataclass

from mousesim.common.config import SimConfig
from mousesim.io.yaml_config import ConfigError, apply_overrides, validate

# -- brain policies -----------------------------------------------------------------


@dataclass(frozen=True)
class BrainPolicy:
    """A brain player: how to build its config, whether it trains, and which focus it plays.

    `focus=None` plays whatever gate the brain has (the config's focus, or a learned gate).
    """

    name: str
    hand_wired: bool
    focus: float | None = None
    gate: str | None = None  # override mixture.gate (e.g. "learned")


def with_overrides(cfg: SimConfig, overrides: dict) -> SimConfig:
    """A validated copy of `cfg` with dotted keys changed (nested keys included)."""
    return validate(apply_overrides(cfg.model_dump(mode="json"), dict(overrides)))


def policy_config(cfg: SimConfig, policy: BrainPolicy) -> SimConfig:
    """The config a brain policy runs with."""
    overrides: dict = {}
    if policy.hand_wired:
        overrides["brain.init"] = "hand_wired"
    if policy.gate is not None:
        overrides["mixture.gate"] = policy.gate
    return with_overrides(cfg, overrides) if overrides else cfg


def accepts_gate(cfg: SimConfig, gate: str) -> bool:
    """True if this version's config schema accepts `mixture.gate: <gate>`."""
    try:
        with_overrides(cfg, {"mixture.gate": gate})
    except ConfigError:
        return False
    return True
