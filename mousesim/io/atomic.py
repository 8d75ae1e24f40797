"""Crash-safe file writes: a reader (or a killed run) sees the old file or the new one, never half."""

from __future__ import annotations

import contextlib
import errno
import io
import os
import threading
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import BinaryIO

from mousesim.common.errors import OutputError


def _fsync_dir(path: Path) -> None:
    with contextlib.suppress(OSError):  # some filesystems refuse to open a directory
        fd = os.open(path, os.O_RDONLY)
        try:
            os.fsync(fd)
        finally:
            os.close(fd)


_batch = threading.local()  # .dirs: folders whose fsync waits for the end of a batch


@contextlib.contextmanager
def one_dir_sync(*, defer: bool = False) -> Iterator[None]:
    """Several atomic writes, one folder fsync each at the end instead of one per file.

    Each file is still fsynced before it is renamed into place, so a crash leaves every name
    on its old or its complete new content (never half); only the renames' durability waits
    for the end of the block. A run writes 5-6 files at its start and end, so this halves
    its fsyncs (each costs a disk flush; the per-run cost of a sweep of short runs).

    defer=True leaves the folders' fsync to the next block that does not defer (in this
    thread): for files that only matter once later files are durable too (a run's
    config.yaml and metrics header: until its first checkpoint is on disk, a crashed run
    starts again from its seed anyway)."""
    outer = getattr(_batch, "dirs", None)
    if outer is not None:  # nested: the outermost block syncs
        yield
        return
    _batch.dirs = dirs = set()
    try:
        yield
    finally:
        _batch.dirs = None
        pending = getattr(_batch, "pending", set())
        if defer:
            _batch.pending = pending | dirs
        else:
            _batch.pending = set()
            for d in pending | dirs:
                _fsync_dir(d)


def output_error(path: str | os.PathLike, exc: OSError) -> OutputError:
    """One line for a failed write: the file and the system's reason (read-only, disk full)."""
    reason = exc.strerror or str(exc) or exc.__class__.__name__
    if exc.errno == errno.ENOSPC:
        reason = "no space left on the device"
    return OutputError(f"cannot write {path}: {reason}")


def check_writable(folder: str | os.PathLike) -> None:
    """Create `folder` if needed and prove a file can be written in it (and removed), so a
    long job fails at once instead of at its first write; OutputError if not."""
    folder = Path(folder)
    probe = folder / f".write-test-{os.getpid()}"
    try:
        folder.mkdir(parents=True, exist_ok=True)
        fd = os.open(probe, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o644)
        try:
            os.write(fd, b"x")
        finally:
            os.close(fd)
        probe.unlink()
    except OSError as exc:
        with contextlib.suppress(OSError):
            probe.unlink()
        raise output_error(folder, exc) from None


@contextlib.contextmanager
def atomic_open(path: str | os.PathLike) -> Iterator[BinaryIO]:
    """Open a temp file beside `path` for binary writing; on clean exit, fsync and rename it
    over `path`. On any error the temp file is removed and `path` is untouched; an OSError
    (read-only folder, full disk) comes out as a one-line OutputError."""
    path = Path(path)
    tmp = path.with_name(f".{path.name}.tmp-{os.getpid()}")
    try:
        f = open(tmp, "wb")  # noqa: SIM115 - closed below on every path
    except OSError as exc:
        raise output_error(path, exc) from None
    try:
        yield f
        f.flush()
        os.fsync(f.fileno())
        f.close()
        os.replace(tmp, path)
        dirs = getattr(_batch, "dirs", None)
        if dirs is None:
            _fsync_dir(path.parent)
        else:
            dirs.add(path.parent)
    except BaseException as exc:
        # close() flushes what is still buffered, and on a full disk that fails again: it
        # must not stop the temp file's removal (nor replace the error naming the file).
        with contextlib.suppress(OSError):
            f.close()
        with contextlib.suppress(OSError):
            tmp.unlink()
        if isinstance(exc, OSError):
            raise output_error(path, exc) from None
        raise


TEMP_PATTERNS = (".*.tmp-*", ".write-test-*")


def remove_temp_files(folder: str | os.PathLike, *, depth: int = 1) -> None:
    """Remove temp files that a killed writer left in `folder` (and `depth - 1` levels of
    subfolders): ".name.tmp-PID" of `atomic_open`, ".write-test-PID" of `check_writable`.
    Only for a folder whose lock the caller holds, so that no live writer owns them."""
    folder = Path(folder)
    for pattern in TEMP_PATTERNS:
        for tmp in folder.glob(pattern):
            with contextlib.suppress(OSError):
                tmp.unlink()
    if depth > 1:
        with contextlib.suppress(OSError):
            for sub in folder.iterdir():
                if sub.is_dir() and not sub.is_symlink() and not sub.name.startswith("."):
                    remove_temp_files(sub, depth=depth - 1)


def write_bytes(path: str | os.PathLike, data: bytes) -> None:
    with atomic_open(path) as f:
        f.write(data)


def write_text(path: str | os.PathLike, text: str) -> None:
    write_bytes(path, text.encode("utf-8"))


def write_with(path: str | os.PathLike, writer: Callable[[BinaryIO], None]) -> None:
    """Atomically write whatever `writer(file)` produces (e.g. numpy.savez).

    The writer writes into memory, then the file gets it in one write: numpy.savez seeks
    back to patch every member's zip header, and each seek flushes a buffered file (about
    40 system calls for a brain file; 0.2 ms a file, a tenth of a short run's fixed cost)."""
    buf = io.BytesIO()
    writer(buf)
    with atomic_open(path) as f:
        f.write(buf.getbuffer())


def append_line(path: str | os.PathLike, line: str) -> None:
    """Append one whole line with a single write() on an O_APPEND descriptor, so a kill leaves
    either the full line or none of it."""
    data = (line if line.endswith("\n") else line + "\n").encode("utf-8")
    try:
        fd = os.open(path, os.O_WRONLY | os.O_APPEND)
        try:
            if os.write(fd, data) != len(data):
                raise OSError(errno.ENOSPC, "short write")
        finally:
            os.close(fd)
    except OSError as exc:
        raise output_error(path, exc) from None
