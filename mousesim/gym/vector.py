"""`MouseSimVectorEnv`: B mousesim worlds stepped in one jitted call (Gymnasium VectorEnv).

``gymnasium.make_vec("mousesim/MouseSim-v1", num_envs=B, vectorization_mode="vector_entry_point")``
builds it. All B worlds live in batched arrays (`mousesim.world.batch.BatchState`); `step` is
one call of the jitted `batch_step`, which loops over the worlds in compiled code (no per-env
Python). World i runs the same kernels as a single `MouseSimEnv`, so with seed s + i it is
bit-identical to ``MouseSimEnv`` reset with seed s + i, step for step (episodes, maps and all).

Autoreset (Gymnasium 1.x ``autoreset_mode``, a constructor keyword):

- ``NEXT_STEP`` (default, as Gymnasium's own vector envs): the step that ends an episode
  returns its last observation; the next step resets that world (its action is ignored,
  reward 0, terminated and truncated False) and returns the new episode's first observation.
- ``SAME_STEP`` (what Stable-Baselines3 expects): the ending step resets at once and returns
  the new first observation; ``info["final_obs"][i]`` holds the ended episode's last
  observation and ``info["final_info"]`` its ``steps``, ``cheese`` and ``caught`` (where
  ``info["_final_obs"][i]`` is True).
- ``DISABLED``: no autoreset; reset ended worlds with
  ``reset(options={"reset_mask": mask})``. A step while a world has ended and was not reset
  raises ``gymnasium.error.ResetNeeded`` naming the worlds (stepping on would charge a caught
  world's penalty again).

Info: a dict of arrays, one entry per world, with the keys of `mousesim.gym.common.INFO_KEYS`
(and Gymnasium's ``_key`` masks), on reset and on every step.
"""

from __future__ import annotations

from typing import Any

import gymnasium
import numpy as np
from gymnasium import spaces
from gymnasium.vector import AutoresetMode
from gymnasium.vector.utils import batch_space

from mousesim.gym.common import (
    INFO_KEYS,
    KINDS,
    RANKS,
    ConfigLike,
    ConfigSpec,
    check_seed,
    draw_seed,
    resolve_config,
    seeded_world,
)
from mousesim.world.batch import (
    DISABLED,
    FINAL_COLUMNS,
    NEXT_STEP,
    OBS_DIM,
    OBS_HIGH,
    OBS_LOW,
    SAME_STEP,
    BatchState,
    batch_reset,
    batch_step,
    new_step_out,
)
from mousesim.world.kernels import C_CAUGHT, C_EATEN, C_STEP, NO_CONTROL

_MODES = {
    AutoresetMode.NEXT_STEP: NEXT_STEP,
    AutoresetMode.SAME_STEP: SAME_STEP,
    AutoresetMode.DISABLED: DISABLED,
}


def _autoreset_mode(mode: AutoresetMode | str) -> AutoresetMode:
    if isinstance(mode, AutoresetMode):
        return mode
    for m in AutoresetMode:
        if isinstance(mode, str) and mode.lower().replace("_", "") in (
            m.value.lower(),
            m.name.lower().replace("_", ""),
        ):
            return m
    names = ", ".join(m.name for m in AutoresetMode)
    raise ValueError(f"autoreset_mode must be one of {names} (or AutoresetMode), got {mode!r}")


