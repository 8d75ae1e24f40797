"""Keep numba's on-disk cache honest across kernel edits.

numba invalidates a cached function only when *its own* source file changes. Our step loop
in `sim/kernels.py` inlines kernels from `world/` and `brain/`, so editing
`brain/kernels.py` alone would leave a stale compiled `run_episode` in the cache. Before any
kernel module loads, this hashes every kernel source and, when the hash changed since the last
run, deletes mousesim's numba cache files next to the sources (numba's default location).
"""

from __future__ import annotations

import contextlib
import hashlib
from pathlib import Path

_PKG = Path(__file__).resolve().parents[1]  # the mousesim package
# Every module with cached kernels (a cached kernel holds a copy of everything it calls, so an
# edit to any of them can make another's cache stale), and the options they are built with.
KERNEL_SOURCES = (
    "jit/rng.py",
    "world/kernels.py",
    "world/batch.py",
    "world/mapgen.py",
    "world/escape.py",
    "brain/kernels.py",
    "sim/kernels.py",
    "sim/population.py",
    "evaluate/oracle.py",
    "evaluate/sighted.py",
    "jit/options.py",
)
_STAMP = "mousesim-kernels.sha256"


def kernel_source_hash() -> str:
    h = hashlib.sha256()
    for rel in KERNEL_SOURCES:
        with contextlib.suppress(OSError):
            h.update((_PKG / rel).read_bytes())
    return h.hexdigest()


def drop_stale_cache() -> bool:
    """Delete cached kernels if any kernel source changed; True if it deleted anything.

    Best effort: a read-only install (site-packages owned by root) is never edited in place,
    so failing to write there is harmless."""
    digest = kernel_source_hash()
    stamp = _PKG / "__pycache__" / _STAMP
    try:
        if stamp.read_text() == digest:
            return False
    except OSError:
        pass
    dropped = False
    for rel in KERNEL_SOURCES:
        cache_dir = (_PKG / rel).parent / "__pycache__"
        stem = Path(rel).stem
        for f in cache_dir.glob(f"{stem}.*.nb[ic]"):
            with contextlib.suppress(OSError):
                f.unlink()
                dropped = True
    with contextlib.suppress(OSError):
        stamp.parent.mkdir(exist_ok=True)
        stamp.write_text(digest)
    return dropped


drop_stale_cache()
