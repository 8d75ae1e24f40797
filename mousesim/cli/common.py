"""Arguments and config loading shared by commands."""

from __future__ import annotations

import argparse
import contextlib
import sys

from mousesim.common.config import SimConfig


def add_config_arguments(p: argparse.ArgumentParser, *, episodes: bool = True) -> None:
    p.add_argument(
        "config", nargs="?", default=None, help="YAML config (default: the built-in default config)"
    )
    if episodes:
        p.add_argument("--episodes", type=int, default=None, help="number of episodes")
    p.add_argument("--seed", type=int, default=None, help="root random seed")
    p.add_argument(
        "--set",
        dest="overrides",
        action="append",
        default=[],
        metavar="KEY=VALUE",
        help="override a config key, e.g. --set brain.learning_rate=0.003 (repeatable)",
    )


def load_from_args(args: argparse.Namespace) -> SimConfig:
    """Config file + --set + --episodes/--seed, validated together (errors name the key)."""
    from mousesim.io.yaml_config import load_config, parse_override

    overrides = dict(parse_override(o) for o in args.overrides)
    labels = {}
    if getattr(args, "episodes", None) is not None:
        overrides["run.episodes"] = args.episodes
        labels["run.episodes"] = "--episodes"
    if getattr(args, "seed", None) is not None:
        overrides["run.seed"] = args.seed
        labels["run.seed"] = "--seed"
    return load_config(args.config, overrides, labels)


def stderr_log(msg: str) -> None:
    """One line on stderr; nothing when stderr is gone (a closed terminal, a closed pipe):
    a command that lost its terminal still finishes its files."""
    with contextlib.suppress(OSError, ValueError):
        print(msg, file=sys.stderr, flush=True)
