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

import contextlib
import math
import os
import sys
import time
import warnings
from collections.abc import Iterable
from pathlib import Path

import numpy as np
import pygame

from mousesim.common.errors import UsageError
from mousesim.common.words import plural
from mousesim.io.atomic import write_with
from mousesim.io.results import save_brain
from mousesim.render.brain_arrays import brain_arrays
from mousesim.render.controls import (
    FOCUS_STEP,
    GAME_RATE,
    GAME_STEP_LADDER,
    Slider,
    UiState,
    command_for_key,
    next_steps,
)
from mousesim.render.layout import DEFAULT_SIZE, MIN_SIZE, compute_layout
from mousesim.render.session import SessionStats
from mousesim.render.view import View
from mousesim.sim.kernels import N_STAT_FIXED
from mousesim.sim.simulation import Simulation

FPS_CAP = 60
MESSAGE_S = 6.0
CAUGHT_PAUSE_S = 1.0  # game mode: the catch stays on screen this long before the next episode
# Arrow key -> (dx, dy) on screen, y up: the predator steps along their sum's heading.
_ARROW_DIR = {
    pygame.K_RIGHT: (1, 0),
    pygame.K_UP: (0, 1),
    pygame.K_LEFT: (-1, 0),
    pygame.K_DOWN: (0, -1),
}
_MOUSE_KEYS = {pygame.K_LEFT: 0, pygame.K_UP: 1, pygame.K_RIGHT: 2}  # turn left/straight/right
PREDATOR_STAY = 8
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


def ui_scale(size: tuple[int, int]) -> float:
    """How much larger than at DEFAULT_SIZE the window draws everything: 1 up to
    DEFAULT_SIZE, then as the window's smaller ratio to it (1.42 at 1920 x 1080), at most 2.
    Below 1.1 the picture is drawn directly (no blur for a few per cent)."""
    s = min(size[0] / DEFAULT_SIZE[0], size[1] / DEFAULT_SIZE[1])
    return 1.0 if s < 1.1 else min(2.0, s)


def _at_least_min(size: tuple[int, int]) -> tuple[int, int]:
    return max(MIN_SIZE[0], int(size[0])), max(MIN_SIZE[1], int(size[1]))


