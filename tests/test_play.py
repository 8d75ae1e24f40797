"""The interactive window (`mousesim play`) as a user meets it, under SDL's dummy video driver.

The window is driven in-process through `App.frame(events)` with synthetic pygame
events (no real event queue), and once through the real CLI in a subprocess.
"""

from __future__ import annotations

import os
import sys

os.environ.setdefault("SDL_VIDEODRIVER", "dummy")  # before pygame is imported
os.environ.setdefault("PYGAME_HIDE_SUPPORT_PROMPT", "1")

import numpy as np
import pytest

pygame = pytest.importorskip("pygame")

from mousesim.brain.kernels import X_BETA, X_STARTLE  # noqa: E402
from mousesim.io.results import load_brain  # noqa: E402
from mousesim.render import palette as pal  # noqa: E402
from mousesim.render.app import App  # noqa: E402
from mousesim.render.controls import BINDINGS, STEP_LADDER  # noqa: E402
from mousesim.render.draw import draw_world, ring_geometry, ring_points  # noqa: E402
from mousesim.render.layout import ring_area  # noqa: E402
from mousesim.sim.simulation import Simulation  # noqa: E402
from mousesim.world.kernels import C_EATEN, C_STEP  # noqa: E402

from .conftest import cli, make_config, stats_texts, step_until_the_predator_looms  # noqa: E402

SIZE = (1280, 760)
NO_CATCH = {"world.predator.count": 0}  # episodes that cannot end early


def make_app(tmp_path=None, **overrides) -> App:
    sim = Simulation(make_config(**overrides))
    return App(sim, size=SIZE, save_dir=tmp_path or ".")


def key(k: int) -> pygame.event.Event:
    return pygame.event.Event(pygame.KEYDOWN, key=k, mod=0, unicode="", scancode=0)


def press(app: App, *keys: int) -> None:
    """One frame with these key presses (the frame also steps, unless paused)."""
    app.frame([key(k) for k in keys])


def steps_in_episode(app: App) -> int:
    return int(app.sim.world.counters[C_STEP])


def cheese_eaten(app: App) -> int:
    """Cheese over the whole session: finished episodes plus the running one."""
    return sum(app.stats.cheese_history) + (
        int(app.sim.world.counters[C_EATEN]) if app.sim.in_episode else 0
    )


@pytest.fixture(autouse=True)
def _display():
    pygame.display.init()
    yield
    pygame.display.quit()


