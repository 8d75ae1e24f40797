"""Recorded episodes: the replay file format (write, read, validate) and the run-side recorder.

A replay is one episode's event log, enough to re-draw it without re-running anything: the
grid, and per step the mouse's cell and heading, the action, the first cheese and predator
cells, and per expert its gate, decoded bump angle and amplitude, and reward. Row 0 is the state after the
reset, row t the state after step t (the rows `Simulation` records with `record_steps > 0`).

File: ``OUT/replays/episode-<n>.npz`` (numpy ``savez_compressed``, no pickles), written
atomically. Keys (format version 2):

- ``format`` ("mousesim-replay"), ``format_version`` (2), ``mousesim_version``
- ``grid`` int8[H, W] (1 = wall), ``sense_radius``
- ``record`` float64[steps + 1, 8 + 4E], ``columns`` (the column names)
- ``expert_names``, ``expert_targets`` (str[E])
- ``episode`` (1-based, as in metrics.csv), ``seed`` (the run's root seed), ``config_yaml``

Recording costs nothing when off (``Simulation(cfg, record_steps=0)`` writes no rows) and is
bounded when on: one buffer of ``max_steps + 1`` rows, overwritten every episode.
"""

from __future__ import annotations

import io
import zipfile
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from mousesim import __version__
from mousesim.common.config import SimConfig
from mousesim.common.errors import UsageError
from mousesim.io.atomic import write_bytes
from mousesim.sim.kernels import (
    N_RECORD_FIXED,
    N_RECORD_PER_EXPERT,
    R_ACTION,
    R_CX,
    R_CY,
    R_HEAD,
    R_PX,
    R_PY,
    R_X,
    R_Y,
)

FORMAT = "mousesim-replay"
FORMAT_VERSION = 2
REPLAY_DIR = "replays"
FIXED_COLUMNS = ("x", "y", "heading", "action", "cheese_x", "cheese_y", "predator_x", "predator_y")
_KEYS = (
    "format",
    "format_version",
    "grid",
    "record",
    "columns",
    "expert_names",
    "expert_targets",
    "sense_radius",
    "episode",
    "seed",
    "config_yaml",
    "mousesim_version",
)


class ReplayError(UsageError):
    """A replay file that cannot be used (missing, corrupt, wrong format): one line naming it."""


def record_columns(expert_names: Sequence[str]) -> list[str]:
    """Names of the record columns: the fixed eight, then gate, bump angle and amplitude,
    reward per expert."""
    cols = list(FIXED_COLUMNS)
    for name in expert_names:
        cols += [f"gate_{name}", f"bump_{name}", f"bump_amp_{name}", f"reward_{name}"]
    return cols


# -- choosing episodes ----------------------------------------------------------------------
def parse_episode_list(text: str, total: int) -> set[int]:
    """``"1,50,last"`` -> {1, 50, total}. Also ranges: ``"1-5"``, ``"190-last"``.

    Episodes are numbered from 1, as in metrics.csv.

    Raises:
        UsageError: a token that is not an episode number, or one outside 1..total.
    """
    flag = "--record-episodes"
    example = "e.g. 1,50,last or 1-5"

    def one(tok: str) -> int:
        if tok == "last":
            return total
        try:
            n = int(tok)
        except ValueError:
            raise UsageError(f"{flag}: {tok!r} is not an episode number ({example})") from None
        if n < 1 or n > total:
            raise UsageError(f"{flag}: episode {n} is outside this run's episodes 1..{total}")
        return n

    tokens = [t.strip().lower() for t in str(text).split(",")]
    if not any(tokens):
        raise UsageError(f"{flag}: give the episodes to record, {example}")
    chosen: set[int] = set()
    for tok in tokens:
        if not tok:
            raise UsageError(f"{flag}: empty item in {text!r} ({example})")
        if "-" in tok.lstrip("-"):
            lo, hi = (one(p.strip()) for p in tok.split("-", 1))
            if lo > hi:
                raise UsageError(f"{flag}: range {tok!r} runs backwards")
            chosen.update(range(lo, hi + 1))
        else:
            chosen.add(one(tok))
    return chosen


