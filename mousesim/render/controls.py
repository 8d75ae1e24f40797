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
    Binding(
        "focus_down",
        (pygame.K_LEFT, pygame.K_LEFTBRACKET),
        "Left / [",
        "focus toward predator (-0.05)",
    ),
    Binding(
        "focus_up",
        (pygame.K_RIGHT, pygame.K_RIGHTBRACKET),
        "Right / ]",
        "focus toward cheese (+0.05)",
    ),
    Binding("reset", (pygame.K_r,), "R", "new episode"),
    Binding("learning", (pygame.K_l,), "L", "learning on / off"),
    Binding("save", (pygame.K_s,), "S", "save the brain (.npz, path shown)"),
    Binding("help", (pygame.K_h,), "H", "help: next page, then close"),
    Binding("quit", (pygame.K_ESCAPE, pygame.K_q), "Esc / Q", "quit"),
)
KEY_COMMANDS: dict[int, str] = {k: b.command for b in BINDINGS for k in b.keys}
MOUSE_HELP = ("drag", "the focus slider (cheese right, predator left)")

# Game mode (`mousesim play --control predator|mouse`): the arrow keys steer, the focus moves
# with [ and ] (and the slider), + / - set the world's steps per second.
ARROWS = (pygame.K_LEFT, pygame.K_UP, pygame.K_RIGHT, pygame.K_DOWN)
GAME_STEP_LADDER = (1, 2, 3, 4, 6, 8, 10, 15, 20, 30)  # world steps per second
GAME_RATE = 6


def _game_bindings(control: str) -> tuple[Binding, ...]:
    if control == "predator":
        steer = Binding(
            "steer", ARROWS, "arrows", "move the predator one cell (two keys: diagonal)"
        )
        toggle = "hand the predator to the computer / take it back"
        pace = Binding(
            "pace",
            (pygame.K_p,),
            "P",
            "your pace: the built-in predator's (default) / a move every step",
        )
    else:
        steer = Binding(
            "steer", ARROWS[:3], "Left Up Right", "mouse: turn left / go straight / turn right"
        )
        toggle = "hand the mouse to the brain / take it back"
        pace = None
    rest = []
    for b in BINDINGS:
        if b.command in ("focus_down", "focus_up"):
            b = Binding(b.command, b.keys[1:], b.label.split(" / ")[1], b.help)
        elif b.command == "faster":
            b = Binding(b.command, b.keys, b.label, "more world steps per second")
        elif b.command == "slower":
            b = Binding(b.command, b.keys, b.label, "fewer world steps per second")
        rest.append(b)
    first = (steer, Binding("control", (pygame.K_c,), "C", toggle))
    return (*first, *((pace,) if pace else ()), *rest)


GAME_BINDINGS = {c: _game_bindings(c) for c in ("predator", "mouse")}


def bindings(control: str | None = None) -> tuple[Binding, ...]:
    """The keys of the window: watch mode (None) or a game mode ("predator" / "mouse")."""
    return BINDINGS if control is None else GAME_BINDINGS[control]


def command_for_key(key: int, control: str | None = None) -> str | None:
    if control is None:
        return KEY_COMMANDS.get(key)
    return next((b.command for b in GAME_BINDINGS[control] if key in b.keys), None)


def next_steps(current: int, direction: int, ladder: tuple[int, ...] = STEP_LADDER) -> int:
    """The next value on the ladder (steps per frame: 1, 2, 5, 10, ... 1000), clamped."""
    if direction > 0:
        bigger = [s for s in ladder if s > current]
        return bigger[0] if bigger else ladder[-1]
    smaller = [s for s in ladder if s < current]
    return smaller[-1] if smaller else ladder[0]


@dataclass
class UiState:
    """What the window adds to the simulation: pause, pace, overlays, the last message."""

    paused: bool = False
    steps_per_frame: int = 1
    pending_steps: int = 0  # single steps asked for with N
    show_help: bool = False
    help_page: int = 0  # which page of the help overlay is shown (H turns the page)
    quit: bool = False
    dragging: bool = False
    message: str = ""
    message_until: float = 0.0
    control: str | None = None  # game mode: "predator" or "mouse" is the person's
    person: bool = True  # game mode: the person steers (False: handed to the computer)
    game_rate: int = GAME_RATE  # game mode: world steps per second
    # game mode, the person's predator: False = at the built-in predator's pace (it moves on
    # a share world.predator.move_prob of the steps), True = a move on every step (P toggles)
    every_step: bool = False


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
