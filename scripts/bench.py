"""mousesim benchmark: every speed figure side by side, in one process, as ratios.

    python scripts/bench.py            # full run (a few minutes; includes a cold compile)
    python scripts/bench.py --quick    # about 30 s
    python scripts/bench.py --json bench.json

Each figure is the median of at least 5 repeats after a warm-up. Timings are wall-clock on
one thread unless a line says otherwise; run it on an otherwise idle machine. Other users of
the CPU slow every figure alike, so the run also times a fixed reference loop (pure scalar
arithmetic, no memory traffic) and prints each speed as a multiple of it: those ratios move
far less with machine load than the raw figures, and compare runs on one CPU.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

TARGETS = {
    "default_config_steps_per_s": (">=", 300_000),
    "fast_n256_steps_per_s": (">=", 100_000),
    "fast_over_numpy": (">=", 25.0),
    "population_b64_over_separate": (">", 1.0),
    "population_parallel_over_one_core": (">=", 1.8),
    "startup_warm_s": ("<=", 1.0),
    "compile_cold_s": ("<=", 10.0),
    "run_fixed_cost_ms": ("<=", 5.0),
    "window_fps_1": (">=", 120.0),
    "window_fps_1000": (">", 30.0),
    "gym_vector_b256_steps_per_s": (">=", 1_000_000),
    "gym_vector_over_single": (">=", 20.0),
}


SWEEP_SCALING = 1.9  # a 16-run sweep, 2 local workers over 1


def machine_line() -> str:
    import numba
    import numpy

    cpu = platform.processor() or "unknown CPU"
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
                break
    except OSError:
        pass
    return (
        f"{cpu}; {os.cpu_count()} cores; Python {platform.python_version()}; "
        f"numba {numba.__version__}; numpy {numpy.__version__}"
    )


def guarded(label: str, fn, *args):
    """A section that may fail (an optional extra missing, say) must not lose the others."""
    try:
        return fn(*args)
    except Exception as exc:  # reported, then the bench goes on
        print(f"{label}: failed ({exc.__class__.__name__}: {exc})", file=sys.stderr)
        return None


def median_rate(fn, repeats: int) -> float:
    """fn() -> units done; returns the median units per second over `repeats` timed calls."""
    fn()  # warm-up (compile, caches)
    rates = []
    for _ in range(repeats):
        t0 = time.perf_counter()
        units = fn()
        rates.append(units / (time.perf_counter() - t0))
    return statistics.median(rates)


def paired_ratio(fast, slow, pairs: int) -> float:
    """Median over `pairs` of rate(fast) / rate(slow), the two timed one right after the
    other: a call lasts a tenth of a second, and a moment of load from elsewhere that slows
    one call would move a ratio of separate medians."""
    fast(), slow()  # warm-up
    ratios = []
    for _ in range(pairs):
        t0 = time.perf_counter()
        n_fast = fast()
        t1 = time.perf_counter()
        n_slow = slow()
        t2 = time.perf_counter()
        ratios.append((n_fast / (t1 - t0)) / (n_slow / (t2 - t1)))
    return statistics.median(ratios)


def reference_loop_rate(repeats: int) -> float:
    """Iterations/s of a fixed scalar loop (a dependent multiply-add chain, no memory traffic):
    the yardstick the other speeds are divided by, timed in the same process."""
    from numba import njit

    @njit(cache=False)
    def loop(n: int) -> float:
        x = 0.5
        for _ in range(n):
            x = x * 0.999999 + 1e-7
        return x

    n = 20_000_000

    def fn() -> int:
        loop(n)
        return n

    return median_rate(fn, repeats)


def run_fixed_cost(repeats: int) -> dict[str, float]:
    """The fixed cost of one `execute_run` (files, checks, lock, brain build) in a warm
    process: a run of one 1-step episode, median over `repeats`; also its fsyncs per run and
    the median without them (fsync latency is the disk's, and moves with other jobs' writes)."""
    from mousesim.io.yaml_config import load_config
    from mousesim.run.runner import execute_run

    cfg = load_config(None, {"world.max_steps": 1, "run.episodes": 1})
    real_fsync, calls = os.fsync, [0]

    def counted(fd: int, sync: bool) -> None:
        calls[0] += 1
        if sync:
            real_fsync(fd)

    res = {}
    with tempfile.TemporaryDirectory() as tmp:
        execute_run(cfg, Path(tmp) / "warm")
        for sync, key in ((True, "run_fixed_cost_ms"), (False, "run_fixed_cost_no_fsync_ms")):
            os.fsync = lambda fd, sync=sync: counted(fd, sync)
            calls[0] = 0
            try:
                times = []
                for i in range(repeats):
                    t0 = time.perf_counter()
                    execute_run(cfg, Path(tmp) / f"{key}{i}")
                    times.append(time.perf_counter() - t0)
            finally:
                os.fsync = real_fsync
            res[key] = 1000 * statistics.median(times)
            res["run_fsyncs"] = calls[0] / repeats
    return res


def cfg_for(**over):
    from mousesim.io.yaml_config import load_config

    return load_config(None, {"world.max_steps": 500, **over})


def jitted_steps(cfg, min_steps: int):
    from mousesim.sim.simulation import Simulation

    sim = Simulation(cfg, seed=1)

    def fn() -> int:
        n = 0
        while n < min_steps:
            n += sim.run_episode()["steps"]
        return n

    return fn


def numpy_steps(cfg, steps: int):
    from mousesim.sim.reference import ReferenceSimulation

    ref = ReferenceSimulation(cfg, seed=1)

    def fn() -> int:
        for _ in range(steps):
            ref.step()
        return steps

    return fn


def population_steps(cfg, b: int, episodes: int, parallel: bool = False):
    from mousesim.sim.population import Population

    pop = Population(cfg, list(range(b)))

    def fn() -> int:
        return int(pop.run(episodes, parallel=parallel)[:, :, 0].sum())

    return fn


def separate_steps(cfg, b: int, episodes: int):
    from mousesim.sim.simulation import Simulation

    sims = [Simulation(cfg, seed=s) for s in range(b)]

    def fn() -> int:
        n = 0
        for sim in sims:
            for _ in range(episodes):
                n += sim.run_episode()["steps"]
        return n

    return fn


def _one_episode_run(tmp: str, name: str, env: dict | None = None) -> float:
    """Wall time of `mousesim run --episodes 1` in a fresh interpreter (import included)."""
    t0 = time.perf_counter()
    cmd = [sys.executable, "-m", "mousesim", "run", "--episodes", "1", "--quiet", "--out",
           str(Path(tmp) / name)]  # fmt: skip
    subprocess.run(cmd, check=True, cwd=tmp, env=env, stderr=subprocess.DEVNULL)
    return time.perf_counter() - t0


def startup_seconds(repeats: int) -> float:
    with tempfile.TemporaryDirectory() as tmp:
        times = [_one_episode_run(tmp, f"r{i}") for i in range(repeats + 1)]
        return statistics.median(times[1:])  # the first may still warm the OS file cache


def cold_compile_seconds(repeats: int = 3) -> float:
    """Median wall time of `repeats` first-ever runs, each on an empty cache: the helper
    process's share lands early or late by a second with other load on the machine."""
    times = []
    for i in range(repeats):
        with tempfile.TemporaryDirectory() as tmp:
            env = {**os.environ, "NUMBA_CACHE_DIR": str(Path(tmp) / "cache")}
            times.append(_one_episode_run(tmp, f"r{i}", env))
    return statistics.median(times)


