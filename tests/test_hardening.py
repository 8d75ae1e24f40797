"""Misuse a tester tries (issue 13, items 1-11): every one is refused in one line with a
non-zero exit and nothing half-written, through the real CLI."""

from __future__ import annotations

import csv
import errno
import json
import os
import shlex
import signal
import subprocess
import sys
import time
import zipfile
from pathlib import Path

import numpy as np
import pytest
import yaml

from .conftest import cli, default_signals

FAST = ["--set", "world.max_steps=60", "--set", "run.checkpoint_every=2"]

BOMB = """\
a: &a ["lol","lol","lol","lol","lol","lol","lol","lol","lol"]
b: &b [*a,*a,*a,*a,*a,*a,*a,*a,*a]
c: &c [*b,*b,*b,*b,*b,*b,*b,*b,*b]
d: &d [*c,*c,*c,*c,*c,*c,*c,*c,*c]
e: &e [*d,*d,*d,*d,*d,*d,*d,*d,*d]
f: &f [*e,*e,*e,*e,*e,*e,*e,*e,*e]
g: &g [*f,*f,*f,*f,*f,*f,*f,*f,*f]
h: &h [*g,*g,*g,*g,*g,*g,*g,*g,*g]
i: &i [*h,*h,*h,*h,*h,*h,*h,*h,*h]
"""


def refused(r: subprocess.CompletedProcess, *needles: str, code: int = 2) -> str:
    """Assert a one-line refusal with exit `code` that mentions every needle."""
    err = r.stderr.strip()
    assert r.returncode == code, (r.returncode, r.stderr)
    assert "Traceback" not in r.stderr
    lines = [line for line in err.splitlines() if not line.startswith("note:")]
    assert len(lines) == 1, err
    for n in needles:
        assert n in lines[0], (n, lines[0])
    return lines[0]


def main_in_process(capsys, *args) -> subprocess.CompletedProcess:
    """The CLI's main(argv) in this process (so a test can inject a full disk)."""
    from mousesim.cli.dispatch import main

    code = main([str(a) for a in args])
    out, err = capsys.readouterr()
    return subprocess.CompletedProcess(args, code, out, err)


def temp_files(folder: Path) -> list[Path]:
    return [p for p in folder.rglob("*") if ".tmp" in p.name or ".write-test" in p.name]


def rows(path: Path) -> int:
    return len(list(csv.DictReader(open(path)))) if path.exists() else 0


def start_run(*args) -> subprocess.Popen:
    return subprocess.Popen(
        [sys.executable, "-m", "mousesim", "run", *map(str, args)],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        preexec_fn=default_signals,
    )


def wait_rows(path: Path, n: int, proc: subprocess.Popen, timeout: float = 120) -> None:
    t0 = time.time()
    while rows(path) < n:
        assert proc.poll() is None, proc.stderr.read() if proc.stderr else ""
        assert time.time() - t0 < timeout
        time.sleep(0.05)


# -- 1. a run owns its folder ------------------------------------------------------------


def test_second_run_into_one_folder_is_refused_and_a_killed_run_resumes(tmp_path):
    out = tmp_path / "shared"
    args = ["--episodes", "100000", "--out", out, "--quiet"]
    first = start_run(*args)
    try:
        wait_rows(out / "metrics.csv", 3, first)
        second = cli("run", *args)
        refused(second, str(out), "another mousesim process", f"pid {first.pid}")
        # The refused run wrote nothing: the first run's rows are one per episode, in order.
        episodes = [int(r["episode"]) for r in csv.DictReader(open(out / "metrics.csv"))]
        assert episodes == list(range(1, len(episodes) + 1))
        first.kill()  # kill -9: the lock dies with its process
        first.wait()
        target = rows(out / "metrics.csv") + 20
        r = cli("run", "--out", out, "--resume", "--episodes", target, "--quiet")
        assert r.returncode == 0, r.stderr
        episodes = [int(r["episode"]) for r in csv.DictReader(open(out / "metrics.csv"))]
        assert episodes == list(range(1, target + 1))
    finally:
        if first.poll() is None:
            first.kill()
            first.wait()


# -- 2. non-finite and overflowing numbers -----------------------------------------------


