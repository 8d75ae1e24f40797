"""Issue 13: the window lays out at any size from its minimum up, nothing cut or overlapping.

Each size is drawn once under SDL's dummy driver with the text cache logging every piece of
text it blits (with the panel being drawn); the checks are what a user would see: no two
texts overlap, none leaves its panel or the window, none is cut ("…"), the panels do not
overlap, the focus slider is on screen, and the world gets a fair share of the window.
"""

from __future__ import annotations

import os

os.environ.setdefault("SDL_VIDEODRIVER", "dummy")  # before pygame is imported
os.environ.setdefault("PYGAME_HIDE_SUPPORT_PROMPT", "1")

import itertools

import pytest

pygame = pytest.importorskip("pygame")

from mousesim.render.app import App  # noqa: E402
from mousesim.render.layout import MIN_SIZE  # noqa: E402
from mousesim.sim.simulation import Simulation  # noqa: E402

from .conftest import logged_frame, make_config  # noqa: E402

SIZES = [
    (640, 400), (760, 460), (1024, 640), (1400, 500), (760, 900), (800, 1150), (1920, 1080),
    (900, 560),
]  # fmt: skip
THREE = {
    "brain.experts": [
        {"name": "cheese", "target": "cheese"},
        {"name": "predator", "target": "predator"},
        {"name": "cheese2", "target": "cheese", "rank": 1},
    ]
}


@pytest.fixture(autouse=True)
def _display():
    pygame.display.init()
    yield
    pygame.display.quit()


@pytest.fixture(scope="module")
def sims():
    return {2: Simulation(make_config()), 3: Simulation(make_config(**THREE))}


def drawn_texts(app: App) -> list[tuple[str, str, pygame.Rect]]:
    """One frame, redrawn from scratch, with every text blit logged."""
    return logged_frame(app, redraw=True)


def check_window(app: App) -> None:
    w, h = app.canvas.get_size()  # what is drawn (magnified to the window when it is large)
    screen = pygame.Rect(0, 0, w, h)
    lay = app.layout
    panels = lay.panels()
    for a, b in itertools.combinations(panels, 2):
        assert not panels[a].colliderect(panels[b]), (w, h, a, b, panels[a], panels[b])
    for name, r in panels.items():
        assert screen.contains(r), (w, h, name, r)
    # The slider is always there, on screen, with room to drag.
    assert screen.contains(lay.slider) and lay.slider.contains(lay.slider_track)
    assert lay.slider_track.w >= 100
    # The world gets a fair share: at least 60% of the shorter free side.
    free = min(w - 20, h - 40 - 66)
    assert lay.world.w >= 0.6 * free, (w, h, lay.world)

    if lay.shown(lay.motor):  # the bars stay readable: at least 40 px for a probability of 1
        assert lay.body(lay.motor).h - 40 >= 40, (w, h, lay.motor)
    texts = drawn_texts(app)
    assert len(texts) > 20
    for tag, text, r in texts:
        assert "…" not in text, (w, h, tag, text)
        assert screen.contains(r), (w, h, tag, text, r)
        assert tag in panels, (tag, text)
        assert panels[tag].contains(r), (w, h, tag, text, r, panels[tag])
    for (t1, s1, r1), (t2, s2, r2) in itertools.combinations(texts, 2):
        assert not r1.colliderect(r2), (w, h, (t1, s1, r1), (t2, s2, r2))


@pytest.mark.parametrize("n_experts", [2, 3])
@pytest.mark.parametrize("size", SIZES, ids=lambda s: f"{s[0]}x{s[1]}")
def test_every_size_lays_out_without_overlap_or_cut_text(sims, size, n_experts):
    app = App(sims[n_experts], size=size)
    app.ui.steps_per_frame = 20
    for _ in range(3):
        app.frame()
    assert app.screen.get_size() == size
    check_window(app)


@pytest.mark.parametrize("size", [(640, 400), (1400, 500), (760, 900)], ids=str)
def test_game_mode_panels_fit_too(sims, size):
    app = App(sims[2], size=size, control="predator")
    for _ in range(2):
        app.frame()
    check_window(app)


def test_a_resize_below_the_minimum_is_held_at_the_minimum(sims):
    app = App(sims[2], size=(1024, 640))
    app.frame([pygame.event.Event(pygame.VIDEORESIZE, size=(500, 300), w=500, h=300)])
    assert app.screen.get_size() == MIN_SIZE
    check_window(app)


@pytest.mark.parametrize("control", [None, "mouse", "predator"])
def test_every_help_page_fits_the_smallest_window(sims, control):
    """The help explains the panels (page 1), the stats words (page 2) and the keys (page 3);
    at 640 x 400 every line of each page is on screen, none overlaps another, none is cut."""
    app = App(sims[2], size=MIN_SIZE, control=control)
    app.ui.show_help = True
    shown = []
    for page in range(3):
        app.ui.help_page = page
        helps = [(t, r) for tag, t, r in drawn_texts(app) if tag == "help"]
        screen = app.screen.get_rect()
        for t, r in helps:
            assert screen.contains(r), (page, t, r)
            assert "…" not in t
        for (t1, r1), (t2, r2) in itertools.combinations(helps, 2):
            assert not r1.colliderect(r2), (page, t1, t2)
        shown.append(" ".join(t for t, _ in helps))
    assert "the ring remembers" in shown[0] and "Warm" in shown[0]
    assert "decisive" in shown[1] and "wall" in shown[1]
    assert ("turn left" if control == "mouse" else "pause") in shown[2]
    # The last row of each page is drawn (nothing fell off the bottom of the box).
    assert "gate decides." in shown[0] and "steps per frame." in shown[1] and "quit" in shown[2]


def test_a_projector_sized_window_draws_larger_text(sims):
    """At 1920 x 1080 the picture is drawn at 1.42x (text about 17 px, not 12); the slider
    still answers the mouse where it is drawn on the window."""
    app = App(sims[2], size=(1920, 1080))
    app.frame()
    assert app.scale == pytest.approx(1080 / 760)
    assert app.canvas.get_size() == (1351, 760)
    t = app.layout.slider_track
    at = (round((t.x + 0.75 * t.w) * app.scale), round(t.centery * app.scale))
    app.frame([pygame.event.Event(pygame.MOUSEBUTTONDOWN, button=1, pos=at)])
    assert app.sim.focus == pytest.approx(0.75, abs=0.01)
