"""The native vector env: make_vec, equality with single envs, autoreset modes, seeds, and
the Stable-Baselines3 adapter."""

from __future__ import annotations

import numpy as np
import pytest

gymnasium = pytest.importorskip("gymnasium")

from gymnasium.vector import AutoresetMode  # noqa: E402

from mousesim.gym import ENV_ID, INFO_KEYS, MouseSimEnv, MouseSimVectorEnv  # noqa: E402

from .conftest import CONFIGS  # noqa: E402

SHORT = {"world": {"max_steps": 60}}  # episodes end often: autoresets are exercised


def _make_vec(n: int, config=SHORT, **kw):
    return gymnasium.make_vec(
        ENV_ID, num_envs=n, vectorization_mode="vector_entry_point", config=config, **kw
    )


def _single_steps(env: MouseSimEnv, action: int, mode: AutoresetMode, pending: bool):
    """What world i of a vector in `mode` returns for one step, from a single env."""
    if mode == AutoresetMode.NEXT_STEP and pending:
        obs, info = env.reset()
        return obs, 0.0, False, False, info, None, False
    obs, reward, terminated, truncated, info = env.step(action)
    final = None
    if mode == AutoresetMode.SAME_STEP and (terminated or truncated):
        final = (obs, info)
        obs, info = env.reset()
    return obs, reward, terminated, truncated, info, final, terminated or truncated


@pytest.mark.parametrize("mode", [AutoresetMode.NEXT_STEP, AutoresetMode.SAME_STEP])
@pytest.mark.parametrize("config", [SHORT, CONFIGS / "maze.yaml"])
def test_world_i_equals_a_single_env_with_seed_s_plus_i(mode, config):
    n, seed = 4, 10
    venv = _make_vec(n, config, autoreset_mode=mode, max_episode_steps=40)
    assert isinstance(venv.unwrapped, MouseSimVectorEnv)
    assert venv.metadata["autoreset_mode"] == mode
    singles = [MouseSimEnv(config, max_episode_steps=40) for _ in range(n)]
    obs, info = venv.reset(seed=seed)
    for i, env in enumerate(singles):
        o, inf = env.reset(seed=seed + i)
        assert np.array_equal(obs[i], o)
        assert {k: info[k][i].item() for k in INFO_KEYS} == inf
    rng = np.random.default_rng(0)
    pending = [False] * n
    ends = 0
    for _ in range(300):
        actions = rng.integers(3, size=n)
        obs, reward, terminated, truncated, info = venv.step(actions)
        for i, env in enumerate(singles):
            o, r, te, tr, inf, final, pending[i] = _single_steps(
                env, int(actions[i]), mode, pending[i]
            )
            assert np.array_equal(obs[i], o)
            assert (reward[i], terminated[i], truncated[i]) == (r, te, tr)
            assert {k: info[k][i].item() for k in INFO_KEYS} == inf
            if final is not None:
                ends += 1
                assert info["_final_obs"][i]
                assert np.array_equal(info["final_obs"][i], final[0])
                assert {k: info["final_info"][k][i].item() for k in INFO_KEYS} == final[1]
            elif "_final_obs" in info:
                assert not info["_final_obs"][i]
    assert ends >= (4 if mode == AutoresetMode.SAME_STEP else 0)
    assert info["episode_index"].min() >= 6


def test_next_step_mode_resets_on_the_step_after_the_end():
    venv = MouseSimVectorEnv(2, SHORT)
    venv.reset(seed=0)
    for _ in range(60):
        _, _, terminated, truncated, info = venv.step(np.ones(2, dtype=np.int64))
        if terminated.any() or truncated.any():
            break
    ended = terminated | truncated
    steps_before = info["steps"].copy()
    _, reward, terminated, truncated, info = venv.step(np.ones(2, dtype=np.int64))
    assert (info["steps"][ended] == 0).all() and (reward[ended] == 0).all()
    assert not (terminated[ended] | truncated[ended]).any()
    assert (info["steps"][~ended] == steps_before[~ended] + 1).all()
    assert (info["episode_index"][ended] == 1).all()


def test_disabled_mode_resets_only_the_masked_worlds():
    venv = MouseSimVectorEnv(3, SHORT, autoreset_mode="disabled")
    venv.reset(seed=5)
    for _ in range(10):
        venv.step(np.zeros(3, dtype=np.int64))
    mask = np.array([True, False, True])
    _, info = venv.reset(options={"reset_mask": mask})
    assert list(info["steps"]) == [0, 10, 0]
    assert list(info["episode_index"]) == [1, 0, 1]
    with pytest.raises(ValueError, match="reset_mask"):
        venv.reset(options={"reset_mask": [1, 0, 1]})


