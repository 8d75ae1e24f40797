"""Faults real machines produce (issue 25), each through the real CLI in subprocesses (or a
real local Dask cluster): stop signals of every kind, a dying worker or scheduler, two
commands on one folder, a resume from files that are not the run's, a disk that fills up
inside a sweep, episodes of a million steps and maps too large to draw."""

from __future__ import annotations

import csv
import importlib.util
import json
import os
import shutil
import signal
import socket
import subprocess
import sys
import time
from pathlib import Path

import numpy as np
import pytest
import yaml

from .conftest import cli, default_signals
from .test_hardening import refused, rows, temp_files

TINY = ["--set", "world.max_steps=60", "--set", "run.checkpoint_every=2"]
HAS_DASK = importlib.util.find_spec("distributed") is not None
needs_dask = pytest.mark.skipif(not HAS_DASK, reason="needs the dask extra (mousesim[dask])")


def start(*args, cwd: Path | None = None, env: dict | None = None) -> subprocess.Popen:
    return subprocess.Popen(
        [sys.executable, "-m", "mousesim", *map(str, args)],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        cwd=cwd,
        env=env,
        preexec_fn=default_signals,
    )


def wait_for(what, proc: subprocess.Popen | None = None, timeout: float = 120.0):
    """Poll `what()` until it is truthy; the process must not end meanwhile."""
    t_end = time.monotonic() + timeout
    while time.monotonic() < t_end:
        got = what()
        if got:
            return got
        if proc is not None and proc.poll() is not None:
            raise AssertionError(f"ended early ({proc.returncode}): {proc.stderr.read()}")
        time.sleep(0.05)
    raise AssertionError("timed out")


def children(pid: int) -> list[int]:
    """Child processes of `pid` (Linux /proc), the multiprocessing resource tracker left out."""
    out = []
    for task in Path(f"/proc/{pid}/task").glob("*/children"):
        out += [int(c) for c in task.read_text().split()]
    return [c for c in out if "resource_tracker" not in _cmdline(c)]


def _cmdline(pid: int) -> str:
    try:
        return Path(f"/proc/{pid}/cmdline").read_bytes().decode(errors="replace")
    except OSError:
        return ""


def alive(pid: int) -> bool:
    try:
        stat = Path(f"/proc/{pid}/stat").read_text()
    except OSError:
        return False
    return stat.rsplit(")", 1)[1].split()[0] != "Z"  # a zombie has ended


def write_spec(path: Path, episodes: int, max_steps: int = 60, points=(0.25, 1.0)) -> Path:
    spec = {
        "base": {"world": {"max_steps": max_steps}, "run": {"checkpoint_every": 5}},
        "grid": {"mixture.focus": list(points)},
        "seeds": 2,
        "episodes": episodes,
    }
    path.write_text(yaml.safe_dump(spec, sort_keys=False))
    return path


# -- 1. every stop signal ----------------------------------------------------------------


needs_linux = pytest.mark.skipif(not Path("/proc/self/task").is_dir(), reason="reads /proc")


@pytest.mark.parametrize("sig", [signal.SIGHUP, signal.SIGTERM, signal.SIGUSR1])
def test_any_stop_signal_ends_a_run_cleanly_and_it_resumes(tmp_path, sig):
    """A closed terminal (SIGHUP, with its pipes gone too), a scheduler's SIGTERM, a batch
    system's SIGUSR1: the run saves, writes its summary, names the signal, exits 128+N."""
    out = tmp_path / "r"
    proc = start("run", "--episodes", "100000", "--out", out, "--quiet", *TINY)
    try:
        wait_for(lambda: rows(out / "metrics.csv") >= 3, proc)
        if sig == signal.SIGHUP:  # the terminal is gone: nobody reads stderr any more
            proc.stderr.close()
            proc.stdout.close()
            proc.send_signal(sig)
            proc.wait(timeout=60)
        else:
            proc.send_signal(sig)
            _, err = proc.communicate(timeout=60)
            assert f"interrupted by {sig.name}" in err and "--resume" in err, err
            assert "Traceback" not in err
    finally:
        if proc.poll() is None:
            proc.kill()
    assert proc.returncode == 128 + sig
    s = json.loads((out / "summary.json").read_text())
    assert s["interrupted"] is True and s["episodes"] == rows(out / "metrics.csv")
    assert temp_files(out) == []
    r = cli("run", "--out", out, "--resume", "--episodes", s["episodes"] + 3, "--quiet")
    assert r.returncode == 0, r.stderr


