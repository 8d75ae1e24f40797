"""Run output files: metrics.csv, summary.json, brain.npz and the resume checkpoint."""

from __future__ import annotations

import hashlib
import io
import json
from pathlib import Path

import numpy as np

from mousesim import __version__
from mousesim.common.config import SimConfig
from mousesim.common.errors import BrainFileError
from mousesim.io.arrays import check_array, read_npz, scalar
from mousesim.io.atomic import append_line, write_bytes, write_text, write_with
from mousesim.io.yaml_config import config_hash

BRAIN_FORMAT = 1


def brain_signature(cfg: SimConfig) -> str:
    """What a readout's shape and meaning depend on: ring size and the experts list."""
    experts = ",".join(f"{e.name}:{e.target}:{e.rank}" for e in cfg.brain.experts)
    return f"N={cfg.brain.ring.neurons};experts={experts}"


def save_brain(
    path: str | Path,
    cfg: SimConfig,
    readout: np.ndarray,
    baseline: np.ndarray,
    episodes: int,
    gate_w: np.ndarray | None = None,
    gate_baseline: np.ndarray | None = None,
    cfg_hash: str | None = None,
    sighted: np.ndarray | None = None,
    trust: np.ndarray | None = None,
) -> None:
    """Atomically write a brain file that `load_brain` (and `mousesim play --brain`) reads.
    The learned gate's weights go in too when given. `cfg_hash`: config_hash(cfg), if the
    caller has it already (it costs a full dump of the config)."""
    extra = {}
    if gate_w is not None:
        extra["gate_w"] = gate_w
    if gate_baseline is not None:
        extra["gate_baseline"] = gate_baseline
    if sighted is not None:
        extra["sighted"] = sighted
    if trust is not None:
        extra["trust"] = trust

    def writer(f) -> None:
        np.savez(
            f,
            format=np.array(BRAIN_FORMAT),
            readout=readout,
            baseline=baseline,
            signature=np.array(brain_signature(cfg)),
            config_hash=np.array(cfg_hash or config_hash(cfg)),
            version=np.array(__version__),
            episodes=np.array(episodes),
            **extra,
        )

    write_with(path, writer)


def load_brain(path: str | Path, cfg: SimConfig) -> dict[str, np.ndarray]:
    """Read and check a brain file against `cfg`; BrainFileError with a one-line reason.

    Every array is checked (dtype, shape, finite, within WEIGHT_LIMIT) before use."""
    p = Path(path)
    if not p.exists():
        raise BrainFileError(f"{p}: no such file")
    if p.is_dir():
        raise BrainFileError(f"{p}: is a directory, not a brain file")
    data = read_npz(p, "brain file")
    missing = [k for k in ("format", "readout", "baseline", "signature") if k not in data]
    if missing:
        raise BrainFileError(f"{p}: not a mousesim brain file (missing {', '.join(missing)})")
    fmt = scalar(p, data, "format")
    if fmt != BRAIN_FORMAT:
        raise BrainFileError(f"{p}: brain file format {fmt} is not supported")
    want = brain_signature(cfg)
    got = scalar(p, data, "signature", "U")
    if got != want:
        raise BrainFileError(f"{p}: made for a different brain ({got}), this config has ({want})")
    n_exp, n = len(cfg.brain.experts), cfg.brain.ring.neurons
    if np.shape(data["readout"]) != (n_exp, 3, n) or np.shape(data["baseline"]) != (n_exp,):
        raise BrainFileError(
            f"{p}: readout shape {np.shape(data['readout'])} does not fit ({n_exp}, 3, {n})"
        )
    _check_weights(p, data)
    return data


def _check_weights(p: Path, data: dict[str, np.ndarray]) -> None:
    """The weight arrays of a brain file or checkpoint: numbers, finite, not overflowing."""
    # The gate arrays' shapes belong to the brain model (load_readout checks them).
    keys = (
        ("readout", 3),
        ("baseline", 1),
        ("sighted", 1),
        ("trust", 1),
        ("gate_w", None),
        ("gate_baseline", None),
    )
    for key, ndim in keys:
        if key in data:
            data[key] = check_array(p, data, key, ndim=ndim)


def check_brain_state(state: dict[str, np.ndarray], where: str) -> None:
    """Refuse to save weights that a later load would refuse (a learning rule that diverged)."""
    _check_weights(Path(where), dict(state))


def checkpoint_bytes(state: dict[str, np.ndarray], rows: int, cfg_hash: str, seed: int) -> bytes:
    """The bytes of a checkpoint file (so its hash is known before it is written)."""
    buf = io.BytesIO()
    np.savez(buf, rows=np.array(rows), config_hash=np.array(cfg_hash), seed=np.array(seed), **state)
    return buf.getvalue()


def save_checkpoint(
    path: str | Path, state: dict[str, np.ndarray], rows: int, cfg_hash: str, seed: int
) -> None:
    write_bytes(path, checkpoint_bytes(state, rows, cfg_hash, seed))


# -- what a checkpoint continues ---------------------------------------------------------
#
# checkpoint.json, beside checkpoint.npz, says which run the checkpoint belongs to: the full
# config the run was started with, and for the last two checkpoints the SHA-256 of the
# checkpoint file and of metrics.csv up to its rows. It is written just before the
# checkpoint, so a kill between the two writes leaves the previous checkpoint still listed.
# A resume checks all three: a checkpoint copied from another run, a metrics.csv that is not
# the one the checkpoint followed, or a config edited since the run started are refused.

CHECKPOINT_INFO = "checkpoint.json"
CHECKPOINT_INFO_FORMAT = 1


def sha256_hex(data: bytes | memoryview) -> str:
    return hashlib.sha256(data).hexdigest()


