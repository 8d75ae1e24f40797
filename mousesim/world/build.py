"""A world's kernel arrays and constants, built from its config (`WorldConfig`)."""

from __future__ import annotations

import numpy as np

from mousesim.common.config import WorldConfig
from mousesim.world.grid import build_grid
from mousesim.world.kernels import (
    NO_CONTROL,
    POLICY_CHASE,
    POLICY_PATROL,
    POLICY_RANDOM,
    WorldParams,
    WorldState,
)

_POLICIES = {"chase": POLICY_CHASE, "random": POLICY_RANDOM, "patrol": POLICY_PATROL}


def world_params(cfg: WorldConfig) -> WorldParams:
    pred = cfg.predator
    return WorldParams(
        max_steps=int(cfg.max_steps),
        respawn_min_dist=float(cfg.cheese.respawn_min_dist),
        eat_bonus=float(cfg.cheese.eat_bonus),
        caught_penalty=float(pred.caught_penalty),
        policy=_POLICIES[pred.policy],
        move_prob=float(pred.move_prob),
        chase_prob=float(pred.chase_prob),
        vision_radius=float(pred.vision_radius),
        give_up=int(pred.give_up),
        catch_radius=int(pred.catch_radius),
        min_start_dist=float(pred.min_start_dist),
        sense_radius=float(cfg.sense_radius),
        line_of_sight=int(cfg.line_of_sight),
        slide=int(cfg.mouse.slide),
    )


def build_world(cfg: WorldConfig, layout_rng: np.random.Generator, rng: np.ndarray) -> WorldState:
    grid, starts = build_grid(cfg, layout_rng)
    return WorldState(
        grid=grid,
        mouse=np.zeros(3, dtype=np.int64),
        cheese=np.zeros((cfg.cheese.count, 2), dtype=np.int64),
        preds=np.zeros((cfg.predator.count, 6), dtype=np.int64),
        counters=np.zeros(4, dtype=np.int64),
        starts=starts,
        rng=rng,
        control=np.full(2, NO_CONTROL, dtype=np.int64),
    )