def _set_minimum_size() -> None:
    """Ask the window manager not to let the window shrink below MIN_SIZE (a resize to less
    is laid out at MIN_SIZE anyway)."""
    # An older pygame or a driver without windows: resize() still clamps.
    with contextlib.suppress(AttributeError, pygame.error), warnings.catch_warnings():
        # pygame-ce flags from_display_module for surface drawing; only the size is set here
        warnings.simplefilter("ignore", DeprecationWarning)
        pygame.Window.from_display_module().minimum_size = MIN_SIZE


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
        control: game mode: "predator" (the arrow keys move predator 0) or "mouse" (Left /
            Up / Right turn the mouse); None watches the brain.
        game_rate: game mode: world steps per second (+ / - change it).
        clock: seconds, monotonic (tests pass a fake one to step the game deterministically).
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
        control: str | None = None,
        game_rate: int = GAME_RATE,
        clock=time.monotonic,
    ) -> None:
        self.sim = sim
        self.save_dir = Path(save_dir)
        self.brain_episodes = int(brain_episodes)
        if surface is None:
            if not pygame.display.get_init():
                open_display()
            pygame.display.set_caption(f"mousesim - {title}" if title else "mousesim")
            surface = pygame.display.set_mode(_at_least_min(size), pygame.RESIZABLE)
            _set_minimum_size()
            if control is None:  # a held arrow repeats; in a game the key state is read
                pygame.key.set_repeat(300, 40)
        self.screen = surface
        self.ui = UiState(
            steps_per_frame=max(1, min(1000, int(steps_per_frame))),
            control=control,
            game_rate=max(1, min(GAME_STEP_LADDER[-1], int(game_rate))),
        )
        self.clock = clock
        self._held: list[int] = []  # arrow keys down, oldest first
        self._tapped: list[int] = []  # arrow keys pressed since the last world step
        self._next_step = clock()
        # The person's predator moves when this credit reaches 1; each step adds move_prob,
        # so it moves as often as the built-in predator (0.5: every second step), the first
        # time on the first step.
        self._pace_credit = 1.0 - sim.wparams.move_prob
        self.stats = SessionStats(len(sim.expert_names))
        self.view = View(sim, title)
        self.scale = 1.0
        self.canvas = self.screen
        self._set_canvas()
        self.layout = compute_layout(self.canvas.get_size(), len(sim.expert_names))
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
            cmd = command_for_key(event.key, self.ui.control)
            if cmd == "steer":
                self._tapped.append(event.key)
                if event.key not in self._held:
                    self._held.append(event.key)
            elif cmd is not None:
                self.command(cmd)
        elif event.type == pygame.KEYUP and event.key in self._held:
            self._held.remove(event.key)
        elif event.type in (pygame.MOUSEBUTTONDOWN, pygame.MOUSEMOTION, pygame.MOUSEBUTTONUP):
            if self.scale != 1.0:
                event = pygame.event.Event(
                    event.type, {**event.dict, "pos": self.to_canvas(event.pos)}
                )
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
        elif cmd in ("faster", "slower"):
            sign = 1 if cmd == "faster" else -1
            if ui.control:
                ui.game_rate = next_steps(ui.game_rate, sign, GAME_STEP_LADDER)
                self.say(f"{ui.game_rate} world steps per second")
            else:
                ui.steps_per_frame = next_steps(ui.steps_per_frame, sign)
        elif cmd == "control":
            ui.person = not ui.person
            self.abandon_episode()
            role = "mouse" if ui.control == "mouse" else "predator"
            self.say(f"you steer the {role}" if ui.person else f"the computer plays the {role}")
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
            from mousesim.render.view import HELP_PAGES

            if not ui.show_help:
                ui.show_help, ui.help_page = True, 0
            elif ui.help_page + 1 < HELP_PAGES:
                ui.help_page += 1
            else:
                ui.show_help = False
        elif cmd == "pace":
            ui.every_step = not ui.every_step
            self._pace_credit = 1.0 - self.sim.wparams.move_prob
            if ui.every_step:
                self.say("your predator moves on every step: twice the built-in predator's pace")
            else:
                self.say("your predator moves at the built-in predator's pace")
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
            self.stats.end_episode(row, False, abandoned=True, who=self._who())
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
        size = _at_least_min(size)
        if self.screen.get_size() != tuple(size) and pygame.display.get_surface() is self.screen:
            self.screen = pygame.display.set_mode(size, pygame.RESIZABLE)
        self._set_canvas()
        self.layout = compute_layout(self.canvas.get_size(), len(self.sim.expert_names))
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
        b = brain_arrays(self.sim)
        try:
            save_brain(
                path,
                self.sim.cfg,
                b.readout,
                b.baseline,
                self.brain_episodes + self.sim.episode,
                gate_w=b.gate_w,
                gate_baseline=b.gate_baseline,
                sighted=b.sighted,
                trust=self.sim.brain.readout.trust,
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
            self.stats.end_episode(sim.episode_row(), res.terminated, who=self._who())

    # -- game mode -------------------------------------------------------------------------
    def _who(self) -> str | None:
        """Who plays the person's role this episode (game mode), for the stats panel."""
        if not self.ui.control:
            return None
        return "person" if self.ui.person else "computer"

    def predator_move(self) -> int:
        """The predator's move from the arrow keys held or tapped since the last step:
        their directions summed (two keys: a diagonal) as a heading 0..7, or 8 to stay."""
        dx = dy = 0
        for k in dict.fromkeys(self._held + self._tapped):
            ddx, ddy = _ARROW_DIR[k]
            dx, dy = dx + ddx, dy + ddy
        if dx == 0 and dy == 0:
            return PREDATOR_STAY
        return round(math.degrees(math.atan2(dy, dx)) / 45.0) % 8

    def mouse_action(self) -> int:
        """The mouse's action from the keys: the last tapped since the last step, else the
        one held, else straight on."""
        for keys in (self._tapped, self._held):
            for k in reversed(keys):
                if k in _MOUSE_KEYS:
                    return _MOUSE_KEYS[k]
        return 1

    def game_step(self) -> None:
        """One world step of a game: the person's keys (if the person plays) become the
        controlled move, then the world steps."""
        sim, ui = self.sim, self.ui
        if not ui.person:
            sim.set_control()
        elif ui.control == "predator":
            if not self.predator_moves_now():
                sim.set_control(predator_move=PREDATOR_STAY)
                self.step()  # a tap waits for the next step the predator moves on
                self._after_game_step()
                return
            sim.set_control(predator_move=self.predator_move())
        else:
            sim.set_control(mouse_action=self.mouse_action())
        self._tapped.clear()
        self.step()
        self._after_game_step()

    def predator_moves_now(self) -> bool:
        """Whether the person's predator may move on this world step: always when P chose
        every step, else as often as the built-in predator moves (world.predator.move_prob;
        deterministic, so the pace is steady: 0.5 is every second step)."""
        if self.ui.every_step or self.sim.wparams.move_prob <= 0:
            return True
        self._pace_credit += self.sim.wparams.move_prob
        if self._pace_credit >= 1.0 - 1e-9:
            self._pace_credit -= 1.0
            return True
        return False

    def _after_game_step(self) -> None:
        sim = self.sim
        if not sim.in_episode:
            row = sim.episode_row()
            end = "caught!" if row["caught"] else "time is up"
            self.say(f"episode {sim.episode}: {end} ({plural(row['cheese'], 'cheese', 'cheese')})")
            self._next_step = self.clock() + CAUGHT_PAUSE_S

    def game_advance(self) -> int:
        """Game mode: the world steps at ui.game_rate steps per second of the clock (a
        frame that comes late catches up by at most 3 steps, so a stall never rushes
        the player); N steps once while paused."""
        ui = self.ui
        if ui.paused:
            n, ui.pending_steps = ui.pending_steps, 0
            for _ in range(n):
                self.game_step()
            self._next_step = self.clock()
            return n
        now, done = self.clock(), 0
        period = 1.0 / ui.game_rate
        while now + 1e-9 >= self._next_step and done < 3:  # (float sums of periods)
            self.game_step()
            done += 1
            self._next_step = max(self._next_step + period, self._next_step)
        if now - self._next_step > 3 * period:  # fell behind: start counting afresh
            self._next_step = now + period
        return done

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

    def _set_canvas(self) -> None:
        """A window larger than DEFAULT_SIZE in both directions (a projector at 1920 x 1080) is
        drawn at DEFAULT_SIZE's scale and magnified, so text and lines grow with the window
        instead of staying 12 pixels high; smaller windows are drawn directly."""
        w, h = self.screen.get_size()
        scale = ui_scale((w, h))
        self.scale = scale
        if scale == 1.0:
            self.canvas = self.screen
            return
        size = (round(w / scale), round(h / scale))
        if self.canvas is self.screen or self.canvas.get_size() != size:
            self.canvas = pygame.Surface(size)
            if pygame.display.get_surface() is not None:
                self.canvas = self.canvas.convert()

    def to_canvas(self, pos: tuple[int, int]) -> tuple[int, int]:
        """A window position (a mouse event's) in the drawing's coordinates."""
        return round(pos[0] / self.scale), round(pos[1] / self.scale)

    def draw(self) -> None:
        self.view.draw(self.canvas, self.layout, self.sim, self.ui, self.stats)
        if self.canvas is not self.screen:
            pygame.transform.smoothscale(self.canvas, self.screen.get_size(), self.screen)

    def frame(self, events: Iterable[pygame.event.Event] = ()) -> bool:
        """Handle `events`, advance the simulation, draw. False once the user quit."""
        for ev in events:
            self.handle(ev)
        if self.ui.quit:
            return False
        if self.ui.control:
            self.game_advance()
        else:
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