@pytest.mark.parametrize(
    "key,text",
    [
        ("brain.learning_rate", ".nan"),
        ("mixture.focus", ".inf"),
        ("world.sense_radius", "1.0e400"),
        ("world.sense_radius", "1e400"),
        ("brain.ring.J0", "-.inf"),
        ("brain.ring.J0", "-1e300"),
        ("world.predator.caught_penalty", "1e300"),
        ("run.seed", "100000000000000000000000"),
    ],
)
def test_non_finite_and_overflowing_config_numbers(tmp_path, capsys, key, text):
    section, *rest = key.split(".")
    body = (
        f"{section}:\n"
        + "".join("  " * (i + 1) + f"{p}:\n" for i, p in enumerate(rest[:-1]))
        + "  " * len(rest)
        + f"{rest[-1]}: {text}\n"
    )
    cfg = tmp_path / "c.yaml"
    cfg.write_text(body)
    refused(main_in_process(capsys, "run", cfg, "--out", tmp_path / "o"), key)
    refused(main_in_process(capsys, "run", "--set", f"{key}={text}", "--out", tmp_path / "o"), key)
    assert not (tmp_path / "o").exists()


def _brain(tmp_path: Path, capsys) -> Path:
    out = tmp_path / "src"
    r = main_in_process(capsys, "run", "--episodes", "2", "--out", out, "--quiet", *FAST)
    assert r.returncode == 0, r.stderr
    return out


def _rewrite(path: Path, dst: Path, compress: bool = False, **changes) -> Path:
    with np.load(path) as z:
        data = {k: z[k] for k in z.files}
    data.update(changes)
    (np.savez_compressed if compress else np.savez)(dst, **data)
    return dst


def test_brain_and_checkpoint_arrays_are_checked(tmp_path, capsys):
    src = _brain(tmp_path, capsys)
    with np.load(src / "brain.npz") as z:
        readout = z["readout"]
    cases = {
        "huge.npz": ({"readout": np.full_like(readout, 1e308)}, "array readout"),
        "nan.npz": ({"baseline": np.array([np.nan, 0.0])}, "array baseline"),
        "textformat.npz": ({"format": np.array("one")}, "array format"),
        "vecformat.npz": ({"format": np.array([1, 1])}, "array format"),
        "textreadout.npz": ({"readout": readout.astype(str)}, "array readout"),
        "gate.npz": ({"gate_w": np.array([[np.inf]])}, "array gate_w"),
        "sighted.npz": ({"sighted": np.array([np.nan, 1.0])}, "array sighted"),
    }
    for name, (changes, needle) in cases.items():
        bad = _rewrite(src / "brain.npz", tmp_path / name, **changes)
        r = main_in_process(capsys, "run", "--brain", bad, "--out", tmp_path / "o", *FAST)
        refused(r, "brain error", str(bad), needle)
    assert not (tmp_path / "o").exists()
    # A checkpoint whose weights are NaN: --resume names it instead of training a NaN brain.
    _rewrite(src / "checkpoint.npz", src / "checkpoint.npz", readout=readout * np.nan)
    r = main_in_process(capsys, "run", "--out", src, "--resume", "--episodes", "4", *FAST)
    refused(r, "brain error", "checkpoint.npz", "array readout")


def test_corrupt_compressed_member_is_one_line(tmp_path, capsys):
    src = _brain(tmp_path, capsys)
    good = _rewrite(src / "brain.npz", tmp_path / "c.npz", compress=True)
    raw = bytearray(good.read_bytes())
    with zipfile.ZipFile(good) as z:
        info = z.getinfo("readout.npy")
    start = info.header_offset + 30 + len(info.filename) + len(info.extra)
    for i in range(start + 20, start + 60):  # inside the deflated data, CRC left as it was
        raw[i] ^= 0xFF
    bad = tmp_path / "corrupt.npz"
    bad.write_bytes(bytes(raw))
    r = main_in_process(capsys, "run", "--brain", bad, "--out", tmp_path / "o", *FAST)
    refused(r, "brain error", str(bad))


def test_diverging_learning_stops_without_saving_a_broken_brain(tmp_path, capsys, monkeypatch):
    from mousesim.sim.simulation import Simulation

    real = Simulation.state_dict

    def diverged(self):
        state = real(self)
        if self.episode >= 4:
            state["readout"] = state["readout"] * np.inf
        return state

    monkeypatch.setattr(Simulation, "state_dict", diverged)
    out = tmp_path / "d"
    r = main_in_process(capsys, "run", "--episodes", "6", "--out", out, "--quiet", *FAST)
    refused(r, "learning diverged", "array readout")
    with np.load(out / "brain.npz") as z:  # the last good brain, not a NaN one
        assert np.isfinite(z["readout"]).all()


