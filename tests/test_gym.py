"""The Gymnasium environment as an RL user meets it: make, check_env, seeds, maps,
observations, rewards, info, episode ends and frames."""

from __future__ import annotations

import math
import subprocess
import sys
import warnings

import numpy as np
import pytest

gymnasium = pytest.importorskip("gymnasium")

from gymnasium.utils.env_checker import check_env  # noqa: E402

# Importing mousesim.gym registers mousesim/MouseSim-v1.
from mousesim.gym import ENV_ID, INFO_KEYS, OBS_NAMES, MouseSimEnv  # noqa: E402

from .conftest import CONFIGS, ROOT  # noqa: E402


def _dist(a, b) -> float:
    return math.hypot(a[0] - b[0], a[1] - b[1])


def _mouse(env) -> tuple[int, int]:
    m = env.unwrapped.world.state.mouse
    return int(m[0]), int(m[1])


def _pred(env) -> tuple[int, int]:
    p = env.unwrapped.world.state.preds[0]
    return int(p[0]), int(p[1])


def _cheese(env) -> tuple[int, int]:
    c = env.unwrapped.world.state.cheese[0]
    return int(c[0]), int(c[1])


@pytest.mark.parametrize("render_mode", [None, "rgb_array"])
@pytest.mark.parametrize("config", [None, CONFIGS / "maze.yaml", CONFIGS / "no_predator.yaml"])
def test_check_env_passes_without_warnings(render_mode, config):
    env = gymnasium.make(ENV_ID, config=config, render_mode=render_mode)
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        check_env(env.unwrapped)
    assert [str(w.message) for w in caught] == []
    env.close()


def test_sb3_check_env_passes_without_warnings():
    env_checker = pytest.importorskip(
        "stable_baselines3.common.env_checker", reason="stable-baselines3 (the rl extra) missing"
    )
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        env_checker.check_env(MouseSimEnv(), warn=True)
    assert [str(w.message) for w in caught] == []


def _rollout(seed: int, steps: int = 1000, action_seed: int = 0, **kw):
    env = gymnasium.make(ENV_ID, config={"world": {"max_steps": 100}}, **kw)
    actions = np.random.default_rng(action_seed)
    out = []
    obs, info = env.reset(seed=seed)
    out.append(("reset", obs, info, env.unwrapped.world.state.grid.copy()))
    resets = 0
    for _ in range(steps):
        obs, reward, terminated, truncated, info = env.step(int(actions.integers(3)))
        out.append(("step", obs, reward, terminated, truncated, info))
        if terminated or truncated:
            obs, info = env.reset()
            out.append(("reset", obs, info, env.unwrapped.world.state.grid.copy()))
            resets += 1
    return out, resets


def _same(a, b) -> bool:
    if isinstance(a, np.ndarray):
        return a.dtype == b.dtype and a.tobytes() == b.tobytes()
    if isinstance(a, tuple | list):
        return len(a) == len(b) and all(_same(x, y) for x, y in zip(a, b, strict=True))
    if isinstance(a, dict):
        return a.keys() == b.keys() and all(_same(a[k], b[k]) for k in a)
    return type(a) is type(b) and a == b


def test_same_seed_same_trajectory_and_maps_across_resets():
    a, resets = _rollout(seed=7)
    b, _ = _rollout(seed=7)
    assert resets >= 3  # the comparison really spans several episodes (and maps)
    assert len(a) == len(b)
    for i, (x, y) in enumerate(zip(a, b, strict=True)):
        assert _same(x, y), f"rollouts differ at record {i}"
    c, _ = _rollout(seed=8)
    assert not all(_same(x, y) for x, y in zip(a, c, strict=False))


def test_every_reset_builds_a_new_map_reproducible_from_the_first_seed():
    env = MouseSimEnv()
    env.reset(seed=3)
    grids = [env.world.state.grid.copy()]
    for _ in range(4):
        _, info = env.reset()
        grids.append(env.world.state.grid.copy())
        assert info["seed"] == 3
    assert info["episode"] == 4
    assert all(not np.array_equal(grids[i], grids[i + 1]) for i in range(4))
    again = MouseSimEnv()
    again.reset(seed=3)
    for g in grids[1:]:
        again.reset()
        assert np.array_equal(again.world.state.grid, g)


