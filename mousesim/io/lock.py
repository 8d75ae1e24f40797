"""One owner per output folder: an exclusive `flock` on a hidden `.lock` file in it.

Taken by `mousesim run`, `eval` and `sweep` on their --out for as long as they write it (a
second command of any kind into the same folder is refused at once, naming the holder's
pid), and by each sweep worker on its run folder (an orphaned worker of a killed sweep
waits for it). The OS drops the lock when its process dies, even by `kill -9`, so a killed
run never blocks its own `--resume`.
"""

from __future__ import annotations

import contextlib
import os
from collections.abc import Iterator
from pathlib import Path

from mousesim.common.errors import RunError

LOCK_NAME = ".lock"

_held: set[str] = set()
"""Folders this process holds: a run inside a sweep worker that already holds its folder
must not lock it again (flock locks of two descriptors conflict even in one process)."""


def _holder(fd: int) -> str:
    with contextlib.suppress(OSError, ValueError):
        text = os.pread(fd, 32, 0).decode("ascii").strip()
        if text.isdigit():
            return f" (pid {text})"
    return ""


@contextlib.contextmanager
def folder_lock(folder: str | Path, *, wait: bool) -> Iterator[None]:
    """Hold `folder`'s lock for the block (creating the folder). With wait=False, a folder
    another process holds raises RunError naming it; with wait=True, block until it is free."""
    try:
        import fcntl
    except ImportError:  # not POSIX: no lock
        yield
        return
    folder = Path(folder)
    key = str(folder.resolve())
    if key in _held:
        yield
        return
    folder.mkdir(parents=True, exist_ok=True)
    fd = os.open(folder / LOCK_NAME, os.O_RDWR | os.O_CREAT, 0o644)
    try:
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | (0 if wait else fcntl.LOCK_NB))
        except BlockingIOError:
            raise RunError(
                f"{folder}: another mousesim process{_holder(fd)} is writing this folder; "
                "wait for it to finish or choose another --out"
            ) from None
        with contextlib.suppress(OSError):
            os.ftruncate(fd, 0)
            os.pwrite(fd, f"{os.getpid()}\n".encode("ascii"), 0)
        _held.add(key)
        try:
            yield
        finally:
            _held.discard(key)
    finally:
        os.close(fd)
