"""`mousesim sweep`: a grid of config values x seeds, on local cores or a Dask cluster."""

from __future__ import annotations

import argparse
import contextlib
import shlex
import sys
from pathlib import Path

from mousesim.cli.common import stderr_log
from mousesim.common.words import plural

HELP = (
    "run a grid of config values x seeds in parallel (local processes or Dask); writes one "
    "run directory per run plus summary.csv, summary_by_params.csv and sweep.png"
)
EXIT_RUN_FAILED = 1
EXIT_BAD_INPUT = 2
EXIT_INTERRUPTED = 130
MAX_TABLE_POINTS = 30


def add_arguments(p: argparse.ArgumentParser) -> None:
    p.add_argument(
        "sweep",
        help="sweep file (YAML: base, grid, seeds, episodes), e.g. configs/sweep_focus.yaml",
    )
    p.add_argument(
        "--workers",
        type=int,
        default=None,
        metavar="N",
        help="worker processes (default: one per core)",
    )
    p.add_argument(
        "--backend",
        choices=("local", "dask"),
        default="local",
        help="local: a process pool on this machine; dask: a dask.distributed cluster",
    )
    p.add_argument(
        "--address",
        default=None,
        metavar="ADDR",
        help="with --backend dask: join this scheduler (e.g. tcp://host:8786) instead of "
        "starting a local cluster",
    )
    p.add_argument(
        "--out",
        default=None,
        metavar="DIR",
        help="sweep directory (default: sweeps/<sweep file name>)",
    )
    p.add_argument(
        "--max-runs",
        type=int,
        default=None,
        metavar="N",
        help="refuse a sweep of more than N runs (default 10000); counted before anything runs",
    )
    p.add_argument("--quiet", action="store_true", help="no progress bar, no closing lines")


def default_out(sweep_path: str) -> Path:
    # No date in the name: re-running the same command must find (and resume) the same sweep.
    return Path("sweeps") / Path(sweep_path).stem


def resume_command(args: argparse.Namespace, out: Path) -> str:
    cmd = ["mousesim", "sweep", args.sweep, "--out", str(out)]
    if args.workers is not None:
        cmd += ["--workers", str(args.workers)]
    if args.backend != "local":
        cmd += ["--backend", args.backend]
    if args.address:
        cmd += ["--address", args.address]
    if args.max_runs is not None:
        cmd += ["--max-runs", str(args.max_runs)]
    return shlex.join(cmd)


def main(args: argparse.Namespace) -> int:
    from mousesim.sweep.spec import SweepError

    try:
        return _main(args)
    except SweepError as exc:
        print(f"sweep error: {exc}", file=sys.stderr)
        return EXIT_BAD_INPUT


def _main(args: argparse.Namespace) -> int:
    from mousesim.io.atomic import check_writable
    from mousesim.io.lock import folder_lock
    from mousesim.io.owner import removed_if_left_empty
    from mousesim.io.stop import exit_code, signal_name
    from mousesim.sweep.engine import check_out, run_sweep
    from mousesim.sweep.executors import ExecutorError
    from mousesim.sweep.spec import (
        MAX_RUNS,
        SAY_COUNT_FIRST,
        SweepError,
        describe_count,
        format_value,
        load_sweep,
    )

    if args.workers is not None and args.workers < 1:
        raise SweepError(f"--workers must be at least 1 (got {args.workers})")
    if args.address and args.backend != "dask":
        raise SweepError("--address needs --backend dask")
    if args.backend == "dask":
        import importlib.util

        if importlib.util.find_spec("distributed") is None:
            raise SweepError(
                "the dask backend needs dask.distributed: pip install 'mousesim[dask]'"
            )
    if args.max_runs is not None and args.max_runs < 1:
        raise SweepError(f"--max-runs must be at least 1 (got {args.max_runs})")
    if args.address:
        from mousesim.sweep.executors import check_address

        check_address(args.address)  # before anything is made
    quiet = args.quiet
    log = (lambda msg: None) if quiet else stderr_log
    sweep = load_sweep(args.sweep, max_runs=args.max_runs or MAX_RUNS, log=log)
    out = Path(args.out) if args.out else default_out(args.sweep)
    check_out(out)
    with contextlib.ExitStack() as owned:
        # A sweep refused before its first file leaves no folder behind.
        owned.enter_context(removed_if_left_empty(out))
        check_writable(out)  # before the count line, so a refusal stays one line
        # Owned from here on (run_sweep takes the same lock): a folder another command is
        # writing is refused before the count line too.
        owned.enter_context(folder_lock(out, wait=False))
        if len(sweep.runs) < SAY_COUNT_FIRST:  # larger counts were said before building
            log(describe_count(args.sweep, len(sweep.points), len(sweep.seeds)))
        try:
            outcome = run_sweep(
                sweep,
                out,
                backend=args.backend,
                workers=args.workers,
                address=args.address,
                progress=not quiet and sys.stderr.isatty(),
                log=log,
            )
        except ExecutorError as exc:
            raise SweepError(str(exc)) from None

    done = f"{outcome.complete} of {plural(outcome.total, 'run')} complete"
    if outcome.lost:
        stderr_log(
            f"sweep stopped: {outcome.lost}; {done}, summaries of those in {out}. "
            f"Resume with: {resume_command(args, out)}"
        )
        return EXIT_RUN_FAILED
    if outcome.interrupted or (outcome.complete < outcome.total and not outcome.failed):
        by = "" if outcome.signum in (None, 2) else f" by {signal_name(outcome.signum)}"
        stderr_log(
            f"interrupted{by}: {done}; summaries of those in {out}. "
            f"Resume with: {resume_command(args, out)}"
        )
        return exit_code(outcome.signum)
    if outcome.failed:
        stderr_log(
            f"{plural(len(outcome.failed), 'run')} failed ({done}); summaries of the others in {out}. "
            f"Run the same command again to retry: {resume_command(args, out)}"
        )
        return EXIT_RUN_FAILED
    if not quiet:
        ran = outcome.total - outcome.skipped
        how = f" on {outcome.executor}" if outcome.executor else ""
        now = (
            f"{ran:,} ran now{how}, {outcome.skipped:,} "
            f"{'was' if outcome.skipped == 1 else 'were'} done before"
            if ran
            else "all already done"
        )
        stderr_log(
            f"{plural(outcome.total, 'run')} complete ({now}) in {outcome.wall_s:.0f} s; "
            f"{out}/summary.csv, summary_by_params.csv, sweep.png"
        )
        if len(outcome.groups) <= MAX_TABLE_POINTS:
            for g in outcome.groups:
                point = ", ".join(f"{k}={format_value(g[k])}" for k in sweep.keys)
                stderr_log(
                    f"  {point}: {_stat(g, 'cheese_per_episode_last_10pct')} cheese/episode "
                    f"(last 10%), caught rate {_stat(g, 'caught_rate')}"
                )
    return 0


def _stat(g: dict, metric: str) -> str:
    mean, lo, hi = g[f"{metric}_mean"], g[f"{metric}_ci_low"], g[f"{metric}_ci_high"]
    if lo is None:
        return f"{mean:.2f}"
    return f"{mean:.2f} [{lo:.2f}, {hi:.2f}]"