# -- writing --------------------------------------------------------------------------------
def save_replay(
    path: str | Path,
    cfg: SimConfig,
    record_array: np.ndarray,
    expert_names: Sequence[str],
    episode: int,
    seed: int,
    *,
    grid: np.ndarray | None = None,
) -> Path:
    """Write one episode's replay atomically (the parent directory is created).

    Args:
        path: the .npz file to write.
        cfg: the run's config (stored as YAML; gives the targets and sense radius).
        record_array: float[steps + 1, 8 + 4E], ``sim.buffers.record[: steps + 1]``.
        expert_names: the experts, in record order.
        episode: the episode number (1-based, as in metrics.csv).
        seed: the run's root seed.
        grid: the map; None rebuilds it from ``cfg`` and ``seed`` as `Simulation` does.

    Returns:
        The path written.
    """
    from mousesim.io.yaml_config import dump_config

    path = Path(path)
    names = [str(n) for n in expert_names]
    record = np.ascontiguousarray(record_array, dtype=np.float64)
    width = N_RECORD_FIXED + N_RECORD_PER_EXPERT * len(names)
    if record.ndim != 2 or record.shape[1] != width or record.shape[0] < 1:
        raise ValueError(f"record must be [steps + 1, {width}], got {record.shape}")
    if grid is None:
        grid = _grid_for(cfg, seed)
    targets = {e.name: e.target for e in cfg.brain.experts}
    arrays = {
        "format": np.array(FORMAT),
        "format_version": np.array(FORMAT_VERSION, dtype=np.int64),
        "grid": np.asarray(grid, dtype=np.int8),
        "record": record,
        "columns": np.array(record_columns(names)),
        "expert_names": np.array(names),
        "expert_targets": np.array([targets.get(n, "") for n in names]),
        "sense_radius": np.array(float(cfg.world.sense_radius)),
        "episode": np.array(int(episode), dtype=np.int64),
        "seed": np.array(int(seed), dtype=np.int64),
        "config_yaml": np.array(dump_config(cfg)),
        "mousesim_version": np.array(__version__),
    }
    buf = io.BytesIO()
    np.savez_compressed(buf, **arrays)
    path.parent.mkdir(parents=True, exist_ok=True)
    write_bytes(path, buf.getvalue())
    return path


def _grid_for(cfg: SimConfig, seed: int) -> np.ndarray:
    from mousesim.jit.rng import make_streams
    from mousesim.world.grid import build_grid

    return build_grid(cfg.world, make_streams(int(seed)).layout)[0]


def replay_path(out_dir: str | Path, episode: int) -> Path:
    return Path(out_dir) / REPLAY_DIR / f"episode-{episode}.npz"


def clear_replays(out_dir: str | Path) -> None:
    """Remove the replays of an earlier run in `out_dir` (for ``--overwrite``)."""
    for p in (Path(out_dir) / REPLAY_DIR).glob("episode-*.npz"):
        p.unlink(missing_ok=True)


class EpisodeRecorder:
    """The run side: which episodes to record, and writing each one after it ends.

    Build it before anything is written (a bad list is a one-line error), build the
    `Simulation` with ``record_steps=recorder.record_steps``, and call `after_episode` after
    every `Simulation.run_episode`.
    """

    def __init__(self, cfg: SimConfig, out_dir: str | Path, spec: str | None) -> None:
        self.cfg = cfg
        self.out = Path(out_dir)
        self.episodes = parse_episode_list(spec, cfg.run.episodes) if spec else set()

    @property
    def record_steps(self) -> int:
        """Rows the simulation must record: 0 (nothing) when no episode is chosen."""
        return self.cfg.world.max_steps + 1 if self.episodes else 0

    def after_episode(self, sim, steps: int) -> Path | None:
        """Save the episode `sim` just finished if it was chosen; returns the file or None."""
        if sim.episode not in self.episodes:
            return None
        return save_replay(
            replay_path(self.out, sim.episode),
            self.cfg,
            sim.buffers.record[: steps + 1],
            sim.expert_names,
            sim.episode,
            sim.seed,
            grid=sim.world.grid,
        )


