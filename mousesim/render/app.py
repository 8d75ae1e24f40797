"""The interactive loop: events -> commands -> `Simulation.step()` x steps-per-frame -> draw.

`App.frame(events)` is one frame and takes its events as a list, so tests (and
benchmarks) drive the window with synthetic pygame events and no real event
queue. The app writes to the simulation only through its commands
(`set_focus`, `set_learning`, `reset`, `step`); everything else is read.

Pace: the simulation advances `steps_per_frame` steps per drawn frame (set with
+ / -), so what a frame shows does not depend on how fast frames are drawn.
`run()` caps the frame rate at 60 fps in normal use; with a frame budget
(`--frames`, for docs, tests and benchmarks) it runs uncapped.
"""

from __future__ import annotations

import os
import sys
import time
from collections.abc import Iterable
from pathlib import Path

import numpy as np
import pygame

from mousesim.errors import UsageError
from mousesim.io.atomic import write_with
from mousesim.io.results import save_brain
from mousesim.render.controls import FOCUS_STEP, Slider, UiState, command_for_key, next_steps
from mousesim.render.layout import DEFAULT_SIZE, compute_layout
from mousesim.render.session import SessionStats
from mousesim.render.view import View
from mousesim.sim.kernels import N_STAT_FIXED
from mousesim.sim.simulation import Simulation
from mousesim.words import plural

FPS_CAP = 60
MESSAGE_S = 6.0
NO_DISPLAY_HINT = (
    "no display available for the window ({why}); use `mousesim run` for headless work, "
    "or set SDL_VIDEODRIVER=dummy to draw off-screen"
)


class NoDisplayError(UsageError):
    """pygame cannot open a window here (one-line message, exit code 2)."""


def open_display(hint: str = NO_DISPLAY_HINT) -> None:
    """Initialise pygame's display, or raise NoDisplayError with a one-line hint (`hint` is
    a format string with a {why} field; the replay window passes its own).

    On Linux with neither DISPLAY nor WAYLAND_DISPLAY set and no SDL_VIDEODRIVER
    chosen there is nothing to draw on; SDL would fail (or, worse, pick an
    off-screen driver and show nothing), so that case is refused up front."""
    env = os.environ
    if (
        sys.platform.startswith("linux")
        and not env.get("SDL_VIDEODRIVER")
        and not env.get("DISPLAY")
        and not env.get("WAYLAND_DISPLAY")
    ):
        raise NoDisplayError(hint.format(why="DISPLAY and WAYLAND_DISPLAY are unset"))
    try:
        pygame.display.init()
    except pygame.error as exc:
        raise NoDisplayError(hint.format(why=str(exc).strip() or "SDL error")) from None


def save_png(surface: pygame.Surface, path: str | Path) -> None:
    """Write `surface` as PNG atomically (temp file beside it, then rename)."""
    write_with(path, lambda f: pygame.image.save(surface, f, "frame.png"))


