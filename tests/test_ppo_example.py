"""examples/ppo.py trains SB3 PPO on the native vector env and reports `mousesim eval`'s
metrics (skipped, saying why, without the rl extra)."""

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


def test_ppo_example_trains_and_reports_eval_metrics(tmp_path):
    out = tmp_path / "ppo"
    cmd = [sys.executable, str(ROOT / "examples" / "ppo.py"), str(ROOT / "configs" / "no_predator.yaml"),
           "--steps", "4096", "--checkpoints", "2048", "--envs", "8", "--eval-seeds", "2",
           "--episodes", "2", "--set", "world.max_steps=100", "--out", str(out)]  # fmt: skip
    r = subprocess.run(cmd, capture_output=True, text=True, timeout=600, cwd=tmp_path)
    assert r.returncode == 0, r.stderr
    assert "| PPO 2,048 steps |" in r.stdout and "| PPO 4,096 steps |" in r.stdout
    assert "cheese/episode" in r.stdout and "caught rate" in r.stdout
    summary = json.loads((out / "summary.json").read_text())
    assert summary["checkpoints"] == [2048, 4096] and summary["deterministic"] is True
    for e in summary["entries"]:
        assert e["n_seeds"] == 2 and e["mean_survival_steps"] == 100.0  # no predator: full
        assert e["cheese_per_episode"] >= 0 and e["caught_rate"] == 0.0
    assert (out / "table.md").read_text().startswith("| policy |")


def test_ppo_example_bad_config_is_one_line(tmp_path):
    cmd = [sys.executable, str(ROOT / "examples" / "ppo.py"), "nope.yaml", "--steps", "10"]
    r = subprocess.run(cmd, capture_output=True, text=True, timeout=300, cwd=tmp_path)
    assert r.returncode == 2 and r.stderr.strip().count("\n") == 0 and "nope.yaml" in r.stderr
