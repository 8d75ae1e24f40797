"""The Gymnasium environment as an RL user meets it: make, check_env, seeds, observations,
rewards, episode ends and frames."""

from __future__ import annotations

import math
import subprocess
import sys
import warnings

import numpy as np
import pytest

gymnasium = pytest.importorskip("gymnasium")

from gymnasium.utils.env_checker import check_env  # noqa: E402

# Importing mousesim.gym registers mousesim/MouseSim-v0.
from mousesim.gym import ENV_ID, MouseSimEnv  # noqa: E402

from .conftest import CONFIGS, ROOT  # noqa: E402


def _dist(a, b) -> float:
    return math.hypot(a[0] - b[0], a[1] - b[1])


@pytest.mark.parametrize("render_mode", [None, "rgb_array"])
@pytest.mark.parametrize("config", [None, CONFIGS / "maze.yaml", CONFIGS / "no_predator.yaml"])
def test_check_env_passes_without_warnings(render_mode, config):
    env = gymnasium.make(ENV_ID, config=config, render_mode=render_mode)
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        check_env(env.unwrapped)
    assert [str(w.message) for w in caught] == []
    env.close()


def _rollout(seed: int, steps: int = 1000, action_seed: int = 0):
    env = gymnasium.make(ENV_ID, config={"world": {"max_steps": 100}})
    actions = np.random.default_rng(action_seed)
    out = []
    obs, info = env.reset(seed=seed)
    out.append(("reset", obs, info))
    resets = 0
    for _ in range(steps):
        obs, reward, terminated, truncated, info = env.step(int(actions.integers(3)))
        out.append(("step", obs, reward, terminated, truncated, info))
        if terminated or truncated:
            obs, info = env.reset()
            out.append(("reset", obs, info))
            resets += 1
    return out, resets


def _same(a, b) -> bool:
    if isinstance(a, np.ndarray):
        return a.dtype == b.dtype and a.tobytes() == b.tobytes()
    if isinstance(a, tuple | list):
        return len(a) == len(b) and all(_same(x, y) for x, y in zip(a, b, strict=True))
    return type(a) is type(b) and a == b


def test_same_seed_same_trajectory_across_resets():
    a, resets = _rollout(seed=7)
    b, _ = _rollout(seed=7)
    assert resets >= 3  # the comparison really spans several episodes
    assert len(a) == len(b)
    for i, (x, y) in enumerate(zip(a, b, strict=True)):
        assert _same(x, y), f"rollouts differ at record {i}: {x} vs {y}"
    c, _ = _rollout(seed=8)
    assert not all(_same(x, y) for x, y in zip(a, c, strict=False))


def test_seed_builds_the_same_world_as_a_run_with_that_seed():
    from mousesim.io.yaml_config import load_config
    from mousesim.sim.simulation import Simulation

    cfg = load_config(None)
    env = MouseSimEnv(cfg)
    env.reset(seed=11)
    sim = Simulation(cfg, seed=11)
    sim.reset()
    assert np.array_equal(env.world.state.grid, sim.world.grid)
    assert np.array_equal(env.world.state.mouse, sim.world.mouse)
    assert np.array_equal(env.world.state.cheese, sim.world.cheese)


def test_observation_matches_the_documented_layout():
    env = MouseSimEnv({"world": {"sense_radius": 6.0}})
    obs, info = env.reset(seed=3)
    rng = np.random.default_rng(1)
    seen = {True: 0, False: 0}
    for _ in range(400):
        percept = env.world.observe()  # (bearing, distance, visible) per target
        for i in range(2):
            sin_b, cos_b, dist, sensed = obs[4 * i : 4 * i + 4]
            bearing, distance, visible = percept[i]
            assert sensed == visible
            seen[bool(visible)] += 1
            if visible:
                assert math.isclose(math.atan2(sin_b, cos_b), bearing, abs_tol=1e-5)
                assert math.isclose(dist, min(distance / 6.0, 1.0), abs_tol=1e-6)
            else:
                assert sin_b == cos_b == dist == 0.0
        h = info["heading"] * math.pi / 4
        assert math.isclose(obs[8], math.sin(h), abs_tol=1e-6)
        assert math.isclose(obs[9], math.cos(h), abs_tol=1e-6)
        assert obs in env.observation_space
        obs, _, terminated, truncated, info = env.step(int(rng.integers(3)))
        if terminated or truncated:
            obs, info = env.reset()
    assert seen[True] > 0 and seen[False] > 0  # both cases were exercised


def test_no_predator_gives_zero_predator_observation():
    env = gymnasium.make(ENV_ID, config=CONFIGS / "no_predator.yaml")
    obs, _ = env.reset(seed=0)
    for _ in range(50):
        assert not obs[4:8].any()
        obs, *_ = env.step(1)


