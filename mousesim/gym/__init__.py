"""Gymnasium environments ``mousesim/MouseSim-*-v1``: the mousesim world for any RL agent.

The same jitted rules the ring-attractor mouse lives by, so an RL agent and the mouse can be
compared on the same world. Importing this package registers the ids of `VARIANTS` (needs
the ``gym`` extra: ``pip install mousesim[gym]``), easiest first: ``MouseSim-NoPredator-v1``,
``MouseSim-v1`` (the default config), ``MouseSim-TwoPredators-v1``, ``MouseSim-Maze-v1``;
docs/gym.md gives their reference scores::

    import gymnasium
    import mousesim.gym  # registers mousesim/MouseSim-v1

    env = gymnasium.make("mousesim/MouseSim-v1", config="configs/maze.yaml")
    obs, info = env.reset(seed=0)

    # B worlds in one jitted call per step (MouseSimVectorEnv):
    envs = gymnasium.make_vec("mousesim/MouseSim-v1", num_envs=256,
                              vectorization_mode="vector_entry_point")

Without the import, ``gymnasium.make("mousesim.gym:mousesim/MouseSim-v1")`` imports it for
you (Gymnasium >= 1.0 has no plugin entry points). Stable-Baselines3 trains from the vector
env through `mousesim.gym.sb3.MouseSimSB3VecEnv` (the ``rl`` extra).

Actions (``Discrete(3)``): 0 = turn left 45 deg and step, 1 = step straight on, 2 = turn right
45 deg and step. A step into a wall stays put (a diagonal one may slide along it).

Observation v1 (``Box(14,)``, float32; names in `OBS_NAMES`):

=====  ==========================================================================
0-3    cheese: sin(bearing), cos(bearing), distance / sense_radius (at most 1), sensed
4-7    predator: the same four numbers
8-9    heading: sin, cos (angle counter-clockwise from east on screen)
10-12  whiskers left, ahead, right (the headings actions 0, 1, 2 step along):
       1 = the next step that way is blocked, 0.5 = one free step then a wall,
       0 = two free steps (``WHISKER_REACH`` = 2)
13     blocked: 1 if the last step left the mouse on the same cell (0 after a reset)
=====  ==========================================================================

The bearing is egocentric (0 = straight ahead, positive = to the left). A target beyond
``world.sense_radius`` (or behind a wall with ``world.line_of_sight``), or absent (no
predator), is not sensed and its four numbers are all 0. Only the nearest cheese and predator
are seen. A whisker step follows the world's step rule without sliding.

Reward: cheese reward + predator reward, as the world defines them for the two experts:
cheese reward = the decrease of the distance to the nearest cheese (plus ``eat_bonus`` on
eating); predator reward = the increase of the distance to the nearest predator (minus
``caught_penalty`` when caught). Both are in cells per step and count whether or not the
target is sensed.

Info (the same keys on reset and step, numbers only; arrays in the vector env): ``seed``,
``episode_index``, ``steps``, ``cheese`` (eaten this episode), ``caught``, ``ate`` (this
step), ``blocked``, ``reward_cheese``, ``reward_predator`` (the two reward parts; 0 on reset).
No key that a standard wrapper writes (``episode`` is RecordEpisodeStatistics' and SB3
Monitor's), so those wrappers work unchanged. Positions are in ``env.unwrapped.world.state``
(single) or ``envs.state`` (vector).

Episodes: ``terminated`` when the predator catches the mouse; ``truncated`` after
``world.max_steps`` steps. The env truncates itself (no TimeLimit wrapper), and
``env.spec.max_episode_steps`` reports the config's ``world.max_steps``;
``max_episode_steps=`` replaces it. A ``step()`` after the episode ended, without
``reset()``, warns and changes nothing: the last observation again, reward 0, the same
``terminated``/``truncated`` (a caught mouse is never charged twice). The vector env
autoresets; in its DISABLED mode such a step raises ``ResetNeeded``.

Rendering: ``render_mode="rgb_array"`` needs no display; ``"human"`` opens a pygame window,
and without a display warns once and shows nothing (so ``check_env`` passes headless).

Seeding and maps: ``reset(seed=s)`` builds the world ``mousesim run --seed s`` builds (same
map, same streams). With ``new_maps=True`` (the default) every later ``reset()`` (and every
autoreset of the vector env) builds a new procedural map from a map stream of ``s``, so all
maps are reproducible from ``s``; a ``world.layout`` map stays fixed, and ``new_maps=False``
keeps the seed's map (as ``mousesim run`` does). A first ``reset()`` without a seed draws one
at random and reports it in ``info["seed"]``. The vector env seeds world i with s + i.
"""

from __future__ import annotations

from importlib import resources

import gymnasium

from mousesim.gym.common import INFO_KEYS, resolve_config
from mousesim.gym.env import MouseSimEnv, bench
from mousesim.gym.vector import MouseSimVectorEnv
from mousesim.world.batch import OBS_NAMES, WHISKER_REACH

ENV_ID = "mousesim/MouseSim-v1"

# The registered variants, easiest first (see docs/gym.md for their reference scores). Each is
# MouseSimEnv with a config shipped in mousesim/data (the full config, brain included, so the
# ring brain's reference rows run on the same file); `config=` given to make() replaces it.
VARIANTS: dict[str, str | None] = {
    "mousesim/MouseSim-NoPredator-v1": "gym_no_predator.yaml",
    ENV_ID: None,  # the default config: one chasing predator
    "mousesim/MouseSim-TwoPredators-v1": "gym_two_predators.yaml",
    "mousesim/MouseSim-Maze-v1": "gym_maze.yaml",
}


def variant_config(env_id: str) -> str | None:
    """The config file of a registered variant (None: the built-in default config)."""
    if env_id not in VARIANTS:
        raise KeyError(f"unknown mousesim env id {env_id!r}; registered: {', '.join(VARIANTS)}")
    name = VARIANTS[env_id]
    if name is None:
        return None
    return str(resources.files("mousesim").joinpath("data", name))


def register() -> None:
    """Register every id of `VARIANTS` (idempotent: importing twice does not re-register).

    No ``max_episode_steps`` here: a registered one would cut every config at one length;
    the env truncates itself at the config's ``world.max_steps``."""
    for env_id in VARIANTS:
        if env_id in gymnasium.registry:
            continue
        config = variant_config(env_id)
        gymnasium.register(
            id=env_id,
            entry_point="mousesim.gym.env:MouseSimEnv",
            vector_entry_point="mousesim.gym.vector:MouseSimVectorEnv",
            kwargs={} if config is None else {"config": config},
        )


register()

__all__ = [
    "ENV_ID",
    "INFO_KEYS",
    "OBS_NAMES",
    "VARIANTS",
    "WHISKER_REACH",
    "MouseSimEnv",
    "MouseSimVectorEnv",
    "bench",
    "register",
    "resolve_config",
    "variant_config",
]
