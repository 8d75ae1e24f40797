"""`mousesim eval`: train brains over seeds and score them against baselines."""

from __future__ import annotations

import argparse
import math
import time
from pathlib import Path

from mousesim.cli.common import add_config_arguments, load_from_args, stderr_log

HELP = (
    "train a brain per seed, then score it against random, hand-wired and oracle players; "
    "writes eval.csv, summary.csv and plots"
)


def add_arguments(p: argparse.ArgumentParser) -> None:
    add_config_arguments(p, episodes=False)
    # Numbers are read as text and checked in main, so a bad value is one line and exit 2.
    p.add_argument(
        "--train-episodes", default="200", metavar="N", help="training episodes per seed (200)"
    )
    p.add_argument(
        "--episodes",
        dest="eval_episodes",
        default="200",
        metavar="M",
        help="evaluation episodes per seed and policy, learning off (200)",
    )
    p.add_argument(
        "--seeds", default="5", metavar="K", help="seeds: run.seed .. run.seed + K - 1 (5)"
    )
    p.add_argument(
        "--out", default=None, help="output directory (default: evals/<config name>-<date-time>)"
    )
    p.add_argument(
        "--greedy",
        action="store_true",
        help="evaluate with argmax actions (default: sampled at the training beta)",
    )
    p.add_argument(
        "--focus-sweep",
        default=None,
        metavar="F,F,...",
        help="also evaluate the learned and hand-wired brains at these focus values, e.g. "
        "0,0.25,0.5,0.75,1 (writes focus_sweep.csv and focus_tradeoff.png)",
    )
    p.add_argument(
        "--catch-weight",
        default="5",
        metavar="W",
        help="score = cheese per episode - W x caught rate (5)",
    )
    p.add_argument("--workers", default="2", metavar="W", help="worker processes over seeds (2)")
    p.add_argument("--overwrite", action="store_true", help="replace an evaluation in --out")
    p.add_argument(
        "--quiet", action="store_true", help="no progress lines (the table still prints)"
    )


def _int(flag: str, text: str, minimum: int) -> int:
    from mousesim.common.errors import UsageError

    try:
        value = int(text)
    except ValueError:
        raise UsageError(f"{flag}: expected a whole number, got {text!r}") from None
    if value < minimum:
        raise UsageError(f"{flag}: must be at least {minimum}, got {value}")
    return value


def _float(flag: str, text: str, low: float, high: float = math.inf) -> float:
    from mousesim.common.errors import UsageError

    try:
        value = float(text)
    except ValueError:
        raise UsageError(f"{flag}: {text!r} is not a number") from None
    if not (low <= value <= high):  # also rejects nan
        bound = f"[{low:g}, {high:g}]" if math.isfinite(high) else f">= {low:g}"
        raise UsageError(f"{flag}: {text} is outside {bound}")
    return value


def parse_focus_sweep(text: str | None) -> tuple[float, ...]:
    """'0,0.5,1' -> (0.0, 0.5, 1.0); UsageError naming the bad item."""
    from mousesim.common.errors import UsageError

    if text is None:
        return ()
    items = [t.strip() for t in text.split(",")]
    if not text.strip() or any(not t for t in items):
        raise UsageError(f"--focus-sweep: expected comma-separated numbers, got {text!r}")
    values = tuple(_float("--focus-sweep", t, 0.0, 1.0) for t in items)
    if len(set(values)) != len(values):
        raise UsageError(f"--focus-sweep: a focus value is repeated in {text!r}")
    return values


def default_out(config: str | None) -> Path:
    stem = Path(config).stem if config else "default"
    return Path("evals") / f"{stem}-{time.strftime('%Y%m%d-%H%M%S')}"


def main(args: argparse.Namespace) -> int:
    from mousesim.evaluate.evaluate import EvalOptions, SeedFailed
    from mousesim.evaluate.report import check_out_dir

    cfg = load_from_args(args)
    opts = EvalOptions(
        train_episodes=_int("--train-episodes", args.train_episodes, 1),
        episodes=_int("--episodes", args.eval_episodes, 1),
        seeds=_int("--seeds", args.seeds, 1),
        greedy=bool(args.greedy),
        focus_sweep=parse_focus_sweep(args.focus_sweep),
        catch_weight=_float("--catch-weight", args.catch_weight, 0.0),
        workers=_int("--workers", args.workers, 1),
    )
    from mousesim.io.owner import check_owner

    out = Path(args.out) if args.out else default_out(args.config)
    check_owner(out, "eval")  # another command's folder, even with --overwrite
    check_out_dir(out, args.overwrite)
    try:
        _evaluate_into(out, cfg, opts, args)
    except SeedFailed as exc:  # not bad input: the machine's fault, exit 1
        stderr_log(f"error: {exc}")
        return 1
    return 0


def _evaluate_into(out: Path, cfg, opts, args: argparse.Namespace) -> None:
    from mousesim.evaluate.evaluate import evaluate
    from mousesim.evaluate.report import check_out_dir, report_text, write_outputs
    from mousesim.io.atomic import check_writable
    from mousesim.io.lock import folder_lock
    from mousesim.io.owner import check_owner, removed_if_left_empty
    from mousesim.io.stop import StopFlag, Stopped

    with removed_if_left_empty(out):
        check_writable(out)  # before minutes of training, not at the first write after them
        # This process owns the folder until its files are written: a run, sweep or
        # second eval into it is refused meanwhile (and this one checks again as the owner).
        with folder_lock(out, wait=False):
            check_owner(out, "eval")
            check_out_dir(out, args.overwrite)
            log = None if args.quiet else stderr_log
            result = evaluate(cfg, opts, log=log)
            name = Path(args.config).stem if args.config else "default"
            # A stop signal while the files are written waits for the last one (a second
            # or two): the folder holds a whole evaluation or none.
            with StopFlag().installed() as stop:
                write_outputs(result, out, name)
            if stop.requested:
                raise Stopped(stop.signum or 2)
    print(report_text(result), flush=True)
    if not args.quiet:
        stderr_log(f"evaluated in {result.seconds:.0f} s; files in {out}")