@needs_linux
@pytest.mark.parametrize("sig", [signal.SIGTERM, signal.SIGKILL])
def test_a_stopped_eval_ends_its_workers(tmp_path, sig):
    """SIGTERM to `mousesim eval` (or even SIGKILL) ends its worker processes too: none is
    left computing, or holding the caller's stdout and stderr open."""
    out = tmp_path / "e"
    args = ["eval", "--train-episodes", "100000", "--episodes", "2", "--seeds", "2"]
    proc = start(*args, "--workers", "2", "--out", out, *TINY)
    try:
        workers = wait_for(lambda: len(children(proc.pid)) >= 2 and children(proc.pid), proc)
        time.sleep(1.0)  # the workers are training
        t0 = time.monotonic()
        proc.send_signal(sig)
        _, err = proc.communicate(timeout=30)  # EOF: nobody holds our pipes any more
        wait_for(lambda: not any(alive(w) for w in workers), timeout=10)
        assert time.monotonic() - t0 < 10
    finally:
        if proc.poll() is None:
            proc.kill()
    assert proc.returncode in (128 + sig, -sig)
    if sig == signal.SIGTERM:
        assert proc.returncode == 143 and "interrupted by SIGTERM" in err, err
        assert "Traceback" not in err
        assert not out.exists()  # nothing half-written, no empty folder


@needs_linux
def test_sighup_to_a_sweep_stops_it_and_its_workers(tmp_path):
    spec = write_spec(tmp_path / "s.yaml", episodes=100000)
    out = tmp_path / "o"
    proc = start("sweep", spec, "--out", out, "--workers", "2", "--quiet")
    try:
        wait_for(lambda: len(list(out.glob("runs/*/metrics.csv"))) >= 2, proc)
        workers = children(proc.pid)
        proc.send_signal(signal.SIGHUP)
        _, err = proc.communicate(timeout=60)
        wait_for(lambda: not any(alive(w) for w in workers), timeout=10)
    finally:
        if proc.poll() is None:
            proc.kill()
    assert proc.returncode == 129, err
    assert "interrupted by SIGHUP" in err and "Traceback" not in err
    assert temp_files(out) == []
    for summary in out.glob("runs/*/summary.json"):  # the runs in progress saved
        assert json.loads(summary.read_text())["interrupted"] is True


# -- 2. a dying local worker ---------------------------------------------------------------


@needs_linux
def test_a_killed_sweep_worker_fails_only_its_run(tmp_path):
    """kill -9 of one worker (what the OOM killer does): its run fails by name, every other
    run completes; the same command again finishes the sweep."""
    spec = write_spec(tmp_path / "s.yaml", episodes=600, max_steps=100)
    out = tmp_path / "o"
    proc = start("sweep", spec, "--out", out, "--workers", "2")
    try:
        # Both workers inside a run: then kill one of them.
        wait_for(lambda: len(list(out.glob("runs/*/metrics.csv"))) >= 2, proc)
        victim = next(c for c in children(proc.pid) if "spawn_main" in _cmdline(c))
        os.kill(victim, signal.SIGKILL)
        _, err = proc.communicate(timeout=300)
    finally:
        if proc.poll() is None:
            proc.kill()
    assert proc.returncode == 1, err
    assert "Traceback" not in err
    assert f"(pid {victim}) was killed by SIGKILL" in err
    assert "1 run failed (3 of 4 runs complete)" in err
    assert len(list(csv.DictReader(open(out / "summary.csv")))) == 3
    r = cli("sweep", spec, "--out", out, "--workers", "2", "--quiet")
    assert r.returncode == 0, r.stderr
    assert len(list(csv.DictReader(open(out / "summary.csv")))) == 4
    assert temp_files(out) == []


