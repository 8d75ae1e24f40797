"""`mousesim` command line: a thin dispatcher over mousesim.cli.<name> modules.

Each command module defines HELP, add_arguments(parser) and main(args) -> exit code, and keeps
heavy imports (numba kernels, pygame, matplotlib) inside main, so `mousesim --help` is instant.
"""

from __future__ import annotations

import argparse
import importlib
import importlib.util
import sys

from mousesim import __version__

COMMANDS = ("run", "play", "eval", "sweep", "replay", "plot")

EXIT_FAILED = 1
EXIT_BAD_INPUT = 2
EXIT_INTERRUPTED = 130


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="mousesim",
        description="A mouse with a ring-attractor brain learns to get cheese and not get eaten.",
    )
    parser.add_argument("--version", action="version", version=f"mousesim {__version__}")
    sub = parser.add_subparsers(dest="command", metavar="COMMAND")
    for name in COMMANDS:
        if importlib.util.find_spec(f"mousesim.cli.{name}") is None:
            continue
        mod = importlib.import_module(f"mousesim.cli.{name}")
        p = sub.add_parser(name, help=mod.HELP, description=mod.HELP)
        mod.add_arguments(p)
        p.set_defaults(_module=mod)
    return parser


def main(argv: list[str] | None = None) -> int:
    parser = build_parser()
    args = parser.parse_args(argv)
    if not getattr(args, "command", None):
        parser.print_help()
        return EXIT_BAD_INPUT
    from mousesim.cli.common import stderr_log
    from mousesim.common.errors import USER_ERRORS, error_prefix
    from mousesim.io.stop import exit_code, raise_on_stop, signal_name, signum_of

    try:
        # Every signal that would end the process (SIGTERM, a closed terminal's SIGHUP, ...)
        # stops the command the way Ctrl-C does: temp files removed, workers ended, one line.
        with raise_on_stop():
            return int(args._module.main(args) or 0)
    except USER_ERRORS as exc:
        stderr_log(f"{error_prefix(exc)}: {exc}")
        return EXIT_BAD_INPUT
    except KeyboardInterrupt as exc:
        signum = signum_of(exc)
        stderr_log("interrupted" if signum == 2 else f"interrupted by {signal_name(signum)}")
        return exit_code(signum)
    except OSError as exc:
        # Last line of defence for the file system (a folder that cannot be made, a disk
        # that fills up outside the atomic writer): one line, never a traceback.
        where = f"{exc.filename}: " if exc.filename else ""
        stderr_log(f"error: {where}{exc.strerror or exc}")
        return EXIT_FAILED


def entry() -> None:
    sys.exit(main())


if __name__ == "__main__":
    entry()
