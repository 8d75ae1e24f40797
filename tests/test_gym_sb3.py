"""Stable-Baselines3's usual route on the registered ids (an env id string, make_vec_env,
DummyVecEnv, Monitor statistics) and the fast adapter with VecMonitor and VecVideoRecorder.
Skipped, saying why, without the rl extra (stable-baselines3 and torch)."""

from __future__ import annotations

import numpy as np
import pytest

pytest.importorskip("gymnasium")
pytest.importorskip(
    "stable_baselines3", reason="stable-baselines3 missing: pip install -e '.[rl]' (torch is big)"
)

import gymnasium
from stable_baselines3 import DQN, PPO
from stable_baselines3.common.env_util import make_vec_env
from stable_baselines3.common.vec_env import DummyVecEnv, VecMonitor

import mousesim.gym  # noqa: F401  (registers the ids)
from mousesim.gym.sb3 import MouseSimSB3VecEnv

from .conftest import CONFIGS

SMALL = {"n_steps": 128, "batch_size": 64, "n_epochs": 1, "device": "cpu", "seed": 0}


def _check_episodes(model, min_episodes: int = 1) -> None:
    """SB3 logged its episode statistics from Monitor's info["episode"] (the logging step is
    where an int under that key used to crash: `object of type 'int' has no len()`)."""
    eps = list(model.ep_info_buffer)
    assert len(eps) >= min_episodes
    assert all({"r", "l", "t"} <= set(e) and 1 <= e["l"] <= 500 for e in eps)


def test_ppo_from_the_env_id_string():
    model = PPO("MlpPolicy", "mousesim/MouseSim-v1", **SMALL)
    model.learn(1024)  # 8 rollouts, each logged: a random mouse is caught within ~100 steps
    _check_episodes(model, 3)


def test_make_vec_env_and_dummy_vec_env_with_ppo_and_dqn():
    venv = make_vec_env("mousesim/MouseSim-TwoPredators-v1", n_envs=2, seed=0)
    model = PPO("MlpPolicy", venv, **SMALL).learn(512)
    _check_episodes(model)
    dummy = DummyVecEnv([lambda: gymnasium.make("mousesim/MouseSim-v1")])
    dqn = DQN("MlpPolicy", dummy, learning_starts=64, device="cpu", seed=0).learn(600)
    assert dqn.num_timesteps == 600  # stepped through several episode ends without a crash


def test_adapter_with_vec_monitor_reports_cheese_and_caught():
    venv = VecMonitor(
        MouseSimSB3VecEnv(4, {"world": {"max_steps": 60}}, seed=0),
        info_keywords=("cheese", "caught"),
    )
    model = PPO("MlpPolicy", venv, **SMALL).learn(1024)
    _check_episodes(model, 8)
    assert all(e["l"] <= 60 and e["caught"] in (True, False) for e in model.ep_info_buffer)


def test_vec_video_recorder_on_the_adapter(tmp_path):
    pytest.importorskip("moviepy", reason="moviepy missing: video needs it (the gym extra)")
    from stable_baselines3.common.vec_env import VecVideoRecorder

    base = MouseSimSB3VecEnv(2, CONFIGS / "no_predator.yaml", seed=0, render_mode="rgb_array")
    venv = VecVideoRecorder(base, str(tmp_path), lambda step: step == 0, video_length=20)
    venv.reset()
    for _ in range(25):
        venv.step(np.ones(2, dtype=np.int64))
    venv.close()
    videos = list(tmp_path.glob("*.mp4"))
    assert len(videos) == 1 and videos[0].stat().st_size > 1000
    frames = base.get_images()
    assert len(frames) == 2 and frames[0].ndim == 3
