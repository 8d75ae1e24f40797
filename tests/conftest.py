from __future__ import annotations

import importlib.util
import os
import subprocess
import sys
from pathlib import Path

import pytest

os.environ.setdefault("SDL_VIDEODRIVER", "dummy")
os.environ.setdefault("SDL_AUDIODRIVER", "dummy")

ROOT = Path(__file__).resolve().parents[1]
CONFIGS = ROOT / "configs"


def load_script(name: str):
    """scripts/NAME.py as a module (registered in sys.modules: dataclasses look it up)."""
    spec = importlib.util.spec_from_file_location(name, ROOT / "scripts" / f"{name}.py")
    module = importlib.util.module_from_spec(spec)
    sys.modules[name] = module
    spec.loader.exec_module(module)
    return module


def default_signals() -> None:
    """preexec_fn for a child a test signals: the stop signals at their defaults, whatever the
    test runner inherited (under nohup, or a CI runner started in the background, SIGHUP or
    SIGINT can be ignored, and an ignored signal stays ignored in every child)."""
    import signal

    for name in ("SIGHUP", "SIGINT", "SIGTERM", "SIGQUIT", "SIGUSR1", "SIGUSR2", "SIGALRM"):
        if hasattr(signal, name):
            signal.signal(getattr(signal, name), signal.SIG_DFL)


def make_config(**overrides):
    """SimConfig from dotted overrides, validated exactly like a YAML file."""
    from mousesim.io.yaml_config import apply_overrides, validate

    return validate(apply_overrides({}, overrides))


def choose(bs, bp, rng, greedy: int = 0) -> int:
    """`mix_and_choose` on a whole brain (BrainState, BrainParams): the groups it takes."""
    from mousesim.brain.kernels import mix_and_choose

    return mix_and_choose(
        bs.motor, bs.ring, bs.readout, bs.gate, bs.explore, bp.gate, bp.explore, greedy, rng
    )


def traces(bs, bp, action: int) -> None:
    """`update_traces` on a whole brain: the groups it takes."""
    from mousesim.brain.kernels import update_traces

    update_traces(
        bs.readout, bs.ring, bs.motor, bs.gate, bp.readout, bp.gate, action, bs.explore.ahead
    )


def cli(
    *args: str, cwd: Path | None = None, timeout: float = 300, **kw
) -> subprocess.CompletedProcess:
    """Run the real `mousesim` CLI in a subprocess."""
    return subprocess.run(
        [sys.executable, "-m", "mousesim", *map(str, args)],
        capture_output=True,
        text=True,
        cwd=cwd,
        timeout=timeout,
        **kw,
    )


@pytest.fixture
def run_cli():
    return cli


def logged_frame(app, redraw: bool = False) -> list:
    """One frame of the window with every text blit logged: [(tag, text, rect)]. redraw: the
    static layer is drawn again too, so its texts are logged."""
    if redraw:
        app.view.cache.clear()
    app.view.text.log = []
    app.frame()
    log, app.view.text.log = app.view.text.log, None
    return log


def stats_texts(app) -> list[str]:
    """The texts the stats panel shows in the next frame, in drawing order."""
    return [t for tag, t, _ in logged_frame(app) if tag == "stats"]


def step_until_the_predator_looms(sim) -> None:
    """Step `sim` until its predator expert senses the predator within the loom radius."""
    k = list(sim.expert_targets).index("predator")
    for _ in range(5000):
        p = sim.buffers.percept[k]
        if p[2] > 0 and p[1] <= sim.bparams.gate.loom_radius:
            return
        sim.step()
    raise AssertionError("the predator never came within the loom radius")
