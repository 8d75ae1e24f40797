"""The `mousesim run` command as a user meets it: files, errors, determinism, crashes."""

from __future__ import annotations

import csv
import json
import signal
import subprocess
import sys
import time

import numpy as np
import pytest

from .conftest import CONFIGS, cli, default_signals

SMALL = ["--set", "world.max_steps=120", "--set", "run.checkpoint_every=3"]


def run_ok(*args):
    r = cli("run", *args)
    assert r.returncode == 0, r.stderr
    return r


def test_run_writes_the_four_files(tmp_path):
    out = tmp_path / "demo"
    run_ok("--episodes", "6", "--out", out, "--quiet", *SMALL)
    for name in ("config.yaml", "metrics.csv", "summary.json", "brain.npz"):
        assert (out / name).exists(), name
    rows = list(csv.DictReader(open(out / "metrics.csv")))
    assert len(rows) == 6
    for col in (
        "episode",
        "steps",
        "cheese",
        "caught",
        "return_cheese",
        "return_predator",
        "focus",
    ):
        assert col in rows[0]
    s = json.loads((out / "summary.json").read_text())
    assert s["episodes"] == 6 and s["total_steps"] == sum(int(r["steps"]) for r in rows)
    for key in (
        "steps_per_s",
        "cheese_per_episode_first_10pct",
        "cheese_per_episode_last_10pct",
        "caught_rate",
        "seed",
        "mousesim_version",
    ):
        assert key in s
    with np.load(out / "brain.npz") as z:
        assert z["readout"].shape == (2, 3, 64)
        assert "config_hash" in z.files


def test_default_config_without_argument(tmp_path):
    r = cli("run", "--episodes", "1", "--quiet", cwd=tmp_path)
    assert r.returncode == 0, r.stderr
    runs = list((tmp_path / "runs").iterdir())
    assert len(runs) == 1 and (runs[0] / "metrics.csv").exists()


def test_same_seed_same_bytes_other_seed_differs(tmp_path):
    for name, seed in (("a", 4), ("b", 4), ("c", 5)):
        run_ok(
            CONFIGS / "default.yaml",
            "--episodes",
            "5",
            "--seed",
            seed,
            "--out",
            tmp_path / name,
            "--quiet",
            *SMALL,
        )
    a = (tmp_path / "a" / "metrics.csv").read_bytes()
    assert a == (tmp_path / "b" / "metrics.csv").read_bytes()
    assert a != (tmp_path / "c" / "metrics.csv").read_bytes()


def test_brain_file_continues_learning(tmp_path):
    run_ok("--episodes", "3", "--out", tmp_path / "a", "--quiet", *SMALL)
    run_ok(
        "--episodes",
        "1",
        "--out",
        tmp_path / "b",
        "--quiet",
        "--brain",
        tmp_path / "a" / "brain.npz",
        "--set",
        "brain.learn=false",
        *SMALL,
    )
    with np.load(tmp_path / "a" / "brain.npz") as a, np.load(tmp_path / "b" / "brain.npz") as b:
        np.testing.assert_array_equal(a["readout"], b["readout"])


def _bad(tmp_path, *args, needle: str):
    out = tmp_path / "never"
    r = cli("run", *args, "--out", out, "--quiet")
    assert r.returncode == 2, (r.returncode, r.stderr)
    lines = r.stderr.strip().splitlines()
    assert len(lines) == 1, r.stderr
    assert "Traceback" not in r.stderr
    assert needle in lines[0], lines[0]
    assert not out.exists()
    return lines[0]


def test_unknown_key_is_named_with_suggestion(tmp_path):
    p = tmp_path / "c.yaml"
    p.write_text("brain:\n  learnig_rate: 0.01\n")
    line = _bad(tmp_path, p, needle="brain.learnig_rate: unknown key (did you mean learning_rate?)")
    assert line.startswith("config error:")