def test_unseeded_vector_draws_seeds_and_reports_them():
    venv = MouseSimVectorEnv(3)
    obs, info = venv.reset()
    s = int(info["seed"][0])
    assert list(info["seed"]) == [s, s + 1, s + 2]
    again = MouseSimVectorEnv(3)
    obs2, _ = again.reset(seed=s)
    assert np.array_equal(obs, obs2)
    assert np.array_equal(again.state.grid, venv.state.grid)


def test_new_maps_at_every_autoreset_and_layouts_stay():
    venv = MouseSimVectorEnv(2, SHORT)
    venv.reset(seed=0)
    first = venv.state.grid.copy()
    for _ in range(70):  # every episode ends within 60 steps
        venv.step(np.ones(2, dtype=np.int64))
    assert (venv.state.episode >= 1).all()
    assert all(not np.array_equal(first[i], venv.state.grid[i]) for i in range(2))
    maze = MouseSimVectorEnv(2, CONFIGS / "maze.yaml", max_episode_steps=20)
    maze.reset(seed=0)
    first = maze.state.grid.copy()
    for _ in range(50):
        maze.step(np.ones(2, dtype=np.int64))
    assert (maze.state.episode >= 1).all() and np.array_equal(maze.state.grid, first)


@pytest.mark.parametrize("max_steps", [25, 700])
def test_vector_episodes_end_at_the_configs_max_steps(max_steps):
    cfg = {"world": {"max_steps": max_steps, "predator": {"count": 0}}}
    venv = _make_vec(2, cfg, autoreset_mode=AutoresetMode.SAME_STEP)
    assert venv.spec.max_episode_steps == max_steps
    venv.reset(seed=0)
    for t in range(1, max_steps + 1):
        _, _, terminated, truncated, info = venv.step(np.zeros(2, dtype=np.int64))
        assert not terminated.any() and truncated.all() == (t == max_steps)
    assert (info["final_info"]["steps"] == max_steps).all() and (info["steps"] == 0).all()


@pytest.mark.parametrize(
    "actions", [np.array([0, 3]), np.array([0, -1]), np.array([0.0, 1.0]), np.array([0, 1, 2])]
)
def test_bad_actions_are_refused(actions):
    venv = MouseSimVectorEnv(2)
    with pytest.raises(gymnasium.error.ResetNeeded):
        venv.step(np.zeros(2, dtype=np.int64))
    venv.reset(seed=0)
    with pytest.raises(ValueError, match="actions"):
        venv.step(actions)


def test_bad_constructor_arguments_are_named():
    with pytest.raises(ValueError, match="autoreset_mode"):
        MouseSimVectorEnv(2, autoreset_mode="sometimes")
    with pytest.raises(ValueError, match="num_envs"):
        MouseSimVectorEnv(0)
    with pytest.raises(ValueError, match="seed"):
        MouseSimVectorEnv(2).reset(seed=[1, 2, 3])


def test_sb3_adapter_steps_like_same_step_mode_with_terminal_observations():
    pytest.importorskip("stable_baselines3", reason="stable-baselines3 (the rl extra) missing")
    from stable_baselines3.common.vec_env.base_vec_env import VecEnv

    from mousesim.gym.sb3 import MouseSimSB3VecEnv

    venv = MouseSimSB3VecEnv(3, SHORT, seed=4)
    assert isinstance(venv, VecEnv) and venv.observation_space.shape == (14,)
    ref = MouseSimVectorEnv(3, SHORT, autoreset_mode="same_step")
    obs = venv.reset()
    ref_obs, _ = ref.reset(seed=4)
    assert np.array_equal(obs, ref_obs) and list(venv.seeds) == [4, 5, 6]
    rng = np.random.default_rng(0)
    ends = 0
    for _ in range(200):
        actions = rng.integers(3, size=3)
        obs, reward, dones, infos = venv.step(actions)
        r_obs, r_reward, term, trunc, r_info = ref.step(actions)
        assert np.array_equal(obs, r_obs) and np.allclose(reward, r_reward)
        assert np.array_equal(dones, term | trunc)
        for i in range(3):
            if dones[i]:
                ends += 1
                assert np.array_equal(infos[i]["terminal_observation"], r_info["final_obs"][i])
                assert infos[i]["TimeLimit.truncated"] == bool(trunc[i])
                assert infos[i]["steps"] == r_info["final_info"]["steps"][i]
            else:
                assert infos[i] == {}
    assert ends >= 6
    venv.seed(100)
    venv.reset()
    assert list(venv.seeds) == [100, 101, 102]
