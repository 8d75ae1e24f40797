"""`mousesim plot`: learning curves of a finished run, and its one-line errors."""

from __future__ import annotations

import shutil

import numpy as np
import pytest

from mousesim.plot.curves import PlotError, default_window, read_run_metrics, rolling_mean

from .conftest import cli


@pytest.fixture(scope="module")
def tiny_run(tmp_path_factory):
    out = tmp_path_factory.mktemp("plots") / "run"
    r = cli("run", "--episodes", "5", "--set", "world.max_steps=60", "--out", out, "--quiet")
    assert r.returncode == 0, r.stderr
    return out


def _copy(run, tmp_path):
    dst = tmp_path / "run"
    shutil.copytree(run, dst)
    return dst


def test_plot_writes_a_png_of_the_learning_curves(tiny_run, tmp_path):
    from PIL import Image

    run = _copy(tiny_run, tmp_path)
    r = cli("plot", run)
    assert r.returncode == 0, r.stderr
    png = run / "plots" / "learning_curves.png"
    with Image.open(png) as im:
        assert im.format == "PNG" and im.size[0] > 400 and im.size[1] > 400
    assert [p.name for p in (run / "plots").iterdir()] == ["learning_curves.png"]  # no temp left
    assert str(png) in r.stderr


def test_rolling_mean_is_a_trailing_mean():
    assert np.allclose(rolling_mean(np.array([0.0, 1, 2, 3]), 2), [0, 0.5, 1.5, 2.5])
    assert np.allclose(rolling_mean(np.array([4.0, 0, 2]), 10), [4, 2, 2])
    assert default_window(5) == 3 and default_window(200) == 20 and default_window(5000) == 50
    assert default_window(1) == 1


def test_read_run_metrics_reads_every_column(tiny_run):
    m = read_run_metrics(tiny_run)
    assert np.array_equal(m["episode"], np.arange(1, 6))
    assert set(np.unique(m["caught"])) <= {0.0, 1.0}
    assert (m["steps"] <= 60).all()


def _break(run, text):
    (run / "metrics.csv").write_text(text)


@pytest.mark.parametrize(
    "kind, needle",
    [
        ("missing dir", "no such directory"),
        ("no metrics", "no metrics.csv"),
        ("not a number", "metrics.csv:3: cheese: not a number"),
        ("short row", "metrics.csv:2: expected"),
        ("missing column", "missing column(s) caught"),
        ("header only", "no episodes yet"),
        ("empty", "empty file"),
    ],
)
def test_bad_run_dirs_are_one_line_errors(tiny_run, tmp_path, kind, needle):
    run = _copy(tiny_run, tmp_path)
    header = "episode,steps,cheese,caught\n"
    if kind == "missing dir":
        run = tmp_path / "nope"
    elif kind == "no metrics":
        (run / "metrics.csv").unlink()
    elif kind == "not a number":
        _break(run, header + "1,10,0,1\n2,10,x,0\n")
    elif kind == "short row":
        _break(run, header + "1,10,0\n")
    elif kind == "missing column":
        _break(run, "episode,steps,cheese\n1,10,0\n")
    elif kind == "header only":
        _break(run, header)
    else:
        _break(run, "")
    with pytest.raises(PlotError) as err:
        read_run_metrics(run)
    assert needle in str(err.value) and "\n" not in str(err.value)


def test_plot_command_on_a_bad_run_exits_2_and_keeps_the_old_png(tiny_run, tmp_path):
    run = _copy(tiny_run, tmp_path)
    assert cli("plot", run).returncode == 0
    png = run / "plots" / "learning_curves.png"
    before = png.read_bytes()
    _break(run, "episode,steps,cheese,caught\n1,10,oops,0\n")
    r = cli("plot", run)
    assert r.returncode == 2
    lines = r.stderr.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("error: ") and "metrics.csv:2" in lines[0]
    assert png.read_bytes() == before
    r = cli("plot", tmp_path / "nowhere")
    assert r.returncode == 2 and "no such directory" in r.stderr


def test_the_last_panel_shows_the_share_of_steps_each_expert_drove(tiny_run, tmp_path):
    """A gate drifting toward one expert shows as its line rising: one line per `use_<expert>`
    column, named after the expert, at the run's own shares (rolling means summing to 1).
    A metrics file without those columns still plots its three panels."""
    from pathlib import Path

    from mousesim.plot.curves import learning_curves_figure

    m = read_run_metrics(tiny_run)
    fig = learning_curves_figure(Path(tiny_run), m, window=1)
    ax = fig.get_axes()[-1]
    lines = {line.get_label(): line.get_ydata() for line in ax.get_lines()}
    assert sorted(lines) == ["cheese", "predator"]
    assert np.allclose(lines["cheese"], m["use_cheese"])
    assert np.allclose(lines["cheese"] + lines["predator"], 1.0)
    run = _copy(tiny_run, tmp_path)
    _break(run, "episode,steps,cheese,caught\n1,10,0,1\n2,10,3,0\n")
    assert len(learning_curves_figure(run, read_run_metrics(run)).get_axes()) == 3


# -- issue 13: legends beside the curves, not over them; counts in the singular ---------------
def test_legends_sit_outside_the_plotting_area(tiny_run):
    from pathlib import Path

    from mousesim.plot.curves import learning_curves_figure

    fig = learning_curves_figure(Path(tiny_run), read_run_metrics(tiny_run))
    fig.canvas.draw()
    renderer = fig.canvas.get_renderer()
    axes = fig.get_axes()
    assert len(axes) == 4  # cheese, caught, steps, and the experts' shares of the steps
    for ax in axes:
        legend = ax.get_legend()
        assert legend is not None
        box, area = legend.get_window_extent(renderer), ax.get_window_extent(renderer)
        assert not box.overlaps(area), (ax.get_ylabel(), box, area)
        assert fig.bbox.contains(box.x1 - 1, box.y1 - 1)  # and it is not cut off either


def test_a_one_episode_run_says_1_episode(tmp_path):
    from pathlib import Path

    from mousesim.common.words import plural
    from mousesim.plot.curves import learning_curves_figure

    run = tmp_path / "one"
    r = cli("run", "--episodes", "1", "--set", "world.max_steps=20", "--out", run, "--quiet")
    assert r.returncode == 0, r.stderr
    title = learning_curves_figure(Path(run), read_run_metrics(run))._suptitle.get_text()
    assert ": 1 episode," in title
    assert [plural(n, "cell") for n in (0, 1, 2)] == ["0 cells", "1 cell", "2 cells"]
    assert plural(1.0, "cell") == "1 cell" and plural(2.5, "cell") == "2.5 cells"


def test_run_of_one_episode_says_1_episode(tmp_path):
    r = cli("run", "--episodes", "1", "--set", "world.max_steps=20", "--out", tmp_path / "r")
    assert r.returncode == 0, r.stderr
    assert "1 episode, " in r.stderr and "1 episodes" not in r.stderr
