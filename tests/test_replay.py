"""Recorded episodes: choosing them, the file format, replaying to the same positions, GIFs and
the `mousesim replay` command's errors."""

from __future__ import annotations

import os

import numpy as np
import pytest

from mousesim.common.errors import UsageError
from mousesim.replay.recording import (
    EpisodeRecorder,
    ReplayError,
    load_replay,
    parse_episode_list,
    replay_path,
    save_replay,
)
from mousesim.sim.kernels import R_ACTION, R_CX, R_CY, R_HEAD, R_PX, R_PY, R_X, R_Y

from .conftest import cli, make_config

SMALL = {"world.max_steps": 60, "run.episodes": 3, "run.seed": 4}


def _train(cfg, out, spec):
    """What `mousesim run --record-episodes SPEC` does, episode by episode."""
    from mousesim.sim.simulation import Simulation

    rec = EpisodeRecorder(cfg, out, spec)
    sim = Simulation(cfg, record_steps=rec.record_steps)
    rows, files = [], []
    while sim.episode < cfg.run.episodes:
        row = sim.run_episode()
        rows.append(row)
        path = rec.after_episode(sim, row["steps"])
        if path is not None:
            files.append(path)
    return sim, rows, files


@pytest.fixture(scope="module")
def recorded(tmp_path_factory):
    """A tiny run with episodes 1 and 3 recorded: (cfg, out dir, metrics rows)."""
    cfg = make_config(**SMALL)
    out = tmp_path_factory.mktemp("run")
    _, rows, files = _train(cfg, out, "1,last")
    assert [f.name for f in files] == ["episode-1.npz", "episode-3.npz"]
    return cfg, out, rows


# -- choosing episodes ----------------------------------------------------------------------
def test_parse_episode_list_accepts_numbers_last_and_ranges():
    assert parse_episode_list("1,50,last", 200) == {1, 50, 200}
    assert parse_episode_list(" 2 , 4 ", 10) == {2, 4}
    assert parse_episode_list("1-3,LAST", 10) == {1, 2, 3, 10}
    assert parse_episode_list("8-last", 10) == {8, 9, 10}


@pytest.mark.parametrize("text", ["0", "201", "x", "", "1,,2", "5-2", "1.5", "-3"])
def test_parse_episode_list_errors_name_the_flag(text):
    with pytest.raises(UsageError) as err:
        parse_episode_list(text, 200)
    msg = str(err.value)
    assert msg.startswith("--record-episodes") and "\n" not in msg


# -- recording ------------------------------------------------------------------------------
def test_recording_off_records_nothing_and_on_changes_nothing(tmp_path):
    cfg = make_config(**SMALL)
    off = EpisodeRecorder(cfg, tmp_path / "off", None)
    assert off.record_steps == 0
    sim_off, rows_off, files = _train(cfg, tmp_path / "off", None)
    assert sim_off.buffers.record.shape[0] == 0 and files == []
    assert not (tmp_path / "off").exists()
    sim_on, rows_on, _ = _train(cfg, tmp_path / "on", "1-3")
    # Bounded: one episode's rows, however many episodes are recorded.
    assert sim_on.buffers.record.shape[0] == cfg.world.max_steps + 1
    assert rows_on == rows_off  # recording never changes what the run does


def test_recorded_episode_replays_the_positions_of_a_hand_stepped_run(recorded):
    """Replays hold exactly what a Simulation with the same seed does step by step."""
    from mousesim.sim.simulation import Simulation

    cfg, out, rows = recorded
    sim = Simulation(cfg)
    for episode in (1, 2, 3):
        sim.reset()
        w = sim.world
        states = [(*w.mouse, -1, *w.cheese[0], *w.preds[0, :2])]
        while True:
            r = sim.step()
            states.append((*w.mouse, r.action, *w.cheese[0], *w.preds[0, :2]))
            if r.terminated or r.truncated:
                break
        assert len(states) - 1 == rows[episode - 1]["steps"]
        if episode == 2:
            assert not replay_path(out, 2).exists()
            continue
        rep = load_replay(replay_path(out, episode))
        assert rep.episode == episode and rep.steps == rows[episode - 1]["steps"]
        cols = [R_X, R_Y, R_HEAD, R_ACTION, R_CX, R_CY, R_PX, R_PY]
        assert np.array_equal(rep.record[:, cols], np.array(states, dtype=np.float64))
        assert np.array_equal(rep.grid, sim.world.grid)