# -- the picture ----------------------------------------------------------------------------
def test_screenshot_shows_world_and_rings_where_the_layout_puts_them(tmp_path):
    app = make_app()
    app.ui.steps_per_frame = 20
    shot = tmp_path / "shot.png"
    assert app.run(frames=15, screenshot=shot) == 15
    img = pygame.image.load(str(shot))
    assert img.get_size() == SIZE
    px = pygame.surfarray.array3d(img)  # [x, y, rgb]
    assert len(np.unique(px.reshape(-1, 3), axis=0)) > 50, "a real picture, not a blank"

    # The mouse is drawn on its cell of the board inside the world panel.
    layout = app.layout
    w = app.sim.world
    h_cells, w_cells = w.grid.shape
    board = layout.world.inflate(-12, -12)
    cell = min(board.w // w_cells, board.h // h_cells)
    x0 = board.x + (board.w - cell * w_cells) // 2
    y0 = board.y + (board.h - cell * h_cells) // 2
    mx, my = int(w.mouse[0]), int(w.mouse[1])
    centre = (x0 + int((mx + 0.5) * cell), y0 + int((my + 0.5) * cell))
    assert tuple(px[centre]) == pal.MOUSE
    # The border's wall cells are wall-coloured (the faint sense circle or the trail may cross
    # a few of them, so most, not all).
    border = [(x0 + (i + 0.5) * cell, y0 + cell // 2) for i in range(w_cells)]
    border += [(x0 + cell // 2, y0 + (j + 0.5) * cell) for j in range(h_cells)]
    walls = sum(tuple(px[int(x), int(y)]) == pal.WALL for x, y in border)
    assert walls >= 0.8 * len(border), (walls, len(border))

    # Each expert's ring: every neuron is a dot on the ring's circle, coloured by its rate.
    for e, rect in enumerate(layout.rings):
        pts = ring_points(app.sim.brain.ring.rates.shape[1], *ring_geometry(ring_area(rect)))
        colours = {tuple(px[int(x), int(y)]) for x, y in pts}
        assert pal.PANEL not in colours, f"ring {e} has a neuron missing"
        assert len(colours) > 3, f"ring {e} shows no activity pattern"
        # ... and the panel's centre-to-edge background is the panel colour.
        assert tuple(px[rect.x + 4, rect.bottom - 4]) == pal.PANEL


def test_draw_world_from_plain_arrays_needs_no_simulation():
    grid = np.zeros((6, 8), dtype=np.int8)
    grid[0, :] = grid[-1, :] = 1
    grid[:, 0] = grid[:, -1] = 1
    surface = pygame.Surface((200, 200))
    surface.fill((1, 2, 3))
    rect = pygame.Rect(20, 20, 160, 120)
    board = draw_world(
        surface, rect, grid, (2, 3, 0), [[5, 2]], [[6, 4, 4]], [(1, 3), (2, 3)], 3.0, cache={}
    )
    assert rect.contains(board) and board.w == 8 * (board.h // 6)
    cell = board.w // 8
    px = pygame.surfarray.array3d(surface)
    assert tuple(px[board.x + int(2.5 * cell), board.y + int(3.5 * cell)]) == pal.MOUSE
    assert tuple(px[board.x + cell // 2, board.y + cell - 1]) == pal.WALL
    # Nothing is drawn outside the given rect.
    outside = np.ones(px.shape[:2], dtype=bool)
    outside[rect.x - 1 : rect.right + 1, rect.y - 1 : rect.bottom + 1] = False
    assert (px[outside] == (1, 2, 3)).all()


# -- the focus slider -------------------------------------------------------------------------
def test_dragging_the_slider_sets_the_gate_the_simulation_uses():
    app = make_app(**{"mixture.gate": "fixed"})  # the slider alone sets a fixed gate
    t = app.layout.slider_track
    y = t.centery

    def at(f):
        return (t.x + round(f * t.w), y)

    app.frame([pygame.event.Event(pygame.MOUSEBUTTONDOWN, pos=at(0.2), button=1)])
    assert app.sim.focus == pytest.approx(0.2, abs=0.01)
    np.testing.assert_allclose(app.sim.brain.gate.share, [app.sim.focus, 1 - app.sim.focus])
    app.frame([pygame.event.Event(pygame.MOUSEMOTION, pos=at(0.9), rel=(1, 0), buttons=(1, 0, 0))])
    assert app.sim.focus == pytest.approx(0.9, abs=0.01)
    app.frame([pygame.event.Event(pygame.MOUSEBUTTONUP, pos=at(0.9), button=1)])
    np.testing.assert_allclose(app.sim.brain.gate.share, [app.sim.focus, 1 - app.sim.focus])
    # Moving the mouse after release, or clicking away from the slider, changes nothing.
    app.frame([pygame.event.Event(pygame.MOUSEMOTION, pos=at(0.1), rel=(1, 0), buttons=(0, 0, 0))])
    app.frame([pygame.event.Event(pygame.MOUSEBUTTONDOWN, pos=(t.x, t.y - 200), button=1)])
    assert app.sim.focus == pytest.approx(0.9, abs=0.01)


def test_left_and_right_keys_move_focus_by_005_and_clamp():
    app = make_app()
    assert app.sim.focus == 0.5
    press(app, pygame.K_LEFT, pygame.K_LEFT)
    assert app.sim.focus == pytest.approx(0.4)
    np.testing.assert_allclose(app.sim.brain.gate.share, [0.4, 0.6])
    press(app, *[pygame.K_RIGHT] * 30)
    assert app.sim.focus == 1.0
    np.testing.assert_allclose(app.sim.brain.gate.share, [1.0, 0.0])


def test_behaviour_follows_the_slider():
    """Hand-wired brain, learning off, same seed: all-cheese focus eats more than all-predator."""
    eaten, caught_rate = {}, {}
    for label, k in (("cheese", pygame.K_RIGHT), ("predator", pygame.K_LEFT)):
        app = make_app(**{"brain.init": "hand_wired", "brain.learn": False, "run.seed": 3})
        press(app, *[k] * 10)  # focus 1.0 or 0.0, from the next step on
        app.ui.steps_per_frame = 500
        for _ in range(8):
            app.frame()
        eaten[label] = cheese_eaten(app)
        caught_rate[label] = app.stats.caught / app.stats.episodes
    assert eaten["cheese"] > 2 * eaten["predator"] + 5, eaten
    # ... and minding the predator, it is caught less often.
    assert caught_rate["predator"] < caught_rate["cheese"] - 0.3, caught_rate


# -- keys ----------------------------------------------------------------------------------------
def test_pause_stops_the_clock_and_n_steps_exactly_one():
    app = make_app(**NO_CATCH)
    app.ui.steps_per_frame = 5
    app.frame()
    assert steps_in_episode(app) == 5
    press(app, pygame.K_SPACE)
    assert app.ui.paused
    before = app.stats.steps
    for _ in range(10):
        app.frame()
    assert app.stats.steps == before and steps_in_episode(app) == 5
    press(app, pygame.K_n)
    assert app.stats.steps == before + 1 and steps_in_episode(app) == 6
    app.frame()
    assert steps_in_episode(app) == 6
    press(app, pygame.K_SPACE)
    assert not app.ui.paused and steps_in_episode(app) == 11


def test_plus_and_minus_walk_the_steps_per_frame_ladder():
    app = make_app()
    press(app, pygame.K_PLUS)
    assert app.ui.steps_per_frame == 2
    before = app.stats.steps
    app.frame()
    assert app.stats.steps == before + 2
    press(app, *[pygame.K_EQUALS] * 20)
    assert app.ui.steps_per_frame == 1000 == STEP_LADDER[-1]
    app.ui.paused = True  # don't run 1000-step frames here
    press(app, *[pygame.K_MINUS] * 20)
    assert app.ui.steps_per_frame == 1


def test_turbo_frames_are_the_same_simulation_as_single_steps():
    """1000 steps a frame (whole episodes in one call) end where 3000 single steps end."""
    app = make_app()
    app.ui.steps_per_frame = 1000
    for _ in range(3):
        app.frame()
    ref = Simulation(app.sim.cfg)
    cheese = []
    for _ in range(3000):
        ref.step()
        if not ref.in_episode:
            cheese.append(ref.episode_row()["cheese"])
    assert app.stats.steps == 3000 and app.sim.episode == ref.episode > 3
    assert list(app.stats.cheese_history) == cheese
    np.testing.assert_array_equal(app.sim.world.mouse, ref.world.mouse)
    np.testing.assert_array_equal(app.sim.brain.readout.weights, ref.brain.readout.weights)


def test_l_stops_weight_changes():
    app = make_app()
    app.ui.steps_per_frame = 100
    start = app.sim.brain.readout.weights.copy()
    for _ in range(3):
        app.frame()
    assert not np.array_equal(app.sim.brain.readout.weights, start), (
        "learning on changes the readout"
    )
    press(app, pygame.K_l)
    assert not app.sim.learning
    frozen = app.sim.brain.readout.weights.copy()
    steps = app.stats.steps
    for _ in range(5):
        app.frame()
    assert app.stats.steps > steps + 400
    np.testing.assert_array_equal(app.sim.brain.readout.weights, frozen)
    press(app, pygame.K_l)
    assert app.sim.learning


def test_s_saves_a_brain_that_loads(tmp_path):
    app = make_app(tmp_path)
    app.ui.steps_per_frame = 50
    app.frame()
    app.ui.paused = True  # the saved brain is the one still in the simulation
    press(app, pygame.K_s)
    (first,) = tmp_path.glob("brain-*.npz")
    assert str(first) in app.ui.message  # the path is shown on screen
    data = load_brain(first, app.sim.cfg)
    np.testing.assert_array_equal(data["readout"], app.sim.brain.readout.weights)
    press(app, pygame.K_s)
    assert len(list(tmp_path.glob("brain-*.npz"))) == 2, "two saves keep two files"
    assert not list(tmp_path.glob(".*tmp*")), "no temp file left behind"


def test_r_starts_a_new_episode_under_a_new_number():
    app = make_app(**NO_CATCH)
    app.ui.steps_per_frame = 30
    app.frame()
    assert steps_in_episode(app) == 30
    app.ui.paused = True
    texts = stats_texts(app)
    assert texts[texts.index("episode") + 1] == "1"
    press(app, pygame.K_r)
    assert app.sim.in_episode and steps_in_episode(app) == 0 and len(app.stats.trail) == 1
    # The abandoned episode counts as a finished one (not caught); the new one is episode 2.
    assert app.sim.episode == 1 and app.stats.episodes == 1 and app.stats.abandoned == 1
    assert app.stats.caught == 0
    assert "episode 1 abandoned after 30 steps; episode 2 starts" in app.ui.message
    texts = stats_texts(app)
    assert texts[texts.index("episode") + 1] == "2"
    assert texts[texts.index("caught") + 1] == "0 of 1"
    press(app, pygame.K_n)
    assert steps_in_episode(app) == 1
    press(app, pygame.K_r)
    assert "episode 2 abandoned after 1 step;" in app.ui.message  # one step, not "1 steps"
    assert app.sim.episode == 2


def test_help_lists_every_key_and_quit_keys_end_the_loop():
    app = make_app()
    press(app, pygame.K_h)
    assert app.ui.show_help
    app.frame()  # draws the overlay
    labels = " ".join(b.label for b in BINDINGS)
    for word in ("Space", "N", "+", "-", "Left", "Right", "R", "L", "S", "H", "Esc", "Q"):
        assert word in labels
    assert app.ui.help_page == 0  # what each panel shows, then the stats words, then the keys
    press(app, pygame.K_h)
    press(app, pygame.K_h)
    assert app.ui.show_help and app.ui.help_page == 2
    press(app, pygame.K_h)
    assert not app.ui.show_help
    for k in (pygame.K_ESCAPE, pygame.K_q):
        app.ui.quit = False
        assert app.frame([key(k)]) is False
    app.ui.quit = False
    assert app.frame([pygame.event.Event(pygame.QUIT)]) is False


def test_the_layout_follows_a_resize():
    app = make_app()
    app.frame([pygame.event.Event(pygame.VIDEORESIZE, size=(960, 620), w=960, h=620)])
    assert app.screen.get_size() == (960, 620)
    lay = app.layout
    screen = app.screen.get_rect()
    for r in (lay.world, *lay.rings, lay.motor, lay.gate, lay.readouts, lay.stats, lay.slider):
        assert screen.contains(r), r
    assert not lay.world.colliderect(lay.rings[0])


# -- the command line -------------------------------------------------------------------------
def test_cli_play_writes_a_screenshot(tmp_path):
    env = {**os.environ, "SDL_VIDEODRIVER": "dummy"}
    shot = tmp_path / "x.png"
    r = cli("play", "--frames", "5", "--screenshot", shot, cwd=tmp_path, env=env)
    assert r.returncode == 0, r.stderr
    assert pygame.image.load(str(shot)).get_size() == SIZE
    assert r.stdout == ""


@pytest.mark.parametrize(
    "env_change",
    [
        pytest.param({"SDL_VIDEODRIVER": "no-such-driver"}, id="bad-driver"),
        pytest.param(
            {"SDL_VIDEODRIVER": None, "DISPLAY": None},
            id="no-display",
            marks=pytest.mark.skipif(not sys.platform.startswith("linux"), reason="X11/Wayland"),
        ),
    ],
)
def test_cli_play_without_a_display_exits_2_with_a_hint(tmp_path, env_change):
    env = dict(os.environ)
    env.pop("WAYLAND_DISPLAY", None)
    for k, v in env_change.items():
        if v is None:
            env.pop(k, None)
        else:
            env[k] = v
    r = cli("play", "--frames", "2", "--screenshot", tmp_path / "x.png", cwd=tmp_path, env=env)
    assert r.returncode == 2
    lines = r.stderr.strip().splitlines()
    assert len(lines) == 1 and "mousesim run" in lines[0] and "SDL_VIDEODRIVER" in lines[0]
    assert not (tmp_path / "x.png").exists()


def test_stats_panel_shows_the_fear_that_holds_beta_up():
    """Threat arousal (on by default) is drawn: with the predator within the loom radius the
    stats panel says 'fear 100% (beta held up)' and beta is at its ceiling; with arousal off
    there is no fear line."""
    app = make_app()
    step_until_the_predator_looms(app.sim)
    app.ui.paused = True
    texts = stats_texts(app)
    assert texts[texts.index("fear") + 1].startswith("100%"), texts
    explore = app.sim.brain.explore.values
    assert explore[X_BETA] == app.sim.bparams.explore.beta or explore[X_STARTLE] > 0
    calm = make_app(**{"brain.explore.threat_arousal": False})
    step_until_the_predator_looms(calm.sim)
    calm.ui.paused = True
    assert "fear" not in stats_texts(calm)