# -- reading --------------------------------------------------------------------------------
@dataclass(frozen=True)
class Replay:
    """One recorded episode, validated. Arrays are read-only views of the file's data."""

    path: Path
    grid: np.ndarray
    record: np.ndarray
    expert_names: tuple[str, ...]
    expert_targets: tuple[str, ...]
    sense_radius: float
    episode: int
    seed: int
    config_yaml: str
    version: str

    @property
    def steps(self) -> int:
        """Steps in the episode (the record has one more row: the state after the reset)."""
        return self.record.shape[0] - 1

    @property
    def caught(self) -> bool:
        """Whether the episode ended with the mouse caught: it ended before max_steps, or
        its last row has the (first) predator within the catch radius of the mouse."""
        world = _world_section(self.config_yaml)
        max_steps = int(world.get("max_steps", 0) or 0)
        radius = int((world.get("predator") or {}).get("catch_radius", 0) or 0)
        if max_steps and self.steps < max_steps:
            return True
        px, py = self.predator[-1]
        mx, my = self.mouse[-1, :2]
        return bool(px >= 0 and max(abs(px - mx), abs(py - my)) <= radius)

    @property
    def mouse(self) -> np.ndarray:
        """int[steps + 1, 3]: x, y, heading."""
        return self.record[:, [R_X, R_Y, R_HEAD]].astype(np.int64)

    @property
    def actions(self) -> np.ndarray:
        """int[steps + 1]: the action taken into each row (-1 for row 0)."""
        return self.record[:, R_ACTION].astype(np.int64)

    @property
    def cheese(self) -> np.ndarray:
        """int[steps + 1, 2]: the first cheese piece (-1, -1 if none)."""
        return self.record[:, [R_CX, R_CY]].astype(np.int64)

    @property
    def predator(self) -> np.ndarray:
        """int[steps + 1, 2]: the first predator (-1, -1 if none)."""
        return self.record[:, [R_PX, R_PY]].astype(np.int64)

    def _expert_column(self, offset: int) -> np.ndarray:
        cols = [N_RECORD_FIXED + N_RECORD_PER_EXPERT * k + offset for k in range(self.n_experts)]
        return self.record[:, cols]

    @property
    def n_experts(self) -> int:
        return len(self.expert_names)

    @property
    def gates(self) -> np.ndarray:
        """float[steps + 1, E]: each expert's gate weight."""
        return self._expert_column(0)

    @property
    def bump_angles(self) -> np.ndarray:
        """float[steps + 1, E]: each ring's decoded bump angle (rad, egocentric, + = left)."""
        return self._expert_column(1)

    @property
    def bump_amplitudes(self) -> np.ndarray:
        """float[steps + 1, E]: each ring's population-vector length (0 = a silent ring)."""
        return self._expert_column(2)

    @property
    def rewards(self) -> np.ndarray:
        """float[steps + 1, E]: each expert's reward for the step into the row (0 in row 0)."""
        return self._expert_column(3)


def _world_section(config_yaml: str) -> dict:
    """The `world` mapping of a replay's stored config ({} if it cannot be read)."""
    import yaml

    try:
        world = (yaml.safe_load(config_yaml) or {}).get("world")
    except (yaml.YAMLError, AttributeError):
        return {}
    return world if isinstance(world, dict) else {}


def load_replay(path: str | Path) -> Replay:
    """Read and validate a replay file.

    Raises:
        ReplayError: missing, unreadable, not a replay, a newer format, or inconsistent
            contents (one line naming the file).
    """
    p = Path(path)

    def bad(why: str) -> ReplayError:
        return ReplayError(f"{p}: {why}")

    if not p.exists():
        raise bad("no such file")
    if p.is_dir():
        raise bad("is a directory, not a replay file")
    try:
        with np.load(p, allow_pickle=False) as z:
            files = set(z.files)
            if "format" not in files or str(z["format"]) != FORMAT:
                raise bad("not a mousesim replay file")
            version = int(z["format_version"]) if "format_version" in files else -1
            if version > FORMAT_VERSION:
                raise bad(
                    f"replay format {version} is newer than this mousesim reads "
                    f"({FORMAT_VERSION}); upgrade mousesim"
                )
            missing = [k for k in _KEYS if k not in files]
            if missing or version != FORMAT_VERSION:
                raise bad(f"damaged replay file (missing {', '.join(missing) or 'format_version'})")
            _check_sizes(z, bad)
            data = {k: z[k] for k in _KEYS}
    except ReplayError:
        raise
    except (OSError, ValueError, EOFError, zipfile.BadZipFile, KeyError) as exc:
        raise bad(f"not a readable replay file ({exc.__class__.__name__})") from None
    except Exception as exc:  # zlib.error and friends from a truncated member
        raise bad(f"damaged replay file ({exc.__class__.__name__})") from None
    try:
        return _validated(p, data, bad)
    except ReplayError:
        raise
    except (TypeError, ValueError, IndexError, OverflowError) as exc:
        # A wrong dtype or shape the checks did not foresee (a text array, a 2-d "episode").
        raise bad(f"damaged replay file ({exc.__class__.__name__})") from None


