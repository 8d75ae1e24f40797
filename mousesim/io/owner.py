"""What an output folder holds, so that no command writes into another command's folder.

`mousesim run`, `eval` and `sweep` each write a folder of their own kind; their file names
overlap (config.yaml, summary.csv), so one command's output in another's folder would silently
replace or mix files. Each command writes only into a missing or empty folder, or one of its
own kind (and holds the folder's lock while it writes: `lock.folder_lock`). Hidden files (the
lock, temp files of an interrupted write) do not count as content.
"""

from __future__ import annotations

import contextlib
import os
from collections.abc import Iterator
from pathlib import Path

from mousesim.common.errors import UsageError

# (kind, files or folders that only that command writes), checked in this order: a sweep
# folder holds run folders. config.yaml alone ("config") is the start of a run (a run writes
# it first) or a config someone keeps there: a run or an eval decides (their own checks
# refuse it without --resume or --overwrite); a sweep refuses it.
MARKERS: tuple[tuple[str, tuple[str, ...]], ...] = (
    ("sweep", ("sweep.yaml", "runs", "summary_by_params.csv", "sweep.png")),
    ("eval", ("eval.json", "eval.csv", "training.csv", "focus_sweep.csv", "gate_profile.csv")),
    ("run", ("metrics.csv", "checkpoint.npz", "checkpoint.json", "brain.npz", "summary.json")),
    ("config", ("config.yaml",)),
)
COMMAND = {"run": "`mousesim run`", "eval": "`mousesim eval`", "sweep": "`mousesim sweep`"}


def visible_entries(folder: Path) -> list[str]:
    """Names in `folder` that are content (not hidden lock or temp files), sorted."""
    try:
        return sorted(e.name for e in os.scandir(folder) if not e.name.startswith("."))
    except (FileNotFoundError, NotADirectoryError):
        return []


def folder_kind(folder: str | Path) -> tuple[str | None, str]:
    """(kind, evidence): kind is "run", "eval", "sweep", "config" (config.yaml alone),
    "other" (content of none of them) or None (missing or empty); evidence is the file that
    says so."""
    folder = Path(folder)
    names = visible_entries(folder)
    if not names:
        return None, ""
    for kind, marks in MARKERS:
        found = [m for m in marks if m in names]
        if found:
            return kind, found[0]
    return "other", names[0]


def check_owner(folder: str | Path, kind: str) -> str | None:
    """Refuse (UsageError naming the folder and what it holds) a folder that holds another
    command's output or files of no command; return the folder's kind (None or `kind`)."""
    folder = Path(folder)
    if folder.exists() and not folder.is_dir():
        raise UsageError(f"{folder}: exists and is not a directory")
    held, evidence = folder_kind(folder)
    if held is None or held == kind or (held == "config" and kind in ("run", "eval")):
        return held
    mine = COMMAND[kind]
    if held in ("other", "config"):
        more = len(visible_entries(folder)) - 1
        extra = f" and {more} more" if more else ""
        raise UsageError(
            f"{folder}: is not empty ({evidence}{extra}) and holds no {kind} output; "
            f"{mine} writes only into a new or empty folder or its own: choose another --out"
        )
    raise UsageError(
        f"{folder}: holds a {COMMAND[held]} output ({evidence}), not a {kind} output; "
        f"give {mine} its own --out folder"
    )


@contextlib.contextmanager
def removed_if_left_empty(folder: str | Path) -> Iterator[None]:
    """If the block fails and `folder` did not exist before it, remove the folder again when
    nothing but hidden lock or probe files is in it: a refused command leaves no empty --out."""
    folder = Path(folder)
    existed = folder.exists()
    try:
        yield
    except BaseException:
        if not existed and folder.is_dir() and not visible_entries(folder):
            with contextlib.suppress(OSError):
                for e in folder.iterdir():
                    if e.is_file():
                        e.unlink()
                folder.rmdir()
        raise


__all__ = ["check_owner", "folder_kind", "removed_if_left_empty", "visible_entries"]
