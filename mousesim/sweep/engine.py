"""Run a checked sweep into an output directory: resumable, crash-safe, backend-agnostic.

Layout of OUT:

    sweep.yaml             the resolved sweep (full base config, explicit seeds)
    runs/<params>-seed<s>/ one `mousesim run` directory per run
    summary.csv            a row per finished run, in sweep order
    summary_by_params.csv  mean and 95% interval over seeds, per grid point
    sweep.png              main metric and caught rate against each swept key

What makes it safe to kill at any moment: every file is written atomically; a run is "done"
only when its summary.json says complete for its exact config; everything else is resumed
(from the run's checkpoint) or redone on the next invocation; the tables are rebuilt from the
runs' summary.json files at the end, never appended to.
"""

from __future__ import annotations

import concurrent.futures as cf
import contextlib
import os
import signal
import sys
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from mousesim.io.atomic import check_writable, write_bytes, write_text
from mousesim.sweep.executors import Executor, make_executor
from mousesim.sweep.spec import Sweep, SweepError
from mousesim.sweep.tables import by_params, by_params_csv, run_row, summary_csv
from mousesim.sweep.worker import DONE, read_summary, run_one, run_state

SWEEP_FILES = ("sweep.yaml", "summary.csv", "summary_by_params.csv", "sweep.png")


@dataclass
class SweepOutcome:
    """What a sweep invocation did."""

    out: Path
    total: int
    complete: int
    """Runs complete at the end (this invocation's and earlier ones')."""
    skipped: int
    """Runs that were already complete when this invocation started."""
    failed: list[tuple[str, str]] = field(default_factory=list)
    """(run id, reason) of runs that raised."""
    interrupted: bool = False
    wall_s: float = 0.0
    run_s: float = 0.0
    """Time from the first submit to the last result (no start-up, checks or tables)."""
    executor: str = ""
    groups: list[dict[str, Any]] = field(default_factory=list)
    """summary_by_params rows (typed values)."""


def check_out(out: Path) -> None:
    """Refuse an output path that is a file, or a non-empty folder that holds no sweep."""
    if out.exists() and not out.is_dir():
        raise SweepError(f"{out}: exists and is not a directory")
    is_sweep = (out / "sweep.yaml").exists() or (out / "runs").is_dir()
    if out.is_dir() and any(out.iterdir()) and not is_sweep:
        raise SweepError(f"{out}: is not empty and holds no sweep; choose another --out")


def run_dir(out: Path, run_id: str) -> Path:
    return out / "runs" / run_id


def finished_rows(sweep: Sweep, out: Path) -> list[dict[str, Any]]:
    """summary.csv rows of the runs that are complete on disk, in sweep order."""
    rows = []
    for run in sweep.runs:
        d = run_dir(out, run.run_id)
        if run_state(d, run.cfg) == DONE:
            rows.append(run_row(run, read_summary(d) or {}))
    return rows


def write_reports(sweep: Sweep, out: Path) -> tuple[list[dict[str, Any]], list[dict[str, Any]]]:
    """(Re)write summary.csv, summary_by_params.csv and sweep.png from the finished runs."""
    rows = finished_rows(sweep, out)
    groups = by_params(sweep, rows)
    write_text(out / "summary.csv", summary_csv(sweep, rows))
    write_text(out / "summary_by_params.csv", by_params_csv(sweep, groups))
    if rows:
        from mousesim.sweep.plot import sweep_png

        write_bytes(out / "sweep.png", sweep_png(sweep, rows))
    return rows, groups


@contextlib.contextmanager
def _sigterm_as_interrupt() -> Iterator[None]:
    """SIGTERM stops the sweep the way Ctrl-C does (cleanly), where signals can be caught."""

    def handler(signum: int, frame: Any) -> None:
        raise KeyboardInterrupt

    old = None
    with contextlib.suppress(ValueError):  # not the main thread: leave signals alone
        old = signal.signal(signal.SIGTERM, handler)
    try:
        yield
    finally:
        if old is not None:
            signal.signal(signal.SIGTERM, old)


@contextlib.contextmanager
def _interrupts_deferred() -> Iterator[list[int]]:
    """Ctrl-C or SIGTERM while the tables are written is noted (in the yielded list), not
    raised: the tables take a second, and a sweep whose runs all finished must not be left
    without its summary.csv."""
    got: list[int] = []

    def handler(signum: int, frame: Any) -> None:
        got.append(signum)

    old = {}
    for sig in (signal.SIGINT, signal.SIGTERM):
        with contextlib.suppress(ValueError):  # not the main thread: leave signals alone
            old[sig] = signal.signal(sig, handler)
    try:
        yield got
    finally:
        for sig, previous in old.items():
            signal.signal(sig, previous)


def _failure_text(exc: BaseException) -> str:
    if isinstance(exc, cf.process.BrokenProcessPool):
        return "a worker process died (killed, or out of memory)"
    text = str(exc).splitlines()[0] if str(exc) else ""
    return f"{exc.__class__.__name__}: {text}" if text else exc.__class__.__name__


