"""The one function a sweep worker runs, and how a run directory's state is judged.

`run_one(config, out_dir)` is module-level and takes plain data, so any executor can pickle it.
It writes exactly what `mousesim run` writes (it calls the same `execute_run`), so a run
directory of a sweep is bit-identical to a `mousesim run` of that config and seed.

A run directory is in one of four states:
- done: summary.json says complete (not interrupted, every episode) for this very config;
- same: it holds this config, unfinished (killed or interrupted): resumed from its checkpoint;
- other: it holds files of another config (or unreadable ones): replaced;
- empty: nothing there yet.
"""

from __future__ import annotations

import contextlib
import json
import logging
import os
from collections.abc import Iterator
from pathlib import Path
from typing import Any

from mousesim.common.config import SimConfig
from mousesim.common.errors import ConfigError
from mousesim.io.lock import folder_lock
from mousesim.io.results import BrainFileError
from mousesim.io.safe_yaml import load_yaml
from mousesim.io.yaml_config import config_hash, validate
from mousesim.run.runner import RUN_FILES, RunError, execute_run

DONE, SAME, OTHER, EMPTY = "done", "same", "other", "empty"
REQUIRED = ("config.yaml", "metrics.csv", "summary.json", "brain.npz")


def read_summary(out: Path) -> dict[str, Any] | None:
    """The run's summary.json, or None if missing or unreadable."""
    try:
        data = json.loads((out / "summary.json").read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return None
    return data if isinstance(data, dict) else None


def _same_config(out: Path, cfg: SimConfig) -> bool:
    # The whole config, run section included: the config hash leaves run.* out, but
    # run.greedy changes what a run does. Parsing (libyaml when present) and comparing data is
    # several times cheaper than dumping the config again, and a sweep checks every run.
    try:
        text = (out / "config.yaml").read_text(encoding="utf-8")
        data, _ = load_yaml(text, str(out / "config.yaml"))
    except (OSError, UnicodeDecodeError, ConfigError):
        return False
    return data == cfg.model_dump(mode="json")


def is_complete(summary: dict[str, Any] | None, cfg: SimConfig) -> bool:
    """True if `summary` is the summary of a finished, uninterrupted run of `cfg`."""
    if summary is None:
        return False
    return (
        summary.get("interrupted") is False
        and summary.get("episodes") == cfg.run.episodes
        and summary.get("episodes_requested") == cfg.run.episodes
        and summary.get("seed") == cfg.run.seed
        and summary.get("config_hash") == config_hash(cfg)
    )


def run_state(out: Path, cfg: SimConfig) -> str:
    """DONE, SAME, OTHER or EMPTY (see the module docstring)."""
    if not out.is_dir() or not any((out / f).exists() for f in RUN_FILES):
        return EMPTY
    if not _same_config(out, cfg):
        return OTHER
    if all((out / f).exists() for f in REQUIRED) and is_complete(read_summary(out), cfg):
        return DONE
    return SAME


def run_lock(out: Path) -> contextlib.AbstractContextManager[None]:
    """Hold an exclusive lock on one run directory (the same lock `mousesim run` takes).

    Two processes never write one run: an orphaned worker of a killed sweep, or a second sweep
    started on the same output, waits here. The OS drops the lock when a process dies."""
    return folder_lock(out, wait=True)


@contextlib.contextmanager
def _quiet_notes() -> Iterator[None]:
    """The sweep said its world notes (relaxed distances) once when it checked every run;
    each worker would repeat them."""
    logger = logging.getLogger("mousesim")
    level = logger.level
    logger.setLevel(logging.ERROR)
    try:
        yield
    finally:
        logger.setLevel(level)


def run_one(config: dict[str, Any], out_dir: str) -> dict[str, Any]:
    """Run (or finish, or skip) one sweep run; returns its summary.json content.

    Args:
        config: the full config as `SimConfig.model_dump(mode="json")` gives it.
        out_dir: the run directory.

    Returns:
        The run's summary (``summary["interrupted"]`` is true if it was asked to stop).
    """
    cfg = validate(config)
    out = Path(out_dir)
    with run_lock(out), _quiet_notes():
        state = run_state(out, cfg)
        if state == DONE:
            return read_summary(out) or {}
        if state == SAME:
            try:
                return execute_run(cfg, out, resume=True).summary
            except (RunError, BrainFileError):
                pass  # a checkpoint that cannot be resumed: run again (same seed, same result)
        return execute_run(cfg, out, overwrite=state != EMPTY).summary


def warm_up(hold_s: float = 0.0) -> int:
    """Load the kernels in this worker (from numba's cache) and return its pid; `hold_s` keeps
    the worker busy a moment so that n warm-up tasks land on n different workers."""
    import time

    from mousesim.sim.warmup import ensure_compiled

    ensure_compiled(None)
    time.sleep(hold_s)
    return os.getpid()


__all__ = [
    "DONE",
    "EMPTY",
    "OTHER",
    "SAME",
    "is_complete",
    "read_summary",
    "run_one",
    "run_state",
    "warm_up",
]
