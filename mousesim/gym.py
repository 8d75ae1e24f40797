"""Gymnasium environment ``mousesim/MouseSim-v0``: the mousesim world for any RL agent.

A thin adapter over `mousesim.world.world.World`: the same jitted rules the ring-attractor
mouse lives by, so an RL agent and the mouse can be compared on the same world. Importing this
module registers the id (needs the ``gym`` extra: ``pip install mousesim[gym]``)::

    import gymnasium
    import mousesim.gym  # registers mousesim/MouseSim-v0

    env = gymnasium.make("mousesim/MouseSim-v0", config="configs/maze.yaml")
    obs, info = env.reset(seed=0)

Without the import, ``gymnasium.make("mousesim.gym:mousesim/MouseSim-v0")`` imports it for you
(Gymnasium >= 1.0 has no plugin entry points).

Actions (``Discrete(3)``): 0 = turn left 45 deg and step, 1 = step straight on, 2 = turn right
45 deg and step. A step into a wall stays put (a diagonal one may slide along it).

Observation (``Box(10,)``, float32), in this order:

====  ===========================================================================
0-3   cheese: sin(bearing), cos(bearing), distance / sense_radius, sensed (0 or 1)
4-7   predator: the same four numbers
8-9   the mouse's heading: sin, cos (angle counter-clockwise from east on screen)
====  ===========================================================================

The bearing is egocentric (0 = straight ahead, positive = to the left). A target beyond
``world.sense_radius`` (or behind a wall with ``world.line_of_sight``), or absent (no predator),
is not sensed and its four numbers are all 0. Only the nearest cheese and predator are seen.

Reward: cheese reward + predator reward, as the world defines them for the two experts:
cheese reward = the decrease of the distance to the nearest cheese (plus ``eat_bonus`` on
eating); predator reward = the increase of the distance to the nearest predator (minus
``caught_penalty`` when caught). Both are in cells per step and count whether or not the target
is sensed. ``info`` has each part (``reward_cheese``, ``reward_predator``) and the positions.

Episodes: ``terminated`` when the predator catches the mouse; ``truncated`` after
``world.max_steps`` steps (the registered ``max_episode_steps`` is the default 500; for a config
with a longer ``max_steps`` also pass ``max_episode_steps`` to ``gymnasium.make``).

Seeding: ``reset(seed=s)`` rebuilds the world from ``s`` exactly as ``Simulation(cfg, seed=s)``
does (same map, same streams); ``reset()`` then starts the next episode of those streams. A first
``reset()`` without a seed draws one from ``self.np_random``.
"""

from __future__ import annotations

import math
import os
from collections import deque
from pathlib import Path
from typing import Any, ClassVar

import gymnasium
import numpy as np
from gymnasium import spaces

from mousesim.config import SimConfig, WorldConfig
from mousesim.render.frames import CELL, frame_size, render_frame
from mousesim.world.world import World

ENV_ID = "mousesim/MouseSim-v0"
OBS_NAMES = (
    "cheese_sin",
    "cheese_cos",
    "cheese_dist",
    "cheese_sensed",
    "predator_sin",
    "predator_cos",
    "predator_dist",
    "predator_sensed",
    "heading_sin",
    "heading_cos",
)
TRAIL_LENGTH = 20  # cells of the mouse's recent path drawn in frames

ConfigLike = str | os.PathLike | dict | SimConfig | None


def resolve_config(config: ConfigLike) -> SimConfig:
    """A YAML path, a nested dict (like a YAML file's content), a SimConfig, or None (default).

    Raises:
        ConfigError: a bad file or key (one line naming it).
    """
    from mousesim.io.yaml_config import load_config, validate

    if config is None:
        return load_config(None)
    if isinstance(config, SimConfig):
        return config
    if isinstance(config, dict):
        return validate(config, "config dict")
    if isinstance(config, str | os.PathLike):
        return load_config(Path(config))
    raise TypeError(
        f"config must be a YAML path, a dict, a SimConfig or None, got {type(config).__name__}"
    )


