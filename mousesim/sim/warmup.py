"""Numba compile management: say so when kernels must be compiled, then compile them once."""

from __future__ import annotations

import contextlib
import os
from collections.abc import Callable

from mousesim.sim import kernels as sim_kernels
from mousesim.sim.precompile import helped_compile, in_disk_cache, tiny_simulation


def ensure_compiled(log: Callable[[str], None] | None = None) -> None:
    """Compile (or load from cache) the two kernels every front end runs, printing a notice
    when it is a real compile: `start_episode` (its build with a Python wrapper) and the step
    loop `run_steps`, which serves a whole episode, a window frame and a single step alike,
    learning on or off. Running one tiny episode is the simplest way to hit every kernel with
    the exact argument types a run uses. Once the kernels are loaded in this process it does
    nothing, so a sweep worker pays it once, not once per run."""
    needed = (sim_kernels.start_episode.python_entry(), sim_kernels.run_steps)
    if all(d.signatures for d in needed):
        return
    cold = not all(in_disk_cache(d) for d in needed)
    if cold and log is not None:
        # On one 2-core machine: 20 s with the second core for the helper, 26 s on one core
        # (a cold `mousesim run --episodes 1`, under `taskset -c 0,1` and `taskset -c 0`).
        took = "about 20 s" if (os.cpu_count() or 1) >= 2 else "about 30 s"
        log(f"compiling kernels (first run only, {took})...")
    sim = tiny_simulation()
    # A cold compile shares out part of the work to a helper process on the second core.
    with helped_compile() if cold else contextlib.nullcontext():
        sim.run_episode()
