"""`World`: the grid world alone, with the Gymnasium call shape.

reset(seed) -> (obs, info); step(action) -> (obs, reward, terminated, truncated, info).
The brain-driven `Simulation` calls the same kernels; this class is for
scripted policies (baselines, oracles, tests) and the Gymnasium adapter.

Observation: float64[2, 3], one row per target kind (cheese, predator):
(egocentric bearing in radians, positive left; distance in cells; 1 if sensed).
Reward: cheese reward + predator reward, as `world_step` defines them.
"""

from __future__ import annotations

import numpy as np

from mousesim.common.config import WorldConfig
from mousesim.jit.rng import make_streams
from mousesim.world.kernels import (
    ATE,
    KIND_CHEESE,
    KIND_PREDATOR,
    TERMINATED,
    TRUNCATED,
    WorldState,
    reset_world,
    sense,
    world_step,
)


class World:
    """A seeded grid world driven by actions 0 (turn left + step), 1 (step), 2 (turn right + step)."""

    def __init__(self, cfg: WorldConfig | None = None, seed: int = 0) -> None:
        from mousesim.world.build import build_world, world_params

        self.cfg = cfg or WorldConfig()
        self._build_world = build_world
        self.params = world_params(self.cfg)
        self.kinds = np.array([KIND_CHEESE, KIND_PREDATOR], dtype=np.int64)
        self.ranks = np.zeros(2, dtype=np.int64)
        self._percept = np.zeros((2, 3))
        self._rewards = np.zeros(2)
        self._seed(seed)

    def _seed(self, seed: int) -> None:
        streams = make_streams(seed)
        self.state: WorldState = self._build_world(self.cfg, streams.layout, streams.kernel.copy())

    def observe(self) -> np.ndarray:
        sense(self.state, self.params, self.kinds, self.ranks, self._percept)
        return self._percept.copy()

    def reset(self, seed: int | None = None) -> tuple[np.ndarray, dict]:
        """New episode; a seed rebuilds the map and every stream from that seed."""
        if seed is not None:
            self._seed(seed)
        reset_world(self.state, self.params)
        return self.observe(), self.info()

    def step(self, action: int) -> tuple[np.ndarray, float, bool, bool, dict]:
        if action not in (0, 1, 2):
            raise ValueError(f"action must be 0, 1 or 2, got {action!r}")
        flags = world_step(
            self.state, self.params, int(action), self.kinds, self.ranks, self._rewards
        )
        terminated = bool(flags & TERMINATED)
        truncated = bool(flags & TRUNCATED) and not terminated
        info = self.info()
        info["ate"] = bool(flags & ATE)
        info["reward_cheese"] = float(self._rewards[0])
        info["reward_predator"] = float(self._rewards[1])
        return self.observe(), float(self._rewards.sum()), terminated, truncated, info

    def info(self) -> dict:
        s = self.state
        return {
            "mouse": (int(s.mouse[0]), int(s.mouse[1])),
            "heading": int(s.mouse[2]),
            "cheese": [(int(x), int(y)) for x, y in s.cheese],
            "predators": [(int(p[0]), int(p[1])) for p in s.preds],
            "step": int(s.counters[0]),
            "cheese_eaten": int(s.counters[1]),
        }