def test_layout_maps_and_new_maps_off_keep_the_seed_map():
    for env in (MouseSimEnv(CONFIGS / "maze.yaml"), MouseSimEnv(new_maps=False)):
        env.reset(seed=1)
        first = env.world.state.grid.copy()
        for _ in range(3):
            env.reset()
            assert np.array_equal(env.world.state.grid, first)


def test_procedural_maps_are_walled_and_connected():
    from mousesim.world.kernels import FLOOR, WALL

    env = MouseSimEnv({"world": {"obstacle_density": 0.3}})
    env.reset(seed=0)
    for _ in range(20):
        env.reset()
        g = env.world.state.grid
        assert (g[0] == WALL).all() and (g[-1] == WALL).all()
        assert (g[:, 0] == WALL).all() and (g[:, -1] == WALL).all()
        free = {(x, y) for y, x in zip(*np.nonzero(g == FLOOR), strict=True)}
        start = next(iter(free))
        seen, todo = {start}, [start]
        while todo:
            x, y = todo.pop()
            for n in ((x + 1, y), (x - 1, y), (x, y + 1), (x, y - 1)):
                if n in free and n not in seen:
                    seen.add(n)
                    todo.append(n)
        assert seen == free  # every floor cell reachable from every other
        assert 0.2 < (g[1:-1, 1:-1] == WALL).mean() < 0.7


def test_jitted_map_regions_match_the_layout_builders():
    from mousesim.world.grid import _largest_component
    from mousesim.world.mapgen import keep_largest_region

    rng = np.random.default_rng(0)
    for density in (0.1, 0.35, 0.5):
        for _ in range(10):
            g = (rng.random((13, 17)) < density).astype(np.int8)
            mine = g.copy()
            keep_largest_region(mine)
            assert np.array_equal(mine, _largest_component(g))


def test_reset_without_seed_draws_one_and_reports_it():
    env = MouseSimEnv()
    obs, info = env.reset()
    assert isinstance(info["seed"], int) and info["seed"] >= 0
    grid = env.world.state.grid.copy()
    other = MouseSimEnv()
    obs2, info2 = other.reset(seed=info["seed"])
    assert np.array_equal(obs, obs2) and np.array_equal(other.world.state.grid, grid)
    assert info2 == info
    seeds = {MouseSimEnv().reset()[1]["seed"] for _ in range(5)}
    assert len(seeds) > 1  # really drawn


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


def test_info_has_the_same_number_keys_on_reset_and_step():
    env = gymnasium.make(ENV_ID)
    _, info = env.reset(seed=0)
    infos = [info]
    for _ in range(50):
        infos.append(env.step(1)[-1])
    for info in infos:
        assert tuple(info) == INFO_KEYS
        assert all(isinstance(v, bool | int | float) for v in info.values()), info
    assert infos[0]["steps"] == 0 and infos[-1]["steps"] == 50


def test_observation_matches_the_documented_layout():
    assert len(OBS_NAMES) == 14
    env = MouseSimEnv({"world": {"sense_radius": 6.0}})
    obs, _ = env.reset(seed=3)
    rng = np.random.default_rng(1)
    seen = {True: 0, False: 0}
    for _ in range(400):
        percept = env.world.observe()  # the world's own senses: (bearing, distance, visible)
        for i in range(2):
            sin_b, cos_b, dist, sensed = obs[4 * i : 4 * i + 4]
            bearing, distance, visible = percept[i]
            assert sensed == visible
            seen[bool(visible)] += 1
            if visible:
                assert math.isclose(sin_b, math.sin(bearing), abs_tol=1e-6)
                assert math.isclose(cos_b, math.cos(bearing), abs_tol=1e-6)
                assert math.isclose(dist, min(distance / 6.0, 1.0), abs_tol=1e-6)
            else:
                assert sin_b == cos_b == dist == 0.0
        h = int(env.world.state.mouse[2]) * math.pi / 4
        assert math.isclose(obs[8], math.sin(h), abs_tol=1e-6)
        assert math.isclose(obs[9], math.cos(h), abs_tol=1e-6)
        assert obs in env.observation_space
        obs, _, terminated, truncated, _ = env.step(int(rng.integers(3)))
        if terminated or truncated:
            obs, _ = env.reset()
    assert seen[True] > 0 and seen[False] > 0  # both cases were exercised


