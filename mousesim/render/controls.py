"""Keys and the focus slider, turned into named commands; one table serves both the
key handling and the help overlay, so the help lists every key there is."""

from __future__ import annotations

from dataclasses import dataclass

import pygame

FOCUS_STEP = 0.05
STEP_LADDER = (1, 2, 5, 10, 20, 50, 100, 200, 500, 1000)  # steps per frame, set with + / -


@dataclass(frozen=True)
class Binding:
    command: str
    keys: tuple[int, ...]
    label: str
    help: str


BINDINGS: tuple[Binding, ...] = (
    Binding("pause", (pygame.K_SPACE,), "Space", "pause / resume"),
    Binding("step", (pygame.K_n,), "N", "one step (pauses first)"),
    Binding(
        "faster", (pygame.K_PLUS, pygame.K_EQUALS, pygame.K_KP_PLUS), "+", "more steps per frame"
    ),
    Binding("slower", (pygame.K_MINUS, pygame.K_KP_MINUS), "-", "fewer steps per frame"),
    Binding("focus_down", (pygame.K_LEFT,), "Left", "focus toward predator (-0.05)"),
    Binding("focus_up", (pygame.K_RIGHT,), "Right", "focus toward cheese (+0.05)"),
    Binding("reset", (pygame.K_r,), "R", "new episode"),
    Binding("learning", (pygame.K_l,), "L", "learning on / off"),
    Binding("save", (pygame.K_s,), "S", "save the brain (.npz, path shown)"),
    Binding("help", (pygame.K_h,), "H", "show / hide this help"),
    Binding("quit", (pygame.K_ESCAPE, pygame.K_q), "Esc / Q", "quit"),
)
KEY_COMMANDS: dict[int, str] = {k: b.command for b in BINDINGS for k in b.keys}
MOUSE_HELP = ("drag", "the focus slider (cheese right, predator left)")


def command_for_key(key: int) -> str | None:
    return KEY_COMMANDS.get(key)


def next_steps(current: int, direction: int) -> int:
    """The next value on the steps-per-frame ladder (1, 2, 5, 10, ... 1000), clamped."""
    if direction > 0:
        bigger = [s for s in STEP_LADDER if s > current]
        return bigger[0] if bigger else STEP_LADDER[-1]
    smaller = [s for s in STEP_LADDER if s < current]
    return smaller[-1] if smaller else STEP_LADDER[0]


@dataclass
class UiState:
    """What the window adds to the simulation: pause, pace, overlays, the last message."""

    paused: bool = False
    steps_per_frame: int = 1
    pending_steps: int = 0  # single steps asked for with N
    show_help: bool = False
    quit: bool = False
    dragging: bool = False
    message: str = ""
    message_until: float = 0.0


class Slider:
    """The focus slider's mouse handling: value 0 at the track's left end, 1 at its right."""

    HIT_PAD = 14  # pixels above and below the thin track that still grab it

    def __init__(self, track: pygame.Rect) -> None:
        self.track = track
        self.dragging = False

    def value_at(self, x: float) -> float:
        if self.track.w <= 0:
            return 0.0
        return min(1.0, max(0.0, (x - self.track.x) / self.track.w))

    def hit(self, pos: tuple[int, int]) -> bool:
        return self.track.inflate(2 * self.HIT_PAD, 2 * self.HIT_PAD).collidepoint(pos)

    def handle(self, event: pygame.event.Event) -> float | None:
        """Update the drag state from a mouse event; the new value if it moves the knob."""
        if event.type == pygame.MOUSEBUTTONDOWN and event.button == 1 and self.hit(event.pos):
            self.dragging = True
            return self.value_at(event.pos[0])
        if event.type == pygame.MOUSEMOTION and self.dragging:
            if not event.buttons[0]:  # the button was released outside the window
                self.dragging = False
                return None
            return self.value_at(event.pos[0])
        if event.type == pygame.MOUSEBUTTONUP and event.button == 1 and self.dragging:
            self.dragging = False
            return self.value_at(event.pos[0])
        return None
