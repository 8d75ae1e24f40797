"""Run output files: metrics.csv, summary.json, brain.npz and the resume checkpoint."""

from __future__ import annotations

import io
import json
from pathlib import Path

import numpy as np

from mousesim import __version__
from mousesim.common.config import SimConfig
from mousesim.common.errors import BrainFileError
from mousesim.io.arrays import check_array, read_npz, scalar
from mousesim.io.atomic import append_line, write_text, write_with
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
) -> None:
    """Atomically write a brain file that `load_brain` (and `mousesim play --brain`) reads.
    The learned gate's weights go in too when given. `cfg_hash`: config_hash(cfg), if the
    caller has it already (it costs a full dump of the config)."""
    extra = {}
    if gate_w is not None:
        extra["gate_w"] = gate_w
    if gate_baseline is not None:
        extra["gate_baseline"] = gate_baseline

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
    for key, ndim in (("readout", 3), ("baseline", 1), ("gate_w", None), ("gate_baseline", None)):
        if key in data:
            data[key] = check_array(p, data, key, ndim=ndim)


def check_brain_state(state: dict[str, np.ndarray], where: str) -> None:
    """Refuse to save weights that a later load would refuse (a learning rule that diverged)."""
    _check_weights(Path(where), dict(state))


def save_checkpoint(
    path: str | Path, state: dict[str, np.ndarray], rows: int, cfg_hash: str, seed: int
) -> None:
    def writer(f) -> None:
        np.savez(
            f, rows=np.array(rows), config_hash=np.array(cfg_hash), seed=np.array(seed), **state
        )

    write_with(path, writer)


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
    """metrics.csv: a header, then one line appended (and flushed) per finished episode."""

    def __init__(self, path: str | Path, columns: list[str]) -> None:
        self.path = Path(path)
        self.columns = columns

    def start(self) -> None:
        write_text(self.path, ",".join(self.columns) + "\n")

    def truncate_to(self, rows: int) -> None:
        """Keep the header and the first `rows` rows (resume from a checkpoint)."""
        lines = self.path.read_text(encoding="utf-8").splitlines()
        if not lines or lines[0] != ",".join(self.columns):
            raise BrainFileError(f"{self.path}: header does not match this run's columns")
        if len(lines) - 1 < rows:
            raise BrainFileError(f"{self.path}: has {len(lines) - 1} rows, checkpoint needs {rows}")
        write_text(self.path, "\n".join(lines[: rows + 1]) + "\n")

    def append(self, row: dict) -> None:
        append_line(self.path, format_row(row, self.columns))


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
