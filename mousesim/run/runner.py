"""Headless training runs into an output directory: the engine behind `mousesim run` (and each
run of a sweep). Crash-safe: metrics are appended per episode, the brain and random streams are
checkpointed atomically, and `resume=True` continues bit-identically from the last checkpoint."""

from __future__ import annotations

import contextlib
import signal
import sys
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from mousesim.common.config import SimConfig
from mousesim.common.errors import RunError
from mousesim.io.atomic import check_writable, one_dir_sync, write_text
from mousesim.io.lock import folder_lock
from mousesim.io.results import (
    BrainFileError,
    MetricsWriter,
    check_brain_state,
    load_brain,
    load_checkpoint,
    read_metrics,
    save_brain,
    save_checkpoint,
    summarize,
    write_summary,
)
from mousesim.io.yaml_config import ConfigError, config_hash, dump_config, load_config

RUN_FILES = ("config.yaml", "metrics.csv", "summary.json", "brain.npz", "checkpoint.npz")


@dataclass
class RunResult:
    out: Path
    summary: dict
    interrupted: bool


def metric_columns(cfg: SimConfig) -> list[str]:
    cols = [
        "episode",
        "steps",
        "cheese",
        "caught",
        "return_cheese",
        "return_predator",
        "focus",
        "learning",
    ]
    return cols + [f"use_{e.name}" for e in cfg.brain.experts]


def check_out_dir(out: Path, cfg: SimConfig, *, resume: bool, overwrite: bool) -> int:
    """Decide what to do with `out` before anything is written; return rows to resume from.

    Raises RunError when `out` holds another run and neither resume nor overwrite was asked."""
    if out.exists() and not out.is_dir():
        raise RunError(f"{out}: exists and is not a directory")
    has_run = out.is_dir() and any((out / f).exists() for f in RUN_FILES)
    if not has_run or overwrite:
        return 0
    if not resume:
        raise RunError(
            f"{out}: already holds a run; add --resume to continue it or --overwrite to replace it"
        )
    try:
        old = load_config(out / "config.yaml")
    except ConfigError as exc:
        raise RunError(f"{out}: cannot resume, its config.yaml is unreadable ({exc})") from None
    if config_hash(old) != config_hash(cfg) or old.run.seed != cfg.run.seed:
        raise RunError(
            f"{out}: was run with a different config or seed; resume needs the same "
            "config (use a new --out to start another run)"
        )
    ckpt = out / "checkpoint.npz"
    if not ckpt.exists() or not (out / "metrics.csv").exists():
        return 0  # killed before the first checkpoint: start again (same seed, same result)
    rows = int(load_checkpoint(ckpt)["rows"])
    if cfg.run.episodes < rows:
        raise RunError(
            f"{out}: already has {rows} episodes; --episodes {cfg.run.episodes} cannot "
            "shorten it (give a count of at least that many to extend it)"
        )
    return rows


def execute_run(
    cfg: SimConfig,
    out: str | Path,
    *,
    brain_file: str | Path | None = None,
    resume: bool = False,
    overwrite: bool = False,
    progress: bool = False,
    log: Callable[[str], None] | None = None,
    record_episodes: str | None = None,
) -> RunResult:
    """Train for cfg.run.episodes episodes, writing the run files into `out`.

    Every input is checked before the first byte is written. Ctrl-C (or SIGTERM) stops after
    the current episode; everything done so far is saved and the result says interrupted.
    `record_episodes` ("1,50,last") saves those episodes' replays in out/replays/."""
    from mousesim.replay.recording import EpisodeRecorder
    from mousesim.sim.simulation import Simulation

    out = Path(out)
    log = log or (lambda msg: None)
    brain = load_brain(brain_file, cfg) if brain_file is not None else None
    recorder = EpisodeRecorder(cfg, out, record_episodes)  # a bad list: before any write
    if out.exists() and not out.is_dir():
        raise RunError(f"{out}: exists and is not a directory")
    _check_record_size(cfg, recorder.record_steps)
    # May raise a LayoutError: still before any write.
    sim = Simulation(cfg, record_steps=recorder.record_steps)
    check_writable(out)  # a read-only or full --out fails now, not after the first episodes
    with folder_lock(out, wait=False):
        return _run_locked(cfg, out, sim, brain, recorder, resume, overwrite, progress, log)


MAX_RECORD_BYTES = 1 << 30


def _check_record_size(cfg: SimConfig, rows: int) -> None:
    """A replay buffer holds one row per step of the longest episode: refuse one that would
    not fit in memory instead of failing inside numpy."""
    from mousesim.sim.kernels import record_width

    size = rows * record_width(len(cfg.brain.experts)) * 8
    if size > MAX_RECORD_BYTES:
        raise RunError(
            f"--record-episodes: world.max_steps {cfg.world.max_steps} needs a "
            f"{size / 2**30:.1f} GiB replay buffer (limit 1 GiB); lower world.max_steps"
        )


def _remove_temp_files(out: Path) -> None:
    # Left by a process killed inside an atomic write (".name.tmp-PID"); we hold the lock,
    # so no live writer owns them.
    for tmp in out.glob(".*.tmp-*"):
        with contextlib.suppress(OSError):
            tmp.unlink()