def run_sweep(
    sweep: Sweep,
    out: str | Path,
    *,
    backend: str = "local",
    workers: int | None = None,
    address: str | None = None,
    executor: Executor | None = None,
    progress: bool = False,
    log: Callable[[str], None] | None = None,
) -> SweepOutcome:
    """Run every run of `sweep` that is not complete in `out`, then rebuild the tables.

    Args:
        sweep: a checked sweep (`load_sweep`).
        out: the sweep directory (created; may hold an earlier, partial or complete, sweep).
        backend: "local" (process pool) or "dask" (ignored when `executor` is given).
        workers: worker processes (default: one per core; never more than runs to do).
        address: Dask scheduler address to join instead of starting a LocalCluster.
        executor: an executor to use instead of starting one (the caller shuts it down;
            `backend`, `workers` and `address` are then ignored).
        progress: show a progress bar over runs (with ETA) on stderr.
        log: where one-line notices go.

    Returns:
        A `SweepOutcome`. Ctrl-C (KeyboardInterrupt) or SIGTERM while runs are going stops
        them cleanly (pending runs are cancelled, running ones save and stop after their
        current episode), writes the tables of what finished and returns with
        `interrupted=True`.
    """
    from tqdm import tqdm

    from mousesim.sim.warmup import ensure_compiled

    out = Path(out)
    log = log or (lambda msg: None)
    check_out(out)
    check_writable(out)
    t0 = time.perf_counter()
    todo = [r for r in sweep.runs if run_state(run_dir(out, r.run_id), r.cfg) != DONE]
    outcome = SweepOutcome(
        out=out, total=len(sweep.runs), complete=0, skipped=len(sweep.runs) - len(todo)
    )
    own = executor is None
    if todo:
        # Compile (or load) the kernels once here: workers then only read numba's cache,
        # instead of all writing it at once. Only the episode kernel: a run never calls the
        # single-step kernel (the window's).
        ensure_compiled(log)
        if executor is None:
            n = min(workers or os.cpu_count() or 1, len(todo))
            executor = make_executor(backend, n, address)
        outcome.executor = executor.describe()

    out.mkdir(parents=True, exist_ok=True)
    old_spec = out / "sweep.yaml"
    new_spec = sweep.resolved_yaml()
    if old_spec.exists() and _spec_body(old_spec.read_text(encoding="utf-8")) != _spec_body(
        new_spec
    ):
        log(
            f"note: {out} held another sweep; its runs that are not in this one stay in "
            f"{out / 'runs'} but leave the summaries"
        )
    write_text(old_spec, new_spec)

    if todo:
        assert executor is not None
        try:
            _run_all(sweep, out, todo, executor, outcome, progress, log, tqdm)
        finally:
            if own:
                executor.shutdown(wait=True, cancel_futures=True)

    with _interrupts_deferred() as signals:
        rows, outcome.groups = write_reports(sweep, out)
    outcome.interrupted = outcome.interrupted or bool(signals)
    outcome.complete = len(rows)
    outcome.wall_s = time.perf_counter() - t0
    return outcome


def _spec_body(text: str) -> str:
    # The header comment names the source file; the sweep itself is what follows.
    return "\n".join(line for line in text.splitlines() if not line.startswith("#"))


def _run_all(
    sweep: Sweep,
    out: Path,
    todo: list,
    executor: Executor,
    outcome: SweepOutcome,
    progress: bool,
    log: Callable[[str], None],
    tqdm: Any,
) -> None:
    bar = tqdm(
        total=len(sweep.runs),
        initial=outcome.skipped,
        disable=not progress,
        file=sys.stderr,
        unit="run",
        dynamic_ncols=True,
    )
    say = bar.write if progress else log
    futures: dict[cf.Future, Any] = {}
    t0 = time.perf_counter()
    try:
        with _sigterm_as_interrupt():
            for run in todo:
                fut = executor.submit(run_one, run.config_dict(), str(run_dir(out, run.run_id)))
                futures[fut] = run
            for fut in cf.as_completed(futures):
                _collect(fut, futures[fut], outcome, say)
                bar.update(1)
                if outcome.failed:
                    bar.set_postfix(failed=len(outcome.failed), refresh=False)
    except KeyboardInterrupt:
        outcome.interrupted = True
        say("stopping: runs not started are cancelled; runs in progress save (or resume next time)")
        try:
            for fut in futures:
                fut.cancel()
            # A process pool hands a task or two to its queue ahead of time; those cannot be
            # cancelled and may start after the first signal: keep asking until all are done.
            running = [f for f in futures if not f.done()]
            deadline = time.monotonic() + 120
            while running and time.monotonic() < deadline:
                executor.interrupt()
                running = list(cf.wait(running, timeout=0.25).not_done)
        except KeyboardInterrupt:  # a second Ctrl-C: do not wait for anyone
            terminate = getattr(executor, "terminate", None)
            if terminate is not None:
                terminate()
    finally:
        outcome.run_s = time.perf_counter() - t0
        bar.close()


def _collect(fut: cf.Future, run: Any, outcome: SweepOutcome, say: Callable[[str], None]) -> None:
    if fut.cancelled():
        return
    exc = fut.exception()
    if exc is None and fut.result().get("interrupted"):
        # The run was stopped from outside (SIGINT/SIGTERM reached the worker but not us):
        # it saved, but the sweep is not complete. Say so like a Ctrl-C would.
        outcome.interrupted = True
        return
    if exc is not None:
        reason = _failure_text(exc)
        broken = isinstance(exc, cf.process.BrokenProcessPool)
        if not (broken and any(r == reason for _, r in outcome.failed)):
            say(f"run {run.run_id} failed: {reason}")
        outcome.failed.append((run.run_id, reason))


__all__ = [
    "SWEEP_FILES",
    "SweepOutcome",
    "check_out",
    "finished_rows",
    "run_sweep",
    "write_reports",
]
