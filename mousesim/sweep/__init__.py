"""Batch sweeps: a grid of config values x seeds, run on a local process pool or a Dask cluster.

`spec` reads and checks the sweep file, `worker` is the one function a worker runs, `engine`
schedules the runs and makes the sweep resumable, `tables` and `plot` write the summaries.
"""

from __future__ import annotations

from mousesim.sweep.spec import RunSpec, Sweep, SweepError, load_sweep, sweep_from_text

__all__ = ["RunSpec", "Sweep", "SweepError", "load_sweep", "sweep_from_text"]
