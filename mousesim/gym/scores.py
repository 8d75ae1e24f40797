"""Scoring any agent on the env as `mousesim eval` scores its players, and the reference rows.

An agent is evaluated on evaluation seeds 0..K-1: on seed s it plays M episodes in the world
`mousesim eval` builds from s (the seed's map, kept for every episode, as `new_maps=False`),
with the metrics of `mousesim eval` (cheese per episode, caught rate, catches per 1000 steps,
mean survival, score = cheese - 5 x caught rate). The reference players (random, oracle, the
ring brain) are `mousesim eval`'s own; `play` runs any policy that maps a batch of
observations to actions (a trained SB3 model's ``predict``, for instance), all seeds stepping
in one vector env.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence

import numpy as np

from mousesim.common.config import SimConfig
from mousesim.gym.common import ConfigLike, resolve_config
from mousesim.gym.vector import MouseSimVectorEnv

# obs float32[B, 14] -> actions int[B]
BatchPolicy = Callable[[np.ndarray], np.ndarray]


def catch_weight() -> float:
    from mousesim.evaluate.evaluate import DEFAULT_CATCH_WEIGHT

    return DEFAULT_CATCH_WEIGHT


def play(
    policy: BatchPolicy, config: ConfigLike, seeds: Sequence[int], episodes: int
) -> list[dict]:
    """Per-seed metric rows of `policy`: `episodes` episodes on each seed's map.

    World i is seeded seeds[i] with new_maps off, so its episodes are those of
    ``MouseSimEnv(config, new_maps=False)`` reset with that seed and then reset again after
    every episode (the sequence does not depend on the other worlds)."""
    from mousesim.evaluate.stats import episode_metrics

    if episodes < 1 or not seeds:
        raise ValueError("play needs at least one seed and one episode")
    venv = MouseSimVectorEnv(len(seeds), config, new_maps=False, autoreset_mode="same_step")
    obs, _ = venv.reset(seed=[int(s) for s in seeds])
    rows: list[list[dict]] = [[] for _ in seeds]
    while min(len(r) for r in rows) < episodes:
        actions = np.asarray(policy(obs)).reshape(len(seeds)).astype(np.int64)
        obs, _, _, _, info = venv.step(actions)
        if "final_info" in info:
            fin = info["final_info"]
            for i in np.flatnonzero(info["_final_info"]):
                if len(rows[i]) < episodes:
                    rows[i].append(
                        {
                            "steps": int(fin["steps"][i]),
                            "cheese": int(fin["cheese"][i]),
                            "caught": int(fin["caught"][i]),
                        }
                    )
    w = catch_weight()
    return [{"seed": int(s), **episode_metrics(r, w)} for s, r in zip(seeds, rows, strict=True)]


def scripted_rows(name: str, config: ConfigLike, seeds: Sequence[int], episodes: int) -> list[dict]:
    """`mousesim eval`'s ``random`` or ``oracle`` rows (the same episodes, the same figures)."""
    from mousesim.evaluate.oracle import OraclePlanner
    from mousesim.evaluate.scripted import random_policy, run_policy
    from mousesim.evaluate.stats import episode_metrics
    from mousesim.world.world import World

    cfg = resolve_config(config)
    out = []
    for s in seeds:
        if name == "random":
            policy = random_policy(np.random.default_rng(s))
        elif name == "oracle":
            policy = OraclePlanner.for_world(cfg.world)
        else:
            raise ValueError(f"scripted player must be random or oracle, got {name!r}")
        ep = run_policy(World(cfg.world, s), policy, episodes, s)
        out.append({"seed": int(s), **episode_metrics(ep, catch_weight())})
    return out


def ring_rows(
    cfg: SimConfig, seeds: Sequence[int], train_steps: Sequence[int], episodes: int
) -> dict[int, list[dict]]:
    """The ring brain (`mousesim eval`'s ``learned`` player) after about each of `train_steps`
    steps of learning: on seed s a fresh brain learns on s's map, whole episodes until it has
    taken at least that many steps, then plays `episodes` episodes with learning off in a fresh
    world from s. {steps: per-seed rows (with ``trained_steps``, the exact count)}."""
    from mousesim.evaluate.evaluate import _eval_brain
    from mousesim.evaluate.stats import episode_metrics
    from mousesim.sim.simulation import Simulation

    marks = sorted(set(train_steps))
    out: dict[int, list[dict]] = {m: [] for m in marks}
    for s in seeds:
        sim = Simulation(cfg, seed=s)
        sim.set_learning(True)
        done = 0
        for m in marks:
            while done < m:
                done += int(sim.run_episode()["steps"])
            ep = _eval_brain(cfg, s, episodes, cfg.run.greedy, None, trained=sim)
            out[m].append(
                {"seed": int(s), "trained_steps": done, **episode_metrics(ep, catch_weight())}
            )
    return out
