"""The first-ever compile shares out part of the work to a helper process."""

from __future__ import annotations

import os
import re
import subprocess
import sys
import threading
import time
from pathlib import Path

import pytest

from mousesim.sim import precompile

from .conftest import default_signals

ROOT = Path(__file__).resolve().parents[1]


def test_no_helper_inside_the_helper_and_nothing_left_patched(monkeypatch):
    monkeypatch.setenv("MOUSESIM_PRECOMPILE_HELPER", "1")
    assert precompile.start_helper() is None
    from mousesim.world import kernels as wk

    with precompile.helped_compile():
        pass
    assert "compile" not in vars(wk.world_step)  # the class's own compile again


def _cold_compile_cache_log(tmp_path: Path, args: list[str]) -> str:
    """numba's cache log (NUMBA_DEBUG_CACHE) of `python ARGS` on an empty cache, helper on."""
    env = {
        **os.environ,
        "NUMBA_CACHE_DIR": str(tmp_path / "cache"),
        "NUMBA_DEBUG_CACHE": "1",
        "PYTHONPATH": str(ROOT),
    }
    env.pop(precompile._ENV_FLAG, None)
    done = subprocess.run(
        [sys.executable, *args], env=env, capture_output=True, text=True, check=True, cwd=tmp_path
    )
    return done.stdout


def _assert_shared_out(out: str, helper: tuple[str, ...], here: tuple[str, ...]) -> None:
    for name in helper:  # the helper's: loaded from the cache here, never compiled here
        lines = [line for line in out.splitlines() if f"kernels.{name}-" in line]
        assert any("data loaded from" in line for line in lines), name
        assert not any("data saved to" in line for line in lines), name
    for name in here:  # compiled here, once: no second signature
        saved = [ln for ln in out.splitlines() if f"kernels.{name}-" in ln and "data saved" in ln]
        assert len(saved) == 1, (name, saved)


@pytest.mark.slow
def test_a_cold_run_loads_the_helpers_kernels_instead_of_compiling_them(tmp_path):
    """The helper's and this process's argument types for the episode kernel's parts are the
    kernel's own: if a part's arguments change, this fails (the run would still be right, only
    slower to compile)."""
    out = _cold_compile_cache_log(
        tmp_path,
        ["-m", "mousesim", "run", "--episodes", "1", "--quiet", "--out", str(tmp_path / "r")],
    )
    _assert_shared_out(out, precompile.HELPER_KERNELS, precompile.MAIN_KERNELS)


def test_every_front_end_runs_the_kernels_a_run_compiles(tmp_path):
    """One step loop: once `mousesim run` has its kernels, the window's calls (a new episode,
    a frame of steps with its trail, a single step) and the eval's (whole episodes, learning
    off, greedy) compile nothing more: a first window or eval pays for no kernel of its own."""
    import numpy as np
    from numba.core.registry import CPUDispatcher

    from mousesim.io.yaml_config import load_config
    from mousesim.run.runner import execute_run
    from mousesim.sim import kernels as sk
    from mousesim.sim.simulation import Simulation

    cfg = load_config(None, {"world.max_steps": 20, "run.episodes": 1})
    execute_run(cfg, tmp_path / "run")
    dispatchers = {n: d for n, d in vars(sk).items() if isinstance(d, CPUDispatcher)}
    dispatchers["start_episode_py"] = sk.start_episode.python_entry()
    before = {n: len(d.signatures) for n, d in dispatchers.items()}
    sim = Simulation(cfg, seed=1)
    sim.reset()
    sim.advance(25, np.zeros((25, 2), dtype=np.int64))
    sim.step()
    sim.run_episode()
    sim.set_learning(False)
    sim.greedy = True
    sim.run_episode()
    assert {n: len(d.signatures) for n, d in dispatchers.items()} == before


def test_a_stuck_helper_is_given_up_on_not_waited_for():
    """A helper that never reports (here: a process that only sleeps) is killed after the
    timeout, so the first run compiles the kernel itself instead of hanging."""
    proc = subprocess.Popen(
        [sys.executable, "-c", "import time; time.sleep(60)"],
        stdout=subprocess.PIPE,
        preexec_fn=default_signals,
    )
    helper = precompile.Helper(proc)
    helper.wait_for("world_step", timeout=0.5)
    assert "world_step" not in helper.done
    assert proc.wait(timeout=5) is not None  # killed, not left running
    helper.close()