@needs_linux
def test_a_killed_eval_worker_is_one_line_and_writes_nothing(tmp_path):
    out = tmp_path / "e"
    args = ["eval", "--train-episodes", "100000", "--episodes", "2", "--seeds", "2"]
    proc = start(*args, "--workers", "2", "--out", out, *TINY)
    try:
        workers = wait_for(lambda: len(children(proc.pid)) >= 2 and children(proc.pid), proc)
        time.sleep(1.0)
        os.kill(workers[0], signal.SIGKILL)
        _, err = proc.communicate(timeout=30)
        wait_for(lambda: not any(alive(w) for w in workers), timeout=10)
    finally:
        if proc.poll() is None:
            proc.kill()
    assert proc.returncode == 1, err
    line = refused(subprocess.CompletedProcess([], 1, "", err), "killed by SIGKILL", code=1)
    assert f"(pid {workers[0]})" in line and "nothing was written" in line
    assert not out.exists()


def test_the_pool_replaces_a_dead_worker_and_fails_only_its_task():
    import multiprocessing

    from mousesim.io.pool import ProcessPool, WorkerDied

    pool = ProcessPool(2, multiprocessing.get_context("spawn"))
    try:
        sleeper = pool.submit(time.sleep, 30)
        wait_for(lambda: pool.busy_pids())
        os.kill(pool.busy_pids()[0], signal.SIGKILL)
        with pytest.raises(WorkerDied, match="killed by SIGKILL"):
            sleeper.result(timeout=30)
        assert [pool.submit(abs, -i).result(timeout=60) for i in range(4)] == [0, 1, 2, 3]
    finally:
        pool.kill()
        pool.shutdown(wait=True)


# -- 3. Dask: relative --out, a killed scheduler, a malformed --address ----------------------


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.fixture
def dask_cluster(tmp_path):
    """A scheduler and a worker (2 processes) on localhost, the worker in another folder."""
    dask = shutil.which("dask", path=str(Path(sys.executable).parent)) or shutil.which("dask")
    if dask is None:
        pytest.skip("the dask command is not installed")
    port = _free_port()
    address = f"tcp://127.0.0.1:{port}"
    elsewhere = tmp_path / "worker-cwd"
    elsewhere.mkdir()
    quiet = {"stdout": subprocess.DEVNULL, "stderr": subprocess.DEVNULL}
    sched = subprocess.Popen(
        [dask, "scheduler", "--host", "127.0.0.1", "--port", str(port), "--no-dashboard"],
        cwd=elsewhere,
        **quiet,
        preexec_fn=default_signals,
    )
    worker = subprocess.Popen(
        [dask, "worker", address, "--nworkers", "2", "--nthreads", "1", "--no-dashboard"],
        cwd=elsewhere,
        **quiet,
        preexec_fn=default_signals,
    )
    procs = {"scheduler": sched, "worker": worker, "address": address, "cwd": elsewhere}
    try:
        from distributed import Client

        def two_workers() -> bool:
            try:
                with Client(address, timeout="2s") as c:
                    return len(c.scheduler_info()["workers"]) >= 2
            except OSError:
                return False

        wait_for(two_workers, timeout=90)
        yield procs
    finally:
        for p in (worker, sched):
            if p.poll() is None:
                p.kill()
            p.wait()


@needs_dask
def test_dask_relative_out_and_a_killed_scheduler(tmp_path, dask_cluster):
    address = dask_cluster["address"]
    here = tmp_path / "client-cwd"
    here.mkdir()
    spec = write_spec(here / "s.yaml", episodes=3)
    r = cli("sweep", "s.yaml", "--out", "rel", "--backend", "dask", "--address", address, cwd=here)
    assert r.returncode == 0, r.stderr
    assert len(list(csv.DictReader(open(here / "rel" / "summary.csv")))) == 4
    assert not (dask_cluster["cwd"] / "rel").exists()  # nothing written beside the workers

    long_spec = write_spec(here / "long.yaml", episodes=100000)
    proc = start("sweep", long_spec, "--out", "long", "--backend", "dask", "--address", address,
                 cwd=here)  # fmt: skip
    try:
        wait_for(lambda: len(list((here / "long").glob("runs/*/metrics.csv"))) >= 1, proc)
        dask_cluster["scheduler"].kill()
        _, err = proc.communicate(timeout=120)
    finally:
        if proc.poll() is None:
            proc.kill()
    assert proc.returncode == 1, err
    assert "Traceback" not in err
    lines = [line for line in err.splitlines() if line.strip()]
    assert "lost the dask scheduler at" in lines[-1] and "Resume with: mousesim sweep" in lines[-1]
    assert spec.exists()


