"""Stable-Baselines3 adapter: `MouseSimSB3VecEnv`, SB3's `VecEnv` over the native vector env.

Needs the ``rl`` extra (``pip install mousesim[rl]``: stable-baselines3 and torch)::

    from stable_baselines3 import PPO
    from mousesim.gym.sb3 import MouseSimSB3VecEnv

    venv = MouseSimSB3VecEnv(num_envs=16, config="configs/no_predator.yaml", seed=0)
    PPO("MlpPolicy", venv).learn(100_000)

The worlds step in one jitted call (`MouseSimVectorEnv` in SAME_STEP autoreset mode, the
rule SB3 expects). For a world whose episode ended in a step, its info dict carries SB3's
``terminal_observation`` and ``TimeLimit.truncated`` plus the episode's ``steps``,
``cheese`` and ``caught``; other worlds get an empty dict (no per-world Python for them).
Wrap it in SB3's ``VecMonitor`` for episode statistics (``info["episode"]``), as SB3 expects.

The usual SB3 route works too, one Python env per world (slower)::

    PPO("MlpPolicy", "mousesim/MouseSim-v1").learn(100_000)  # after import mousesim.gym
    make_vec_env("mousesim/MouseSim-Maze-v1", n_envs=8)
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import numpy as np

try:
    from stable_baselines3.common.vec_env.base_vec_env import VecEnv, VecEnvIndices
except ImportError as exc:  # the rl extra is optional: say how to get it
    raise ImportError(
        "mousesim.gym.sb3 needs stable-baselines3: pip install 'mousesim[rl]'"
    ) from exc

from mousesim.gym.common import ConfigLike
from mousesim.gym.vector import MouseSimVectorEnv


class MouseSimSB3VecEnv(VecEnv):
    """SB3 `VecEnv` of `num_envs` mousesim worlds (seeds `seed`, `seed` + 1, ...; a random
    seed when None, reported by `seeds`). Other keywords go to `MouseSimVectorEnv`;
    ``render_mode="rgb_array"`` gives frames to SB3's ``render()`` and `VecVideoRecorder`."""

    def __init__(
        self,
        num_envs: int,
        config: ConfigLike = None,
        seed: int | None = None,
        new_maps: bool = True,
        max_episode_steps: int | None = None,
        render_mode: str | None = None,
    ) -> None:
        self.venv = MouseSimVectorEnv(
            num_envs,
            config,
            new_maps=new_maps,
            autoreset_mode="SAME_STEP",
            max_episode_steps=max_episode_steps,
            render_mode=render_mode,
        )
        self.render_mode = render_mode
        super().__init__(
            num_envs, self.venv.single_observation_space, self.venv.single_action_space
        )
        self._first_seed = seed
        self._actions: np.ndarray | None = None

    @property
    def seeds(self) -> np.ndarray:
        """Each world's seed (info["seed"] of the native env; -1 before the first reset)."""
        return self.venv.seeds

    def reset(self) -> np.ndarray:
        # VecEnv.seed(s) stores s, s + 1, ... for the next reset; a first reset uses the seed
        # given to the constructor.
        seeds = self._seeds if any(s is not None for s in self._seeds) else None
        if seeds is None and self._first_seed is not None and (self.venv.seeds < 0).any():
            seeds = self._first_seed
        obs, _ = self.venv.reset(seed=seeds)
        self.reset_infos = [{} for _ in range(self.num_envs)]
        self._reset_seeds()
        self._reset_options()
        return obs

    def step_async(self, actions: np.ndarray) -> None:
        self._actions = np.asarray(actions).reshape(self.num_envs).astype(np.int64)

    def step_wait(self) -> tuple[np.ndarray, np.ndarray, np.ndarray, list[dict]]:
        obs, reward, terminated, truncated, info = self.venv.step(self._actions)
        dones = terminated | truncated
        infos: list[dict[str, Any]] = [{} for _ in range(self.num_envs)]
        if dones.any():
            final = info["final_info"]
            for i in np.flatnonzero(dones):
                infos[i] = {
                    "terminal_observation": info["final_obs"][i],
                    "TimeLimit.truncated": bool(truncated[i]),
                    "steps": int(final["steps"][i]),
                    "cheese": int(final["cheese"][i]),
                    "caught": bool(final["caught"][i]),
                }
        return obs, reward.astype(np.float32), dones, infos

    def close(self) -> None:
        self.venv.close()

    def get_attr(self, attr_name: str, indices: VecEnvIndices = None) -> list[Any]:
        value = getattr(self.venv, attr_name)
        return [value for _ in self._get_indices(indices)]

    def set_attr(self, attr_name: str, value: Any, indices: VecEnvIndices = None) -> None:
        setattr(self.venv, attr_name, value)

    def env_method(
        self, method_name: str, *method_args, indices: VecEnvIndices = None, **method_kwargs
    ) -> list[Any]:
        result = getattr(self.venv, method_name)(*method_args, **method_kwargs)
        return [result for _ in self._get_indices(indices)]

    def env_is_wrapped(self, wrapper_class: type, indices: VecEnvIndices = None) -> list[bool]:
        return [False for _ in self._get_indices(indices)]

    def get_images(self) -> Sequence[np.ndarray | None]:
        if self.render_mode != "rgb_array":
            return [None for _ in range(self.num_envs)]
        return list(self.venv.render())
