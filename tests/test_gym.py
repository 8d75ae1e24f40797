"""The Gymnasium environment as an RL user meets it: make, check_env, seeds, maps,
observations, rewards, info, episode ends and frames."""

from __future__ import annotations

import math
import os
import subprocess
import sys
import warnings
from pathlib import Path

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
    assert info["episode_index"] == 4
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
    env = gymnasium.make("mousesim/MouseSim-NoPredator-v1")  # no catch: 50 steps in one episode
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


def _headless_env() -> dict:
    """This process's environment without any display (as on a headless CI machine)."""
    env = dict(os.environ)
    for k in ("DISPLAY", "WAYLAND_DISPLAY", "SDL_VIDEODRIVER"):
        env.pop(k, None)
    return env


def test_check_env_with_default_arguments_passes_without_a_display():
    """check_env builds the env once per render mode, "human" included: without a display
    that mode warns once (nothing to show) and the check passes, for every variant."""
    code = (
        "import warnings, gymnasium, mousesim.gym\n"
        "from gymnasium.utils.env_checker import check_env\n"
        "for env_id in mousesim.gym.VARIANTS:\n"
        "    with warnings.catch_warnings(record=True) as caught:\n"
        "        warnings.simplefilter('always')\n"
        "        check_env(gymnasium.make(env_id).unwrapped)\n"
        "    print(env_id, len(caught), *[str(w.message).splitlines()[0] for w in caught])\n"
        "env = gymnasium.make('mousesim/MouseSim-v1', render_mode='human')\n"
        "env.reset(seed=0)\n"
        "print(env.step(1)[1:4], env.render(), env.unwrapped._window)\n"
    )
    r = subprocess.run(
        [sys.executable, "-c", code],
        capture_output=True,
        text=True,
        env=_headless_env(),
        timeout=300,
    )
    assert r.returncode == 0, r.stderr
    lines = r.stdout.strip().splitlines()
    assert len(lines) == 5, r.stdout
    for line in lines[:4]:
        assert " 1 " in line and "render_mode='human' needs a display" in line, line
        assert "no window opens" in line
    assert lines[4].endswith("None None")  # stepping and render() work; no window


def test_stepping_after_the_end_warns_and_never_charges_twice():
    """Gymnasium leaves a step after terminated undefined: this env warns, keeps the world as
    it ended and gives reward 0 with the same flags, until reset()."""
    cfg = {
        "world": {
            "size": 8,
            "obstacle_density": 0.0,
            "predator": {"move_prob": 1.0, "chase_prob": 1.0, "vision_radius": 20.0},
        }
    }
    env = MouseSimEnv(cfg)
    env.reset(seed=0)
    for _ in range(500):
        obs, reward, terminated, _, info = env.step(1)
        if terminated:
            break
    assert terminated and reward < -20  # the penalty (25), charged once
    state = env.world.state.mouse.copy(), env.world.state.preds.copy()
    for _ in range(3):
        with pytest.warns(UserWarning, match=r"after the episode ended \(terminated=True"):
            again = env.step(2)
        assert again[1:4] == (0.0, True, False)
        assert np.array_equal(again[0], obs) and again[4]["steps"] == info["steps"]
        assert again[4]["reward_predator"] == 0.0 and again[4]["caught"] is True
    assert np.array_equal(env.world.state.mouse, state[0])
    assert np.array_equal(env.world.state.preds, state[1])
    env.reset()
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        env.step(1)  # a new episode steps quietly

    short = MouseSimEnv(CONFIGS / "no_predator.yaml", max_episode_steps=5)
    short.reset(seed=0)
    ends = [short.step(1)[3] for _ in range(5)]
    assert ends == [False] * 4 + [True]
    with pytest.warns(UserWarning, match="truncated=True"):
        again = short.step(1)
    assert again[1:4] == (0.0, False, True) and again[4]["steps"] == 5  # did not step on


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


# -- the standard wrappers and the registered variants -------------------------------------

# Keys that Gymnasium's and Stable-Baselines3's wrappers write into info themselves.
WRAPPER_KEYS = {"episode", "final_obs", "final_info", "terminal_observation", "TimeLimit.truncated"}


def test_info_leaves_the_wrappers_keys_free():
    assert not WRAPPER_KEYS & set(INFO_KEYS)


def _episode_stats(env, action_seed: int = 0) -> tuple[dict, dict, float]:
    """Random steps to the end of the first episode: (its stats, last info, reward sum)."""
    env.reset(seed=4)
    rng = np.random.default_rng(action_seed)
    total = 0.0
    while True:
        _, reward, terminated, truncated, info = env.step(int(rng.integers(3)))
        total += reward
        if terminated or truncated:
            return info["episode"], info, total


def test_record_episode_statistics_counts_the_episode():
    from gymnasium.wrappers import RecordEpisodeStatistics

    for env_id in ("mousesim/MouseSim-v1", "mousesim/MouseSim-NoPredator-v1"):
        env = RecordEpisodeStatistics(gymnasium.make(env_id, max_episode_steps=80))
        stats, info, total = _episode_stats(env)
        assert stats["l"] == info["steps"] <= 80
        assert stats["r"] == pytest.approx(total, abs=1e-4)
        assert len(env.length_queue) == 1