def _run_locked(cfg, out, sim, brain, recorder, resume, overwrite, progress, log) -> RunResult:
    """The run itself, while this process owns `out`."""
    from tqdm import tqdm

    from mousesim.replay.recording import clear_replays
    from mousesim.sim.warmup import ensure_compiled

    start_rows = check_out_dir(out, cfg, resume=resume, overwrite=overwrite)
    _remove_temp_files(out)
    ensure_compiled(log)
    if overwrite:
        for name in RUN_FILES:
            (out / name).unlink(missing_ok=True)
        clear_replays(out)
    columns = metric_columns(cfg)
    metrics = MetricsWriter(out / "metrics.csv", columns)
    cfg_hash = config_hash(cfg)
    if brain is not None:
        sim.load_readout(
            brain["readout"], brain["baseline"], brain.get("gate_w"), brain.get("gate_baseline")
        )
    if start_rows:
        metrics.truncate_to(start_rows)
        ckpt = load_checkpoint(out / "checkpoint.npz")
        try:
            sim.load_state(ckpt)
        except ValueError as exc:  # arrays of another brain's shape
            raise BrainFileError(
                f"{out / 'checkpoint.npz'}: does not fit this run ({exc})"
            ) from None
        # The episode count may have been extended: config.yaml always describes the whole
        # run, so `mousesim run OUT/config.yaml` repeats it.
        write_text(out / "config.yaml", dump_config(cfg))
        log(f"resuming {out} at episode {start_rows} of {cfg.run.episodes}")
    else:
        # Fewer fsyncs (the per-run cost of a sweep of short runs): one folder sync for these
        # files, and without a brain file that one is left to the first checkpoint's: until a
        # checkpoint is on disk, a crashed run starts again from its seed (`check_out_dir`).
        with one_dir_sync(defer=brain is None):
            write_text(out / "config.yaml", dump_config(cfg))
            metrics.start()
            if brain is not None:
                # Episode 0 checkpoint: the loaded brain is not in the config, so a kill
                # before the first periodic checkpoint must still resume from it. Without a
                # brain file a resume with no checkpoint starts again from the seed (the same
                # run, bit for bit: `check_out_dir`), so that file would only cost time.
                save_checkpoint(out / "checkpoint.npz", sim.state_dict(), 0, cfg_hash, cfg.run.seed)

    total = cfg.run.episodes
    steps_done = 0
    t0 = time.perf_counter()
    bar = tqdm(
        total=total,
        initial=min(start_rows, total),
        disable=not progress,
        file=sys.stderr,
        unit="ep",
        dynamic_ncols=True,
    )
    recent: list[int] = []
    saved_at = [-1]  # the episode the files on disk were saved after

    def _checkpoint() -> None:
        if saved_at[0] == sim.episode:  # nothing new since (the last episode was periodic)
            return
        state = sim.state_dict()
        try:
            check_brain_state(state, "the brain")
        except BrainFileError as exc:
            raise RunError(
                f"{out}: learning diverged by episode {sim.episode} ({exc}); nothing saved "
                "since the last checkpoint; lower brain.learning_rate or gate_learning_rate"
            ) from None
        with one_dir_sync():
            _save(state)
        saved_at[0] = sim.episode

    def _save(state: dict) -> None:
        save_brain(
            out / "brain.npz",
            cfg,
            state["readout"],
            state["baseline"],
            sim.episode,
            gate_w=state["gate_w"],
            gate_baseline=state["gate_baseline"],
            cfg_hash=cfg_hash,
        )
        save_checkpoint(out / "checkpoint.npz", state, sim.episode, cfg_hash, cfg.run.seed)

    stop = _StopFlag()
    with stop.installed():
        while sim.episode < total and not stop.requested:
            row = sim.run_episode()
            metrics.append(row)
            recorder.after_episode(sim, row["steps"])
            steps_done += row["steps"]
            recent = [*recent, row["cheese"]][-20:]
            bar.update(1)
            if progress:
                bar.set_postfix(cheese=f"{sum(recent) / len(recent):.2f}", refresh=False)
            if sim.episode % cfg.run.checkpoint_every == 0:
                _checkpoint()
        bar.close()
        interrupted = stop.requested
        wall = time.perf_counter() - t0
        # Still under the handler: a Ctrl-C now must not leave a finished run without its
        # brain or summary. One folder sync for the final files.
        with one_dir_sync():
            _checkpoint()
            rows = read_metrics(out / "metrics.csv")
            summary = summarize(rows, cfg, cfg.run.seed, wall, steps_done, interrupted, cfg_hash)
            write_summary(out / "summary.json", summary)
    return RunResult(out=out, summary=summary, interrupted=interrupted)


class _StopFlag:
    """Ctrl-C / SIGTERM set a flag that the loop reads between episodes, so an episode's row,
    the episode counter and the checkpoint can never disagree."""

    def __init__(self) -> None:
        self.requested = False

    def _handler(self, signum, frame) -> None:
        self.requested = True

    @contextlib.contextmanager
    def installed(self):
        old = {}
        for sig in (signal.SIGINT, signal.SIGTERM):
            # Outside the main thread signals cannot be caught: leave them alone.
            with contextlib.suppress(ValueError):
                old[sig] = signal.signal(sig, self._handler)
        try:
            yield self
        finally:
            for sig, handler in old.items():
                signal.signal(sig, handler)


__all__ = ["BrainFileError", "RunError", "RunResult", "execute_run", "metric_columns"]