@pytest.mark.parametrize(
    "text,needle",
    [
        ("world:\n  size: big\n", "world.size"),
        ("mixture:\n  focus: 3\n", "mixture.focus"),
        ("world:\n  predator:\n    policy: teleport\n", "world.predator.policy"),
        ("world: [1, 2\n", "YAML syntax error"),
        ("- just\n- a list\n", "top level must be a mapping"),
        ("brain:\n  ring:\n    neurons: 4\n", "brain.ring.neurons"),
        ("world:\n  layout: |\n    #####\n    #C.C#\n    #####\n", "2 C markers"),
    ],
)
def test_bad_config_files(tmp_path, text, needle):
    p = tmp_path / "bad.yaml"
    p.write_text(text)
    _bad(tmp_path, p, needle=needle)


def test_syntax_error_names_file_and_line(tmp_path):
    p = tmp_path / "bad.yaml"
    p.write_text("world:\n  size: 10\n  layout: [\n")
    line = _bad(tmp_path, p, needle="bad.yaml:")
    assert "YAML syntax error" in line


def test_missing_config_file(tmp_path):
    _bad(tmp_path, tmp_path / "nope.yaml", needle="nope.yaml: no such file")


def test_bad_set_override(tmp_path):
    _bad(tmp_path, "--set", "brain.learnig_rate=0.1", needle="brain.learnig_rate: unknown key")
    _bad(tmp_path, "--set", "nonsense", needle="KEY=VALUE")
    _bad(tmp_path, "--episodes", "0", needle="--episodes: input should be greater than")
    _bad(tmp_path, "--seed", "-1", needle="--seed: input should be greater than")


def test_corrupt_and_mismatched_brain_files(tmp_path):
    junk = tmp_path / "junk.npz"
    junk.write_bytes(b"not a zip at all")
    _bad(tmp_path, "--brain", junk, needle="junk.npz")
    _bad(tmp_path, "--brain", tmp_path / "missing.npz", needle="missing.npz: no such file")
    run_ok(
        "--episodes",
        "1",
        "--out",
        tmp_path / "small",
        "--quiet",
        "--set",
        "brain.ring.neurons=32",
        *SMALL,
    )
    _bad(tmp_path, "--brain", tmp_path / "small" / "brain.npz", needle="different brain")
    other = tmp_path / "other.npz"
    np.savez(other, weights=np.zeros(3))
    _bad(tmp_path, "--brain", other, needle="not a mousesim brain file")


def test_existing_run_is_not_overwritten(tmp_path):
    out = tmp_path / "r"
    run_ok("--episodes", "2", "--out", out, "--quiet", *SMALL)
    before = (out / "metrics.csv").read_bytes()
    r = cli("run", "--episodes", "2", "--out", out, "--quiet", *SMALL)
    assert r.returncode == 2 and "--resume" in r.stderr
    assert (out / "metrics.csv").read_bytes() == before
    run_ok("--episodes", "3", "--out", out, "--quiet", "--overwrite", *SMALL)
    assert len((out / "metrics.csv").read_text().splitlines()) == 4


def _rows(path):
    return len(path.read_text().splitlines()) - 1 if path.exists() else 0


def _start(args, **kw):
    return subprocess.Popen(
        [sys.executable, "-m", "mousesim", "run", *map(str, args)],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        **kw,
        preexec_fn=default_signals,
    )


def _wait_rows(path, n, proc, timeout=120):
    t0 = time.time()
    while _rows(path) < n:
        assert proc.poll() is None, proc.stderr.read()
        assert time.time() - t0 < timeout
        time.sleep(0.02)


