"""`mousesim sweep` as a researcher meets it: same results on any backend and worker count,
run directories identical to `mousesim run`, kill-and-rerun safety, one-line errors."""

from __future__ import annotations

import contextlib
import csv
import io
import json
import os
import shutil
import signal
import subprocess
import sys
import time
from pathlib import Path

import numpy as np
import pytest
import yaml

from .conftest import cli, default_signals

# Tiny runs: the properties do not depend on run length, the test budget does.
TINY_BASE = {"world": {"size": 12, "max_steps": 60}, "run": {"checkpoint_every": 1}}
TINY = {"base": TINY_BASE, "grid": {"mixture.focus": [0.25, 1.0]}, "seeds": 2, "episodes": 3}
# Long enough that a kill lands between runs and inside them.
LONGER = {
    "base": {"world": {"max_steps": 150}, "run": {"checkpoint_every": 4}},
    "grid": {"mixture.focus": [0.0, 0.5, 1.0], "brain.learning_rate": [0.002, 0.01]},
    "seeds": 1,
    "episodes": 400,  # long enough that a kill lands mid-sweep at 200k+ steps/s
}


def write_sweep(path: Path, spec: dict) -> Path:
    path.write_text(yaml.safe_dump(spec, sort_keys=False))
    return path


def deterministic_part(csv_text: str) -> str:
    """summary.csv without its last column (steps_per_s, a wall-clock speed)."""
    return "\n".join(line.rsplit(",", 1)[0] for line in csv_text.splitlines())


def read_rows(path: Path) -> list[dict[str, str]]:
    return list(csv.DictReader(io.StringIO(path.read_text())))


def complete_runs(out: Path) -> int:
    n = 0
    for s in out.glob("runs/*/summary.json"):
        with contextlib.suppress(OSError, ValueError, KeyError):  # being written right now
            n += not json.loads(s.read_text())["interrupted"]
    return n


@pytest.fixture(scope="module")
def tiny(tmp_path_factory):
    """The TINY sweep run with 1 and with 2 local workers."""
    from mousesim.sweep import load_sweep
    from mousesim.sweep.engine import run_sweep

    root = tmp_path_factory.mktemp("sweep")
    spec = write_sweep(root / "tiny.yaml", TINY)
    sweep = load_sweep(spec)
    outs = {}
    for workers in (1, 2):
        outs[workers] = root / f"w{workers}"
        outcome = run_sweep(sweep, outs[workers], workers=workers)
        assert outcome.complete == 4 and not outcome.failed and not outcome.interrupted
    return {"root": root, "spec": spec, "sweep": sweep, "out1": outs[1], "out2": outs[2]}


def test_one_and_two_workers_give_identical_results(tiny):
    out1, out2 = tiny["out1"], tiny["out2"]
    a, b = (out1 / "summary.csv").read_text(), (out2 / "summary.csv").read_text()
    assert deterministic_part(a) == deterministic_part(b)
    assert (out1 / "summary_by_params.csv").read_bytes() == (
        out2 / "summary_by_params.csv"
    ).read_bytes()
    for run in tiny["sweep"].runs:
        m1 = (out1 / "runs" / run.run_id / "metrics.csv").read_bytes()
        assert m1 == (out2 / "runs" / run.run_id / "metrics.csv").read_bytes(), run.run_id


def test_sweep_writes_runs_tables_plot_and_resolved_spec(tiny):
    from mousesim.sweep import load_sweep
    from mousesim.sweep.spec import derive_seeds

    out, sweep = tiny["out1"], tiny["sweep"]
    rows = read_rows(out / "summary.csv")
    seeds = derive_seeds(0, 2)  # root: the base config's run.seed (default 0)
    # Sorted by grid point, then seed: never by completion order.
    assert [(r["mixture.focus"], int(r["seed"])) for r in rows] == [
        ("0.25", seeds[0]),
        ("0.25", seeds[1]),
        ("1.0", seeds[0]),
        ("1.0", seeds[1]),
    ]
    assert len({r["run_id"] for r in rows}) == 4
    for r in rows:
        run = out / "runs" / r["run_id"]
        summary = json.loads((run / "summary.json").read_text())
        assert int(r["episodes"]) == summary["episodes"] == 3
        assert float(r["caught_rate"]) == pytest.approx(summary["caught_rate"], abs=1e-6)
        assert r["config_hash"] == summary["config_hash"]
        assert len((run / "metrics.csv").read_text().splitlines()) == 4
    by = read_rows(out / "summary_by_params.csv")
    assert [(g["mixture.focus"], g["n_seeds"]) for g in by] == [("0.25", "2"), ("1.0", "2")]
    for g in by:
        m = "mean_steps"
        assert float(g[f"{m}_ci_low"]) <= float(g[f"{m}_mean"]) <= float(g[f"{m}_ci_high"])
        members = [float(r[m]) for r in rows if r["mixture.focus"] == g["mixture.focus"]]
        assert float(g[f"{m}_mean"]) == pytest.approx(np.mean(members), abs=1e-6)
    assert (out / "sweep.png").read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    # The resolved spec is itself a sweep file that names the very same runs.
    again = load_sweep(out / "sweep.yaml")
    assert [r.run_id for r in again.runs] == [r.run_id for r in sweep.runs]
    assert [r.cfg for r in again.runs] == [r.cfg for r in sweep.runs]