def write_checkpoint_info(path: str | Path, config: dict, seed: int, entries: list[dict]) -> None:
    info = {
        "format": CHECKPOINT_INFO_FORMAT,
        "seed": seed,
        "checkpoints": entries[-2:],
        "config": config,
    }
    write_text(path, json.dumps(info, indent=1) + "\n")


def read_checkpoint_info(path: str | Path) -> dict | None:
    """checkpoint.json, or None when there is none (a run of an older mousesim);
    BrainFileError naming the file when it is unreadable."""
    p = Path(path)
    if not p.exists():
        return None
    try:
        info = json.loads(p.read_text(encoding="utf-8"))
        ok = (
            isinstance(info, dict)
            and info.get("format") == CHECKPOINT_INFO_FORMAT
            and isinstance(info.get("config"), dict)
            and isinstance(info.get("checkpoints"), list)
            and all(
                isinstance(e, dict) and {"rows", "sha256", "metrics_sha256"} <= set(e)
                for e in info["checkpoints"]
            )
        )
    except (OSError, UnicodeDecodeError, ValueError):
        ok = False
    if not ok:
        raise BrainFileError(f"{p}: unreadable or not a mousesim checkpoint description")
    return info


def metrics_prefix_sha(path: str | Path, rows: int) -> str | None:
    """SHA-256 of metrics.csv's header and first `rows` rows, byte for byte (None if the
    file has fewer)."""
    lines = Path(path).read_bytes().splitlines(keepends=True)
    if len(lines) < rows + 1:
        return None
    return sha256_hex(b"".join(lines[: rows + 1]))


def load_checkpoint(path: str | Path) -> dict[str, np.ndarray]:
    """Read a resume checkpoint, every array checked (BrainFileError naming file and array)."""
    p = Path(path)
    data = read_npz(p, "checkpoint")
    for key in ("rows", "seed", "episode"):
        data[key] = np.array(scalar(p, data, key))
        if int(data[key]) < 0:
            raise BrainFileError(f"{p}: array {key} is negative")
    data["config_hash"] = np.array(scalar(p, data, "config_hash", "U"))
    data["focus"] = check_array(p, data, "focus", shape=(), limit=1.0)
    data["rng"] = check_array(p, data, "rng", kind="i", ndim=1)
    _check_weights(p, data)
    return data


def format_row(row: dict, columns: list[str]) -> str:
    """One CSV line. Floats get a fixed repr so identical runs give identical bytes."""
    out = []
    for c in columns:
        v = row[c]
        out.append(f"{v:.6f}" if isinstance(v, float) else str(v))
    return ",".join(out)


class MetricsWriter:
    """metrics.csv: a header, then one line appended (and flushed) per finished episode.
    `sha256()` is the hash of the file's bytes so far (for checkpoint.json)."""

    def __init__(self, path: str | Path, columns: list[str]) -> None:
        self.path = Path(path)
        self.columns = columns
        self._hash = hashlib.sha256()

    def start(self) -> None:
        header = ",".join(self.columns) + "\n"
        write_text(self.path, header)
        self._hash = hashlib.sha256(header.encode("utf-8"))

    def truncate_to(self, rows: int) -> None:
        """Keep the header and the first `rows` rows (resume from a checkpoint)."""
        lines = self.path.read_text(encoding="utf-8").splitlines()
        if not lines or lines[0] != ",".join(self.columns):
            raise BrainFileError(f"{self.path}: header does not match this run's columns")
        if len(lines) - 1 < rows:
            raise BrainFileError(f"{self.path}: has {len(lines) - 1} rows, checkpoint needs {rows}")
        text = "\n".join(lines[: rows + 1]) + "\n"
        write_text(self.path, text)
        self._hash = hashlib.sha256(text.encode("utf-8"))

    def append(self, row: dict) -> None:
        line = format_row(row, self.columns) + "\n"
        append_line(self.path, line)
        self._hash.update(line.encode("utf-8"))

    def sha256(self) -> str:
        return self._hash.copy().hexdigest()


def read_metrics(path: str | Path) -> list[dict[str, str]]:
    import csv

    with open(path, encoding="utf-8", newline="") as f:
        return list(csv.DictReader(f))


def summarize(
    rows: list[dict],
    cfg: SimConfig,
    seed: int,
    wall_s: float,
    steps_done: int,
    interrupted: bool,
    cfg_hash: str | None = None,
) -> dict:
    """summary.json content from all metrics rows of the run (`cfg_hash`: as in save_brain)."""
    n = len(rows)
    cheese = np.array([float(r["cheese"]) for r in rows]) if n else np.zeros(0)
    caught = np.array([float(r["caught"]) for r in rows]) if n else np.zeros(0)
    steps = np.array([float(r["steps"]) for r in rows]) if n else np.zeros(0)
    tenth = max(1, n // 10) if n else 0
    return {
        "episodes": n,
        "episodes_requested": cfg.run.episodes,
        "total_steps": int(steps.sum()),
        "steps_per_s": round(steps_done / wall_s, 1) if wall_s > 0 else None,
        "cheese_per_episode_first_10pct": float(cheese[:tenth].mean()) if n else None,
        "cheese_per_episode_last_10pct": float(cheese[-tenth:].mean()) if n else None,
        "cheese_per_episode": float(cheese.mean()) if n else None,
        "caught_rate": float(caught.mean()) if n else None,
        "mean_steps": float(steps.mean()) if n else None,
        "seed": seed,
        "config_hash": cfg_hash or config_hash(cfg),
        "interrupted": interrupted,
        "mousesim_version": __version__,
    }


def write_summary(path: str | Path, summary: dict) -> None:
    buf = io.StringIO()
    json.dump(summary, buf, indent=2)
    write_text(path, buf.getvalue() + "\n")