# -- 3. resume continues to the started count --------------------------------------------


def test_resume_continues_to_started_count_and_extends_with_episodes(tmp_path):
    out = tmp_path / "r"
    args = ["--seed", "3", "--set", "world.max_steps=200"]
    proc = start_run("--episodes", "600", *args, "--out", out, "--quiet")
    wait_rows(out / "metrics.csv", 5, proc)
    proc.send_signal(signal.SIGINT)
    _, err = proc.communicate(timeout=60)
    assert proc.returncode == 130, err
    assert rows(out / "metrics.csv") < 600
    hint = err.split("continue with: ")[1].rstrip().rstrip(")")
    cmd = shlex.split(hint)
    assert cmd == ["mousesim", "run", "--out", str(out), "--resume"]
    r = cli(*cmd[1:])  # exactly the command the hint gives
    assert r.returncode == 0, r.stderr
    s = json.loads((out / "summary.json").read_text())
    assert (s["episodes"], s["episodes_requested"], s["interrupted"]) == (600, 600, False)
    assert rows(out / "metrics.csv") == 600

    r = cli("run", "--out", out, "--resume", "--episodes", "650", "--quiet")
    assert r.returncode == 0, r.stderr
    assert rows(out / "metrics.csv") == 650
    assert yaml.safe_load((out / "config.yaml").read_text())["run"]["episodes"] == 650
    # The folder's config.yaml repeats the whole (extended) run, byte for byte.
    again = tmp_path / "again"
    r = cli("run", out / "config.yaml", "--out", again, "--quiet")
    assert r.returncode == 0, r.stderr
    assert (again / "metrics.csv").read_bytes() == (out / "metrics.csv").read_bytes()
    refused(cli("run", "--out", out, "--resume", "--episodes", "10"), "cannot shorten")


# -- 4. read-only or full output ---------------------------------------------------------


@pytest.fixture
def full_disk(monkeypatch):
    """Call it to fill the disk: from then on every fsync of a file with data fails with
    ENOSPC, as on a full disk (the data never reaches it)."""
    real = os.fsync

    def fsync(fd):
        if os.fstat(fd).st_size > 0:
            raise OSError(errno.ENOSPC, os.strerror(errno.ENOSPC))
        return real(fd)

    return lambda: monkeypatch.setattr(os, "fsync", fsync)


def test_full_disk_run_eval_plot_gif_are_one_line_and_leave_no_temp(tmp_path, capsys, full_disk):
    src = tmp_path / "src"
    r = main_in_process(
        capsys, "run", "--episodes", "3", "--out", src, "--record-episodes", "1", *FAST
    )
    assert r.returncode == 0, r.stderr
    full_disk()
    for argv in (
        ["run", "--episodes", "3", "--out", tmp_path / "run", *FAST],
        [
            "eval",
            "--train-episodes",
            "1",
            "--episodes",
            "1",
            "--seeds",
            "1",
            "--workers",
            "1",
            "--out",
            tmp_path / "eval",
            "--quiet",
            *FAST,
        ],
        ["plot", src],
        ["replay", src / "replays" / "episode-1.npz", "--gif", tmp_path / "e.gif"],
    ):
        r = main_in_process(capsys, *argv)
        refused(r, "cannot write", "no space left")
    assert temp_files(tmp_path) == []
    assert not (tmp_path / "e.gif").exists()


@pytest.mark.parametrize("command", ["run", "eval", "sweep"])
def test_unwritable_out_is_refused_before_any_work(tmp_path, command):
    blocker = tmp_path / "a-file"
    blocker.write_text("not a folder")
    out = blocker / "sub"  # a folder that cannot be made, as in a read-only place
    if command == "sweep":
        spec = tmp_path / "s.yaml"
        spec.write_text("grid:\n  mixture.focus: [0.5]\nepisodes: 2\n")
        args = ["sweep", spec, "--out", out]
    elif command == "eval":
        args = ["eval", "--train-episodes", "5000", "--seeds", "1", "--out", out]
    else:
        args = ["run", "--out", out]
    t0 = time.time()
    r = cli(*args)
    refused(r, str(out))
    assert "compiling" not in r.stderr and "seed 0" not in r.stderr
    assert time.time() - t0 < 30  # eval did not train 5000 episodes first


