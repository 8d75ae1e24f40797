"""Issue 15 (speed): the float32 ring's numerics, runs that repeat bit for bit, and the per-run
file cost (fewer fsyncs, the same crash safety)."""

from __future__ import annotations

import os

import numpy as np
import pytest
import yaml

from mousesim.common.errors import OutputError
from mousesim.io import atomic
from mousesim.io.yaml_config import dump_config, load_config
from mousesim.sim.simulation import Simulation

from .conftest import make_config


def test_the_fast_transfer_is_tanh_to_float32_precision():
    """Eigen's rational tanh in float32: within 3e-7 of numpy's tanh everywhere on [0, 20]
    (and 0 below threshold, 1 in saturation), through the ring kernel's own function."""
    from numba import njit

    from mousesim.brain.kernels import tanh32_pos

    @njit
    def apply(x, out):
        for i in range(x.shape[0]):
            out[i] = tanh32_pos(np.float32(x[i]))

    x = np.linspace(-2.0, 20.0, 100_001)
    out = np.empty_like(x)
    apply(x, out)
    exact = np.tanh(np.maximum(x.astype(np.float32), 0.0))
    assert np.abs(out - exact).max() < 3e-7
    assert out[x <= 0].max() == 0.0 and out[-1] == 1.0


def test_a_run_repeats_bit_for_bit():
    """Same config and seed, two fresh simulations: identical rates, readouts and metrics."""
    cfg = make_config(**{"world.max_steps": 200})
    a, b = Simulation(cfg, seed=3), Simulation(cfg, seed=3)
    rows_a = [a.run_episode() for _ in range(3)]
    rows_b = [b.run_episode() for _ in range(3)]
    assert rows_a == rows_b
    assert np.array_equal(a.brain.ring.rates, b.brain.ring.rates)
    assert np.array_equal(a.brain.readout.weights, b.brain.readout.weights)
    # The rates hold float32 values (the fast path's state), so float64 <-> float32 is exact.
    assert np.array_equal(a.brain.ring.rates, a.brain.ring.rates.astype(np.float32))


def test_a_batch_of_atomic_writes_syncs_the_folder_once(tmp_path, monkeypatch):
    synced: list[int] = []
    real = os.fsync
    monkeypatch.setattr(atomic.os, "fsync", lambda fd: (synced.append(fd), real(fd))[1])
    with atomic.one_dir_sync():
        for name in ("a.txt", "b.txt", "c.txt"):
            atomic.write_text(tmp_path / name, name * 3)
        assert len(synced) == 3  # each file before its rename; the folder not yet
    assert len(synced) == 4  # then the folder, once
    assert [(tmp_path / n).read_text() for n in ("a.txt", "b.txt", "c.txt")] == [
        "a.txta.txta.txt",
        "b.txtb.txtb.txt",
        "c.txtc.txtc.txt",
    ]
    synced.clear()
    atomic.write_text(tmp_path / "d.txt", "d")  # outside a batch: file and folder
    assert len(synced) == 2


def test_a_kernel_for_jitted_callers_answers_python_through_its_own_build():
    """A jit_only kernel is compiled without its Python wrapper; a call from Python (a test, a
    tool) compiles and uses a separate build that has one, with its own cache file: loading
    the wrapper-less build for a Python call would jump to a null entry (a segfault)."""
    from numba import njit

    from mousesim.world.kernels import is_free

    grid = np.zeros((2, 3), dtype=np.int8)
    grid[1, 2] = 1
    assert [is_free(grid, x, y) for x, y in ((0, 0), (2, 1), (3, 0), (-1, 0))] == [
        True, False, False, False
    ]  # fmt: skip
    entry = is_free.python_entry()
    assert entry is not is_free and entry.signatures
    assert entry.py_func.__qualname__ != is_free.py_func.__qualname__  # its own cache file

    @njit
    def jitted(g):
        return is_free(g, 2, 1)

    assert jitted(grid) is False
    assert is_free.signatures  # compiled for the jitted caller, and without a wrapper:
    assert is_free.targetoptions["no_cpython_wrapper"]
    assert not entry.targetoptions.get("no_cpython_wrapper")


def test_a_deferred_batch_syncs_its_folder_with_the_next_batch(tmp_path, monkeypatch):
    synced: list[int] = []
    real = os.fsync
    monkeypatch.setattr(atomic.os, "fsync", lambda fd: (synced.append(fd), real(fd))[1])
    with atomic.one_dir_sync(defer=True):
        atomic.write_text(tmp_path / "a.txt", "a")
    assert len(synced) == 1  # the file before its rename; the folder waits
    with atomic.one_dir_sync():
        atomic.write_text(tmp_path / "b.txt", "b")
    assert len(synced) == 3  # b, then the folder once for both renames
    assert (tmp_path / "a.txt").read_text() == "a"


def test_a_failed_write_in_a_batch_keeps_the_old_file(tmp_path, monkeypatch):
    target = tmp_path / "keep.txt"
    atomic.write_text(target, "old")

    def boom(*_):
        raise OSError(28, "No space left on device")

    monkeypatch.setattr(atomic.os, "replace", boom)
    with pytest.raises(OutputError, match=r"keep\.txt"), atomic.one_dir_sync():
        atomic.write_text(target, "new")
    assert target.read_text() == "old"
    assert [p.name for p in tmp_path.iterdir()] == ["keep.txt"]


def test_config_yaml_loads_back_to_the_same_config(tmp_path):
    """config.yaml is written with libyaml's emitter when PyYAML has it: same YAML, same config."""
    cfg = make_config(**{"world.layout": "#####\n#M.C#\n#..P#\n#####", "mixture.focus": 0.3})
    text = dump_config(cfg)
    assert yaml.safe_load(text)["world"]["layout"] == "#####\n#M.C#\n#..P#\n#####"
    path = tmp_path / "config.yaml"
    path.write_text(text)
    assert load_config(path) == cfg