class MouseSimVectorEnv(ConfigSpec, gymnasium.vector.VectorEnv):
    """B mousesim worlds in batched arrays (see the module docstring).

    Args:
        num_envs: B, the number of worlds.
        config: a YAML config path, a dict, a `SimConfig`, or None (see `MouseSimEnv`).
        new_maps: a new procedural map at every reset after the first (size maps only).
        autoreset_mode: NEXT_STEP (default), SAME_STEP or DISABLED (an `AutoresetMode` or
            its name).
        max_episode_steps: replaces ``world.max_steps``.
        render_mode: None or ``"rgb_array"`` (``render()`` returns one frame per world).
    """

    def __init__(
        self,
        num_envs: int = 1,
        config: ConfigLike = None,
        new_maps: bool = True,
        autoreset_mode: AutoresetMode | str = AutoresetMode.NEXT_STEP,
        max_episode_steps: int | None = None,
        render_mode: str | None = None,
    ) -> None:
        if isinstance(num_envs, bool) or not isinstance(num_envs, int) or num_envs < 1:
            raise ValueError(f"num_envs must be a positive int, got {num_envs!r}")
        if render_mode not in (None, "rgb_array"):
            raise ValueError(f"render_mode must be None or 'rgb_array', got {render_mode!r}")
        self.cfg = resolve_config(config, max_episode_steps)
        mode = _autoreset_mode(autoreset_mode)
        self.metadata = {"autoreset_mode": mode, "render_modes": ["rgb_array"], "render_fps": 10}
        self._mode = _MODES[mode]
        self.num_envs = num_envs
        self.render_mode = render_mode
        self.new_maps = bool(new_maps) and self.cfg.world.layout is None
        self._density = float(self.cfg.world.obstacle_density)
        self.single_action_space = spaces.Discrete(3)
        self.single_observation_space = spaces.Box(OBS_LOW, OBS_HIGH, dtype=np.float32)
        self.action_space = batch_space(self.single_action_space, num_envs)
        self.observation_space = batch_space(self.single_observation_space, num_envs)

        from mousesim.world.build import world_params

        self.params = world_params(self.cfg.world)
        w0, _ = seeded_world(self.cfg, 0)  # the shapes of every world's arrays
        b = num_envs

        def rows(a: np.ndarray) -> np.ndarray:
            return np.zeros((b, *a.shape), dtype=a.dtype)

        self.state = BatchState(
            grid=rows(w0.grid),
            mouse=rows(w0.mouse),
            cheese=rows(w0.cheese),
            preds=rows(w0.preds),
            counters=rows(w0.counters),
            starts=rows(w0.starts),
            rng=rows(w0.rng),
            control=np.full((b, *w0.control.shape), NO_CONTROL, dtype=np.int64),
            map_rng=np.zeros((b, 1), dtype=np.uint64),
            blocked=np.zeros(b, dtype=np.bool_),
            needs_reset=np.zeros(b, dtype=np.bool_),
            episode=np.zeros(b, dtype=np.int64),
        )
        self.seeds = np.full(b, -1, dtype=np.int64)  # info["seed"]; -1 until the first reset
        self._true = np.ones(b, dtype=np.bool_)
        self._ended = np.zeros(b, dtype=np.bool_)  # DISABLED mode: ended, not reset yet
        self._zeros_f = np.zeros(b)
        self._zeros_i = np.zeros(b, dtype=np.int64)
        self._draw_caches: list[dict] = [{} for _ in range(b)]

    # -- Gymnasium API -----------------------------------------------------------------------
    def reset(
        self,
        *,
        seed: int | list[int] | None = None,
        options: dict[str, Any] | None = None,
    ) -> tuple[np.ndarray, dict[str, Any]]:
        """Reset every world (or those in ``options["reset_mask"]``).

        seed: an int s seeds world i with s + i; a list gives each world its seed; None
        starts the next episode of every world's streams (a new map with ``new_maps``), or,
        on the very first reset, draws s at random (reported in ``info["seed"]``)."""
        b = self.num_envs
        mask = self._true
        if options and "reset_mask" in options:
            mask = np.asarray(options["reset_mask"])
            if mask.dtype != np.bool_ or mask.shape != (b,):
                raise ValueError(f"options['reset_mask'] must be a bool array of shape ({b},)")
        if seed is None and (self.seeds < 0).any():
            seed = draw_seed()
        obs = np.zeros((b, OBS_DIM), dtype=np.float32)
        if seed is not None:
            seeds = self._seed_list(seed)
            if isinstance(seed, int | np.integer):
                super().reset(seed=int(seed))
            for i in np.flatnonzero(mask):
                self._seed_world(int(i), seeds[i])
            first = True
        else:
            first = False
        batch_reset(
            self.state, self.params, mask, first, self.new_maps, self._density, KINDS, RANKS, obs
        )
        for i in np.flatnonzero(mask):
            self._draw_caches[i].clear()
        self._ended &= ~mask
        z = self._zeros_f
        return obs, self._info(self._zeros_i, self.state.blocked.copy(), z, z)

    def step(
        self, actions: np.ndarray
    ) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray, dict[str, Any]]:
        if (self.seeds < 0).any():
            raise gymnasium.error.ResetNeeded("call reset() before step()")
        a = np.asarray(actions)
        if a.shape != (self.num_envs,) or a.dtype.kind not in "iu":
            raise ValueError(
                f"actions must be {self.num_envs} ints in 0..2, got shape {a.shape} {a.dtype}"
            )
        if a.size and (a.min() < 0 or a.max() > 2):
            raise ValueError(f"actions must be 0, 1 or 2, got values {a.min()}..{a.max()}")
        if self._ended.any():  # DISABLED mode: stepping an ended world would charge it again
            worlds = ", ".join(str(i) for i in np.flatnonzero(self._ended)[:10])
            raise gymnasium.error.ResetNeeded(
                f"world(s) {worlds} ended and autoreset_mode is DISABLED: reset them with "
                "reset(options={'reset_mask': mask}) before the next step()"
            )
        out = new_step_out(self.num_envs)
        batch_step(
            self.state,
            self.params,
            a.astype(np.int64, copy=False),
            self._mode,
            self.new_maps,
            self._density,
            KINDS,
            RANKS,
            out,
        )
        info = self._info(out.ate, self.state.blocked.copy(), out.parts[:, 0], out.parts[:, 1])
        if self._mode == DISABLED:
            self._ended |= out.terminated | out.truncated
        if self._mode == SAME_STEP and out.ended.any():
            info["final_obs"] = out.final_obs
            info["_final_obs"] = out.ended
            final: dict[str, Any] = {
                "seed": info["seed"],
                "episode_index": info["episode_index"] - 1,
            }
            for j, k in enumerate(FINAL_COLUMNS):
                final[k] = out.final[:, j]
            final["caught"] = final["caught"].astype(np.bool_)
            final["blocked"] = final["blocked"].astype(np.bool_)
            final["reward_cheese"] = out.final_parts[:, 0]
            final["reward_predator"] = out.final_parts[:, 1]
            final = {k: final[k] for k in INFO_KEYS}  # the same order as every info
            for k in INFO_KEYS:
                final[f"_{k}"] = out.ended
            info["final_info"] = final
            info["_final_info"] = out.ended
        return out.obs, out.reward, out.terminated, out.truncated, info

    def render(self) -> tuple[np.ndarray, ...] | None:
        if self.render_mode != "rgb_array":
            gymnasium.logger.warn("render() needs render_mode='rgb_array'")
            return None
        from mousesim.render.frames import render_frame

        s = self.state
        return tuple(
            render_frame(
                s.grid[i],
                s.mouse[i],
                s.cheese[i],
                s.preds[i][:, :3],
                [(int(s.mouse[i, 0]), int(s.mouse[i, 1]))],
                float(self.cfg.world.sense_radius),
                cache=self._draw_caches[i],
            )
            for i in range(self.num_envs)
        )

    # -- internals ---------------------------------------------------------------------------
    def _seed_list(self, seed: int | list[int]) -> list[int]:
        if isinstance(seed, list | tuple | np.ndarray):
            if len(seed) != self.num_envs:
                raise ValueError(f"seed must be an int or {self.num_envs} ints, got {len(seed)}")
            return [check_seed(s) for s in seed]
        s = check_seed(seed)
        check_seed(s + self.num_envs - 1)
        return [s + i for i in range(self.num_envs)]

    def _seed_world(self, i: int, seed: int) -> None:
        ws, map_rng = seeded_world(self.cfg, seed)
        s = self.state
        s.grid[i], s.starts[i], s.rng[i], s.map_rng[i] = ws.grid, ws.starts, ws.rng, map_rng
        self.seeds[i] = seed

    def _info(
        self, ate: np.ndarray, blocked: np.ndarray, r_cheese: np.ndarray, r_pred: np.ndarray
    ) -> dict[str, Any]:
        c = self.state.counters
        values = (
            self.seeds.copy(),
            self.state.episode.copy(),
            c[:, C_STEP].copy(),
            c[:, C_EATEN].copy(),
            c[:, C_CAUGHT].astype(np.bool_),
            ate,
            blocked,
            np.array(r_cheese),
            np.array(r_pred),
        )
        info: dict[str, Any] = {}
        for key, v in zip(INFO_KEYS, values, strict=True):
            info[key] = v
            info[f"_{key}"] = self._true
        return info
