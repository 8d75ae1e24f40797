"""Headless training runs into an output directory: the engine behind `mousesim run` (and each
run of a sweep). Crash-safe: metrics are appended per episode, the brain and random streams are
checkpointed atomically, and `resume=True` continues bit-identically from the last checkpoint."""

from __future__ import annotations

import contextlib
import sys
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from mousesim.common.config import SimConfig
from mousesim.common.errors import RunError
from mousesim.io.atomic import (
    check_writable,
    one_dir_sync,
    remove_temp_files,
    write_bytes,
    write_text,
)
from mousesim.io.lock import folder_lock
from mousesim.io.owner import check_owner
from mousesim.io.results import (
    CHECKPOINT_INFO,
    BrainFileError,
    MetricsWriter,
    check_brain_state,
    checkpoint_bytes,
    load_brain,
    load_checkpoint,
    metrics_prefix_sha,
    read_checkpoint_info,
    read_metrics,
    save_brain,
    sha256_hex,
    summarize,
    write_checkpoint_info,
    write_summary,
)
from mousesim.io.stop import StopFlag
from mousesim.io.yaml_config import ConfigError, config_hash, dump_config, load_config

RUN_FILES = (
    "config.yaml",
    "metrics.csv",
    "summary.json",
    "brain.npz",
    "checkpoint.npz",
    CHECKPOINT_INFO,
)

# Episodes longer than this many steps are played in chunks (the one step loop, a chunk per
# call), so that a stop signal and the progress line are served within a second or two
# whatever world.max_steps is; the chunk grows or shrinks to take about CHUNK_S. Shorter
# episodes stay one call. Same steps, same random draws: the results are bit-identical.
CHUNK_STEPS = 20_000
CHUNK_MIN, CHUNK_MAX = 1_000, 5_000_000
CHUNK_S = 0.25
HEARTBEAT_S = 2.0  # without a progress bar: one line this often during a long episode


@dataclass
class RunResult:
    out: Path
    summary: dict
    interrupted: bool
    signum: int | None = None
    """The signal that stopped the run (None: it finished)."""


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
    cols += [f"use_{e.name}" for e in cfg.brain.experts]
    # The share of steps the escape reflex took: only when it is on (files of runs without it
    # keep their columns).
    return cols + (["escape"] if cfg.brain.escape_radius > 0 else [])


def _flat(data: dict, prefix: str = "") -> dict[str, object]:
    out: dict[str, object] = {}
    for k, v in data.items():
        key = f"{prefix}{k}"
        if isinstance(v, dict):
            out.update(_flat(v, key + "."))
        else:
            out[key] = v
    return out


def config_changes(old: dict, new: dict, *, limit: int = 3) -> str:
    """'brain.learning_rate: 0.003 -> 0.03; ...' for the keys that differ (run.episodes
    left out: a resume may extend the run)."""
    a, b = _flat(old), _flat(new)
    keys = [k for k in sorted(a.keys() | b.keys()) if k != "run.episodes" and a.get(k) != b.get(k)]
    parts = [f"{k}: {a.get(k, '(none)')} -> {b.get(k, '(none)')}" for k in keys[:limit]]
    if len(keys) > limit:
        parts.append(f"and {len(keys) - limit} more")
    return "; ".join(parts)