def test_full_disk_sweep_is_one_line(tmp_path, capsys, full_disk):
    spec = tmp_path / "s.yaml"
    spec.write_text("grid:\n  mixture.focus: [0.5]\nepisodes: 1\n")
    full_disk()
    r = main_in_process(capsys, "sweep", spec, "--out", tmp_path / "o", "--quiet")
    refused(r, "cannot write", "no space left")
    assert temp_files(tmp_path) == []


# -- 5. YAML bombs, 9. duplicate keys and empty --set values ------------------------------


def test_billion_laughs_is_refused_fast_everywhere(tmp_path):
    cfg = tmp_path / "bomb.yaml"
    cfg.write_text(BOMB)
    sweep = tmp_path / "bomb-sweep.yaml"
    sweep.write_text(BOMB + "grid:\n  mixture.focus: [0.5]\n")
    t0 = time.time()
    refused(cli("run", cfg, "--out", tmp_path / "o"), str(cfg), "aliases")
    refused(cli("sweep", sweep, "--out", tmp_path / "s"), str(sweep), "aliases")
    assert time.time() - t0 < 30
    assert not (tmp_path / "o").exists() and not (tmp_path / "s").exists()


def test_duplicate_keys_are_refused_with_key_and_line(tmp_path, capsys):
    cfg = tmp_path / "dup.yaml"
    cfg.write_text("world:\n  size: 10\n  max_steps: 50\n  size: 30\n")
    refused(main_in_process(capsys, "run", cfg), f"{cfg}:4", "duplicate key 'size'", "line 2")
    sweep = tmp_path / "dup-sweep.yaml"
    sweep.write_text("grid:\n  mixture.focus: [0.5]\nseeds: 1\nseeds: 2\n")
    refused(main_in_process(capsys, "sweep", sweep), "duplicate key 'seeds'")
    r = main_in_process(capsys, "run", "--set", "brain.ring={neurons: 8, neurons: 16}")
    refused(r, "duplicate key 'neurons'")


@pytest.mark.parametrize(
    "override,needle",
    [
        ("world.size=", "empty"),
        ("world.size=  ", "empty"),
        ("world.layout=###", "comment"),
        ("brain.learning_rate=# 0.1", "comment"),
    ],
)
def test_empty_and_comment_set_values_are_refused(tmp_path, capsys, override, needle):
    r = main_in_process(capsys, "run", "--set", override, "--out", tmp_path / "o")
    refused(r, override.split("=")[0], needle)
    assert not (tmp_path / "o").exists()


# -- 6. huge sweeps, 11. duplicate grid points and Ctrl-C while writing the tables ------


def test_huge_sweep_is_counted_and_refused_before_building(tmp_path):
    spec = tmp_path / "huge.yaml"
    spec.write_text("grid:\n  mixture.focus: [0.1, 0.2]\nseeds: 1000000\n")
    t0 = time.time()
    r = cli("sweep", spec, "--out", tmp_path / "o")
    assert time.time() - t0 < 20
    refused(r, "2 grid points x 1,000,000 seeds = 2,000,000 runs", "limit", "--max-runs")
    spec.write_text("grid:\n  mixture.focus: [0.1, 0.2, 0.3]\nseeds: 2\n")
    r = cli("sweep", spec, "--out", tmp_path / "o", "--max-runs", "5", "--quiet")
    refused(r, "= 6 runs, more than the limit of 5")
    assert not (tmp_path / "o").exists()


@pytest.mark.parametrize(
    "grid",
    [
        "run.checkpoint_every: [1, 1.0]",
        'mixture.focus: [0.5, "0.5"]',
        "world.line_of_sight: [true, 1]",
    ],
)
def test_grid_values_that_validate_equal_are_refused(tmp_path, capsys, grid):
    spec = tmp_path / "dup.yaml"
    spec.write_text(f"grid:\n  {grid}\nepisodes: 1\n")
    r = main_in_process(capsys, "sweep", spec, "--out", tmp_path / "o", "--quiet")
    refused(r, "give the same config")
    assert not (tmp_path / "o").exists()