class MouseSimEnv(gymnasium.Env[np.ndarray, np.int64]):
    """The mousesim grid world as a Gymnasium environment (see the module docstring).

    Args:
        config: a YAML config path, a dict, a `SimConfig`, or None for the built-in default.
            Only the ``world`` section matters here (there is no brain).
        render_mode: None, ``"rgb_array"`` (``render()`` returns uint8[H, W, 3]; no display
            needed) or ``"human"`` (a pygame window, updated on every reset and step).
    """

    metadata: ClassVar[dict[str, Any]] = {"render_modes": ["human", "rgb_array"], "render_fps": 10}

    def __init__(self, config: ConfigLike = None, render_mode: str | None = None) -> None:
        if render_mode is not None and render_mode not in self.metadata["render_modes"]:
            raise ValueError(
                f"render_mode must be one of {self.metadata['render_modes']} or None, "
                f"got {render_mode!r}"
            )
        self.cfg = resolve_config(config)
        self.world = World(self.cfg.world, seed=0)
        self.world_seed: int | None = None  # the seed the world was last built from
        self.sense_radius = float(self.cfg.world.sense_radius)
        self.render_mode = render_mode
        self.action_space = spaces.Discrete(3)
        low = np.array([-1, -1, 0, 0, -1, -1, 0, 0, -1, -1], dtype=np.float32)
        self.observation_space = spaces.Box(low, np.ones(10, dtype=np.float32), dtype=np.float32)
        self._trail: deque[tuple[int, int]] = deque(maxlen=TRAIL_LENGTH)
        self._draw_cache: dict = {}  # the static grid layer, drawn once
        self._window = None
        self._clock = None

    @property
    def frame_shape(self) -> tuple[int, int, int]:
        """Shape of an ``rgb_array`` frame: (height, width, 3)."""
        w, h = frame_size(self.world.state.grid.shape, CELL)
        return h, w, 3

    # -- Gymnasium API -----------------------------------------------------------------------
    def reset(
        self, *, seed: int | None = None, options: dict[str, Any] | None = None
    ) -> tuple[np.ndarray, dict]:
        super().reset(seed=seed)
        if seed is None and self.world_seed is None:
            seed = int(self.np_random.integers(2**63 - 1))
        if seed is not None:
            self.world_seed = int(seed)
        percept, info = self.world.reset(seed=seed)
        self._trail.clear()
        self._trail.append(info["mouse"])
        if self.render_mode == "human":
            self.render()
        return self._observation(percept), info

    def step(self, action: int) -> tuple[np.ndarray, float, bool, bool, dict]:
        if self.world_seed is None:
            raise gymnasium.error.ResetNeeded("call reset() before step()")
        percept, reward, terminated, truncated, info = self.world.step(action)
        self._trail.append(info["mouse"])
        if self.render_mode == "human":
            self.render()
        return self._observation(percept), float(reward), terminated, truncated, info

    def render(self) -> np.ndarray | None:
        if self.render_mode is None:
            gymnasium.logger.warn(
                "render() called without a render_mode; pass render_mode='rgb_array' or "
                "'human' to the constructor (or to gymnasium.make)"
            )
            return None
        frame = self._frame()
        if self.render_mode == "rgb_array":
            return frame
        self._show(frame)
        return None

    def close(self) -> None:
        if self._window is not None:
            import pygame

            pygame.display.quit()
            self._window = None
            self._clock = None

    # -- internals ---------------------------------------------------------------------------
    def _observation(self, percept: np.ndarray) -> np.ndarray:
        obs = np.zeros(10, dtype=np.float32)
        for i in range(2):
            bearing, distance, sensed = percept[i]
            if sensed > 0:
                obs[4 * i : 4 * i + 4] = (
                    math.sin(bearing),
                    math.cos(bearing),
                    min(distance / self.sense_radius, 1.0),
                    1.0,
                )
        heading = int(self.world.state.mouse[2]) * math.pi / 4.0
        obs[8], obs[9] = math.sin(heading), math.cos(heading)
        return obs

    def _frame(self) -> np.ndarray:
        s = self.world.state
        return render_frame(
            s.grid,
            s.mouse,
            s.cheese,
            s.preds[:, :3],  # x, y, heading: the predator faces where it goes
            list(self._trail),
            self.sense_radius,
            cache=self._draw_cache,
        )

    def _show(self, frame: np.ndarray) -> None:
        os.environ.setdefault("PYGAME_HIDE_SUPPORT_PROMPT", "1")
        import pygame

        if self._window is None:
            try:
                pygame.display.init()
                self._window = pygame.display.set_mode((frame.shape[1], frame.shape[0]))
            except pygame.error as exc:
                raise RuntimeError(
                    f"render_mode='human' needs a display ({exc}); "
                    "on a headless machine use render_mode='rgb_array'"
                ) from None
            pygame.display.set_caption("mousesim")
            self._clock = pygame.time.Clock()
        pygame.event.pump()
        self._window.blit(pygame.surfarray.make_surface(frame.transpose(1, 0, 2)), (0, 0))
        pygame.display.flip()
        self._clock.tick(self.metadata["render_fps"])


def bench(steps: int = 20000, frames: int = 200, seed: int = 0) -> dict[str, float]:
    """Speed of the bare env, for scripts/bench.py: random steps/s and rgb_array frames/s."""
    import time

    env = MouseSimEnv(render_mode="rgb_array")
    env.reset(seed=seed)
    actions = np.random.default_rng(seed).integers(3, size=steps)
    t0 = time.perf_counter()
    for a in actions:
        _, _, terminated, truncated, _ = env.step(int(a))
        if terminated or truncated:
            env.reset()
    t1 = time.perf_counter()
    for k in range(frames):
        env.step(k % 3)
        env.render()
    t2 = time.perf_counter()
    return {"env_steps_per_s": steps / (t1 - t0), "rgb_frames_per_s": frames / (t2 - t1)}


def register() -> None:
    """Register ``mousesim/MouseSim-v0`` (idempotent: importing twice does not re-register)."""
    if ENV_ID not in gymnasium.registry:
        gymnasium.register(
            id=ENV_ID,
            entry_point="mousesim.gym:MouseSimEnv",
            max_episode_steps=WorldConfig().max_steps,
        )


register()

__all__ = ["ENV_ID", "OBS_NAMES", "MouseSimEnv", "bench", "register", "resolve_config"]