def test_replay_file_keeps_what_a_viewer_needs(recorded):
    from mousesim.io.yaml_config import config_hash, parse_yaml_text, validate

    cfg, out, rows = recorded
    rep = load_replay(replay_path(out, 1))
    assert rep.expert_names == ("cheese", "predator")
    assert rep.expert_targets == ("cheese", "predator")
    assert rep.sense_radius == cfg.world.sense_radius and rep.seed == 4
    assert rep.mouse.shape == (rep.steps + 1, 3) and rep.gates.shape == (rep.steps + 1, 2)
    assert np.all((rep.gates >= 0) & (rep.gates <= 1))
    assert np.allclose(rep.gates.sum(axis=1), 1.0)
    assert np.allclose(rep.gates[0], 0.5)  # an untrained learned gate at focus 0.5: equal
    assert np.all(np.abs(rep.bump_angles) <= np.pi + 1e-9)
    # The rewards recorded are the episode's returns, summed by expert.
    assert rep.rewards[:, 0].sum() == pytest.approx(rows[0]["return_cheese"])
    assert rep.rewards[:, 1].sum() == pytest.approx(rows[0]["return_predator"])
    data, _ = parse_yaml_text(rep.config_yaml, "replay")
    assert config_hash(validate(data)) == config_hash(cfg)


def test_save_replay_rebuilds_the_grid_from_the_seed(tmp_path):
    from mousesim.sim.simulation import Simulation

    cfg = make_config(**SMALL)
    sim = Simulation(cfg, record_steps=cfg.world.max_steps + 1)
    row = sim.run_episode()
    path = save_replay(
        tmp_path / "deep" / "r.npz",
        cfg,
        sim.buffers.record[: row["steps"] + 1],
        sim.expert_names,
        1,
        cfg.run.seed,
    )
    assert np.array_equal(load_replay(path).grid, sim.world.grid)


