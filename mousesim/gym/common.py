"""What the single and the vector env share: config, seeds, seeded worlds, info keys."""

from __future__ import annotations

import dataclasses
import os
import secrets
from pathlib import Path
from typing import Any

import numpy as np

from mousesim.common.config import SimConfig
from mousesim.jit.rng import make_streams
from mousesim.world.kernels import KIND_CHEESE, KIND_PREDATOR, WorldState
from mousesim.world.mapgen import map_stream

ConfigLike = str | os.PathLike | dict | SimConfig | None

# The keys of every info dict, on reset and on step, single env and vector env alike.
INFO_KEYS = (
    "seed",  # the seed the env's streams (and first map) came from: reproduces every map
    # episodes since that seed (0 = the first, on the seed's own map); not "episode", the key
    # Gymnasium's RecordEpisodeStatistics and SB3's Monitor write their statistics under
    "episode_index",
    "steps",  # steps in this episode so far
    "cheese",  # cheese eaten in this episode so far
    "caught",  # the predator caught the mouse (this ends the episode)
    "ate",  # pieces eaten on this step
    "blocked",  # this step left the mouse on its cell
    "reward_cheese",  # the cheese part of this step's reward
    "reward_predator",  # the predator part of this step's reward
)

MAX_SEED = 2**63 - 1
KINDS = np.array([KIND_CHEESE, KIND_PREDATOR], dtype=np.int64)
RANKS = np.zeros(2, dtype=np.int64)


def resolve_config(config: ConfigLike, max_episode_steps: int | None = None) -> SimConfig:
    """A YAML path, a nested dict (like a YAML file's content), a SimConfig, or None (default);
    `max_episode_steps`, if given, replaces ``world.max_steps``.

    Raises:
        ConfigError: a bad file or key (one line naming it).
    """
    from mousesim.io.yaml_config import load_config, validate

    if config is None:
        cfg = load_config(None)
    elif isinstance(config, SimConfig):
        cfg = config
    elif isinstance(config, dict):
        cfg = validate(config, "config dict")
    elif isinstance(config, str | os.PathLike):
        cfg = load_config(Path(config))
    else:
        raise TypeError(
            f"config must be a YAML path, a dict, a SimConfig or None, got {type(config).__name__}"
        )
    if max_episode_steps is not None:
        if isinstance(max_episode_steps, bool) or not isinstance(
            max_episode_steps, int | np.integer
        ):
            raise TypeError(f"max_episode_steps must be an int, got {max_episode_steps!r}")
        if max_episode_steps < 1:
            raise ValueError(f"max_episode_steps must be >= 1, got {max_episode_steps}")
        world = cfg.world.model_copy(update={"max_steps": int(max_episode_steps)})
        cfg = cfg.model_copy(update={"world": world})
    return cfg


def check_seed(seed: object) -> int:
    """A seed as an int in [0, 2**63 - 1], or a one-line error naming the bad value."""
    if isinstance(seed, bool) or not isinstance(seed, int | np.integer):
        raise TypeError(f"seed must be a non-negative int, got {seed!r}")
    if not 0 <= int(seed) <= MAX_SEED:
        raise ValueError(f"seed must be between 0 and 2**63 - 1, got {seed}")
    return int(seed)


def draw_seed() -> int:
    """A fresh random seed for an env reset without one (reported in info["seed"])."""
    return secrets.randbits(31)


def seeded_world(cfg: SimConfig, seed: int) -> tuple[WorldState, np.ndarray]:
    """The world `mousesim run --seed seed` builds (same map, same streams), and its map
    stream for the procedural maps of later episodes."""
    from mousesim.world.build import build_world

    streams = make_streams(seed)
    return build_world(cfg.world, streams.layout, streams.kernel.copy()), map_stream(seed)


class ConfigSpec:
    """`spec` for an env whose episode length is the config's: gymnasium sets the spec after
    construction with max_episode_steps=None (the ids are registered without a TimeLimit, the
    world truncates itself), so report world.max_steps there. Needs `self.cfg`."""

    _spec: Any = None

    @property
    def spec(self) -> Any:
        return self._spec

    @spec.setter
    def spec(self, value: Any) -> None:
        if value is not None and value.max_episode_steps is None:
            value = dataclasses.replace(value, max_episode_steps=self.cfg.world.max_steps)
        self._spec = value