def test_ctrl_c_while_tables_are_written_still_leaves_summary_csv(tmp_path, capsys, monkeypatch):
    from mousesim.sweep import engine

    real = engine.summary_csv

    def interrupted(*a, **k):
        os.kill(os.getpid(), signal.SIGINT)  # arrives while the tables are being written
        return real(*a, **k)

    monkeypatch.setattr(engine, "summary_csv", interrupted)
    spec = tmp_path / "s.yaml"
    spec.write_text(
        "grid:\n  mixture.focus: [0.0, 1.0]\nepisodes: 2\nbase:\n  world:\n    max_steps: 30\n"
    )
    out = tmp_path / "o"
    r = main_in_process(capsys, "sweep", spec, "--out", out, "--workers", "1")
    assert r.returncode == 130, r.stderr
    assert "Traceback" not in r.stderr
    table = list(csv.DictReader(open(out / "summary.csv")))
    assert len(table) == 2
    assert (out / "summary_by_params.csv").exists() and (out / "sweep.png").exists()


# -- 7. expert names, 8. replay buffer and replay files ----------------------------------


@pytest.mark.parametrize("name", ["a,b", "a\\nb", "1st", "", "x" * 33, "chee se"])
def test_expert_names_must_be_identifiers(tmp_path, capsys, name):
    cfg = tmp_path / "e.yaml"
    cfg.write_text(
        "brain:\n  experts:\n"
        f'    - {{name: "{name}", target: cheese}}\n'
        "    - {name: predator, target: predator}\n"
    )
    refused(main_in_process(capsys, "run", cfg, "--out", tmp_path / "o"), "brain.experts[0].name")


def test_huge_max_steps_with_replays_is_refused(tmp_path, capsys):
    r = main_in_process(
        capsys,
        "run",
        "--set",
        "world.max_steps=1000000000000",
        "--record-episodes",
        "1",
        "--out",
        tmp_path / "o",
    )
    refused(r, "world.max_steps", "1000000")
    experts = ",".join(f"{{name: e{i}, target: cheese}}" for i in range(200))
    r = main_in_process(
        capsys,
        "run",
        "--set",
        "world.max_steps=1000000",
        "--set",
        f"brain.experts=[{experts}]",
        "--record-episodes",
        "1",
        "--out",
        tmp_path / "o",
    )
    refused(r, "--record-episodes", "GiB", "world.max_steps")
    assert not (tmp_path / "o").exists()


def test_replay_file_with_wrong_dtypes_is_one_line(tmp_path, capsys):
    src = tmp_path / "src"
    r = main_in_process(
        capsys, "run", "--episodes", "1", "--out", src, "--record-episodes", "1", *FAST
    )
    assert r.returncode == 0, r.stderr
    good = src / "replays" / "episode-1.npz"
    with np.load(good) as z:
        huge = z["record"].copy()
    huge[:, -1] = 1e308
    for key, value in (
        ("episode", np.array([1, 2, 3])),
        ("sense_radius", np.array("far")),
        ("record", huge),
    ):
        bad = _rewrite(good, tmp_path / f"bad-{key}.npz", **{key: value})
        r = main_in_process(capsys, "replay", bad, "--gif", tmp_path / "x.gif")
        refused(r, str(bad), "damaged replay file")


# -- 10. impossible worlds ---------------------------------------------------------------


@pytest.mark.parametrize(
    "overrides,needle",
    [
        (["world.size=5", "world.cheese.count=64"], "world.cheese.count"),
        (["world.size=5", "world.predator.count=16", "world.cheese.count=0"], "predator"),
        (["world.predator.min_start_dist=40"], "world.predator.min_start_dist"),
        (["world.cheese.respawn_min_dist=100"], "world.cheese.respawn_min_dist"),
        (["world.predator.min_start_dist=.inf"], "world.predator.min_start_dist"),
        (
            ['world.layout="#####\\n#M.C#\\n#####"', "world.predator.count=0"],
            "world.cheese.respawn_min_dist",
        ),
    ],
)
def test_impossible_worlds_are_refused(tmp_path, capsys, overrides, needle):
    args = [a for o in overrides for a in ("--set", o)]
    r = main_in_process(capsys, "run", *args, "--out", tmp_path / "o")
    refused(r, "config error", needle)
    assert not (tmp_path / "o").exists()


def test_relaxed_distance_is_said_once(tmp_path):
    r = cli(
        "run",
        "--episodes",
        "5",
        "--quiet",
        "--out",
        tmp_path / "o",
        "--set",
        "world.size=10",
        "--set",
        "world.predator.min_start_dist=9",
        *FAST,
    )
    assert r.returncode == 0, r.stderr
    notes = [line for line in r.stderr.splitlines() if line.startswith("note:")]
    assert len(notes) == 1 and "world.predator.min_start_dist 9" in notes[0], r.stderr