@needs_dask
@pytest.mark.parametrize(
    "address,needle",
    [
        ("http://127.0.0.1:8787", "web (dashboard) address"),
        ("tcp://127.0.0.1", "expected host:port"),
        ("localhost:notaport", "is not a number"),
        ("udp://127.0.0.1:8786", "unknown protocol"),
    ],
)
def test_malformed_dask_address_is_one_line_and_makes_nothing(tmp_path, address, needle):
    spec = write_spec(tmp_path / "s.yaml", episodes=2)
    out = tmp_path / "o"
    r = cli("sweep", spec, "--out", out, "--backend", "dask", "--address", address)
    refused(r, "--address", needle)
    assert not out.exists()


# -- 4. one owner per folder, across commands ------------------------------------------------


def _fake(folder: Path, *names: str) -> Path:
    folder.mkdir(parents=True)
    for n in names:
        (folder / n).write_text("x\n")
    return folder


@pytest.mark.parametrize(
    "holds,files,command,needle",
    [
        (
            "eval",
            ("eval.json", "eval.csv", "config.yaml"),
            ["run", "--overwrite"],
            "`mousesim eval`",
        ),
        ("eval", ("eval.json", "summary.csv"), ["sweep"], "`mousesim eval`"),
        ("sweep", ("sweep.yaml", "summary.csv"), ["run"], "`mousesim sweep`"),
        ("sweep", ("sweep.yaml", "summary.csv"), ["eval", "--overwrite"], "`mousesim sweep`"),
        ("run", ("metrics.csv", "config.yaml"), ["eval", "--overwrite"], "`mousesim run`"),
        ("run", ("metrics.csv", "config.yaml"), ["sweep"], "`mousesim run`"),
        ("other", ("notes.txt",), ["run", "--overwrite"], "holds no run output"),
        ("other", ("notes.txt",), ["eval"], "holds no eval output"),
    ],
)
def test_no_command_writes_into_another_commands_folder(tmp_path, holds, files, command, needle):
    folder = _fake(tmp_path / "f", *files)
    before = {p.name: p.read_bytes() for p in folder.iterdir()}
    spec = write_spec(tmp_path / "s.yaml", episodes=2)
    name, *flags = command
    args = [spec] if name == "sweep" else ["--seeds", "1"] if name == "eval" else []
    r = cli(name, *args, "--out", folder, *flags)
    refused(r, str(folder), needle)
    assert {p.name: p.read_bytes() for p in folder.iterdir()} == before


def test_a_folder_in_use_by_one_command_is_refused_to_every_other(tmp_path):
    """An eval owns its folder from the start (it writes only at the end): a sweep, a run or a
    second eval started into it meanwhile is refused, naming the eval's pid."""
    out = tmp_path / "shared"
    proc = start("eval", "--train-episodes", "100000", "--seeds", "1", "--workers", "1",
                 "--out", out, *TINY)  # fmt: skip
    try:
        wait_for(lambda: (out / ".lock").exists() and (out / ".lock").read_text().strip(), proc)
        spec = write_spec(tmp_path / "s.yaml", episodes=2)
        for args in (["sweep", spec], ["run"], ["eval", "--seeds", "1"]):
            r = cli(*args, "--out", out)
            refused(r, str(out), "another mousesim process", f"pid {proc.pid}")
        assert [p.name for p in out.iterdir()] == [".lock"]  # nobody wrote anything
    finally:
        proc.kill()
        proc.wait()


# -- 5. resume checks what it resumes ---------------------------------------------------------