def test_reward_is_cheese_plus_predator_distance_change():
    env = MouseSimEnv()
    _, info = env.reset(seed=5)
    rng = np.random.default_rng(2)
    checked = 0
    for _ in range(300):
        prev = info
        _, reward, terminated, truncated, info = env.step(int(rng.integers(3)))
        assert reward == pytest.approx(info["reward_cheese"] + info["reward_predator"])
        if not info["ate"] and not terminated:
            d_cheese = _dist(prev["mouse"], prev["cheese"][0]) - _dist(
                info["mouse"], info["cheese"][0]
            )
            d_pred = _dist(info["mouse"], info["predators"][0]) - _dist(
                prev["mouse"], prev["predators"][0]
            )
            assert info["reward_cheese"] == pytest.approx(d_cheese)
            assert info["reward_predator"] == pytest.approx(d_pred)
            checked += 1
        if terminated or truncated:
            _, info = env.reset()
    assert checked > 100


def test_truncated_at_max_steps_without_predator():
    env = MouseSimEnv({"world": {"max_steps": 30, "predator": {"count": 0}}})
    for seed in range(3):
        env.reset(seed=seed)
        for t in range(1, 31):
            _, _, terminated, truncated, _ = env.step(t % 3)
            assert not terminated
            assert truncated == (t == 30)


def test_terminated_when_caught_with_the_penalty():
    cfg = {
        "world": {
            "size": 8,
            "obstacle_density": 0.0,
            "predator": {"move_prob": 1.0, "chase_prob": 1.0, "vision_radius": 20.0},
        }
    }
    env = gymnasium.make(ENV_ID, config=cfg)
    _, info = env.reset(seed=0)
    for _ in range(500):
        prev = info
        _, _, terminated, truncated, info = env.step(1)
        if terminated or truncated:
            break
    assert terminated and not truncated
    assert info["predators"][0] == info["mouse"]  # catch_radius 0: same cell
    d_prev = _dist(prev["mouse"], prev["predators"][0])
    assert info["reward_predator"] == pytest.approx(0.0 - d_prev - 10.0)  # caught_penalty 10


def test_rgb_array_frames_have_the_declared_shape_and_follow_the_mouse():
    env = gymnasium.make(ENV_ID, config=CONFIGS / "maze.yaml", render_mode="rgb_array")
    env.reset(seed=0)
    shape = env.unwrapped.frame_shape
    grid = env.unwrapped.world.state.grid
    assert shape[:2] == (grid.shape[0] * 16, grid.shape[1] * 16) and shape[2] == 3
    frame = env.render()
    assert frame.shape == shape and frame.dtype == np.uint8
    moved = 0
    for _ in range(20):
        before = env.unwrapped.world.state.mouse[:2].copy()
        env.step(int(np.random.default_rng(moved).integers(3)))
        new = env.render()
        assert new.shape == shape
        if not np.array_equal(before, env.unwrapped.world.state.mouse[:2]):
            moved += 1
            assert not np.array_equal(new, frame)
        frame = new
    assert moved > 0


def test_render_without_mode_warns_and_returns_none():
    env = MouseSimEnv()
    env.reset(seed=0)
    with pytest.warns(UserWarning, match="render_mode"):
        assert env.render() is None


def test_human_mode_opens_a_window_with_the_dummy_driver(monkeypatch):
    monkeypatch.setenv("SDL_VIDEODRIVER", "dummy")
    env = gymnasium.make(ENV_ID, render_mode="human")
    env.reset(seed=0)
    env.step(1)
    assert env.unwrapped._window is not None
    env.close()
    assert env.unwrapped._window is None


def test_make_with_yaml_config_and_time_limit():
    env = gymnasium.make(ENV_ID, config=str(CONFIGS / "maze.yaml"))
    assert env.unwrapped.cfg.world.line_of_sight is True
    assert env.spec.max_episode_steps == 500


def test_bad_config_is_a_config_error_naming_the_file(tmp_path):
    from mousesim.io.yaml_config import ConfigError

    with pytest.raises(ConfigError, match=r"nope\.yaml"):
        MouseSimEnv(tmp_path / "nope.yaml")
    with pytest.raises(ConfigError, match="sense_radus"):
        MouseSimEnv({"world": {"sense_radus": 3}})


def test_step_before_reset_is_refused():
    with pytest.raises(gymnasium.error.ResetNeeded):
        MouseSimEnv().step(1)


def test_make_imports_mousesim_by_module_prefix_in_a_fresh_interpreter():
    code = (
        "import sys, gymnasium\n"
        "assert 'mousesim' not in sys.modules\n"
        "env = gymnasium.make('mousesim.gym:mousesim/MouseSim-v0')\n"
        "obs, info = env.reset(seed=0)\n"
        "print(obs.shape, env.spec.id)\n"
    )
    r = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, cwd=ROOT, timeout=300
    )
    assert r.returncode == 0, r.stderr
    assert r.stdout.split() == ["(10,)", "mousesim/MouseSim-v0"]
