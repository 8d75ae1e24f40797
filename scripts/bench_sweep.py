"""Sweep throughput: runs per second of a 16-run sweep with 1 and 2 local workers, and what the
Dask backend costs per run compared with the local pool.

    python scripts/bench_sweep.py [--quick]

`scripts/bench.py` imports `bench_sweep(quick)`. Worker start-up is timed apart from the runs
(every worker is started and has loaded the kernels before the clock starts), so runs/s is the
steady-state rate and the 1 -> 2 worker ratio shows the scaling. The sweep takes about a
second on one worker, so a moment of load from elsewhere moves one timing by several percent:
the 1- and 2-worker sweeps are timed in turn, REPEATS times, and the ratio is the median of
the pairs' ratios.
"""

from __future__ import annotations

import argparse
import json
import tempfile
import time
from pathlib import Path
from typing import Any

N_POINTS, N_SEEDS = 4, 4  # 16 runs
REPEATS = 5  # pairs of (1 worker, 2 workers) timings; 1 with --quick


def _sweep(quick: bool) -> Any:
    from mousesim.sweep import sweep_from_text

    # quick: tiny runs, so mostly per-run overhead; full: runs of about half a second.
    episodes, max_steps = (3, 100) if quick else (60, 500)
    return sweep_from_text(
        f"base:\n  world: {{max_steps: {max_steps}}}\n"
        f"grid:\n  mixture.focus: [0.2, 0.4, 0.6, 0.8]\n"
        f"seeds: {N_SEEDS}\nepisodes: {episodes}\n",
        source="bench_sweep",
    )


def _loop_seconds(sweep: Any, out: Path) -> float:
    """The runs' episode loops, summed: each run's summary.json says its steps and steps/s."""
    total = 0.0
    for run in sweep.runs:
        summary = json.loads((out / "runs" / run.run_id / "summary.json").read_text())
        total += summary["total_steps"] / summary["steps_per_s"]
    return total


def _timed(sweep: Any, make: Any, workers: int, out: Path) -> tuple[float, float]:
    """(start-up s, run s) of one backend: start and warm every worker, then run the sweep."""
    from mousesim.sweep.engine import run_sweep
    from mousesim.sweep.worker import warm_up

    t0 = time.perf_counter()
    ex = make(workers)
    try:
        for fut in [ex.submit(warm_up, 0.3) for _ in range(workers)]:
            fut.result()
        startup = time.perf_counter() - t0
        outcome = run_sweep(sweep, out, executor=ex)
        if outcome.complete != len(sweep.runs) or outcome.failed:
            raise RuntimeError(f"bench sweep incomplete: {outcome}")
        return startup, outcome.run_s
    finally:
        ex.shutdown(wait=True, cancel_futures=True)


def bench_sweep(quick: bool = False) -> dict[str, float]:
    """Runs/s of a 16-run sweep on 1 and 2 local workers; Dask per-run overhead vs local.

    Returns:
        local_1_runs_per_s, local_2_runs_per_s (medians), scaling_2_over_1 (the median pair's
        ratio; scaling_min and scaling_max the others), local_startup_s, loop_slowdown (the
        runs' episode loops on 2 busy workers over 1, median) and scaling_without_slowdown
        (each pair's scaling times its slowdown, median), and, when
        dask.distributed is installed, dask_2_runs_per_s, dask_startup_s and
        dask_overhead_ms_per_run (extra wall time per run of the Dask sweep over the local one,
        both on 2 warmed workers); also runs and episodes_per_run.
    """
    import statistics

    from mousesim.sim.warmup import ensure_compiled
    from mousesim.sweep.executors import LocalExecutor

    ensure_compiled(None)
    sweep = _sweep(quick)
    n = len(sweep.runs)
    res: dict[str, float] = {"runs": float(n), "episodes_per_run": float(sweep.episodes or 0)}
    with tempfile.TemporaryDirectory(prefix="bench_sweep-") as tmp:
        pairs = []
        for i in range(1 if quick else REPEATS):
            _, r1 = _timed(sweep, LocalExecutor, 1, Path(tmp) / f"l1-{i}")
            s2, r2 = _timed(sweep, LocalExecutor, 2, Path(tmp) / f"l2-{i}")
            slower = _loop_seconds(sweep, Path(tmp) / f"l2-{i}") / _loop_seconds(
                sweep, Path(tmp) / f"l1-{i}"
            )
            pairs.append((r1, r2, s2, slower))
        r1 = statistics.median(p[0] for p in pairs)
        r2 = statistics.median(p[1] for p in pairs)
        res.update(
            local_1_runs_per_s=n / r1,
            local_2_runs_per_s=n / r2,
            scaling_2_over_1=statistics.median(p[0] / p[1] for p in pairs),
            scaling_min=min(p[0] / p[1] for p in pairs),
            scaling_max=max(p[0] / p[1] for p in pairs),
            local_startup_s=statistics.median(p[2] for p in pairs),
            # The same runs' episode loops, 2 workers over 1 (the same steps): above 1 when two
            # busy cores run slower than one (shared caches, memory, a noisy neighbour).
            loop_slowdown=statistics.median(p[3] for p in pairs),
            # What the scaling would be had the loops not slowed: what the sweep's own
            # scheduling and per-run work leave of 2x.
            scaling_without_slowdown=statistics.median(p[0] / p[1] * p[3] for p in pairs),
        )
        try:
            import distributed  # noqa: F401

            from mousesim.sweep.executors import DaskExecutor
        except ImportError:
            return res
        sd, rd = _timed(sweep, DaskExecutor, 2, Path(tmp) / "d2")
        res.update(
            dask_2_runs_per_s=n / rd,
            dask_startup_s=sd,
            dask_overhead_ms_per_run=1000 * (rd - r2) / n,
        )
    return res


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--quick", action="store_true", help="tiny runs (mostly measures overhead)")
    args = ap.parse_args()
    res = bench_sweep(args.quick)
    print(json.dumps({k: round(v, 3) for k, v in res.items()}, indent=2))


if __name__ == "__main__":
    main()
