"""examples/ppo.py trains SB3 PPO on the native vector env, shows progress, saves the agent,
scores a saved one and reports `mousesim eval`'s metrics (skipped, saying why, without the
rl extra)."""

from __future__ import annotations

import json
import subprocess
import sys

import pytest

from .conftest import ROOT

pytest.importorskip("gymnasium")
pytest.importorskip(
    "stable_baselines3", reason="stable-baselines3 missing: pip install -e '.[rl]' (torch is big)"
)

EXAMPLE = str(ROOT / "examples" / "ppo.py")


def _run(*args: str, cwd) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, EXAMPLE, *args], capture_output=True, text=True, timeout=600, cwd=cwd
    )


def test_ppo_example_trains_saves_and_reports_eval_metrics(tmp_path):
    out = tmp_path / "ppo"
    r = _run("--env", "mousesim/MouseSim-NoPredator-v1", "--steps", "8192", "--checkpoints", "4096",
             "--envs", "8", "--eval-seeds", "2", "--episodes", "2", "--set", "world.max_steps=100",
             "--out", str(out), cwd=tmp_path)  # fmt: skip
    assert r.returncode == 0, r.stderr
    # progress while training: steps, speed and the recent training episodes
    progress = [line for line in r.stdout.splitlines() if "steps/s" in line and " / " in line]
    assert len(progress) >= 2 and "last" in progress[-1] and "cheese" in progress[-1]
    assert "| PPO 4,096 steps |" in r.stdout and "| PPO 8,192 steps |" in r.stdout
    assert "cheese/episode" in r.stdout and "caught rate" in r.stdout
    assert sorted(p.name for p in out.glob("agent_*.zip")) == ["agent_4096.zip", "agent_8192.zip"]
    summary = json.loads((out / "summary.json").read_text())
    assert summary["checkpoints"] == [4096, 8192] and summary["deterministic"] is True
    assert summary["env"] == "mousesim/MouseSim-NoPredator-v1"
    for e in summary["entries"]:
        assert e["n_seeds"] == 2 and e["mean_survival_steps"] == 100.0  # no predator: full
        assert e["cheese_per_episode"] >= 0 and e["caught_rate"] == 0.0
    assert (out / "table.md").read_text().startswith("| policy |")

    # a saved agent scores the same without training
    again = _run("--load", str(out / "agent_8192.zip"), "--env", "mousesim/MouseSim-NoPredator-v1",
                 "--eval-seeds", "2", "--episodes", "2", "--set", "world.max_steps=100",
                 cwd=tmp_path)  # fmt: skip
    assert again.returncode == 0, again.stderr
    row = next(line for line in again.stdout.splitlines() if line.startswith("| PPO agent_8192"))
    trained = next(line for line in r.stdout.splitlines() if line.startswith("| PPO 8,192"))
    assert row.split("|")[2:] == trained.split("|")[2:]

    # the folder is not overwritten by accident
    refused = _run("--steps", "10", "--out", str(out), cwd=tmp_path)
    assert refused.returncode == 2 and "--overwrite" in refused.stderr


@pytest.mark.parametrize(
    "args, words",
    [
        (["nope.yaml", "--steps", "10"], "nope.yaml"),
        (["--env", "mousesim/Nope-v1"], "--env"),
        (["--load", "missing.zip"], "missing.zip"),
    ],
)
def test_ppo_example_bad_input_is_one_line(tmp_path, args, words):
    r = _run(*args, cwd=tmp_path)
    assert r.returncode == 2 and r.stderr.strip().count("\n") == 0 and words in r.stderr