def test_sigkill_then_resume_matches_uninterrupted(tmp_path):
    args = [
        "--episodes",
        "40",
        "--seed",
        "7",
        "--quiet",
        "--set",
        "world.max_steps=300",
        "--set",
        "run.checkpoint_every=4",
    ]
    run_ok(*args, "--out", tmp_path / "full")
    out = tmp_path / "killed"
    proc = _start([*args, "--out", out])
    _wait_rows(out / "metrics.csv", 10, proc)
    proc.kill()
    proc.wait()
    # Every file that exists is whole.
    rows = list(csv.DictReader(open(out / "metrics.csv")))
    assert all(len(r) == len(rows[0]) and None not in r.values() for r in rows)
    np.load(out / "checkpoint.npz")["readout"]
    assert _rows(out / "metrics.csv") < 40
    run_ok(*args, "--out", out, "--resume")
    assert (out / "metrics.csv").read_bytes() == (tmp_path / "full" / "metrics.csv").read_bytes()
    with np.load(out / "brain.npz") as a, np.load(tmp_path / "full" / "brain.npz") as b:
        np.testing.assert_array_equal(a["readout"], b["readout"])


def test_ctrl_c_saves_and_exits_130(tmp_path):
    out = tmp_path / "int"
    proc = _start(["--episodes", "100000", "--out", out, "--quiet", *SMALL])
    _wait_rows(out / "metrics.csv", 5, proc)
    proc.send_signal(signal.SIGINT)
    _, err = proc.communicate(timeout=60)
    assert proc.returncode == 130, err
    assert "Traceback" not in err and "--resume" in err
    s = json.loads((out / "summary.json").read_text())
    assert s["interrupted"] is True and s["episodes"] == _rows(out / "metrics.csv")
    with np.load(out / "checkpoint.npz") as z:
        assert int(z["rows"]) == s["episodes"]


def test_atomic_write_keeps_old_file_on_failure(tmp_path, monkeypatch):
    from mousesim.io import atomic

    target = tmp_path / "f.txt"
    atomic.write_text(target, "old")

    def boom(*a, **k):
        raise OSError("disk went away")

    monkeypatch.setattr(atomic.os, "replace", boom)
    with pytest.raises(OSError):
        atomic.write_text(target, "new")
    assert target.read_text() == "old"
    assert [p.name for p in tmp_path.iterdir()] == ["f.txt"]


def test_cli_help_and_version():
    r = cli("--version")
    assert r.returncode == 0 and "mousesim" in r.stdout
    r = cli("run", "--help")
    assert r.returncode == 0 and "--resume" in r.stdout


def test_kill_before_the_first_checkpoint_resumes_from_the_seed(tmp_path, monkeypatch):
    """A fresh run writes no episode-0 checkpoint: killed before its first one, --resume starts
    again from the seed (the same run). With --brain the episode-0 checkpoint holds that brain."""
    from mousesim.io.yaml_config import load_config
    from mousesim.run.runner import execute_run
    from mousesim.sim.simulation import Simulation

    cfg = load_config(None, {"run.episodes": 5, "run.checkpoint_every": 10, "run.seed": 3,
                             "world.max_steps": 150})  # fmt: skip
    full = tmp_path / "full"
    execute_run(cfg, full)
    killed = tmp_path / "killed"  # what a kill after two episodes leaves
    killed.mkdir()
    (killed / "config.yaml").write_bytes((full / "config.yaml").read_bytes())
    lines = (full / "metrics.csv").read_text().splitlines(keepends=True)
    (killed / "metrics.csv").write_text("".join(lines[:3]))
    execute_run(cfg, killed, resume=True)
    assert (killed / "metrics.csv").read_bytes() == (full / "metrics.csv").read_bytes()
    with np.load(killed / "brain.npz") as a, np.load(full / "brain.npz") as b:
        np.testing.assert_array_equal(a["readout"], b["readout"])

    def killed_now(self):
        raise KeyboardInterrupt

    monkeypatch.setattr(Simulation, "run_episode", killed_now)
    with pytest.raises(KeyboardInterrupt):
        execute_run(cfg, tmp_path / "from_brain", brain_file=full / "brain.npz")
    with (
        np.load(tmp_path / "from_brain" / "checkpoint.npz") as ck,
        np.load(full / "brain.npz") as b,
    ):
        assert int(ck["rows"]) == 0
        np.testing.assert_array_equal(ck["readout"], b["readout"])