def test_run_dir_is_bit_identical_to_mousesim_run(tiny, tmp_path):
    run = tiny["sweep"].runs[-1]  # focus 1.0, second seed
    base = write_sweep(tmp_path / "base.yaml", TINY_BASE)
    solo = tmp_path / "solo"
    r = cli(
        "run", base, "--set", "mixture.focus=1.0", "--seed", run.seed, "--episodes", 3,
        "--out", solo, "--quiet",
    )  # fmt: skip
    assert r.returncode == 0, r.stderr
    swept = tiny["out1"] / "runs" / run.run_id
    for name in ("config.yaml", "metrics.csv"):
        assert (swept / name).read_bytes() == (solo / name).read_bytes(), name
    with np.load(swept / "brain.npz") as a, np.load(solo / "brain.npz") as b:
        assert a.files == b.files
        for k in a.files:
            np.testing.assert_array_equal(a[k], b[k])
    sa, sb = (json.loads((d / "summary.json").read_text()) for d in (swept, solo))
    sa.pop("steps_per_s"), sb.pop("steps_per_s")
    assert sa == sb


def _main(argv, capsys):
    from mousesim.cli import main

    rc = main([str(a) for a in argv])
    return rc, capsys.readouterr().err


def test_rerun_skips_finished_runs_and_redoes_broken_ones(tiny, tmp_path, capsys):
    out = tmp_path / "again"
    shutil.copytree(tiny["out1"], out)
    runs = tiny["sweep"].runs
    killed, foreign, kept = (out / "runs" / r.run_id for r in runs[:3])
    # Killed before its summary; another config's files; a finished run.
    (killed / "summary.json").unlink()
    (foreign / "config.yaml").write_text((killed / "config.yaml").read_text())
    (foreign / "metrics.csv").write_text("junk\n")
    before = {d: (d / "metrics.csv").stat().st_mtime_ns for d in (kept,)}
    rc, err = _main(["sweep", tiny["spec"], "--out", out, "--workers", 1], capsys)
    assert rc == 0, err
    total = len(list((out / "runs").iterdir()))
    assert f"{total} runs complete (2 ran now" in err and f", {total - 2} were done before)" in err
    assert (kept / "metrics.csv").stat().st_mtime_ns == before[kept]  # skipped, not redone
    for d in (killed, foreign):
        ref = tiny["out1"] / "runs" / d.name
        assert (d / "metrics.csv").read_bytes() == (ref / "metrics.csv").read_bytes()
    a = (out / "summary.csv").read_text()
    assert deterministic_part(a) == deterministic_part((tiny["out1"] / "summary.csv").read_text())
    # A third time: nothing to do, and the tables come out byte for byte the same.
    rc, err = _main(["sweep", tiny["spec"], "--out", out], capsys)
    assert rc == 0 and "all already done" in err
    assert (out / "summary.csv").read_text() == a


def _start_sweep(spec: Path, out: Path, workers: int) -> subprocess.Popen:
    return subprocess.Popen(
        [sys.executable, "-m", "mousesim", "sweep", spec, "--out", out, "--workers", str(workers)],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        start_new_session=True,  # a Ctrl-C reaches the whole group, as in a terminal
        preexec_fn=default_signals,
    )


def _wait_for_some(proc: subprocess.Popen, out: Path, total: int, timeout: float = 120) -> int:
    """Wait until some but not all runs are complete; return how many."""
    t_end = time.monotonic() + timeout
    while time.monotonic() < t_end:
        n = complete_runs(out)
        if 1 <= n < total:
            return n
        assert proc.poll() is None, f"sweep ended before it could be stopped: {proc.stderr.read()}"
        time.sleep(0.02)
    raise AssertionError("the sweep made no progress")


