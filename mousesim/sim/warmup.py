"""Numba compile management: say so when kernels must be compiled, then compile them once."""

from __future__ import annotations

import contextlib
from collections.abc import Callable

from mousesim.sim import kernels as sim_kernels
from mousesim.sim.precompile import helped_compile, in_disk_cache, tiny_simulation


def ensure_compiled(log: Callable[[str], None] | None = None, *, step: bool = True) -> None:
    """Compile (or load from cache) every kernel a run uses, printing a notice when it is a
    real compile. Running one tiny episode is the simplest way to hit every kernel with the
    exact argument types a run uses. `step=False` skips the window's kernels (episode start,
    steps a frame; `Simulation.step` runs one step of the latter), which only the window and
    scripted stepping need (loading them costs ~0.1 s of start-up). One episode kernel
    serves learning on and off.
    Once the kernels are loaded in this process it does nothing, so a sweep worker pays it
    once, not once per run."""
    # What Python calls for an episode: the start (its build with a Python wrapper), the loop.
    episode = (sim_kernels.start_episode.python_entry(), sim_kernels.play_episode)
    window = (sim_kernels.reset_episode, sim_kernels.run_steps)
    needed = (*episode, *window) if step else episode
    if all(d.signatures for d in needed):
        return
    cold = not all(in_disk_cache(d) for d in needed)
    if cold and log is not None:
        log("compiling kernels (first run only, 10-20 s)...")
    sim = tiny_simulation()
    # A cold compile shares out part of the work to a helper process on the second core.
    with helped_compile(window=step) if cold else contextlib.nullcontext():
        sim.run_episode()
        if step:
            sim.advance(1)  # reset_episode, then run_steps (a window frame; sim.step() too)