@pytest.mark.parametrize("config", [CONFIGS / "maze.yaml", {"world": {"obstacle_density": 0.3}}])
def test_whiskers_and_blocked_predict_what_a_step_does(config):
    """The whisker of the action taken says whether the step will be blocked (1), move one
    cell and then face a wall (0.5), or move freely; `blocked` reports it afterwards."""
    from mousesim.common.config import MouseConfig
    from mousesim.gym import resolve_config

    cfg = resolve_config(config)  # without slide, a step into a wall never moves
    world = cfg.world.model_copy(update={"mouse": MouseConfig(slide=False)})
    env = MouseSimEnv(cfg.model_copy(update={"world": world}))
    obs, _ = env.reset(seed=0)
    assert obs[13] == 0.0
    rng = np.random.default_rng(0)
    counts = {0.0: 0, 0.5: 0, 1.0: 0}
    for _ in range(1500):
        a = int(rng.integers(3))
        whisker = float(obs[10 + a])
        before = _mouse(env)
        obs, _, terminated, truncated, info = env.step(a)
        moved = _mouse(env) != before
        counts[whisker] += 1
        assert info["blocked"] == (not moved) == (obs[13] == 1.0)
        assert moved == (whisker < 1.0)
        if whisker == 0.5:
            assert obs[11] == 1.0  # now facing the wall it felt
        if terminated or truncated:
            obs, _ = env.reset()
    assert min(counts.values()) > 20


def test_no_predator_gives_zero_predator_observation():
    env = gymnasium.make(ENV_ID, config=CONFIGS / "no_predator.yaml")
    obs, _ = env.reset(seed=0)
    for _ in range(50):
        assert not obs[4:8].any()
        obs, *_ = env.step(1)


def test_reward_is_cheese_plus_predator_distance_change():
    env = MouseSimEnv()
    env.reset(seed=5)
    rng = np.random.default_rng(2)
    checked = 0
    for _ in range(300):
        prev = _mouse(env), _cheese(env), _pred(env)
        _, reward, terminated, truncated, info = env.step(int(rng.integers(3)))
        assert reward == pytest.approx(info["reward_cheese"] + info["reward_predator"])
        if not info["ate"] and not terminated:
            d_cheese = _dist(prev[0], prev[1]) - _dist(_mouse(env), _cheese(env))
            d_pred = _dist(_mouse(env), _pred(env)) - _dist(prev[0], prev[2])
            assert info["reward_cheese"] == pytest.approx(d_cheese)
            assert info["reward_predator"] == pytest.approx(d_pred)
            checked += 1
        if terminated or truncated:
            env.reset()
    assert checked > 100


@pytest.mark.parametrize("max_steps", [30, 1000])
def test_episodes_end_at_the_configs_max_steps(max_steps):
    cfg = {"world": {"max_steps": max_steps, "predator": {"count": 0}}}
    env = gymnasium.make(ENV_ID, config=cfg)
    assert env.spec.max_episode_steps == max_steps
    for seed in range(2):
        env.reset(seed=seed)
        for t in range(1, max_steps + 1):
            _, _, terminated, truncated, info = env.step(t % 3)
            assert not terminated
            assert truncated == (t == max_steps)
        assert info["steps"] == max_steps