MAX_GRID_CELLS = 10_000 * 10_000
MAX_RECORD_VALUES = (1 << 30) // 8  # the largest replay buffer a run records (1 GiB)


def _member_shape(z, key: str) -> tuple[int, ...]:
    """An array's shape from its .npy header, without reading (or inflating) the data."""
    with z.zip.open(f"{key}.npy") as f:
        version = np.lib.format.read_magic(f)
        if version == (1, 0):
            shape, _, _ = np.lib.format.read_array_header_1_0(f)
        else:
            shape, _, _ = np.lib.format.read_array_header_2_0(f)
    return tuple(int(n) for n in shape)


def _check_sizes(z, bad) -> None:
    """A map or record larger than any run writes is refused before it is read: a small
    compressed file can hold gigabytes of zeros."""
    grid = _member_shape(z, "grid")
    if int(np.prod(grid, dtype=np.float64)) > MAX_GRID_CELLS:
        shown = "x".join(str(n) for n in grid[::-1])
        raise bad(f"its map of {shown} cells is larger than a replay can be (10000x10000)")
    record = _member_shape(z, "record")
    if int(np.prod(record, dtype=np.float64)) > MAX_RECORD_VALUES:
        raise bad(f"its record of shape {record} is larger than a replay can be")


def _validated(p: Path, d: dict, bad) -> Replay:
    grid, record = d["grid"], d["record"]
    names = tuple(str(n) for n in np.atleast_1d(d["expert_names"]))
    targets = tuple(str(t) for t in np.atleast_1d(d["expert_targets"]))
    if grid.ndim != 2 or grid.size == 0 or not np.isin(grid, (0, 1)).all():
        raise bad("damaged replay file (grid is not a 0/1 map)")
    if not names or len(targets) != len(names):
        raise bad("damaged replay file (expert names and targets do not match)")
    width = N_RECORD_FIXED + N_RECORD_PER_EXPERT * len(names)
    if record.ndim != 2 or record.shape[0] < 1 or record.shape[1] != width:
        raise bad(
            f"damaged replay file (record shape {record.shape}, expected [steps + 1, {width}])"
        )
    if record.dtype.kind != "f" or not np.isfinite(record).all():
        raise bad("damaged replay file (record has non-numeric values)")
    if record.size and float(np.abs(record).max()) > 1e12:  # would overflow when drawn
        raise bad("damaged replay file (record has values beyond +-1e12)")
    h, w = grid.shape
    xs, ys = record[:, R_X], record[:, R_Y]
    if (xs < 0).any() or (xs >= w).any() or (ys < 0).any() or (ys >= h).any():
        raise bad("damaged replay file (mouse outside the grid)")
    if not np.isin(record[:, R_HEAD], np.arange(8)).all():
        raise bad("damaged replay file (heading not in 0..7)")
    if not np.isin(record[1:, R_ACTION], (0, 1, 2)).all():
        raise bad("damaged replay file (action not in 0..2)")
    sense = float(d["sense_radius"])
    if not 0 < sense < 1e9:
        raise bad("damaged replay file (sense radius)")
    ro = record.copy()
    ro.flags.writeable = False
    g = grid.astype(np.int8)
    g.flags.writeable = False
    return Replay(
        path=p,
        grid=g,
        record=ro,
        expert_names=names,
        expert_targets=targets,
        sense_radius=sense,
        episode=int(d["episode"]),
        seed=int(d["seed"]),
        config_yaml=str(d["config_yaml"]),
        version=str(d["mousesim_version"]),
    )


__all__ = [
    "EpisodeRecorder",
    "Replay",
    "ReplayError",
    "clear_replays",
    "load_replay",
    "parse_episode_list",
    "record_columns",
    "replay_path",
    "save_replay",
]
