"""`mousesim plot`: learning curves of a finished run, to RUN_DIR/plots/."""

from __future__ import annotations

import argparse

from mousesim.cli.common import stderr_log

HELP = "draw a run's learning curves (cheese, caught rate, steps, each expert's share of the steps) to RUN_DIR/plots/"


def add_arguments(p: argparse.ArgumentParser) -> None:
    p.add_argument("run_dir", metavar="RUN_DIR", help="a `mousesim run` output directory")
    p.add_argument(
        "--window",
        type=int,
        default=None,
        metavar="N",
        help="episodes in the rolling mean (default: a tenth of the run, 1 to 50)",
    )


def main(args: argparse.Namespace) -> int:
    from mousesim.common.errors import UsageError
    from mousesim.plot.curves import plot_learning_curves

    if args.window is not None and args.window < 1:
        raise UsageError(f"--window must be at least 1, got {args.window}")
    out = plot_learning_curves(args.run_dir, window=args.window)
    stderr_log(f"wrote {out}")
    return 0
