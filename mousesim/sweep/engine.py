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
import sys
import time
from collections.abc import Callable, Iterator
from concurrent.futures.process import BrokenProcessPool
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from mousesim.common.errors import RunError
from mousesim.io.atomic import check_writable, remove_temp_files, write_bytes, write_text
from mousesim.io.lock import folder_lock
from mousesim.io.owner import check_owner
from mousesim.io.pool import WorkerDied
from mousesim.io.stop import StopFlag, raise_on_stop, signum_of
from mousesim.sweep.executors import ClusterLost, Executor, make_executor
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
    signum: int | None = None
    """The signal that interrupted the sweep (None: none, or the runs' own)."""
    lost: str = ""
    """Why the sweep could not go on (the cluster went away), or empty."""
    wall_s: float = 0.0
    run_s: float = 0.0
    """Time from the first submit to the last result (no start-up, checks or tables)."""
    executor: str = ""
    groups: list[dict[str, Any]] = field(default_factory=list)
    """summary_by_params rows (typed values)."""


def check_out(out: Path) -> None:
    """Refuse an output path that is a file, or a folder that holds another command's output
    or files of no command (`io.owner`)."""
    from mousesim.common.errors import UsageError

    try:
        check_owner(out, "sweep")
    except UsageError as exc:
        raise SweepError(str(exc)) from None


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
def _interrupts_deferred() -> Iterator[StopFlag]:
    """A stop signal while the tables are written is noted (in the yielded flag), not
    raised: the tables take a second, and a sweep whose runs all finished must not be left
    without its summary.csv."""
    flag = StopFlag()
    with flag.installed():
        yield flag


class _Elsewhere(Exception):
    """A run its worker finished in a folder this process does not see."""


def _failure_text(exc: BaseException) -> str:
    if isinstance(exc, BrokenProcessPool):
        return "a worker process died (killed, or out of memory)"
    if isinstance(exc, WorkerDied | OSError | _Elsewhere):
        return str(exc)  # says what happened and names the file or process
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
    out = Path(out)
    log = log or (lambda msg: None)
    check_out(out)
    check_writable(out)
    with contextlib.ExitStack() as owned:
        try:
            owned.enter_context(folder_lock(out, wait=False))
        except RunError as exc:  # another command is writing this folder
            raise SweepError(str(exc)) from None
        check_out(out)  # again, as the owner: another command may have written meanwhile
        # Left by a process killed inside an atomic write; we hold the lock.
        remove_temp_files(out)
        return _run_owned(sweep, out, backend, workers, address, executor, progress, log)


def _run_owned(sweep, out, backend, workers, address, executor, progress, log) -> SweepOutcome:
    from tqdm import tqdm

    from mousesim.sim.warmup import ensure_compiled

    t0 = time.perf_counter()
    todo = []
    for r in sweep.runs:
        d = run_dir(out, r.run_id)
        if run_state(d, r.cfg) != DONE:
            todo.append(r)  # its worker removes its own temp files, under its lock
        elif any(d.glob(".*.tmp-*")):
            remove_temp_files(d, depth=2)  # finished: nobody writes it any more
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

    with _interrupts_deferred() as flag:
        rows, outcome.groups = write_reports(sweep, out)
    if flag.requested:
        outcome.interrupted = True
        outcome.signum = outcome.signum or flag.signum
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
    # Absolute: a worker (a Dask worker above all) resolves a relative path against its own
    # working directory, and would write the runs somewhere else.
    where = out.resolve()
    try:
        with raise_on_stop():
            for run in todo:
                fut = executor.submit(run_one, run.config_dict(), str(run_dir(where, run.run_id)))
                futures[fut] = run
            pending = set(futures)
            while pending:
                # A second at most between refreshes: the bar's clock moves even while runs
                # of long episodes take minutes each.
                done, pending = cf.wait(pending, timeout=1.0, return_when=cf.FIRST_COMPLETED)
                for fut in done:
                    _collect(fut, futures[fut], outcome, say, out)
                    bar.update(1)
                    if outcome.failed:
                        bar.set_postfix(failed=len(outcome.failed), refresh=False)
                if not done:
                    bar.refresh()
    except KeyboardInterrupt as exc:
        outcome.interrupted = True
        outcome.signum = signum_of(exc)
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


def _collect(
    fut: cf.Future, run: Any, outcome: SweepOutcome, say: Callable[[str], None], out: Path
) -> None:
    if fut.cancelled():
        return
    exc = fut.exception()
    if exc is None and fut.result().get("interrupted"):
        # The run was stopped from outside (a signal reached the worker but not us): it
        # saved, but the sweep is not complete. Say so like a Ctrl-C would.
        outcome.interrupted = True
        return
    if exc is None:
        d = run_dir(out, run.run_id)
        if run_state(d, run.cfg) == DONE:
            return
        # Finished on a worker, but not here: the worker wrote into a folder of the same
        # name that this machine does not see (a cluster without a shared file system).
        exc = _Elsewhere(
            f"finished on its worker, but {d.resolve()} does not hold it here: the workers "
            "must see the sweep folder at the same path"
        )
    if isinstance(exc, ClusterLost):
        # Said once, by the command, for every run it leaves unfinished.
        outcome.lost = str(exc)
        return
    reason = _failure_text(exc)
    broken = isinstance(exc, BrokenProcessPool)
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