def check_out_dir(
    out: Path, cfg: SimConfig, *, resume: bool, overwrite: bool, source: str | None = None
) -> int:
    """Decide what to do with `out` before anything is written; return rows to resume from.

    Raises RunError when `out` holds another run and neither resume nor overwrite was asked,
    and UsageError when it holds another command's output or unrelated files (even with
    overwrite: --overwrite replaces a run, nothing else). On resume, the checkpoint must be
    this run's own, after this run's metrics, for this very config (`source` names where the
    config came from)."""
    if out.exists() and not out.is_dir():
        raise RunError(f"{out}: exists and is not a directory")
    check_owner(out, "run")
    has_run = out.is_dir() and any((out / f).exists() for f in RUN_FILES)
    if not has_run or overwrite:
        return 0
    if not resume:
        raise RunError(
            f"{out}: already holds a run; add --resume to continue it or --overwrite to replace it"
        )
    source = source or str(out / "config.yaml")
    try:
        old = load_config(out / "config.yaml")
    except ConfigError as exc:
        raise RunError(f"{out}: cannot resume, its config.yaml is unreadable ({exc})") from None
    info = read_checkpoint_info(out / CHECKPOINT_INFO)
    started = info["config"] if info is not None else old.model_dump(mode="json")
    changes = config_changes(started, cfg.model_dump(mode="json"))
    if changes:
        raise RunError(
            f"{source}: differs from the config the run in {out} was started with ({changes}); "
            "resume needs the same config, only --episodes may grow "
            "(use a new --out to start another run)"
        )
    if config_hash(old) != config_hash(cfg) or old.run.seed != cfg.run.seed:
        raise RunError(
            f"{out}: was run with a different config or seed; resume needs the same "
            "config (use a new --out to start another run)"
        )
    ckpt = out / "checkpoint.npz"
    if not ckpt.exists() or not (out / "metrics.csv").exists():
        return 0  # killed before the first checkpoint: start again (same seed, same result)
    data = load_checkpoint(ckpt)
    rows = int(data["rows"])
    _check_checkpoint_is_ours(out, ckpt, data, cfg, info, rows)
    if cfg.run.episodes < rows:
        raise RunError(
            f"{out}: already has {rows} episodes; --episodes {cfg.run.episodes} cannot "
            "shorten it (give a count of at least that many to extend it)"
        )
    return rows


def _check_checkpoint_is_ours(
    out: Path, ckpt: Path, data: dict, cfg: SimConfig, info: dict | None, rows: int
) -> None:
    """Refuse a checkpoint of another run: another seed or config (its own record of them),
    not the file checkpoint.json lists, or saved after other episodes than metrics.csv's."""
    redo = "; restore the run's own file, or start again with --overwrite"
    if int(data["seed"]) != cfg.run.seed:
        raise RunError(
            f"{ckpt}: was saved by a run of seed {int(data['seed'])}, but the run in {out} "
            f"has seed {cfg.run.seed} (copied from another run?){redo}"
        )
    if str(data["config_hash"]) != config_hash(cfg):
        raise RunError(
            f"{ckpt}: was saved by a run of another config (hash {data['config_hash']}, this "
            f"run's is {config_hash(cfg)}; copied from another run?){redo}"
        )
    if info is None:
        return  # a run folder of an older mousesim: seed and config are all it recorded
    digest = sha256_hex(ckpt.read_bytes())
    entry = next((e for e in info["checkpoints"] if e["sha256"] == digest), None)
    if entry is None or int(entry["rows"]) != rows:
        raise RunError(
            f"{ckpt}: is not a checkpoint this run saved ({out / CHECKPOINT_INFO} lists "
            f"others; copied from another run?){redo}"
        )
    if metrics_prefix_sha(out / "metrics.csv", rows) != entry["metrics_sha256"]:
        raise RunError(
            f"{out / 'metrics.csv'}: its first {rows} episodes are not the ones {ckpt.name} was "
            f"saved after (edited, or copied from another run?){redo}"
        )


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
    heartbeat: Callable[[str], None] | None = None,
    config_source: str | None = None,
) -> RunResult:
    """Train for cfg.run.episodes episodes, writing the run files into `out`.

    Every input is checked before the first byte is written. A stop signal (Ctrl-C, SIGTERM,
    SIGHUP, ...: `io.stop.STOP_SIGNALS`) stops within a second or two, even inside a long
    episode (that episode is dropped: the files describe the episodes before it); everything
    done so far is saved and the result says interrupted, and by which signal.
    `record_episodes` ("1,50,last") saves those episodes' replays in out/replays/.
    `heartbeat`: where a line goes every few seconds of a long episode (when there is no
    progress bar). `config_source`: how to name the config in a refused resume."""
    from mousesim.replay.recording import EpisodeRecorder
    from mousesim.sim.simulation import Simulation

    out = Path(out)
    log = log or (lambda msg: None)
    brain = load_brain(brain_file, cfg) if brain_file is not None else None
    recorder = EpisodeRecorder(cfg, out, record_episodes)  # a bad list: before any write
    if out.exists() and not out.is_dir():
        raise RunError(f"{out}: exists and is not a directory")
    check_owner(out, "run")  # another command's folder: refused before any work
    _check_record_size(cfg, recorder.record_steps)
    # May raise a LayoutError: still before any write.
    sim = Simulation(cfg, record_steps=recorder.record_steps)
    check_writable(out)  # a read-only or full --out fails now, not after the first episodes
    with folder_lock(out, wait=False):
        return _run_locked(
            cfg, out, sim, brain, recorder, resume, overwrite, progress, log, heartbeat,
            config_source,
        )  # fmt: skip


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


