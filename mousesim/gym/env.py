"""`MouseSimEnv`: one mousesim world as a Gymnasium env (``mousesim/MouseSim-v1``).

A thin layer over `mousesim.world.world.World`: each step is one call of the jitted
`mousesim.world.batch.step_one` (the world's own `world_step` plus the observation), the same
function the vector env runs per world. See `mousesim.gym` for the observation, reward,
seeding and map rules.
"""

from __future__ import annotations

import os
from collections import deque
from typing import Any, ClassVar

import gymnasium
import numpy as np
from gymnasium import spaces

from mousesim.gym.common import (
    KINDS,
    RANKS,
    ConfigLike,
    ConfigSpec,
    check_seed,
    draw_seed,
    resolve_config,
)
from mousesim.render.frames import CELL, frame_size, render_frame
from mousesim.world.batch import OBS_DIM, OBS_HIGH, OBS_LOW, observe, reset_one, step_one
from mousesim.world.kernels import C_CAUGHT, C_EATEN, C_STEP, TERMINATED, TRUNCATED
from mousesim.world.mapgen import map_stream
from mousesim.world.world import World

TRAIL_LENGTH = 20  # cells of the mouse's recent path drawn in frames
HUMAN_HINT = (
    "render_mode='human' needs a display ({why}); on a headless machine use "
    "render_mode='rgb_array' (or set SDL_VIDEODRIVER=dummy to draw off-screen)"
)
HEADLESS = "; no window opens and render() draws nothing (the env runs as without a render_mode)"
ENDED = (
    "step() called after the episode ended (terminated={terminated}, truncated={truncated}) "
    "without reset(): the world stays as it ended, reward 0 and the same flags; call reset()"
)