def window_fps(steps_per_frame: int, frames: int) -> float | None:
    try:
        from mousesim.render.bench import window_fps as fps
    except ImportError:
        return None
    os.environ.setdefault("SDL_VIDEODRIVER", "dummy")
    return float(fps(frames=frames, steps_per_frame=steps_per_frame))


def sweep_figures(quick: bool) -> dict | None:
    try:
        sys.path.insert(0, str(ROOT / "scripts"))
        from bench_sweep import bench_sweep
    except ImportError:
        return None
    return bench_sweep(quick)


def gym_figures(quick: bool, reps: int) -> dict:
    """The RL envs: a single env as users step it (gymnasium.make, random actions), the bare
    class, the native vector env at B=256 (one core), and MiniGrid-Dynamic-Obstacles-8x8
    in the same run if minigrid is installed."""
    import gymnasium
    import numpy as np

    import mousesim.gym as mg

    steps = 5_000 if quick else 20_000
    rng = np.random.default_rng(0)
    actions = [int(a) for a in rng.integers(3, size=steps)]

    def single(env):
        env.reset(seed=0)

        def fn() -> int:
            for a in actions:
                _, _, terminated, truncated, _ = env.step(a)
                if terminated or truncated:
                    env.reset()
            return steps

        return fn

    out: dict = {
        "gym_single_steps_per_s": median_rate(single(gymnasium.make(mg.ENV_ID)), reps),
        "gym_single_bare_steps_per_s": median_rate(single(mg.MouseSimEnv()), reps),
    }
    b, calls = 256, (200 if quick else 1000)
    venv = mg.MouseSimVectorEnv(b)
    venv.reset(seed=0)
    batch = rng.integers(3, size=(calls, b))

    def vector() -> int:
        for a in batch:
            venv.step(a)
        return calls * b

    out["gym_vector_b256_steps_per_s"] = median_rate(vector, reps)
    out["gym_vector_over_single"] = (
        out["gym_vector_b256_steps_per_s"] / out["gym_single_steps_per_s"]
    )
    out["gym_vector_over_single_bare"] = (
        out["gym_vector_b256_steps_per_s"] / out["gym_single_bare_steps_per_s"]
    )
    try:
        import minigrid  # noqa: F401  (registers the MiniGrid ids)
    except ImportError:
        print(
            "minigrid not installed: no MiniGrid comparison (pip install minigrid)", file=sys.stderr
        )
        out["minigrid_note"] = "skipped: minigrid not installed"
        return out
    mini = gymnasium.make("MiniGrid-Dynamic-Obstacles-8x8-v0")
    mini_actions = [int(a) for a in rng.integers(3, size=steps)]  # left, right, forward

    def minigrid_steps() -> int:
        mini.reset(seed=0)
        for a in mini_actions:
            _, _, terminated, truncated, _ = mini.step(a)
            if terminated or truncated:
                mini.reset()
        return steps

    out["minigrid_dynobs8_steps_per_s"] = median_rate(minigrid_steps, reps)
    out["gym_single_over_minigrid"] = (
        out["gym_single_steps_per_s"] / out["minigrid_dynobs8_steps_per_s"]
    )
    out["gym_vector_over_minigrid"] = (
        out["gym_vector_b256_steps_per_s"] / out["minigrid_dynobs8_steps_per_s"]
    )
    return out


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawTextHelpFormatter)
    ap.add_argument("--quick", action="store_true", help="about 30 s: fewer steps, no cold compile")
    ap.add_argument("--json", type=Path, help="also write the figures to this JSON file")
    args = ap.parse_args(argv)
    quick = args.quick
    reps = 5
    steps = 20_000 if quick else 100_000
    np_steps = 300 if quick else 1500
    from mousesim.sim.warmup import ensure_compiled

    ensure_compiled(lambda m: print(m, file=sys.stderr))
    f: dict = {"machine": machine_line(), "quick": quick}
    f["reference_loop_per_s"] = reference_loop_rate(reps)
    dense = {"brain.ring.path": "dense"}
    f["default_config_steps_per_s"] = median_rate(jitted_steps(cfg_for(), steps), reps)
    f["no_learning_steps_per_s"] = median_rate(
        jitted_steps(cfg_for(**{"brain.learn": False}), steps), reps
    )
    f["dense_n64_steps_per_s"] = median_rate(jitted_steps(cfg_for(**dense), steps // 4), reps)
    f["numpy_n64_steps_per_s"] = median_rate(numpy_steps(cfg_for(), np_steps), reps)
    n256 = {"brain.ring.neurons": 256}
    f["fast_n256_steps_per_s"] = median_rate(jitted_steps(cfg_for(**n256), steps // 2), reps)
    f["dense_n256_steps_per_s"] = median_rate(
        jitted_steps(cfg_for(**n256, **dense), steps // 20), reps
    )
    f["fast_over_dense_n64"] = f["default_config_steps_per_s"] / f["dense_n64_steps_per_s"]
    f["fast_over_dense_n256"] = f["fast_n256_steps_per_s"] / f["dense_n256_steps_per_s"]
    f["fast_over_numpy"] = f["default_config_steps_per_s"] / f["numpy_n64_steps_per_s"]
    for key in ("default_config_steps_per_s", "fast_n256_steps_per_s"):
        f[key.replace("_per_s", "_per_ref_iter")] = f[key] / f["reference_loop_per_s"]

    eps = 1 if quick else 2
    cfg = cfg_for()
    f["population_b1_agent_steps_per_s"] = median_rate(population_steps(cfg, 1, eps * 8), reps)
    f["population_b64_agent_steps_per_s"] = median_rate(population_steps(cfg, 64, eps), reps)
    f["separate_b64_agent_steps_per_s"] = median_rate(separate_steps(cfg, 64, eps), reps)
    f["population_b64_parallel_agent_steps_per_s"] = median_rate(
        population_steps(cfg, 64, eps, parallel=True), reps
    )
    f["population_b64_over_separate"] = (
        f["population_b64_agent_steps_per_s"] / f["separate_b64_agent_steps_per_s"]
    )
    f["population_parallel_over_one_core"] = paired_ratio(
        population_steps(cfg, 64, eps, parallel=True), population_steps(cfg, 64, eps), 3 * reps
    )
    f.update(guarded("per-run cost", run_fixed_cost, 10 if quick else 30) or {})

    f["startup_warm_s"] = guarded("start-up", startup_seconds, 3 if quick else 5)
    f["cold_run_s"] = None if quick else guarded("cold compile", cold_compile_seconds)
    # What a first run spends compiling: its wall time less a warm run's (start-up, one
    # episode and its files, timed the same way just before).
    if f["cold_run_s"] is not None and f["startup_warm_s"] is not None:
        f["compile_cold_s"] = f["cold_run_s"] - f["startup_warm_s"]
    f["window_fps_1"] = guarded("window", window_fps, 1, 60 if quick else 300)
    f["window_fps_1000"] = guarded("window turbo", window_fps, 1000, 10 if quick else 30)
    f["sweep"] = guarded("sweep", sweep_figures, quick)
    f.update(guarded("gym", gym_figures, quick, reps) or {})

    if args.json:  # first: a table that fails to format must not lose the figures
        args.json.write_text(json.dumps(f, indent=2) + "\n")
    print(format_table(f))
    return 0


def format_table(f: dict) -> str:
    def num(v, unit=""):
        if v is None:
            return "n/a"
        if abs(v) < 0.1:
            return f"{v:.3g}{unit}"
        return f"{v:,.0f}{unit}" if v >= 100 else f"{v:.2f}{unit}"

    def verdict(key):
        if key not in TARGETS or f.get(key) is None:
            return ""
        op, goal = TARGETS[key]
        ok = {">=": f[key] >= goal, ">": f[key] > goal, "<": f[key] < goal, "<=": f[key] <= goal}[
            op
        ]
        return f"{'met' if ok else 'NOT met'} (target {op} {goal:,})"

    rows = [
        ("reference loop, iterations/s (the yardstick)", "reference_loop_per_s"),
        ("world steps/s, default config (N=64, learning on)", "default_config_steps_per_s"),
        ("  the same, per reference-loop iteration", "default_config_steps_per_ref_iter"),
        ("world steps/s, default config, learning off", "no_learning_steps_per_s"),
        ("world steps/s, dense jitted, N=64", "dense_n64_steps_per_s"),
        ("world steps/s, NumPy reference, N=64", "numpy_n64_steps_per_s"),
        ("world steps/s, fast path, N=256", "fast_n256_steps_per_s"),
        ("  the same, per reference-loop iteration", "fast_n256_steps_per_ref_iter"),
        ("world steps/s, dense jitted, N=256", "dense_n256_steps_per_s"),
        ("ratio fast / dense, N=64", "fast_over_dense_n64"),
        ("ratio fast / dense, N=256", "fast_over_dense_n256"),
        ("ratio fast / NumPy reference", "fast_over_numpy"),
        ("population B=1, agent-steps/s", "population_b1_agent_steps_per_s"),
        ("population B=64, agent-steps/s (1 core)", "population_b64_agent_steps_per_s"),
        ("64 separate runs, agent-steps/s (1 core)", "separate_b64_agent_steps_per_s"),
        ("ratio population B=64 / separate", "population_b64_over_separate"),
        ("population B=64, all cores, agent-steps/s", "population_b64_parallel_agent_steps_per_s"),
        ("ratio population all cores / one core", "population_parallel_over_one_core"),
        ("fixed cost of one run, warm process (ms)", "run_fixed_cost_ms"),
        ("  the same without its fsyncs (ms)", "run_fixed_cost_no_fsync_ms"),
        ("  fsyncs per run", "run_fsyncs"),
        ("start-up, warm cache, 1-episode run (s)", "startup_warm_s"),
        ("first-ever 1-episode run, empty cache (s, median of 3)", "cold_run_s"),
        ("  its compile: first-ever run - warm run (s)", "compile_cold_s"),
        ("window fps, 1 step/frame, dummy driver", "window_fps_1"),
        ("window fps, 1000 steps/frame", "window_fps_1000"),
        ("gym single env steps/s (gymnasium.make)", "gym_single_steps_per_s"),
        ("gym single env steps/s (bare class)", "gym_single_bare_steps_per_s"),
        ("gym vector env B=256 env-steps/s (1 core)", "gym_vector_b256_steps_per_s"),
        ("ratio vector B=256 / single (make)", "gym_vector_over_single"),
        ("ratio vector B=256 / single (bare)", "gym_vector_over_single_bare"),
        ("MiniGrid-Dynamic-Obstacles-8x8 steps/s", "minigrid_dynobs8_steps_per_s"),
        ("ratio single env / MiniGrid", "gym_single_over_minigrid"),
        ("ratio vector B=256 / MiniGrid", "gym_vector_over_minigrid"),
    ]
    lines = [f"machine: {f['machine']}", ""]
    w = max(len(r[0]) for r in rows)
    for label, key in rows:
        lines.append(f"{label:<{w}}  {num(f.get(key)):>12}  {verdict(key)}")
    if f.get("minigrid_note"):
        lines.append(f"MiniGrid comparison: {f['minigrid_note']}")
    sweep = f.get("sweep")
    if sweep:
        lines.append("")
        for k, v in sweep.items():
            val = num(v) if isinstance(v, float | int) else v
            goal = ""
            if k == "scaling_2_over_1":
                goal = f"  {'met' if v >= SWEEP_SCALING else 'NOT met'} (target >= {SWEEP_SCALING})"
            lines.append(f"sweep {k:<{w - 6}}  {val:>12}{goal}")
    return "\n".join(lines)


if __name__ == "__main__":
    sys.exit(main())