class _Progress:
    """The tqdm bar, or nothing; a terminal that went away (SIGHUP: writes fail with EIO)
    turns it off instead of failing the run."""

    def __init__(self, total: int, initial: int, enabled: bool) -> None:
        from tqdm import tqdm

        self.bar = None
        if enabled:
            with contextlib.suppress(OSError):
                self.bar = tqdm(
                    total=total,
                    initial=initial,
                    file=sys.stderr,
                    unit="ep",
                    dynamic_ncols=True,
                )

    def call(self, name: str, *args, **kwargs) -> None:
        if self.bar is None:
            return
        try:
            getattr(self.bar, name)(*args, **kwargs)
        except OSError:
            self.bar = None

    @property
    def on(self) -> bool:
        return self.bar is not None


def _safe_log(log: Callable[[str], None]) -> Callable[[str], None]:
    def say(msg: str) -> None:
        with contextlib.suppress(OSError):  # the terminal may be gone (SIGHUP)
            log(msg)

    return say


class _EpisodePlayer:
    """Plays one episode: one call for short ones, chunks of steps for long ones (reading the
    stop flag and updating the progress between chunks). `snapshot` is the brain's state at
    the start of the episode being played, for a checkpoint if it is dropped."""

    def __init__(self, sim, stop: StopFlag, bar: _Progress, heartbeat, total: int) -> None:
        self.sim, self.stop, self.bar, self.heartbeat = sim, stop, bar, heartbeat
        self.total = total
        self.chunked = sim.cfg.world.max_steps > CHUNK_STEPS
        self.chunk = CHUNK_STEPS
        self.snapshot: dict | None = None
        self.partial_steps = 0
        self.last_line = time.perf_counter()  # of the heartbeat, across episodes

    def play(self) -> dict | None:
        """The finished episode's row, or None when a stop signal came in the middle."""
        sim = self.sim
        if not self.chunked:
            return sim.run_episode()
        self.snapshot = sim.state_dict()
        t_episode = time.perf_counter()
        sim.reset()
        steps = 0
        while sim.in_episode:
            if self.stop.requested:
                self.partial_steps = steps
                return None
            t = time.perf_counter()
            steps += sim.advance(self.chunk).steps
            took = time.perf_counter() - t
            # Aim at CHUNK_S a chunk, whatever this machine's speed and the world's size.
            if took > 0:
                self.chunk = int(min(max(self.chunk * CHUNK_S / took, CHUNK_MIN), CHUNK_MAX))
            self.bar.call("set_postfix_str", f"episode {sim.episode + 1}: {steps:,} steps")
            now = time.perf_counter()
            if (
                self.heartbeat is not None
                and not self.bar.on
                and now - self.last_line >= HEARTBEAT_S
            ):
                self.last_line = now
                self.heartbeat(
                    f"episode {sim.episode + 1} of {self.total}: {steps:,} steps so far "
                    f"({now - t_episode:.0f} s)"
                )
        self.snapshot = None
        return sim.episode_row()


