"""Frame-rate measurement of the window, for scripts/bench.py (no timing assertions in tests)."""

from __future__ import annotations

import os
import time

from mousesim.common.config import SimConfig


def window_fps(frames: int, steps_per_frame: int, config: SimConfig | None = None) -> float:
    """Frames per second of the full window (every panel drawn, `steps_per_frame` simulation
    steps per frame) at the default size, under SDL's dummy video driver unless another
    driver is already chosen. Kernels are compiled and a few frames drawn before timing.

    Args:
        frames: frames to time (after a 10-frame warm-up).
        steps_per_frame: simulation steps per frame (1 = normal pace, 1000 = turbo).
        config: the simulation config (default: the built-in default config).
    """
    os.environ.setdefault("SDL_VIDEODRIVER", "dummy")
    os.environ.setdefault("PYGAME_HIDE_SUPPORT_PROMPT", "1")
    import pygame

    from mousesim.render.app import App
    from mousesim.render.layout import DEFAULT_SIZE
    from mousesim.sim.simulation import Simulation
    from mousesim.sim.warmup import ensure_compiled

    ensure_compiled()
    pygame.display.init()
    try:
        app = App(Simulation(config or SimConfig()), size=DEFAULT_SIZE)
        app.ui.steps_per_frame = int(steps_per_frame)
        for _ in range(10):
            app.frame()
            pygame.display.flip()
        t0 = time.perf_counter()
        for _ in range(frames):
            app.frame()
            pygame.display.flip()
        return frames / (time.perf_counter() - t0)
    finally:
        pygame.display.quit()