# -- bad files ------------------------------------------------------------------------------
def _bad_files(tmp_path, good):
    raw = good.read_bytes()
    files = {
        "missing": tmp_path / "nope.npz",
        "directory": tmp_path,
        "garbage": tmp_path / "garbage.npz",
        "truncated": tmp_path / "truncated.npz",
        "other npz": tmp_path / "other.npz",
        "newer": tmp_path / "newer.npz",
        "bad width": tmp_path / "width.npz",
    }
    files["garbage"].write_bytes(b"this is not a zip file\n")
    files["truncated"].write_bytes(raw[: len(raw) // 2])
    np.savez(files["other npz"], a=np.arange(3))
    with np.load(good) as z:
        data = {k: z[k] for k in z.files}
    np.savez(files["newer"], **{**data, "format_version": np.array(99)})
    np.savez(files["bad width"], **{**data, "record": data["record"][:, :9]})
    return files


def test_bad_replay_files_raise_one_line_errors_naming_the_file(recorded, tmp_path):
    _, out, _ = recorded
    for kind, path in _bad_files(tmp_path, replay_path(out, 1)).items():
        with pytest.raises(ReplayError) as err:
            load_replay(path)
        msg = str(err.value)
        assert str(path) in msg and "\n" not in msg, (kind, msg)
    assert issubclass(ReplayError, UsageError)


def test_replay_command_bad_file_exits_2_with_one_line(recorded, tmp_path):
    _, out, _ = recorded
    files = _bad_files(tmp_path, replay_path(out, 1))
    for kind in ("missing", "truncated", "newer"):
        gif = tmp_path / "keep.gif"
        gif.write_bytes(b"old")
        r = cli("replay", files[kind], "--gif", gif)
        assert r.returncode == 2, (kind, r.stderr)
        lines = r.stderr.strip().splitlines()
        assert len(lines) == 1 and lines[0].startswith("error: "), (kind, r.stderr)
        assert str(files[kind]) in lines[0]
        assert gif.read_bytes() == b"old"  # nothing written over


@pytest.mark.parametrize(
    "args, needle",
    [
        (["--fps", "0"], "--fps"),
        (["--stride", "0"], "--stride"),
        (["--gif", "out.png"], ".gif"),
        (["--gif", "no/such/dir/out.gif"], "does not exist"),
    ],
)
def test_replay_command_bad_options_exit_2(recorded, args, needle):
    _, out, _ = recorded
    r = cli("replay", replay_path(out, 1), *args)
    assert r.returncode == 2 and needle in r.stderr and len(r.stderr.strip().splitlines()) == 1


# -- GIFs and the window --------------------------------------------------------------------
@pytest.mark.parametrize("stride", [1, 7])
def test_gif_has_one_frame_per_step_or_stride_and_opens(recorded, tmp_path, stride):
    from PIL import Image

    from mousesim.render.frames import replay_frame_size

    _, out, _ = recorded
    rep = load_replay(replay_path(out, 3))
    gif = tmp_path / "ep.gif"
    r = cli("replay", replay_path(out, 3), "--gif", gif, "--stride", stride, "--fps", 20)
    assert r.returncode == 0, r.stderr
    expected = len(range(0, rep.steps + 1, stride)) + (rep.steps % stride != 0)
    with Image.open(gif) as im:
        assert im.n_frames == expected
        assert im.size == replay_frame_size(rep.grid.shape, rep.n_experts)
        assert im.info["duration"] == 50
    imageio = pytest.importorskip("imageio.v3")
    frames = imageio.imread(gif, index=None)
    assert frames.shape[0] == expected
    assert not any(p.name.startswith(".") for p in tmp_path.iterdir())  # no temp file left


def test_replay_frames_follow_the_recorded_mouse(recorded):
    from mousesim.render.frames import CELL, TITLE_H, ReplayPainter

    _, out, _ = recorded
    rep = load_replay(replay_path(out, 1))
    painter = ReplayPainter(rep)
    bw = rep.grid.shape[1] * CELL
    x0 = (painter.size[0] - bw) // 2
    for row in range(1, rep.steps + 1):
        moved = not np.array_equal(rep.mouse[row - 1, :2], rep.mouse[row, :2])
        if not moved:
            continue
        # Compare the pixels of the cell the mouse entered: it is drawn there now.
        x, y = rep.mouse[row, :2]
        sl = np.s_[
            TITLE_H + y * CELL : TITLE_H + (y + 1) * CELL, x0 + x * CELL : x0 + (x + 1) * CELL
        ]
        assert not np.array_equal(painter.frame(row - 1)[sl], painter.frame(row)[sl])
        break
    else:
        pytest.fail("the mouse never moved in the recorded episode")


def test_replay_window_plays_with_the_offscreen_driver(recorded):
    _, out, _ = recorded
    env = {**os.environ, "SDL_VIDEODRIVER": "dummy"}
    r = cli("replay", replay_path(out, 1), "--fps", 50, "--stride", 3, env=env)
    assert r.returncode == 0, r.stderr


def test_replay_window_without_display_exits_2_with_gif_hint(recorded):
    _, out, _ = recorded
    env = {k: v for k, v in os.environ.items() if k not in ("DISPLAY", "WAYLAND_DISPLAY")}
    env.pop("SDL_VIDEODRIVER", None)
    r = cli("replay", replay_path(out, 1), env=env)
    assert r.returncode == 2
    lines = r.stderr.strip().splitlines()
    assert len(lines) == 1 and "--gif" in lines[0] and "Traceback" not in r.stderr


# -- through `mousesim run` -----------------------------------------------------------------
def _run_has_record_flag() -> bool:
    import argparse

    from mousesim.cli import run

    p = argparse.ArgumentParser()
    run.add_arguments(p)
    return any("--record-episodes" in a.option_strings for a in p._actions)


needs_record_flag = pytest.mark.skipif(
    not _run_has_record_flag(), reason="mousesim run has no --record-episodes yet (issue 8 patch)"
)


@needs_record_flag
def test_run_records_the_chosen_episodes_and_they_replay(tmp_path):
    import csv

    out = tmp_path / "run"
    args = ["--episodes", "4", "--set", "world.max_steps=60", "--out", out, "--quiet"]
    r = cli("run", *args, "--record-episodes", "2,last")
    assert r.returncode == 0, r.stderr
    assert sorted(p.name for p in (out / "replays").iterdir()) == ["episode-2.npz", "episode-4.npz"]
    rows = list(csv.DictReader(open(out / "metrics.csv")))
    for n in (2, 4):
        rep = load_replay(replay_path(out, n))
        assert rep.steps == int(rows[n - 1]["steps"])
        # metrics.csv keeps six decimals
        assert rep.rewards[:, 0].sum() == pytest.approx(
            float(rows[n - 1]["return_cheese"]), abs=1e-6
        )
    # The same run without recording writes the same metrics, byte for byte.
    plain = tmp_path / "plain"
    assert cli("run", *args[:-3], "--out", plain, "--quiet").returncode == 0
    assert (plain / "metrics.csv").read_bytes() == (out / "metrics.csv").read_bytes()
    assert not (plain / "replays").exists()


@needs_record_flag
def test_run_with_a_bad_episode_list_exits_2_and_writes_nothing(tmp_path):
    out = tmp_path / "run"
    r = cli("run", "--episodes", "3", "--out", out, "--record-episodes", "1,7", "--quiet")
    assert r.returncode == 2
    assert (
        r.stderr.strip()
        == "error: --record-episodes: episode 7 is outside this run's episodes 1..3"
    )
    assert not out.exists()


# -- issue 13: a caught episode shows the predator and a clear mark --------------------------
@pytest.mark.parametrize("predators", [1, 0])
def test_gif_of_a_caught_episode_shows_the_predator_and_a_caught_mark(tmp_path, predators):
    from PIL import Image

    from mousesim.render import palette as pal

    out = tmp_path / "run"
    r = cli(
        "run", "--episodes", "1", "--record-episodes", "1", "--out", out, "--quiet",
        "--set", f"world.predator.count={predators}", "--set", "world.max_steps=300",
    )  # fmt: skip
    assert r.returncode == 0, r.stderr
    rep = load_replay(replay_path(out, 1))
    caught = bool(int(_read_metrics(out)[0]["caught"]))
    assert rep.caught == caught and caught == (predators == 1)  # the default mouse is caught
    gif = tmp_path / "ep.gif"
    r = cli("replay", replay_path(out, 1), "--gif", gif)
    assert r.returncode == 0, r.stderr
    assert (", caught)" in r.stderr) == caught
    with Image.open(gif) as im:
        im.seek(im.n_frames - 1)
        last = np.asarray(im.convert("RGB"))
        held = im.info["duration"]

    def like(img, colour):  # a GIF's palette moves colours by a few levels
        return (np.abs(img.astype(int) - colour) <= 12).all(axis=2)

    assert like(last, pal.CAUGHT_MARK).any() == caught
    if caught:
        assert held == 1500  # the end stays on screen
        # The predator is drawn (not hidden under the mouse), near the marked mouse.
        ys, xs = np.nonzero(like(last, pal.CAUGHT_MARK))
        cy, cx = int(ys.mean()), int(xs.mean())
        near = last[cy - 24 : cy + 24, cx - 24 : cx + 24]
        assert like(near, pal.PREDATOR).sum() > 10
        assert like(near, pal.MOUSE).sum() > 10


def _read_metrics(out):
    import csv

    with open(out / "metrics.csv", newline="") as f:
        return list(csv.DictReader(f))
