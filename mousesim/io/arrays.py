"""Checked reads of arrays from .npz files (brain files, checkpoints, replays).

Whatever a file holds (a string where a number belongs, a wrong shape, NaN, 1e308 weights,
a corrupt compressed member), reading it gives the value asked for or one `BrainFileError`
line naming the file and the array; never a numpy traceback.
"""

from __future__ import annotations

import zipfile
import zlib
from pathlib import Path
from typing import Any

import numpy as np

from mousesim.common.errors import BrainFileError

READ_ERRORS = (OSError, ValueError, EOFError, KeyError, zipfile.BadZipFile, zlib.error)
"""What numpy, zipfile and zlib raise on a missing, truncated or corrupt .npz."""

WEIGHT_LIMIT = 1e12
"""Largest |weight| a brain may hold. Learned weights stay near the size of the rewards
(at most 1e9, the config's bound); far larger ones (1e308) overflow to inf and NaN as soon
as they are multiplied or summed."""


def read_npz(path: Path, what: str) -> dict[str, np.ndarray]:
    """Every array of an .npz file (no pickles), or BrainFileError naming the file."""
    try:
        with np.load(path, allow_pickle=False) as z:
            return {k: z[k] for k in z.files}
    except READ_ERRORS as exc:
        raise BrainFileError(f"{path}: not a readable {what} ({exc.__class__.__name__})") from None


def check_array(
    path: Path,
    data: dict[str, Any],
    key: str,
    *,
    kind: str = "f",
    shape: tuple[int, ...] | None = None,
    ndim: int | None = None,
    limit: float | None = WEIGHT_LIMIT,
) -> np.ndarray:
    """data[key] as an array of dtype kind `kind` ("f" float, "i" integer, "U" text), of
    `shape` or `ndim` if given, finite and within +-limit if numeric."""
    if key not in data:
        raise BrainFileError(f"{path}: array {key} is missing")
    a = np.asarray(data[key])
    kinds = {"f": "fiu", "i": "iu", "U": "U"}[kind]
    if a.dtype.kind not in kinds:
        want = {"f": "numbers", "i": "integers", "U": "text"}[kind]
        raise BrainFileError(f"{path}: array {key} holds {a.dtype} values, expected {want}")
    if shape is not None and a.shape != shape:
        raise BrainFileError(f"{path}: array {key} has shape {a.shape}, expected {shape}")
    if ndim is not None and a.ndim != ndim:
        raise BrainFileError(f"{path}: array {key} has {a.ndim} dimensions, expected {ndim}")
    if kind == "f":
        a = a.astype(np.float64)
        if not np.isfinite(a).all():
            raise BrainFileError(f"{path}: array {key} holds non-finite values (NaN or inf)")
        if limit is not None and a.size and float(np.abs(a).max()) > limit:
            raise BrainFileError(
                f"{path}: array {key} holds values beyond +-{limit:g} "
                f"(largest {float(np.abs(a).max()):.3g}); they would overflow"
            )
    return a


def scalar(path: Path, data: dict[str, Any], key: str, kind: str = "i") -> Any:
    """A 0-d value of data[key] as int, float or str, or BrainFileError naming it."""
    a = check_array(path, data, key, kind=kind, shape=(), limit=None)
    if kind == "i":
        return int(a)
    if kind == "f":
        return float(a)
    return str(a)