@pytest.mark.parametrize("mode", ["vector_entry_point", "sync"])
def test_vector_record_episode_statistics_counts_each_worlds_episodes(mode):
    from gymnasium.wrappers.vector import RecordEpisodeStatistics

    n = 3
    envs = RecordEpisodeStatistics(
        gymnasium.make_vec(ENV_ID, num_envs=n, vectorization_mode=mode, max_episode_steps=40)
    )
    envs.reset(seed=0)
    steps = np.zeros(n, dtype=int)
    ended = 0
    for _ in range(100):
        _, _, terminated, truncated, info = envs.step(np.ones(n, dtype=np.int64))
        steps += 1
        done = terminated | truncated
        if done.any():
            assert (info["_episode"] == done).all()
            assert (info["episode"]["l"][done] == steps[done]).all()
            assert (info["episode"]["l"][done] <= 40).all()
            ended += int(done.sum())
            steps[done] = -1  # NEXT_STEP: the next step is the reset step (not counted)
    assert ended >= n * 2  # every world ended at least twice


def test_vector_disabled_mode_refuses_a_step_of_an_ended_world():
    from mousesim.gym import MouseSimVectorEnv

    venv = MouseSimVectorEnv(3, {"world": {"max_steps": 5}}, autoreset_mode="disabled")
    venv.reset(seed=0)
    for _ in range(5):
        venv.step(np.ones(3, dtype=np.int64))
    with pytest.raises(gymnasium.error.ResetNeeded, match=r"world\(s\) 0, 1, 2 ended"):
        venv.step(np.ones(3, dtype=np.int64))
    venv.reset(options={"reset_mask": np.array([True, True, True])})
    venv.step(np.ones(3, dtype=np.int64))  # reset worlds step again


def test_variants_form_the_documented_ladder():
    """Each registered variant makes, passes check_env, and is the world it says it is; the
    shipped maze and no-predator variants are the worlds of configs/maze.yaml and
    configs/no_predator.yaml."""
    from mousesim.gym import VARIANTS, variant_config
    from mousesim.io.yaml_config import load_config

    assert list(VARIANTS) == [
        "mousesim/MouseSim-NoPredator-v1",
        "mousesim/MouseSim-v1",
        "mousesim/MouseSim-TwoPredators-v1",
        "mousesim/MouseSim-Maze-v1",
    ]
    counts = {}
    for env_id in VARIANTS:
        env = gymnasium.make(env_id)
        check_env(env.unwrapped, skip_render_check=True)
        counts[env_id] = env.unwrapped.cfg.world.predator.count
        assert env.unwrapped.world.state.preds.shape[0] == counts[env_id]
    assert list(counts.values()) == [0, 1, 2, 1]
    for name in ("maze", "no_predator"):
        env_id = f"mousesim/MouseSim-{'Maze' if name == 'maze' else 'NoPredator'}-v1"
        shipped = load_config(Path(variant_config(env_id)))
        assert shipped == load_config(CONFIGS / f"{name}.yaml")
    maze = gymnasium.make("mousesim/MouseSim-Maze-v1").unwrapped
    assert maze.cfg.world.layout is not None and maze.cfg.world.line_of_sight
    # config= replaces the variant's own
    assert gymnasium.make(env_id, config=None).unwrapped.cfg.world.predator.count == 1
    with pytest.raises(KeyError, match="registered"):
        variant_config("mousesim/MouseSim-Nope-v1")


def test_record_video_writes_an_mp4(tmp_path):
    pytest.importorskip("moviepy", reason="moviepy missing: RecordVideo needs it (the gym extra)")
    from gymnasium.wrappers import RecordVideo

    folder = tmp_path / "videos"
    env = RecordVideo(
        gymnasium.make(
            "mousesim/MouseSim-NoPredator-v1", render_mode="rgb_array", max_episode_steps=30
        ),
        str(folder),
    )
    env.reset(seed=0)
    for _ in range(30):
        env.step(1)
    env.close()
    videos = list(folder.glob("*.mp4"))
    assert len(videos) == 1 and videos[0].stat().st_size > 1000


def test_play_scores_each_seed_like_a_single_env_on_that_seeds_map():
    """scores.play steps all evaluation seeds in one vector env; each seed's episodes are
    those of a single env reset with that seed and kept on its map (mousesim eval's worlds)."""
    from mousesim.evaluate.stats import episode_metrics
    from mousesim.gym.scores import catch_weight, play

    def policy(obs: np.ndarray) -> np.ndarray:  # a deterministic rule: turn toward the cheese
        return np.where(obs[:, 0] > 0.2, 0, np.where(obs[:, 0] < -0.2, 2, 1))

    cfg = {"world": {"max_steps": 60}}
    rows = play(policy, cfg, [3, 7], 4)
    for row in rows:
        env = MouseSimEnv(cfg, new_maps=False)
        obs, _ = env.reset(seed=row["seed"])
        episodes = []
        while len(episodes) < 4:
            obs, _, terminated, truncated, info = env.step(int(policy(obs[None])[0]))
            if terminated or truncated:
                episodes.append({k: int(info[k]) for k in ("steps", "cheese", "caught")})
                obs, _ = env.reset()
        assert row == {"seed": row["seed"], **episode_metrics(episodes, catch_weight())}
    assert rows[0] != rows[1]


def test_reference_random_and_oracle_rows_are_mousesim_evals():
    from dataclasses import replace

    from mousesim.evaluate.evaluate import EvalOptions, evaluate_seed
    from mousesim.gym import resolve_config
    from mousesim.gym.scores import scripted_rows

    cfg = resolve_config({"world": {"max_steps": 80}})
    opts = replace(EvalOptions(), episodes=3, policies=("random", "oracle"))
    ours = {n: scripted_rows(n, cfg, [2], 3)[0] for n in ("random", "oracle")}
    for row in evaluate_seed(cfg, 2, opts, ("random", "oracle"), False)["rows"]:
        mine = ours[row["policy"]]
        assert {k: mine[k] for k in mine if k != "seed"} == {k: row[k] for k in mine if k != "seed"}