@pytest.fixture
def two_runs(tmp_path):
    """Two unfinished runs of 4 of 8 episodes (checkpoint after 4): seeds 1 and 2."""
    made = {}
    for seed in (1, 2):
        out = tmp_path / f"seed{seed}"
        r = cli("run", "--episodes", "4", "--seed", seed, "--out", out, "--quiet", *TINY)
        assert r.returncode == 0, r.stderr
        made[seed] = out
    return made


def _resume(out: Path, *extra: str) -> subprocess.CompletedProcess:
    return cli("run", "--out", out, "--resume", "--episodes", "8", "--quiet", *extra)


def test_a_foreign_checkpoint_or_metrics_is_refused(two_runs):
    a, b = two_runs[1], two_runs[2]
    own = {n: (a / n).read_bytes() for n in ("checkpoint.npz", "checkpoint.json", "metrics.csv")}

    def restore() -> None:
        for n, data in own.items():
            (a / n).write_bytes(data)

    shutil.copy(b / "checkpoint.npz", a / "checkpoint.npz")  # another seed's checkpoint
    refused(_resume(a), str(a / "checkpoint.npz"), "seed 2")
    shutil.copy(b / "checkpoint.json", a / "checkpoint.json")  # and its description
    refused(_resume(a), str(a / "config.yaml"), "run.seed: 2 -> 1")
    restore()
    shutil.copy(b / "metrics.csv", a / "metrics.csv")  # the episodes of another run
    refused(_resume(a), str(a / "metrics.csv"), "are not the ones")
    restore()
    r = _resume(a)
    assert r.returncode == 0, r.stderr  # the run's own files: resumed
    assert rows(a / "metrics.csv") == 8


@pytest.mark.parametrize(
    "key,value",
    [("brain.learning_rate", 0.03), ("run.greedy", True), ("world.max_steps", 61)],
)
def test_a_config_edited_before_resume_is_refused_naming_what_changed(two_runs, key, value):
    out = two_runs[1]
    data = yaml.safe_load((out / "config.yaml").read_text())
    section, name = key.split(".")
    old = data[section][name]
    data[section][name] = value
    (out / "config.yaml").write_text(yaml.safe_dump(data))
    refused(_resume(out), str(out / "config.yaml"), f"{key}: {old} -> {value}")
    # The same edit given on the command line instead is named as such.
    data[section][name] = old
    (out / "config.yaml").write_text(yaml.safe_dump(data))
    refused(_resume(out, "--set", f"{key}={value}"), f"--set {key}={value}", key)
    r = _resume(out)
    assert r.returncode == 0, r.stderr


# -- 6. a full disk inside a sweep -------------------------------------------------------------

# Loaded by every Python process of the test (the sweep and its spawned workers): while the
# file named by MOUSESIM_TEST_FULL exists, writing data to a regular file fails as on a full
# disk (ENOSPC), for os.write and for the fsync that every atomic write makes.
FULL_DISK_HOOK = """
import errno, os, stat
_flag = os.environ.get("MOUSESIM_TEST_FULL")
if _flag:
    _write, _fsync = os.write, os.fsync
    def _full(fd):
        return os.path.exists(_flag) and stat.S_ISREG(os.fstat(fd).st_mode)
    def write(fd, data):
        if _full(fd) and len(data):
            raise OSError(errno.ENOSPC, os.strerror(errno.ENOSPC))
        return _write(fd, data)
    def fsync(fd):
        if _full(fd) and os.fstat(fd).st_size > 0:
            raise OSError(errno.ENOSPC, os.strerror(errno.ENOSPC))
        return _fsync(fd)
    os.write, os.fsync = write, fsync
"""


