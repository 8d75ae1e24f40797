"""`mousesim run`: train headless from a YAML config and write the run files."""

from __future__ import annotations

import argparse
import shlex
import sys
import time
from pathlib import Path

from mousesim.cli.common import add_config_arguments, load_from_args, stderr_log
from mousesim.common.config import SimConfig
from mousesim.common.words import plural

HELP = "train headless from a YAML config; writes config.yaml, metrics.csv, summary.json, brain.npz"


def add_arguments(p: argparse.ArgumentParser) -> None:
    add_config_arguments(p)
    p.add_argument(
        "--out", default=None, help="output directory (default: runs/<config name>-<date-time>)"
    )
    p.add_argument("--brain", default=None, help="start from this brain.npz (continue learning)")
    p.add_argument(
        "--resume", action="store_true", help="continue the run in --out from its last checkpoint"
    )
    p.add_argument("--overwrite", action="store_true", help="replace a run already in --out")
    p.add_argument("--quiet", action="store_true", help="no progress bar, no closing line")
    p.add_argument(
        "--record-episodes",
        default=None,
        metavar="LIST",
        help="save replays of these episodes in OUT/replays/, e.g. 1,50,last or 1-5 "
        "(watch with: mousesim replay OUT/replays/episode-50.npz)",
    )


def default_out(config: str | None) -> Path:
    stem = Path(config).stem if config else "default"
    return Path("runs") / f"{stem}-{time.strftime('%Y%m%d-%H%M%S')}"


def resume_config(args: argparse.Namespace, out: Path) -> SimConfig:
    """The config a --resume continues: the run folder's own config.yaml when no config file
    is given, and the episode count the run was started with unless --episodes extends it."""
    from mousesim.io.yaml_config import ConfigError, load_config

    saved = out / "config.yaml"
    if args.config is None and saved.is_file():
        args.config = str(saved)
    cfg = load_from_args(args)
    if args.episodes is None and saved.is_file():
        try:
            started = load_config(saved).run.episodes
        except ConfigError:
            return cfg  # the runner names the unreadable file
        data = cfg.model_dump(mode="json")
        data["run"]["episodes"] = started
        cfg = SimConfig.model_validate(data)
    return cfg


def _bar_fits() -> bool:
    """A progress bar can show on stderr: a terminal with columns (a terminal of size 0, as
    some containers give, would show an empty bar: lines are printed instead)."""
    import os

    if not sys.stderr.isatty():
        return False
    try:
        return os.get_terminal_size(sys.stderr.fileno()).columns > 0
    except (OSError, ValueError):
        return False


def resume_command(args: argparse.Namespace, out: Path) -> str:
    """The command that continues this run (config and count come from the run folder)."""
    cmd = ["mousesim", "run", "--out", str(out), "--resume"]
    if args.record_episodes:
        cmd += ["--record-episodes", args.record_episodes]
    return shlex.join(cmd)


def main(args: argparse.Namespace) -> int:
    from mousesim.common.errors import UsageError
    from mousesim.run.runner import execute_run

    if args.resume and args.overwrite:
        raise UsageError("--resume and --overwrite cannot be used together")
    if args.resume and args.out is None:
        raise UsageError("--resume needs --out DIR (the run to continue)")
    from mousesim.io.stop import exit_code, signal_name

    out = Path(args.out) if args.out else default_out(args.config)
    cfg = resume_config(args, out) if args.resume else load_from_args(args)
    tty = _bar_fits()
    source = args.config or "the built-in default config"
    if args.overrides:
        source += " with " + " ".join(f"--set {o}" for o in args.overrides)
    result = execute_run(
        cfg,
        out,
        brain_file=args.brain,
        resume=args.resume,
        overwrite=args.overwrite,
        progress=not args.quiet and tty,
        log=stderr_log,
        record_episodes=args.record_episodes,
        heartbeat=None if args.quiet or tty else stderr_log,
        config_source=source,
    )
    s = result.summary
    if result.interrupted:
        by = "" if result.signum in (None, 2) else f" by {signal_name(result.signum)}"
        stderr_log(
            f"interrupted{by} after {s['episodes']} of "
            f"{plural(s['episodes_requested'], 'episode')}; saved in {out} "
            f"(continue with: {resume_command(args, out)})"
        )
        return exit_code(result.signum)
    if not args.quiet:
        stderr_log(
            f"{plural(s['episodes'], 'episode')}, {plural(s['total_steps'], 'step')} at "
            f"{s['steps_per_s']:,.0f} steps/s; "
            f"cheese/episode {s['cheese_per_episode_first_10pct']:.2f} (first 10%) -> "
            f"{s['cheese_per_episode_last_10pct']:.2f} (last 10%); caught rate "
            f"{s['caught_rate']:.2f}; files in {out}"
        )
    return 0