class MouseSimEnv(ConfigSpec, gymnasium.Env[np.ndarray, np.int64]):
    """The mousesim grid world as a Gymnasium environment (see `mousesim.gym`).

    Args:
        config: a YAML config path, a dict, a `SimConfig`, or None for the built-in default.
            Only the ``world`` section matters here (there is no brain).
        render_mode: None, ``"rgb_array"`` (``render()`` returns uint8[H, W, 3]; no display
            needed) or ``"human"`` (a pygame window, updated on every reset and step). Without
            a display, ``"human"`` warns once and shows nothing (as Gymnasium's checker and
            headless CI expect), instead of failing.
        new_maps: a new procedural map at every reset after the first (size maps only; a
            layout map stays fixed). False: one map per seed, as `mousesim run` plays.
        max_episode_steps: replaces ``world.max_steps`` (the episode is truncated there).
    """

    metadata: ClassVar[dict[str, Any]] = {"render_modes": ["human", "rgb_array"], "render_fps": 10}

    def __init__(
        self,
        config: ConfigLike = None,
        render_mode: str | None = None,
        new_maps: bool = True,
        max_episode_steps: int | None = None,
    ) -> None:
        if render_mode is not None and render_mode not in self.metadata["render_modes"]:
            raise ValueError(
                f"render_mode must be one of {self.metadata['render_modes']} or None, "
                f"got {render_mode!r}"
            )
        self.cfg = resolve_config(config, max_episode_steps)
        if render_mode == "human":
            os.environ.setdefault("PYGAME_HIDE_SUPPORT_PROMPT", "1")
            from mousesim.render.app import NoDisplayError, open_display

            try:
                open_display(HUMAN_HINT)
            except NoDisplayError as exc:
                gymnasium.logger.warn(f"{exc}{HEADLESS}")
                self._headless = True
        self.world = World(self.cfg.world, seed=0)
        self.new_maps = bool(new_maps) and self.cfg.world.layout is None
        self.seed: int | None = None  # the seed of the last seeded reset (info["seed"])
        self.episode = 0
        self.render_mode = render_mode
        self.action_space = spaces.Discrete(3)
        self.observation_space = spaces.Box(OBS_LOW, OBS_HIGH, dtype=np.float32)
        self._map_rng = map_stream(0)
        self._rewards = np.zeros(2)
        self._blocked = False
        self._trail: deque[tuple[int, int]] = deque(maxlen=TRAIL_LENGTH)
        self._draw_cache: dict = {}  # the static grid layer, drawn once per map
        self._window = None
        self._clock = None
        self._ended: tuple[bool, bool] | None = None  # (terminated, truncated) once it ended
        self._last_obs = np.zeros(OBS_DIM, dtype=np.float32)

    _headless = False  # human mode without a display: nothing is shown

    @property
    def frame_shape(self) -> tuple[int, int, int]:
        """Shape of an ``rgb_array`` frame: (height, width, 3)."""
        w, h = frame_size(self.world.state.grid.shape, CELL)
        return h, w, 3

    # -- Gymnasium API -----------------------------------------------------------------------
    def reset(
        self, *, seed: int | None = None, options: dict[str, Any] | None = None
    ) -> tuple[np.ndarray, dict]:
        if seed is None and self.seed is None:
            seed = draw_seed()
        if seed is not None:
            seed = check_seed(seed)
        super().reset(seed=seed)
        obs = np.empty(OBS_DIM, dtype=np.float32)
        wp = self.world.params
        if seed is not None:  # the seed's own world, exactly as `mousesim run --seed`
            self.world.reset(seed=seed)
            self.seed, self.episode = seed, 0
            self._map_rng = map_stream(seed)
            observe(self.world.state, wp, False, obs)
        else:
            density = self.cfg.world.obstacle_density
            ws = self.world.state
            reset_one(ws, wp, self.new_maps, density, self._map_rng, obs)
            self.episode += 1
        ws = self.world.state
        if self.new_maps or seed is not None:
            self._draw_cache.clear()
        self._rewards[:] = 0.0
        self._blocked = False
        self._trail.clear()
        self._trail.append((int(ws.mouse[0]), int(ws.mouse[1])))
        self._ended = None
        self._last_obs = obs
        if self.render_mode == "human":
            self.render()
        return obs, self._info(0)

    def step(self, action: int) -> tuple[np.ndarray, float, bool, bool, dict]:
        if self.seed is None:
            raise gymnasium.error.ResetNeeded("call reset() before step()")
        if isinstance(action, np.ndarray) and action.shape == ():
            action = action.item()
        if (
            isinstance(action, bool)
            or not isinstance(action, int | np.integer)
            or not (0 <= action <= 2)
        ):
            raise ValueError(f"action must be 0, 1 or 2, got {action!r}")
        if self._ended is not None:  # Gymnasium leaves this undefined; never charge twice
            terminated, truncated = self._ended
            gymnasium.logger.warn(ENDED.format(terminated=terminated, truncated=truncated))
            self._rewards[:] = 0.0
            return self._last_obs.copy(), 0.0, terminated, truncated, self._info(0)
        ws = self.world.state
        eaten = int(ws.counters[C_EATEN])
        obs = np.empty(OBS_DIM, dtype=np.float32)
        flags, blocked = step_one(
            ws, self.world.params, int(action), KINDS, RANKS, self._rewards, obs
        )
        self._blocked = bool(blocked)
        terminated = bool(flags & TERMINATED)
        truncated = bool(flags & TRUNCATED) and not terminated
        if terminated or truncated:
            self._ended = (terminated, truncated)
        self._last_obs = obs
        self._trail.append((int(ws.mouse[0]), int(ws.mouse[1])))
        if self.render_mode == "human":
            self.render()
        info = self._info(int(ws.counters[C_EATEN]) - eaten)
        return obs, float(self._rewards[0] + self._rewards[1]), terminated, truncated, info

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
    def _info(self, ate: int) -> dict[str, Any]:
        c = self.world.state.counters
        return {
            "seed": self.seed,
            "episode_index": self.episode,
            "steps": int(c[C_STEP]),
            "cheese": int(c[C_EATEN]),
            "caught": bool(c[C_CAUGHT]),
            "ate": ate,
            "blocked": self._blocked,
            "reward_cheese": float(self._rewards[0]),
            "reward_predator": float(self._rewards[1]),
        }

    def _frame(self) -> np.ndarray:
        s = self.world.state
        return render_frame(
            s.grid,
            s.mouse,
            s.cheese,
            s.preds[:, :3],  # x, y, heading: the predator faces where it goes
            list(self._trail),
            float(self.cfg.world.sense_radius),
            cache=self._draw_cache,
        )

    def _show(self, frame: np.ndarray) -> None:
        if self._headless:
            return
        import pygame

        if self._window is None:
            try:
                pygame.display.init()
                self._window = pygame.display.set_mode((frame.shape[1], frame.shape[0]))
            except pygame.error as exc:
                from mousesim.render.app import NoDisplayError

                raise NoDisplayError(HUMAN_HINT.format(why=str(exc).strip())) from None
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