class App:
    """The window: owns the simulation, the view and the UI state.

    Args:
        sim: the simulation to show and steer (its episode is started if none runs).
        size: initial window size in pixels.
        title: shown next to the name (e.g. the config's name).
        save_dir: where S writes `brain-<date-time>.npz`.
        brain_episodes: episodes the loaded brain had already learned (added to the count
            written into saved brain files).
        steps_per_frame: initial pace (1 to 1000).
        surface: draw into this surface instead of opening a window (benchmarks).
    """

    def __init__(
        self,
        sim: Simulation,
        *,
        size: tuple[int, int] = DEFAULT_SIZE,
        title: str = "",
        save_dir: str | Path = ".",
        brain_episodes: int = 0,
        steps_per_frame: int = 1,
        surface: pygame.Surface | None = None,
    ) -> None:
        self.sim = sim
        self.save_dir = Path(save_dir)
        self.brain_episodes = int(brain_episodes)
        if surface is None:
            if not pygame.display.get_init():
                open_display()
            pygame.display.set_caption(f"mousesim - {title}" if title else "mousesim")
            surface = pygame.display.set_mode(size, pygame.RESIZABLE)
            pygame.key.set_repeat(300, 40)
        self.screen = surface
        self.ui = UiState(steps_per_frame=max(1, min(1000, int(steps_per_frame))))
        self.stats = SessionStats(len(sim.expert_names))
        self.view = View(sim, title)
        self.layout = compute_layout(self.screen.get_size(), len(sim.expert_names))
        self.slider = Slider(self.layout.slider_track)
        self.frames = 0
        self._trail = np.zeros((1000, 2), dtype=np.int64)  # cells after each step of a frame
        if not sim.in_episode:
            sim.reset()  # the first frame shows a real world, not zeroed arrays
        self.stats.start_episode(sim.world.mouse)

    # -- input -----------------------------------------------------------------------------
    def handle(self, event: pygame.event.Event) -> None:
        if event.type == pygame.QUIT:
            self.ui.quit = True
        elif event.type == pygame.KEYDOWN:
            cmd = command_for_key(event.key)
            if cmd is not None:
                self.command(cmd)
        elif event.type in (pygame.MOUSEBUTTONDOWN, pygame.MOUSEMOTION, pygame.MOUSEBUTTONUP):
            value = self.slider.handle(event)
            self.ui.dragging = self.slider.dragging
            if value is not None:
                self.sim.set_focus(value)
        elif event.type == pygame.VIDEORESIZE:
            self.resize(event.size)

    def command(self, cmd: str) -> None:
        """Apply one named command (see controls.BINDINGS)."""
        ui, sim = self.ui, self.sim
        if cmd == "pause":
            ui.paused = not ui.paused
        elif cmd == "step":
            ui.paused = True
            ui.pending_steps += 1
        elif cmd == "faster":
            ui.steps_per_frame = next_steps(ui.steps_per_frame, +1)
        elif cmd == "slower":
            ui.steps_per_frame = next_steps(ui.steps_per_frame, -1)
        elif cmd == "focus_down":
            sim.set_focus(round(sim.focus - FOCUS_STEP, 6))
        elif cmd == "focus_up":
            sim.set_focus(round(sim.focus + FOCUS_STEP, 6))
        elif cmd == "reset":
            self.abandon_episode()
        elif cmd == "learning":
            sim.set_learning(not sim.learning)
            self.say(f"learning {'on' if sim.learning else 'off'}")
        elif cmd == "save":
            self.save_brain()
        elif cmd == "help":
            ui.show_help = not ui.show_help
        elif cmd == "quit":
            ui.quit = True

    def abandon_episode(self) -> None:
        """R: end the running episode where it is (counted as an abandoned episode, not
        caught) and start the next one under the next episode number."""
        sim = self.sim
        if sim.in_episode:
            row = sim.episode_row()
            # The simulation counts finished episodes; an abandoned one is finished too, so
            # the next episode gets a new number (the window's count, not a metrics row).
            sim.episode += 1
            self.stats.end_episode(row, False, abandoned=True)
            ended = f"episode {sim.episode} abandoned after {plural(row['steps'], 'step')}"
        else:
            ended = f"episode {sim.episode} ended"
        sim.reset()
        self.stats.start_episode(sim.world.mouse)
        self.say(f"{ended}; episode {sim.episode + 1} starts")

    def say(self, message: str) -> None:
        self.ui.message = message
        self.ui.message_until = time.monotonic() + MESSAGE_S

    def resize(self, size: tuple[int, int]) -> None:
        if self.screen.get_size() != tuple(size) and pygame.display.get_surface() is self.screen:
            self.screen = pygame.display.set_mode(size, pygame.RESIZABLE)
        self.layout = compute_layout(self.screen.get_size(), len(self.sim.expert_names))
        self.slider.track = self.layout.slider_track

    # -- commands with files ---------------------------------------------------------------
    def brain_path(self) -> Path:
        stamp = time.strftime("%Y%m%d-%H%M%S")
        path = self.save_dir / f"brain-{stamp}.npz"
        i = 1
        while path.exists():  # two saves in one second keep both
            path = self.save_dir / f"brain-{stamp}-{i}.npz"
            i += 1
        return path

    def save_brain(self) -> Path | None:
        """Write the brain (readouts + baselines) atomically; the path is shown on screen."""
        path = self.brain_path()
        b = self.sim.brain
        try:
            save_brain(
                path,
                self.sim.cfg,
                b.readout,
                b.baseline,
                self.brain_episodes + self.sim.episode,
                gate_w=b.gate_w,
                gate_baseline=b.gate_baseline,
            )
        except OSError as exc:
            self.say(f"could not save the brain: {exc.strerror or exc}")
            return None
        self.say(f"saved brain to {path}")
        return path

    # -- stepping and drawing --------------------------------------------------------------
    def step(self) -> None:
        """One simulation step, observed for the stats panel."""
        sim = self.sim
        if not sim.in_episode:
            sim.reset()
            self.stats.start_episode(sim.world.mouse)
        res = sim.step()
        self.stats.after_step(res.action, res.rewards, sim.world.mouse)
        if not sim.in_episode:
            self.stats.end_episode(sim.episode_row(), res.terminated)

    def whole_episode(self) -> int:
        """A whole episode in one jitted call (`Simulation.run_episode`, the headless path);
        returns its steps. The kernels called, and so the result, are the same as stepping."""
        sim = self.sim
        row = sim.run_episode()
        n_exp = len(sim.expert_names)
        returns = sim.buffers.stats[N_STAT_FIXED : N_STAT_FIXED + n_exp]
        self.stats.after_whole_episode(row, returns, sim.world.mouse)
        return int(row["steps"])

    def advance(self) -> int:
        """The steps this frame owes: steps_per_frame when running, queued N steps when paused.

        In turbo mode a frame may hold whole episodes; those run in one jitted call each
        (a single step costs more in call overhead than in computation). Only an episode
        that surely fits the frame's remaining steps is run whole, so every frame advances
        by exactly its steps."""
        ui = self.ui
        n = ui.pending_steps if ui.paused else ui.steps_per_frame
        ui.pending_steps = 0
        sim = self.sim
        max_steps = sim.wparams.max_steps
        done = 0
        while done < n:
            if not sim.in_episode and n - done >= max_steps:
                done += self.whole_episode()
                continue
            if not sim.in_episode:
                sim.reset()
                self.stats.start_episode(sim.world.mouse)
            # The rest of this episode (or of the frame) in one jitted call.
            n_exp = len(sim.expert_names)
            returns = sim.buffers.stats[N_STAT_FIXED : N_STAT_FIXED + n_exp]
            before = returns.copy()
            want = n - done
            if self._trail.shape[0] < want:
                self._trail = np.zeros((want, 2), dtype=np.int64)
            res = sim.advance(want, self._trail)
            self.stats.after_steps(
                res.steps, res.last_action, returns - before, self._trail[: res.steps]
            )
            if not sim.in_episode:
                self.stats.end_episode(sim.episode_row(), res.terminated)
            done += res.steps
        return done

    def draw(self) -> None:
        self.view.draw(self.screen, self.layout, self.sim, self.ui, self.stats)

    def frame(self, events: Iterable[pygame.event.Event] = ()) -> bool:
        """Handle `events`, advance the simulation, draw. False once the user quit."""
        for ev in events:
            self.handle(ev)
        if self.ui.quit:
            return False
        self.advance()
        self.stats.mark_frame()
        self.draw()
        self.frames += 1
        return True

    def run(self, frames: int | None = None, screenshot: str | Path | None = None) -> int:
        """The interactive loop until quit (or `frames` frames); returns frames drawn.

        Capped at FPS_CAP frames per second unless `frames` is given. With `screenshot`,
        the last frame drawn is saved there as PNG."""
        clock = pygame.time.Clock()
        display = pygame.display.get_surface() is self.screen
        while frames is None or self.frames < frames:
            events = pygame.event.get() if display else []
            if not self.frame(events):
                break
            if display:
                pygame.display.flip()
            if frames is None:
                clock.tick(FPS_CAP)
        if screenshot is not None:
            save_png(self.screen, screenshot)
        return self.frames