def _assert_complete(out: Path, sweep) -> None:
    rows = read_rows(out / "summary.csv")
    assert [r["run_id"] for r in rows] == [r.run_id for r in sweep.runs]  # all, once, in order
    for run in sweep.runs:
        d = out / "runs" / run.run_id
        assert not list(d.glob(".*.tmp-*")), "a half-written file was left behind"
        assert json.loads((d / "summary.json").read_text())["interrupted"] is False
        metrics = read_rows(d / "metrics.csv")
        assert [int(r["episode"]) for r in metrics] == list(range(1, run.cfg.run.episodes + 1))
        with np.load(d / "brain.npz") as z:
            assert np.all(np.isfinite(z["readout"]))
    by = read_rows(out / "summary_by_params.csv")
    assert len(by) == len(sweep.points)


def test_sigkill_mid_sweep_then_rerun_completes(tmp_path):
    from mousesim.sweep import load_sweep
    from mousesim.sweep.worker import run_one

    spec = write_sweep(tmp_path / "longer.yaml", LONGER)
    sweep = load_sweep(spec)
    out = tmp_path / "out"
    proc = _start_sweep(spec, out, workers=2)
    try:
        done_at_kill = _wait_for_some(proc, out, len(sweep.runs))
    finally:
        proc.kill()  # SIGKILL: no handler, no cleanup
        proc.communicate()
    unfinished = [r for r in sweep.runs if not (out / "runs" / r.run_id / "summary.json").exists()]
    assert done_at_kill >= 1 and unfinished
    r = cli("sweep", spec, "--out", out, "--workers", 2, "--quiet")
    assert r.returncode == 0, r.stderr
    _assert_complete(out, sweep)
    # A run the kill interrupted (or never started) ends exactly as an uninterrupted one.
    run = unfinished[0]
    fresh = tmp_path / "fresh"
    run_one(run.config_dict(), str(fresh))
    got = (out / "runs" / run.run_id / "metrics.csv").read_bytes()
    assert got == (fresh / "metrics.csv").read_bytes()


def test_ctrl_c_stops_cleanly_and_says_how_to_resume(tmp_path):
    from mousesim.sweep import load_sweep

    spec = write_sweep(tmp_path / "longer.yaml", LONGER)
    sweep = load_sweep(spec)
    out = tmp_path / "out"
    proc = _start_sweep(spec, out, workers=2)
    try:
        _wait_for_some(proc, out, len(sweep.runs))
        os.killpg(proc.pid, signal.SIGINT)
        _, err = proc.communicate(timeout=60)
    finally:
        if proc.poll() is None:
            proc.kill()
    assert proc.returncode == 130, err
    assert "Traceback" not in err
    assert f"mousesim sweep {spec} --out {out}" in err
    rows = read_rows(out / "summary.csv")  # the runs that finished, summarised
    assert 1 <= len(rows) < len(sweep.runs)
    r = cli("sweep", spec, "--out", out, "--workers", 2, "--quiet")
    assert r.returncode == 0, r.stderr
    _assert_complete(out, sweep)


def test_dask_backend_matches_local(tiny, tmp_path):
    pytest.importorskip(
        "distributed", reason="dask.distributed cannot be imported (pip install 'mousesim[dask]')"
    )
    from mousesim.sweep.engine import run_sweep
    from mousesim.sweep.executors import DaskExecutor

    with DaskExecutor(workers=2) as ex:  # LocalCluster(n_workers=2, threads_per_worker=1)
        assert len(ex._client.scheduler_info()["workers"]) == 2
        outcome = run_sweep(tiny["sweep"], tmp_path / "dask", executor=ex)
    assert outcome.complete == 4 and not outcome.failed
    a = (tmp_path / "dask" / "summary.csv").read_text()
    assert deterministic_part(a) == deterministic_part((tiny["out1"] / "summary.csv").read_text())


BAD_SWEEPS = [
    (
        {"grid": {"brain.learnig_rate": [0.01]}},
        "grid.brain.learnig_rate: unknown key (did you mean learning_rate?)",
    ),
    ({"grid": {}}, "grid: is empty"),
    ({"grid": {"mixture.focus": 0.5}}, "grid.mixture.focus: must be a list"),
    ({"grid": {"mixture.focus": []}}, "grid.mixture.focus: needs at least one value"),
    ({"grid": {"mixture.focus": [0.5, 1.5]}}, "grid.mixture.focus: input should be less than"),
    ({"base": "nope.yaml", "grid": {"mixture.focus": [0.5]}}, "nope.yaml: no such file"),
    ({"grid": {"mixture.focus": [0.5]}, "seeds": [1, 1]}, "seeds: seed 1 is listed twice"),
    ({"grid": {"mixture.focus": [0.5]}, "sedes": 3}, "sedes: unknown key (did you mean seeds?)"),
    ({"grid": {"run.seed": [1, 2]}}, "grid.run.seed: seeds come from"),
    ("grid: [\n", "YAML syntax error"),
]