def test_lines_the_helper_wrote_together_are_all_seen_at_once():
    """The helper reports two kernels in one write, then works on (here: sleeps). Once the
    first is read, the second must count as ready at once. A buffered readline took both
    lines off the pipe and returned the first; the wait for the second then saw an empty pipe
    and blocked until the helper's next line (1.3-1.7 s of a first run, measured)."""
    code = "print('_ring_steps\\nworld_step', flush=True); import time; time.sleep(60)"
    proc = subprocess.Popen(
        [sys.executable, "-c", code], stdout=subprocess.PIPE, preexec_fn=default_signals
    )
    helper = precompile.Helper(proc)
    try:
        helper.wait_for("_ring_steps", timeout=30)
        started = time.monotonic()
        helper.wait_for("world_step", timeout=5)
        assert "world_step" in helper.done
        assert time.monotonic() - started < 2
        assert proc.poll() is None  # still running: not killed as a stuck helper
    finally:
        helper.close()


def test_a_helper_is_not_forked_beside_another_thread():
    """A forked child has only the thread that forked: a lock another thread held would stay
    locked in it. With a second thread running, the helper is a new interpreter instead."""
    stop = threading.Event()
    thread = threading.Thread(target=stop.wait)
    thread.start()
    try:
        assert not precompile.can_fork()
    finally:
        stop.set()
        thread.join()


_FORKED = """
import sys
from mousesim.sim import precompile
assert precompile.can_fork(), "a fresh interpreter on Linux forks its helper"
helper = precompile.start_helper(parts=precompile.part_signatures(("sense", "feel_walls")))
assert isinstance(helper.proc, precompile.ForkedProcess)
helper.wait_for("feel_walls", timeout=120)
print(sorted(helper.done), helper.proc.wait())
helper.close()
"""


@pytest.mark.skipif(sys.platform != "linux", reason="the helper is forked on Linux only")
def test_a_forked_helper_reports_each_kernel_and_prints_nothing(tmp_path):
    """The forked helper (Linux) compiles its parts, reports each on the pipe, ends with 0,
    and writes nothing to the terminal it shares with the run (not even numba's cache log)."""
    env = {**os.environ, "PYTHONPATH": str(ROOT), "NUMBA_DEBUG_CACHE": "1"}
    env.pop(precompile._ENV_FLAG, None)
    done = subprocess.run(
        [sys.executable, "-c", _FORKED], env=env, capture_output=True, text=True, cwd=tmp_path
    )
    assert done.returncode == 0, done.stderr
    assert done.stdout == "['feel_walls', 'sense'] 0\n"  # the helper's cache log went nowhere
    assert done.stderr == ""


@pytest.mark.slow
def test_a_spawned_helper_reports_each_kernel():
    """Where the helper cannot be forked (macOS, Windows, another thread running) it is a new
    interpreter running `python -m mousesim.sim.precompile`: it reports every kernel."""
    helper = precompile.start_helper(parts=None)
    if helper is None:
        pytest.skip("no helper on one core")
    try:
        assert isinstance(helper.proc, subprocess.Popen)
        for name in precompile.HELPER_KERNELS:
            helper.wait_for(name, timeout=300)
        assert set(precompile.HELPER_KERNELS) <= helper.done
        assert helper.proc.wait(timeout=60) == 0
    finally:
        helper.close()


@pytest.mark.slow
def test_a_first_run_compiles_each_kernel_once(tmp_path):
    """A literal argument (`f(x, 0)`, `uniform(rng, SPAWN)`) makes numba compile the callee once
    more per value: a second cached overload of any kernel (file `...py311.2.nbc`) is such a
    copy, and a first run pays for it. One process (no helper), so every compile is seen."""
    env = {
        **os.environ,
        "NUMBA_CACHE_DIR": str(tmp_path / "cache"),
        "NUMBA_DEBUG_CACHE": "1",
        "PYTHONPATH": str(ROOT),
        precompile._ENV_FLAG: "1",
    }
    cmd = [sys.executable, "-m", "mousesim", "run", "--episodes", "1", "--quiet"]
    out = subprocess.run(
        [*cmd, "--out", str(tmp_path / "r")], env=env, capture_output=True, text=True, check=True
    ).stdout
    saved = re.findall(r"data saved to '.*[/\\]([^/\\]+)\.py\d+\.(\d+)\.nbc'", out)
    assert len(saved) > 20  # the run's kernels were compiled here
    again = sorted(name for name, index in saved if index != "1")
    assert not again, f"compiled more than once: {again}"