def test_max_episode_steps_keyword_replaces_the_configs():
    env = MouseSimEnv(CONFIGS / "no_predator.yaml", max_episode_steps=40)
    env.reset(seed=0)
    ends = [env.step(1)[3] for _ in range(40)]
    assert ends == [False] * 39 + [True]
    with pytest.raises(ValueError, match="max_episode_steps"):
        MouseSimEnv(max_episode_steps=0)


def test_terminated_when_caught_with_the_penalty_and_caught_in_info():
    cfg = {
        "world": {
            "size": 8,
            "obstacle_density": 0.0,
            "predator": {"move_prob": 1.0, "chase_prob": 1.0, "vision_radius": 20.0},
        }
    }
    env = gymnasium.make(ENV_ID, config=cfg)
    env.reset(seed=0)
    for _ in range(500):
        prev = _mouse(env), _pred(env)
        _, _, terminated, truncated, info = env.step(1)
        if terminated or truncated:
            break
        assert info["caught"] is False
    assert terminated and not truncated and info["caught"] is True
    assert _pred(env) == _mouse(env)  # catch_radius 0: same cell
    penalty = env.unwrapped.cfg.world.predator.caught_penalty
    assert info["reward_predator"] == pytest.approx(0.0 - _dist(*prev) - penalty)


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
        before = _mouse(env)
        env.step(int(np.random.default_rng(moved).integers(3)))
        new = env.render()
        assert new.shape == shape
        if before != _mouse(env):
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


def test_human_mode_without_a_display_raises_a_clear_error():
    code = (
        "import gymnasium, mousesim.gym\n"
        "try:\n"
        "    gymnasium.make('mousesim/MouseSim-v1', render_mode='human')\n"
        "except Exception as e:\n"
        "    print(type(e).__name__, e)\n"
        "else:\n"
        "    print('no error')\n"
    )
    env = {k: v for k, v in __import__("os").environ.items()}
    for k in ("DISPLAY", "WAYLAND_DISPLAY", "SDL_VIDEODRIVER"):
        env.pop(k, None)
    r = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, env=env, timeout=300
    )
    assert r.returncode == 0, r.stderr
    out = r.stdout.strip()
    assert out.startswith("NoDisplayError render_mode='human' needs a display"), out
    assert "rgb_array" in out and len(out.splitlines()) == 1


def test_bad_config_is_a_config_error_naming_the_file(tmp_path):
    from mousesim.io.yaml_config import ConfigError

    with pytest.raises(ConfigError, match=r"nope\.yaml"):
        MouseSimEnv(tmp_path / "nope.yaml")
    with pytest.raises(ConfigError, match="sense_radus"):
        MouseSimEnv({"world": {"sense_radus": 3}})


@pytest.mark.parametrize("bad", [3, -1, 1.0, "1", None])
def test_bad_actions_and_seeds_are_refused(bad):
    env = MouseSimEnv()
    with pytest.raises(gymnasium.error.ResetNeeded):
        env.step(1)
    env.reset(seed=0)
    with pytest.raises(ValueError, match="action must be 0, 1 or 2"):
        env.step(bad)
    if bad is not None:
        with pytest.raises((TypeError, ValueError), match="seed"):
            env.reset(seed=bad if bad != 3 else -3)


def test_make_imports_mousesim_by_module_prefix_in_a_fresh_interpreter():
    code = (
        "import sys, gymnasium\n"
        "assert 'mousesim' not in sys.modules\n"
        "env = gymnasium.make('mousesim.gym:mousesim/MouseSim-v1')\n"
        "obs, info = env.reset(seed=0)\n"
        "print(obs.shape, env.spec.id)\n"
        "try:\n"
        "    gymnasium.make('mousesim/MouseSim-v0')\n"
        "except gymnasium.error.DeprecatedEnv as e:\n"
        "    print('v0:', e)\n"
    )
    r = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, cwd=ROOT, timeout=300
    )
    assert r.returncode == 0, r.stderr
    lines = r.stdout.splitlines()
    assert lines[0].split() == ["(14,)", "mousesim/MouseSim-v1"]
    assert "use `mousesim/MouseSim-v1`" in lines[1]