def _run_locked(
    cfg, out, sim, brain, recorder, resume, overwrite, progress, log, heartbeat, source
) -> RunResult:
    """The run itself, while this process owns `out`."""
    from mousesim.replay.recording import clear_replays
    from mousesim.sim.warmup import ensure_compiled

    start_rows = check_out_dir(out, cfg, resume=resume, overwrite=overwrite, source=source)
    # Left by a process killed inside an atomic write; we hold the lock, so no live writer
    # owns them.
    remove_temp_files(out, depth=2)
    ensure_compiled(log)
    if overwrite:
        for name in RUN_FILES:
            (out / name).unlink(missing_ok=True)
        clear_replays(out)
    columns = metric_columns(cfg)
    metrics = MetricsWriter(out / "metrics.csv", columns)
    cfg_hash = config_hash(cfg)
    cfg_data = cfg.model_dump(mode="json")
    info_entries: list[dict] = []
    if brain is not None:
        sim.load_brain(brain)

    def _write_checkpoint(state: dict, rows: int) -> None:
        # checkpoint.json first: a kill between the two writes leaves the old checkpoint,
        # which checkpoint.json still lists as the one before.
        data = checkpoint_bytes(state, rows, cfg_hash, cfg.run.seed)
        entry = {"rows": rows, "sha256": sha256_hex(data), "metrics_sha256": metrics.sha256()}
        info_entries[:] = [*info_entries[-1:], entry]
        write_checkpoint_info(out / CHECKPOINT_INFO, cfg_data, cfg.run.seed, info_entries)
        write_bytes(out / "checkpoint.npz", data)

    if start_rows:
        metrics.truncate_to(start_rows)
        ckpt = load_checkpoint(out / "checkpoint.npz")
        try:
            sim.load_state(ckpt)
        except ValueError as exc:  # arrays of another brain's shape
            raise BrainFileError(
                f"{out / 'checkpoint.npz'}: does not fit this run ({exc})"
            ) from None
        old_info = read_checkpoint_info(out / CHECKPOINT_INFO)
        if old_info is not None:
            info_entries[:] = [e for e in old_info["checkpoints"] if int(e["rows"]) == start_rows]
        # The episode count may have been extended: config.yaml always describes the whole
        # run, so `mousesim run OUT/config.yaml` repeats it.
        write_text(out / "config.yaml", dump_config(cfg))
        log(f"resuming {out} at episode {start_rows} of {cfg.run.episodes}")
    else:
        (out / CHECKPOINT_INFO).unlink(missing_ok=True)  # of a run that is started again
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
                _write_checkpoint(sim.state_dict(), 0)

    total = cfg.run.episodes
    steps_done = 0
    t0 = time.perf_counter()
    bar = _Progress(total, min(start_rows, total), progress)
    recent: list[int] = []
    saved_at = [-1]  # the episode the files on disk were saved after

    def _checkpoint(state: dict | None = None) -> None:
        """Save brain and checkpoint after the last finished episode (`state`: that
        episode's state, when the simulation has gone on into a dropped one)."""
        state = state if state is not None else sim.state_dict()
        episode = int(state["episode"])
        if saved_at[0] == episode:  # nothing new since (the last episode was periodic)
            return
        try:
            check_brain_state(state, "the brain")
        except BrainFileError as exc:
            raise RunError(
                f"{out}: learning diverged by episode {episode} ({exc}); nothing saved "
                "since the last checkpoint; lower brain.learning_rate or gate_learning_rate"
            ) from None
        with one_dir_sync():
            save_brain(
                out / "brain.npz",
                cfg,
                state["readout"],
                state["baseline"],
                episode,
                gate_w=state["gate_w"],
                gate_baseline=state["gate_baseline"],
                sighted=state["sighted"],
                trust=state["trust"],
                cfg_hash=cfg_hash,
            )
            _write_checkpoint(state, episode)
        saved_at[0] = episode

    stop = StopFlag()
    player = _EpisodePlayer(sim, stop, bar, heartbeat and _safe_log(heartbeat), total)
    with stop.installed():
        while sim.episode < total and not stop.requested:
            row = player.play()
            if row is None:  # stopped inside a long episode: it is dropped
                steps_done += player.partial_steps
                break
            metrics.append(row)
            recorder.after_episode(sim, row["steps"])
            steps_done += row["steps"]
            recent = [*recent, row["cheese"]][-20:]
            bar.call("update", 1)
            if progress:
                bar.call("set_postfix", cheese=f"{sum(recent) / len(recent):.2f}", refresh=False)
            if sim.episode % cfg.run.checkpoint_every == 0:
                _checkpoint()
        bar.call("close")
        interrupted = stop.requested
        wall = time.perf_counter() - t0
        # Still under the handler: a signal now must not leave a finished run without its
        # brain or summary. One folder sync for the final files.
        with one_dir_sync():
            _checkpoint(player.snapshot)
            rows = read_metrics(out / "metrics.csv")
            summary = summarize(rows, cfg, cfg.run.seed, wall, steps_done, interrupted, cfg_hash)
            write_summary(out / "summary.json", summary)
    return RunResult(out=out, summary=summary, interrupted=interrupted, signum=stop.signum)


__all__ = ["BrainFileError", "RunError", "RunResult", "execute_run", "metric_columns"]
