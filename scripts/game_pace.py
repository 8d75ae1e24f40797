"""How lopsided game mode is at each pace: a scripted person plays the predator against a
trained mouse, stepping straight toward it (it always knows where the mouse is).

    python scripts/game_pace.py                # 20 episodes at each pace
    python scripts/game_pace.py --episodes 50

A brain is trained first (`mousesim run` on the default config, 200 episodes, seed 0, in a
temporary folder); then the window's own game loop (`App.game_step`, off-screen) plays it
with learning off, at the built-in predator's pace (the default) and at a move every step
(P in the window). Prints how often the mouse was caught and how long the episodes lasted.
"""

from __future__ import annotations

import argparse
import math
import os
import subprocess
import sys
import tempfile
from pathlib import Path

os.environ.setdefault("SDL_VIDEODRIVER", "dummy")
os.environ.setdefault("PYGAME_HIDE_SUPPORT_PROMPT", "1")


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--episodes", type=int, default=20, help="episodes at each pace")
    ap.add_argument("--train-episodes", type=int, default=200)
    args = ap.parse_args(argv)

    import pygame

    from mousesim.common.config import SimConfig
    from mousesim.io.results import load_brain
    from mousesim.render.app import PREDATOR_STAY, App
    from mousesim.sim.simulation import Simulation
    from mousesim.world.kernels import PX, PY

    cfg = SimConfig()
    with tempfile.TemporaryDirectory() as tmp:
        out = Path(tmp) / "run"
        cmd = [sys.executable, "-m", "mousesim", "run", "--out", str(out), "--quiet",
               "--episodes", str(args.train_episodes), "--seed", "0"]  # fmt: skip
        subprocess.run(cmd, check=True)
        brain = load_brain(out / "brain.npz", cfg)
    pygame.display.init()
    for every_step in (False, True):
        sim = Simulation(cfg)
        sim.load_brain(brain)
        sim.set_learning(False)
        app = App(sim, control="predator", surface=pygame.Surface((640, 400)))
        app.ui.every_step = every_step

        def toward(sim=sim) -> int:
            """The arrow keys a chasing person holds: straight (or diagonally) at the mouse."""
            m, p = sim.world.mouse, sim.world.preds[0]
            dx, dy = int(m[0]) - int(p[PX]), int(p[PY]) - int(m[1])  # screen y up
            dx, dy = (dx > 0) - (dx < 0), (dy > 0) - (dy < 0)
            if dx == dy == 0:
                return PREDATOR_STAY
            return round(math.degrees(math.atan2(dy, dx)) / 45.0) % 8

        app.predator_move = toward
        caught = done = steps = 0
        while done < args.episodes:
            app.game_step()
            if not sim.in_episode:
                row = sim.episode_row()
                done, caught, steps = done + 1, caught + bool(row["caught"]), steps + row["steps"]
        pace = "a move every step" if every_step else "the built-in predator's pace"
        print(
            f"{pace}: caught in {caught} of {done} episodes, which lasted "
            f"{steps / done:.0f} steps on average"
        )
    return 0


if __name__ == "__main__":
    sys.exit(main())
