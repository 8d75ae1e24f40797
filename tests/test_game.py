"""Issue 13: game mode (`mousesim play --control predator|mouse`), driven by posted key events
under SDL's dummy driver, with a fake clock so the world's pace is exact."""

from __future__ import annotations

import os

os.environ.setdefault("SDL_VIDEODRIVER", "dummy")  # before pygame is imported
os.environ.setdefault("PYGAME_HIDE_SUPPORT_PROMPT", "1")

import pytest

pygame = pytest.importorskip("pygame")

from mousesim.render.app import App  # noqa: E402
from mousesim.render.controls import bindings  # noqa: E402
from mousesim.sim.simulation import Simulation  # noqa: E402
from mousesim.world.kernels import C_STEP, PX, PY  # noqa: E402

from .conftest import cli, logged_frame, make_config, stats_texts  # noqa: E402


class FakeClock:
    def __init__(self) -> None:
        self.t = 100.0

    def __call__(self) -> float:
        return self.t


@pytest.fixture(autouse=True)
def _display():
    pygame.display.init()
    yield
    pygame.display.quit()


def game(control: str, rate: int = 6, **overrides) -> tuple[App, FakeClock]:
    clock = FakeClock()
    cfg = make_config(**{"world.predator.catch_radius": 0, **overrides})
    app = App(Simulation(cfg), size=(1024, 640), control=control, game_rate=rate, clock=clock)
    app.run(frames=1)  # the first frame: the clock's first step is due at once
    return app, clock


def post(kind: int, key: int) -> None:
    pygame.event.post(pygame.event.Event(kind, key=key, mod=0, unicode="", scancode=0))


def tick(app: App, clock: FakeClock, seconds: float, frames: int = 1) -> None:
    """`frames` frames spread over `seconds` of the fake clock (posted events are read)."""
    for _ in range(frames):
        clock.t += seconds / frames
        app.run(frames=app.frames + 1)


def step_no(app: App) -> int:
    return int(app.sim.world.counters[C_STEP])


def predator(app: App) -> tuple[int, int]:
    p = app.sim.world.preds[0]
    return int(p[PX]), int(p[PY])


def test_the_world_steps_at_the_game_rate_whatever_the_frame_rate():
    app, clock = game("predator", rate=6)
    start = app.stats.steps
    tick(app, clock, 1.0, frames=60)  # 60 fps for a second: 6 steps
    assert app.stats.steps - start == 6
    tick(app, clock, 0.0, frames=10)  # frames without time passing: no steps
    assert app.stats.steps - start == 6
    post(pygame.KEYDOWN, pygame.K_PLUS)
    tick(app, clock, 0.0)
    assert app.ui.game_rate == 8
    before = app.stats.steps
    tick(app, clock, 2.0, frames=40)
    assert 15 <= app.stats.steps - before <= 16  # 2 s at 8 steps/s (the phase: +-1)
    # A stall (the window dragged, a slow machine) does not rush the player afterwards.
    before = app.stats.steps
    tick(app, clock, 5.0, frames=1)
    assert app.stats.steps - before <= 3


def test_arrow_keys_move_the_predator_one_cell_per_world_step():
    app, clock = game("predator", rate=6, **{"world.predator.count": 1})
    app.ui.every_step = True  # P: a move on every step (the default is the built-in's pace)
    moves = []
    for k, (dx, dy) in ((pygame.K_RIGHT, (1, 0)), (pygame.K_UP, (0, -1)), (pygame.K_LEFT, (-1, 0))):
        post(pygame.KEYDOWN, k)  # held: one cell per step, screen y grows downward
        for _ in range(3):
            before = predator(app)
            tick(app, clock, 1 / 6)
            after = predator(app)
            if not app.sim.in_episode or step_no(app) == 0:
                break
            moves.append((after[0] - before[0], after[1] - before[1]))
            assert max(abs(after[0] - before[0]), abs(after[1] - before[1])) <= 1
            assert after == before or (after[0] - before[0], after[1] - before[1]) == (dx, dy)
        post(pygame.KEYUP, k)
    assert sum(m != (0, 0) for m in moves) >= 4, moves  # walls may block a few, not most
    # No key: the predator stays where it is.
    tick(app, clock, 0.0)
    still = predator(app)
    tick(app, clock, 1 / 6)
    if app.sim.in_episode:
        assert predator(app) == still
    # Two keys held: a diagonal step.
    post(pygame.KEYDOWN, pygame.K_DOWN)
    post(pygame.KEYDOWN, pygame.K_RIGHT)
    assert app.frame(pygame.event.get()) and app.predator_move() == 7  # south-east


def test_the_mouse_turns_with_left_up_right():
    app, clock = game("mouse", rate=6, **{"world.predator.count": 0, "brain.learn": False})
    for key, turn in ((pygame.K_LEFT, 1), (pygame.K_UP, 0), (pygame.K_RIGHT, -1)):
        h0 = int(app.sim.world.mouse[2])
        post(pygame.KEYDOWN, key)
        post(pygame.KEYUP, key)  # a quick tap between two steps still counts
        tick(app, clock, 1 / 6)
        assert int(app.sim.world.mouse[2]) == (h0 + turn) % 8, key
        assert app.stats.last_action == {1: 0, 0: 1, -1: 2}[turn]
    # No key: straight on, whatever the brain would have chosen.
    for _ in range(5):
        h0 = int(app.sim.world.mouse[2])
        tick(app, clock, 1 / 6)
        assert int(app.sim.world.mouse[2]) == h0