def test_a_disk_that_fills_inside_a_sweep_names_the_file_and_leaves_no_temp(tmp_path):
    hook = tmp_path / "hook"
    hook.mkdir()
    (hook / "sitecustomize.py").write_text(FULL_DISK_HOOK)
    flag = tmp_path / "disk-is-full"
    env = {**os.environ, "PYTHONPATH": os.pathsep.join([str(hook), os.environ.get("PYTHONPATH", "")]),
           "MOUSESIM_TEST_FULL": str(flag)}  # fmt: skip
    spec = write_spec(tmp_path / "s.yaml", episodes=100000)
    out = tmp_path / "o"
    proc = start("sweep", spec, "--out", out, "--workers", "2", "--quiet", env=env)
    try:
        wait_for(lambda: sum(rows(m) for m in out.glob("runs/*/metrics.csv")) >= 10, proc)
        flag.touch()  # the disk is full from now on
        _, err = proc.communicate(timeout=120)
    finally:
        if proc.poll() is None:
            proc.kill()
    assert proc.returncode != 0 and "Traceback" not in err, err
    lines = [line for line in err.splitlines() if line.strip()]
    assert lines, err
    for line in lines:  # every failure names the file it could not write
        assert "no space left on the device" in line and f"cannot write {out}" in line.replace(
            str(out.resolve()), str(out)
        ), line
    assert temp_files(tmp_path) == []
    flag.unlink()  # space freed: the same command finishes the sweep, and leaves no temp file
    short = write_spec(tmp_path / "s.yaml", episodes=20)
    r = cli("sweep", short, "--out", out, "--workers", "2", "--quiet", env=env)
    assert r.returncode == 0, r.stderr
    assert temp_files(tmp_path) == []


# -- 7. very long episodes ------------------------------------------------------------------


def test_a_million_step_episode_shows_progress_and_stops_within_seconds(tmp_path):
    out = tmp_path / "long"
    lone = ["--set", "world.max_steps=1000000", "--set", "world.predator.count=0"]
    proc = start("run", "--episodes", "50", "--out", out, *lone)
    lines: list[str] = []
    try:
        # Without a terminal, a line every couple of seconds says how far the episode is.
        line = wait_for(lambda: proc.stderr.readline(), proc, timeout=120)
        while "steps so far" not in line:
            lines.append(line)
            line = proc.stderr.readline()
            assert line, lines
        t0 = time.monotonic()
        proc.send_signal(signal.SIGINT)
        _, err = proc.communicate(timeout=60)
        took = time.monotonic() - t0
    finally:
        if proc.poll() is None:
            proc.kill()
    assert proc.returncode == 130, err
    assert took < 3.0, f"Ctrl-C took {took:.1f} s"
    s = json.loads((out / "summary.json").read_text())
    assert s["interrupted"] is True and s["episodes"] == rows(out / "metrics.csv") < 50


def test_long_episodes_in_chunks_give_the_same_bits(tmp_path, monkeypatch):
    """An episode played in chunks is the one `run_episode` plays: same metrics, same brain."""
    from mousesim.io.yaml_config import load_config
    from mousesim.run import runner

    cfg = load_config(None, {"run.episodes": 3, "world.max_steps": 400, "run.seed": 5})
    runner.execute_run(cfg, tmp_path / "whole")
    monkeypatch.setattr(runner, "CHUNK_STEPS", 50)
    monkeypatch.setattr(runner, "CHUNK_MIN", 7)
    monkeypatch.setattr(runner, "CHUNK_S", 1e-9)  # every chunk after the first: 7 steps
    runner.execute_run(cfg, tmp_path / "chunked")
    a, b = tmp_path / "whole", tmp_path / "chunked"
    assert (a / "metrics.csv").read_bytes() == (b / "metrics.csv").read_bytes()
    with np.load(a / "checkpoint.npz") as x, np.load(b / "checkpoint.npz") as y:
        for key in x.files:
            np.testing.assert_array_equal(x[key], y[key])


# -- 8. large maps in the replay viewer -------------------------------------------------------


def _replay_with_map(path: Path, side: int) -> Path:
    from mousesim.io.yaml_config import load_config
    from mousesim.replay.recording import save_replay
    from mousesim.sim.kernels import record_width

    cfg = load_config(None)
    names = [e.name for e in cfg.brain.experts]
    grid = np.zeros((side, side), np.int8)
    record = np.zeros((3, record_width(len(names))))
    record[:, :2] = 1  # the mouse at (1, 1)
    return save_replay(path, cfg, record, names, 1, 0, grid=grid)