@pytest.mark.parametrize("spec,needle", BAD_SWEEPS, ids=[n for _, n in BAD_SWEEPS])
def test_bad_sweep_files_give_one_line_and_write_nothing(tmp_path, capsys, spec, needle):
    path = tmp_path / "bad.yaml"
    if isinstance(spec, str):
        path.write_text(spec)
    else:
        write_sweep(path, spec)
    out = tmp_path / "out"
    rc, err = _main(["sweep", path, "--out", out], capsys)
    assert rc == 2
    lines = err.strip().splitlines()
    assert len(lines) == 1, err
    assert lines[0].startswith("sweep error: ") and needle in lines[0], lines[0]
    assert not out.exists()


def test_bad_sweep_file_through_the_real_cli(tmp_path):
    path = write_sweep(tmp_path / "bad.yaml", {"grid": {"mixture.fokus": [0.5]}})
    r = cli("sweep", path, "--out", tmp_path / "out")
    assert r.returncode == 2 and "Traceback" not in r.stderr
    assert r.stderr.strip() == (
        f"sweep error: {path}:2: grid.mixture.fokus: unknown key (did you mean focus?)"
    )
    assert not (tmp_path / "out").exists()
    r = cli("sweep", tmp_path / "missing.yaml")
    assert r.returncode == 2 and r.stderr.strip().endswith("missing.yaml: no such file")


def test_out_dir_that_holds_something_else_is_refused(tmp_path, capsys):
    spec = write_sweep(tmp_path / "s.yaml", TINY)
    out = tmp_path / "busy"
    out.mkdir()
    (out / "thesis.tex").write_text("precious")
    rc, err = _main(["sweep", spec, "--out", out], capsys)
    assert rc == 2 and "holds no sweep" in err
    assert sorted(p.name for p in out.iterdir()) == ["thesis.tex"]


def test_seeds_come_from_the_root_not_from_order(tmp_path):
    from mousesim.sweep import sweep_from_text
    from mousesim.sweep.spec import derive_seeds

    assert derive_seeds(5, 3) == derive_seeds(5, 6)[:3]  # more seeds keep the first ones
    assert len(set(derive_seeds(5, 50))) == 50
    text = "grid: {mixture.focus: [0.2, 0.8]}\nseeds: 3\nseed: 5\n"
    sweep = sweep_from_text(text)
    assert [r.seed for r in sweep.runs] == derive_seeds(5, 3) * 2  # same seeds at every point
    assert all(r.cfg.run.seed == r.seed for r in sweep.runs)
    listed = sweep_from_text("grid: {mixture.focus: [0.2]}\nseeds: [7, 3]\n")
    assert [r.seed for r in listed.runs] == [7, 3]
    assert [r.run_id for r in listed.runs] == ["focus=0.2-seed7", "focus=0.2-seed3"]


def test_run_ids_are_readable_unique_and_filesystem_safe():
    from mousesim.sweep.spec import run_ids

    keys = ("world.layout", "world.cheese.count", "world.predator.count")
    points = [
        ("#####\n#M.C#\n#####", 1, 0),
        ("#####\n#M.C#\n#####", 1, 1),
        ("#####\n#C.M#\n#####", 1, 0),
        ("a/b", 2, 0),
        ("a:b", 2, 0),
        ("x" * 300, 2, 0),
    ]
    ids = run_ids(keys, points)
    assert len(set(ids)) == len(ids)
    assert ids[0].startswith("layout=") and "cheese.count=1,predator.count=0" in ids[0]
    for name in ids:
        assert len(name) <= 100
        assert all(c.isalnum() or c in "._=+,-~" for c in name), name
    assert run_ids(keys, points) == ids  # deterministic


@pytest.mark.parametrize(
    "df,expected", [(1, 12.7062), (2, 4.3027), (4, 2.7764), (9, 2.2622), (30, 2.0423)]
)
def test_t_quantile_matches_the_tables(df, expected):
    from mousesim.sweep.tables import t_quantile

    assert t_quantile(df) == pytest.approx(expected, abs=1e-4)