def test_stats_put_the_persons_figures_beside_the_computers():
    # Two-step episodes, the predator kept away: every episode runs out, none is caught.
    app, clock = game(
        "predator", rate=10, **{"world.max_steps": 2, "world.predator.min_start_dist": 6}
    )
    for _ in range(12):  # the end of each stays on screen a moment
        tick(app, clock, 0.5)
    assert app.stats.players["person"][0] >= 3
    assert "time is up" in app.ui.message
    post(pygame.KEYDOWN, pygame.K_c)  # hand the predator to the computer
    tick(app, clock, 0.0)
    assert not app.ui.person
    mine = app.stats.players["person"][0]
    for _ in range(8):
        tick(app, clock, 0.5)
    texts = stats_texts(app)
    assert {"you", "computer"} <= set(texts)
    row = texts.index("caught rate")
    assert texts[row + 1 : row + 3] == ["0.00", "0.00"]
    eps = texts.index("episodes")
    assert texts[eps + 1] == str(mine) and int(texts[eps + 2]) >= 2


def test_help_and_hints_list_the_game_keys():
    for control, words in (("predator", "move the predator"), ("mouse", "turn left")):
        helps = " ".join(b.help for b in bindings(control))
        assert words in helps and "C" in [b.label for b in bindings(control)]
        app, _ = game(control)
        app.ui.show_help, app.ui.help_page = True, 2
        shown = " ".join(t for tag, t, _ in logged_frame(app) if tag in ("help", "message"))
        assert words in shown


def test_cli_play_control_runs_and_bad_game_options_are_one_line_errors(tmp_path):
    env = {**os.environ, "SDL_VIDEODRIVER": "dummy"}
    shot = tmp_path / "game.png"
    r = cli("play", "--control", "predator", "--frames", "3", "--screenshot", shot, env=env)
    assert r.returncode == 0, r.stderr
    assert shot.stat().st_size > 0
    for args, needle in (
        (["--control", "predator", "--set", "world.predator.count=0"], "world.predator.count"),
        (["--control", "mouse", "--rate", "99"], "--rate"),
        (["--rate", "5"], "--control"),
        (["--control", "cat"], "--control"),
    ):
        r = cli("play", *args, "--frames", "1", env=env, cwd=tmp_path)
        assert r.returncode == 2, (args, r.stderr)
        assert len(r.stderr.strip().splitlines()) == 1 and needle in r.stderr, r.stderr


def test_the_persons_predator_moves_at_the_built_in_predators_pace_unless_p():
    """By default the person's predator moves on every second world step, as often as the
    built-in predator (world.predator.move_prob 0.5); after P, on every step. An arrow held
    on an open floor: 12 world steps give 6 moves, then 12 moves."""
    layout = "\n".join(["#" * 40, "#M" + "." * 37 + "#", "#" + "." * 38 + "#",
                          "#P" + "." * 36 + "C#", "#" * 40])  # fmt: skip
    for every_step, want in ((False, 6), (True, 12)):
        app, clock = game("predator", rate=6, **{"world.layout": layout, "brain.learn": False})
        if every_step:
            post(pygame.KEYDOWN, pygame.K_p)
            tick(app, clock, 0.0)
        assert app.ui.every_step == every_step
        post(pygame.KEYDOWN, pygame.K_RIGHT)
        start, moves = app.stats.steps, 0
        while app.stats.steps - start < 12 and app.sim.in_episode:
            before = predator(app)
            tick(app, clock, 1 / 6)
            moves += predator(app) != before
        assert app.stats.steps - start == 12, "the episode ended early"
        assert moves == want, (every_step, moves)
        post(pygame.KEYUP, pygame.K_RIGHT)


def test_game_hints_and_header_follow_the_state():
    """While the computer plays, the hint bar offers to take the role back (not 'C computer
    plays'); during the pause after a catch, the header shows the episode that ended."""
    app, clock = game("predator", rate=6)
    hint = [t for tag, t, _ in logged_frame_redrawn(app) if tag == "message"]
    assert any("C computer plays" in t for t in hint)
    post(pygame.KEYDOWN, pygame.K_c)
    tick(app, clock, 0.0)
    hint = [t for tag, t, _ in logged_frame_redrawn(app) if tag == "message"]
    assert any("take it back" in t for t in hint) and not any("C computer plays" in t for t in hint)
    for _ in range(3000):  # the computer's predator plays until an episode ends
        tick(app, clock, 1 / 6)
        if not app.sim.in_episode:
            break
    assert not app.sim.in_episode
    ended = app.sim.episode
    header = stats_texts(app)[0]
    assert header.startswith(f"episode {ended} "), (header, ended)


def logged_frame_redrawn(app: App) -> list:
    return logged_frame(app, redraw=True)