def test_a_huge_map_is_refused_in_one_line_and_a_large_one_is_drawn_smaller(tmp_path):
    huge = _replay_with_map(tmp_path / "huge.npz", 5000)
    gif = tmp_path / "e.gif"
    refused(cli("replay", huge, "--gif", gif), str(huge), "5000x5000-cell map", "a GIF frame")
    env = {**os.environ, "SDL_VIDEODRIVER": "dummy"}
    refused(cli("replay", huge, env=env), str(huge), "does not fit the screen")
    assert not gif.exists() and temp_files(tmp_path) == []

    large = _replay_with_map(tmp_path / "large.npz", 600)
    r = cli("replay", large, "--gif", gif)
    assert r.returncode == 0, r.stderr
    from PIL import Image

    with Image.open(gif) as im:
        assert max(im.size) <= 2048  # 600 cells at 3 pixels each, not 16


def test_a_map_bomb_is_refused_from_its_header(tmp_path):
    """A compressed replay whose map would inflate to 10 GB is refused before it is read."""
    import zipfile

    small = _replay_with_map(tmp_path / "small.npz", 8)
    bomb = tmp_path / "bomb.npz"
    with zipfile.ZipFile(small) as src, zipfile.ZipFile(bomb, "w", zipfile.ZIP_DEFLATED) as dst:
        for item in src.infolist():
            if item.filename != "grid.npy":
                dst.writestr(item, src.read(item))
        with dst.open("grid.npy", "w", force_zip64=True) as f:
            header = {"descr": "|i1", "fortran_order": False, "shape": (100_000, 100_000)}
            np.lib.format.write_array_header_1_0(f, header)
            f.write(b"\0" * 1_000_000)  # the rest never gets read
    t0 = time.monotonic()
    refused(cli("replay", bomb, "--gif", tmp_path / "b.gif"), str(bomb), "larger than a replay")
    assert time.monotonic() - t0 < 30


def test_eval_plays_long_episodes_in_chunks_with_the_same_bits(monkeypatch):
    from mousesim.evaluate import evaluate as ev
    from mousesim.io.yaml_config import load_config

    cfg = load_config(None, {"world.max_steps": 300, "run.seed": 2})
    opts = ev.EvalOptions(train_episodes=2, episodes=2, seeds=1, policies=("learned",))
    whole = ev.evaluate_seed(cfg, 2, opts, ["learned"], False)
    monkeypatch.setattr(ev, "LONG_EPISODE", 37)
    chunked = ev.evaluate_seed(cfg, 2, opts, ["learned"], False)
    assert chunked["rows"] == whole["rows"] and chunked["training"] == whole["training"]


@needs_linux
def test_a_million_step_episode_moves_the_progress_bar_in_a_terminal(tmp_path):
    """In a terminal the bar counts the steps of the running episode, a few times a second."""
    import fcntl
    import pty
    import re
    import select
    import struct
    import termios

    master, slave = pty.openpty()
    fcntl.ioctl(slave, termios.TIOCSWINSZ, struct.pack("HHHH", 40, 120, 0, 0))
    lone = ["--set", "world.max_steps=1000000", "--set", "world.predator.count=0"]
    proc = subprocess.Popen(
        [sys.executable, "-m", "mousesim", "run", "--episodes", "2", "--out", tmp_path / "r",
         *lone], stdout=slave, stderr=slave, preexec_fn=default_signals,
    )  # fmt: skip
    os.close(slave)
    seen: list[tuple[float, int]] = []
    text = b""
    try:
        t_end = time.monotonic() + 120
        while len(seen) < 3 and time.monotonic() < t_end and proc.poll() is None:
            if select.select([master], [], [], 0.5)[0]:
                text += os.read(master, 65536)
                counts = re.findall(rb"episode 1: ([\d,]+) steps", text)
                if counts and (not seen or int(counts[-1].replace(b",", b"")) != seen[-1][1]):
                    seen.append((time.monotonic(), int(counts[-1].replace(b",", b""))))
        proc.send_signal(signal.SIGINT)
        proc.wait(timeout=60)
    finally:
        if proc.poll() is None:
            proc.kill()
        os.close(master)
    assert len(seen) == 3, text[-500:]
    assert seen[0][1] < seen[1][1] < seen[2][1] < 1_000_000
    assert seen[2][0] - seen[0][0] < 3.0  # updates within a second or two
    assert proc.returncode == 130
