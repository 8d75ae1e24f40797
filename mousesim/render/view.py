"""A whole frame of the window, drawn from a running `Simulation` (read-only) and the UI state."""

from __future__ import annotations

import math
import time
from pathlib import Path

import numpy as np
import pygame

from mousesim.common.words import plural
from mousesim.render import palette as pal
from mousesim.render.brain_arrays import brain_arrays
from mousesim.render.controls import MOUSE_HELP, UiState, bindings
from mousesim.render.draw import (
    BUMP_MIN,
    TextCache,
    draw_colorbar,
    draw_heatmap,
    draw_motor,
    draw_ring,
    draw_sparkline,
    draw_world,
    egocentric_order,
)
from mousesim.render.layout import (
    PANEL_TITLE_H,
    RING_LINE_H,
    STAT_LINE_H,
    STAT_ROWS,
    Layout,
    ring_area,
)
from mousesim.render.session import SessionStats
from mousesim.sim.simulation import Simulation
from mousesim.world.kernels import C_CAUGHT, C_EATEN, C_STEP

SPARK_EPISODES = 100
LEGEND_W = 140  # the readout panel's colour legend, in its title strip
HINTS = (  # the longest that fits the message panel is shown
    "H help   Space pause   N step   +/- speed   R new episode   L learning   S save   Q quit",
    "H help   Space pause   N step   +/- speed   R new episode   L learning   S save",
    "H help   Space pause   N step   +/- speed",
    "H: help",
)
GAME_HINTS = {  # (who plays the person's role) -> hints, longest first
    ("predator", True): (
        "arrows move the predator   P pace   C computer plays   +/- speed   R new episode   H help",
        "arrows move the predator   C computer plays   +/- speed   H help",
        "arrows move the predator   H help",
        "arrows: predator   H: help",
    ),
    ("predator", False): (
        "the computer plays the predator   C take it back   +/- speed   R new episode   H help",
        "the computer plays the predator   C take it back   H help",
        "C: take the predator back   H: help",
    ),
    ("mouse", True): (
        "Left/Up/Right steer the mouse   C brain plays   +/- speed   R new episode   H help",
        "Left/Up/Right steer the mouse   +/- speed   H help",
        "arrows: mouse   H: help",
    ),
    ("mouse", False): (
        "the brain plays the mouse   C take it back   +/- speed   R new episode   H help",
        "the brain plays the mouse   C take it back   H help",
        "C: take the mouse back   H: help",
    ),
}
LEGENDS = (
    "rings: arrow = decoded bump; dot = the target's sensed bearing",
    "arrow = decoded bump; dot = sensed target",
    "arrow = bump; dot = target",
)


# The help overlay's pages (H turns them). Plain words: what a student sees and what it means.
PANELS_HELP = (
    (
        "world",
        "The mouse (white; its nose shows where it faces), the cheese (yellow), the "
        "predator (red). The faint circle is how far the mouse senses. A dashed line in an "
        "expert's colour: where its ring remembers a target the mouse no longer senses.",
    ),
    (
        "rings",
        "One ring of 64 neurons per expert, seen from the mouse (ahead at the top). "
        "The white arrow is where the bump of active neurons points, the dot where the target "
        "is. Out of range the dot goes and the bump stays: the ring remembers.",
    ),
    (
        "motor neurons",
        "The chance of turning left, going straight, turning right; the chosen one is outlined.",
    ),
    (
        "gate",
        "The odds that each expert drives the next step (one is drawn each step; the panel "
        "names the last), and its mean reward lately.",
    ),
    (
        "readout weights",
        "What each expert learned: rows left / straight / right over its "
        "neurons, each minus the mean of the three. Warm: that move wins for a target at that "
        "bearing; blue: it loses. Untrained: speckle. Trained: the cheese rows turn toward "
        "(left row warm on the left), the predator rows away. An expert that shares another's "
        "readout (its readout key) shows the same rows; where there is room its label names "
        "the other.",
    ),
    ("sparkline", "Cheese eaten in each of the last 100 episodes."),
    (
        "focus slider",
        "0: only the predator expert acts; 1: only the cheese expert; 0.5: the "
        "learned gate decides.",
    ),
)
STATS_HELP = (
    ("episode, step", "The episode shown, and its step out of the most an episode lasts."),
    ("caught", "Episodes the predator ended, of all episodes finished in this window."),
    ("cheese", "Cheese eaten this episode."),
    ("learning", "Whether the weights change (L switches it)."),
    (
        "explore",
        "How decisive the mouse is: beta, the sharpness of its choice, and its share "
        "of the most. Low when nothing goes well, so the mouse tries new things.",
    ),
    ("startle", "BLOCKED: the last step hit a wall, so the next two choices are much less sure."),
    (
        "whiskers",
        "Which moves (L left, S straight, R right) would hit a wall within 3 steps; "
        "a dot where free. A reflex keeps the mouse off walls.",
    ),
    ("fear", "Threat arousal: with the predator near, the mouse stays decisive while it flees."),
    ("escape", "REFLEX: an innate escape takes the step (brain.escape_radius)."),
    ("looming", "The targets within 6 cells: what the learned gate reacts to."),
    ("look-ahead", "The predator expert's learned trust in its look-ahead; * while in use."),
    ("sim speed", "World steps a second; + / - set the steps per frame."),
)


def help_page(page: int, control: str | None) -> tuple[str, list[tuple[str, str]]]:
    """The help overlay's page `page`: (title, [(name, explanation)])."""
    if page == 0:
        return "what you see", list(PANELS_HELP)
    if page == 1:
        return "the stats panel's words", list(STATS_HELP)
    return "keys", [(b.label, b.help) for b in bindings(control)] + [MOUSE_HELP]


HELP_PAGES = 3


def _deg(a: float) -> str:
    """An egocentric angle in words: '30° left', '45° right', 'ahead'."""
    d = math.degrees(a)
    if abs(d) < 0.5:
        return "ahead"
    return f"{abs(d):.0f}° {'left' if d > 0 else 'right'}"


def _mechanism_items(sim: Simulation) -> list[tuple[str, tuple[str, ...]]]:
    """What the brain's reflexes and drives are doing now: the exploration gauge (beta_eff of
    its ceiling), a startle after a blocked step, the walls the whiskers feel (L S R), the threat
    arousal (brain.explore.threat_arousal: a looming predator holds beta up), which targets
    loom (within the learned gate's loom_radius), and the predator expert's learned trust in
    the look-ahead. Each value: wordings, longest first."""
    b, xp, gp = brain_arrays(sim), sim.bparams.explore, sim.bparams.gate
    beta, startle = b.beta, b.startle
    felt = "".join(c if w > 0 else "." for c, w in zip("LSR", b.whiskers, strict=True))
    pct = beta / xp.beta if xp.beta > 0 else 1.0
    items: list[tuple[str, tuple[str, ...]]] = [
        ("explore", (f"beta {beta:.1f} ({pct:.0%})", f"beta {beta:.1f}", f"{beta:.0f}")),
        ("startle", ("BLOCKED", "!") if startle > 0 else ("-",)),
        ("whiskers", (felt,)),
    ]
    if xp.threat_arousal:  # the arousal that holds beta at its ceiling while a threat looms
        fear = b.fear
        items.append(
            ("fear", (f"{fear:.0%} (beta held up)", f"{fear:.0%}") if fear > 0.05 else ("-",))
        )
    if xp.escape_radius > 0:  # the innate escape overrules the learned brain this near
        items.append(("escape", ("REFLEX", "!") if b.escape else ("-",)))
    p = sim.buffers.percept
    near = [n for k, n in enumerate(sim.expert_names) if p[k, 2] > 0 and p[k, 1] <= gp.loom_radius]
    items.append(("looming", (", ".join(near), f"{len(near)} near") if near else ("-",)))
    r = sim.brain.readout
    if xp.lookahead_radius > 0 and r.foresees.any():  # the learned trust in the look-ahead
        w = float(r.trust[int(np.argmax(r.foresees))])
        on = "*" if np.any(sim.brain.explore.ahead) else ""
        items.append(("look-ahead", (f"trust {w:.2f}{on}", f"{w:.2f}{on}")))
    return items


def shown_episode(sim: Simulation) -> int:
    """The number of the episode the world panel shows: the running one, or, between the end
    of an episode and the start of the next (a catch held on screen), the one that ended, so
    the number goes with the step and cheese shown beside it."""
    return sim.episode + 1 if sim.in_episode else max(1, sim.episode)


def relative_readout(readout: np.ndarray) -> np.ndarray:
    """[E, 3, N] readout weights minus, at each neuron, the mean of the expert's three rows:
    the part of the weights that makes one action win over the others."""
    w = np.asarray(readout, dtype=np.float64)
    return w - w.mean(axis=1, keepdims=True)


def ring_texts(
    target: str, bump_angle: float, amplitude: float, bearing: float, dist: float, visible: bool
) -> tuple[tuple[str, ...], tuple[str, ...], str]:
    """The two lines under a ring (each as wordings, longest first) and the second line's
    colour ("target", "dim" or "faint"). They say what the ring draws: a bump (the arrow)
    or none, and whether the target is sensed (the dot) or only remembered by the bump."""
    has_bump = amplitude > BUMP_MIN
    if has_bump:
        angle = _deg(bump_angle)
        bump = (f"bump points {angle}", f"bump {angle}", angle)
    else:
        bump = ("no bump: the ring is silent", "no bump", "silent")
    if visible:
        where = f"{_deg(bearing)}, {plural(round(dist), 'cell')}"
        return bump, (f"{target} sensed {where}", where, _deg(bearing)), "target"
    if dist < 1e8:
        if has_bump:
            return bump, (f"{target} out of range: the bump remembers", "remembered"), "dim"
        return bump, (f"{target} out of range, not remembered", "out of range"), "dim"
    return bump, (f"no {target} on the map", f"no {target}", "none"), "faint"


def _per_s(speed: float) -> tuple[str, str]:
    """The sim speed in words, and a shorter form for a narrow panel."""
    if speed < 10_000:
        return f"{speed:,.0f} steps/s", f"{speed:,.0f}/s"
    return f"{speed / 1000:,.1f}k steps/s", f"{speed / 1000:,.1f}k/s"


class View:
    """Draws every panel. Holds only drawing caches; reads the simulation, never writes it."""

    def __init__(self, sim: Simulation, title: str = "") -> None:
        self.title = title
        self.text = TextCache()
        self.cache: dict = {}
        self.colors = [pal.target_color(t) for t in sim.expert_targets]
        self.luts = [pal.rate_lut(c) for c in self.colors]
        self.div_lut = pal.diverging_lut()
        self.order = egocentric_order(brain_arrays(sim).rates.shape[1])
        self.r_max = float(sim.cfg.brain.ring.r_max)
        self._overlay: pygame.Surface | None = None

    # -- helpers -----------------------------------------------------------------------
    def _fit(
        self, text: str | tuple[str, ...], max_w: int, size: int, bold: bool = False
    ) -> tuple[str, int]:
        """(text, size) that fits `max_w` pixels. `text` may list shorter wordings, tried in
        order, each at `size` then at the small size; only a text that has no wording short
        enough (e.g. a long user-chosen name) is cut, with an ellipsis."""
        options = (text,) if isinstance(text, str) else text
        for t in options:
            for s in dict.fromkeys((size, min(size, pal.FONT_SMALL))):
                if self.text.render(t, s, pal.TEXT, bold).get_width() <= max_w:
                    return t, s
        text = options[-1]
        size = min(size, pal.FONT_SMALL)
        while len(text) > 1 and self.text.font(size).get_rect(text + "…").w > max_w:
            text = text[:-1]
        return text.rstrip() + "…", size

    def _width(self, text: str, size: int = pal.FONT_NORMAL, bold: bool = False) -> int:
        return self.text.render(text, size, pal.TEXT, bold).get_width()

    def _label(
        self,
        surface: pygame.Surface,
        text: str | tuple[str, ...],
        pos: tuple[int, int],
        max_w: int,
        size: int = pal.FONT_NORMAL,
        color: pal.Color = pal.TEXT,
        *,
        bold: bool = False,
        anchor: str = "topleft",
    ) -> pygame.Rect:
        text, size = self._fit(text, max_w, size, bold)
        return self.text.blit(surface, text, pos, size, color, bold=bold, anchor=anchor)

    def _panel(
        self,
        surface: pygame.Surface,
        rect: pygame.Rect,
        title: str | tuple[str, ...],
        color=pal.TEXT_DIM,
        room: int = 0,
    ) -> int:
        """A panel's frame and title (leaving `room` pixels at the right of the title
        strip); returns the x where the title ends."""
        pygame.draw.rect(surface, pal.PANEL, rect, border_radius=6)
        pygame.draw.rect(surface, pal.PANEL_EDGE, rect, width=1, border_radius=6)
        if not title:
            return rect.x + 10
        r = self._label(surface, title, (rect.x + 10, rect.y + 6), rect.w - 20 - room, color=color)
        return r.right

    def _badge(self, surface, right: int, y: int, label: str, fg, bg) -> int:
        s = self.text.render(label, pal.FONT_NORMAL, fg, bold=True)
        r = pygame.Rect(0, 0, s.get_width() + 18, s.get_height() + 8)
        r.topright = (right, y)
        pygame.draw.rect(surface, bg, r, border_radius=10)
        surface.blit(s, s.get_rect(center=r.center))
        return r.x - 8

    # -- what does not change between frames --------------------------------------------
    def static_layer(self, surface: pygame.Surface, layout: Layout, sim: Simulation, ui: UiState):
        """Background, panel frames, titles and fixed labels, drawn once per window size."""
        key = ("static", layout.size, surface.get_size(), ui.control, ui.person)
        layer = self.cache.get(key)
        if layer is not None:
            return layer
        for k in [k for k in self.cache if k and k[0] == "static"]:
            del self.cache[k]
        layer = pygame.Surface(surface.get_size())
        if pygame.display.get_surface() is not None:
            layer = layer.convert()
        layer.fill(pal.BG)
        pygame.draw.rect(layer, pal.PANEL, layout.world, border_radius=6)
        for e, rect in enumerate(layout.rings):
            self.text.tag = f"ring{e}"
            name = sim.expert_names[e]
            self._panel(layer, rect, (f"{name} ring", name), self.colors[e])
        if Layout.shown(layout.motor):
            self.text.tag = "motor"
            end = self._panel(layer, layout.motor, ("motor neurons", "motor"))
            note = "bar = probability"
            if layout.motor.right - 10 - self._width(note, pal.FONT_SMALL) > end + 12:
                self.text.blit(
                    layer,
                    note,
                    (layout.motor.right - 10, layout.motor.y + 7),
                    pal.FONT_SMALL,
                    pal.TEXT_FAINT,
                    anchor="topright",
                )
        if Layout.shown(layout.gate):
            self.text.tag = "gate"
            self._panel(layer, layout.gate, ("gate  ·  mean reward", "gate · reward", "gate"))
        if Layout.shown(layout.readouts):
            self.text.tag = "readouts"
            self._static_readouts(layer, layout.readouts, sim)
        if Layout.shown(layout.stats):
            self.text.tag = "stats"
            self._panel(layer, layout.stats, "stats")
        if Layout.shown(layout.spark):
            self.text.tag = "spark"
            self._panel(layer, layout.spark, ("cheese per episode", "cheese/episode", "cheese"))
        self.text.tag = "slider"
        self._panel(layer, layout.slider, "")
        t = layout.slider_track
        self.text.blit(
            layer,
            "predator",
            (t.x - 10, t.centery),
            pal.FONT_NORMAL,
            pal.PREDATOR,
            anchor="midright",
        )
        self.text.blit(
            layer,
            "cheese",
            (t.right + 10, t.centery),
            pal.FONT_NORMAL,
            pal.CHEESE,
            anchor="midleft",
        )
        # The track shades from predator (0) to cheese (1).
        steps = 24
        for i in range(steps):
            x0 = t.x + t.w * i // steps
            x1 = t.x + t.w * (i + 1) // steps
            col = pal.mix(pal.PREDATOR, pal.CHEESE, (i + 0.5) / steps)
            pygame.draw.rect(layer, pal.mix(pal.PANEL, col, 0.75), (x0, t.y, x1 - x0, t.h))
        m = layout.message
        self.text.tag = "message"
        self._panel(layer, m, "")
        hints = GAME_HINTS[ui.control, ui.person] if ui.control else HINTS
        for hint in hints:
            if self._width(hint, pal.FONT_SMALL) <= m.w - 24:
                break
        self.text.blit(
            layer, hint, (m.x + 12, m.bottom - 8), pal.FONT_SMALL, pal.TEXT_DIM, anchor="bottomleft"
        )
        self.cache[key] = layer
        return layer

    def _static_readouts(self, layer: pygame.Surface, rect: pygame.Rect, sim: Simulation) -> None:
        """The readout panel's title, the expert names and the angle ticks; the colour legend
        is drawn each frame (its scale follows the weights)."""
        titles = (
            "readout weights, each row minus the mean of the three  (rows: left / straight / right)",
            "readout weights minus their mean  (rows: left / straight / right)",
            "readouts minus their mean (rows L / S / R)",
            "readouts minus mean",
            "readouts",
        )
        self._panel(layer, rect, titles, room=LEGEND_W)
        rows, tick_y = self._readout_rows(rect, len(sim.expert_names))
        body = Layout.body(rect)
        owners = sim.brain.readout.owner
        for k, row in enumerate(rows):
            name, owner = sim.expert_names[k], sim.expert_names[owners[k]]
            self._label(
                layer,
                (f"{name} = {owner}", f"{name} (shared)", name) if owners[k] != k else name,
                (body.x, row.centery),
                row.x - body.x - 6,
                pal.FONT_NORMAL if row.h >= 20 else pal.FONT_SMALL,
                self.colors[k],
                anchor="midleft",
            )
        hm = rows[0]
        if hm.w >= 300:
            ticks = ((0, "behind"), (0.25, "left"), (0.5, "ahead"), (0.75, "right"), (1, "behind"))
        else:
            ticks = ((0.25, "left"), (0.5, "ahead"), (0.75, "right"))
        for frac, label in ticks:
            anchor = "topleft" if frac == 0 else ("topright" if frac == 1 else "midtop")
            x = int(hm.x + frac * hm.w)
            self.text.blit(layer, label, (x, tick_y), pal.FONT_SMALL, pal.TEXT_FAINT, anchor=anchor)

    # -- the frame -----------------------------------------------------------------------
    def draw(
        self,
        surface: pygame.Surface,
        layout: Layout,
        sim: Simulation,
        ui: UiState,
        stats: SessionStats,
    ) -> None:
        """Draw every shown panel of one frame."""
        surface.blit(self.static_layer(surface, layout, sim, ui), (0, 0))
        self.text.tag = "title"
        self.draw_title(surface, layout, sim, ui)
        self.text.tag = "world"
        self.draw_world_panel(surface, layout, sim, stats)
        for e, rect in enumerate(layout.rings):
            self.text.tag = f"ring{e}"
            self.draw_ring_panel(surface, rect, sim, e)
        if Layout.shown(layout.motor):
            self.text.tag = "motor"
            self.draw_motor_panel(surface, layout.motor, sim, stats)
        if Layout.shown(layout.gate):
            self.text.tag = "gate"
            self.draw_gate_panel(surface, layout.gate, sim, stats)
        if Layout.shown(layout.readouts):
            self.text.tag = "readouts"
            self.draw_readouts(surface, layout.readouts, sim)
        if Layout.shown(layout.stats):
            self.text.tag = "stats"
            self.draw_stats(surface, layout.stats, sim, ui, stats)
        if Layout.shown(layout.spark):
            self.text.tag = "spark"
            self.draw_spark(surface, layout.spark, stats)
        self.text.tag = "slider"
        self.draw_slider(surface, layout, sim, ui)
        self.text.tag = "message"
        self.draw_message(surface, layout.message, ui)
        if ui.show_help:
            self.text.tag = "help"
            self.draw_help(surface, ui)

    def draw_title(self, surface, layout: Layout, sim: Simulation, ui: UiState) -> None:
        r = layout.title
        y = r.centery - 13
        right = r.right
        if ui.control:
            pace = f"{ui.game_rate} steps/s"
        else:
            pace = f"{plural(ui.steps_per_frame, 'step')}/frame"
        right = self._badge(surface, right, y, pace, pal.TEXT, pal.PANEL_EDGE)
        if sim.learning:
            right = self._badge(surface, right, y, "learning on", pal.BG, pal.GOOD)
        else:
            right = self._badge(surface, right, y, "learning off", pal.TEXT, (110, 62, 62))
        if ui.paused:
            right = self._badge(surface, right, y, "PAUSED", pal.BG, pal.WARN)
        elif not ui.control:
            right = self._badge(surface, right, y, "running", pal.TEXT, (40, 70, 110))
        if ui.control:
            if not ui.person:
                who = "computer plays"
            elif ui.control == "predator":
                who = f"you: predator, {'every step' if ui.every_step else 'built-in pace'}"
            else:
                who = "you: mouse"
            right = self._badge(surface, right, y, who, pal.BG, pal.ACCENT)
        x = self.text.blit(
            surface,
            "mousesim",
            (r.x + 2, r.centery),
            pal.FONT_TITLE,
            pal.TEXT,
            bold=True,
            anchor="midleft",
        ).right
        seed = f"seed {sim.seed}"
        subs = (f"{self.title}   {seed}", seed) if self.title else (seed,)
        for sub in subs:
            if self._width(sub) <= right - x - 24:
                self.text.blit(
                    surface, sub, (x + 14, r.centery + 1), color=pal.TEXT_DIM, anchor="midleft"
                )
                break

    def draw_world_panel(self, surface, layout: Layout, sim: Simulation, stats: SessionStats):
        r = layout.world
        w = sim.world
        draw_world(
            surface,
            r.inflate(-12, -12),
            w.grid,
            w.mouse,
            w.cheese,
            w.preds,
            trail=list(stats.trail),
            sense_radius=sim.wparams.sense_radius,
            cache=self.cache,
            caught=bool(w.counters[C_CAUGHT]),
            remembered=self.remembered(sim),
        )

    def remembered(self, sim: Simulation) -> list[tuple[float, pal.Color]]:
        """(world angle, colour) of each expert whose target is not sensed but whose ring holds
        a bump: the bump's egocentric angle (+ = left) turned by the mouse's heading."""
        b = brain_arrays(sim)
        heading = float(sim.world.mouse[2]) * math.pi / 4.0
        return [
            (heading + float(b.decoded[e, 0]), self.colors[e])
            for e in range(len(self.colors))
            if sim.buffers.percept[e, 2] <= 0.0 and b.decoded[e, 1] > BUMP_MIN
        ]

    def draw_ring_panel(self, surface, rect: pygame.Rect, sim: Simulation, e: int) -> None:
        color = self.colors[e]
        b = brain_arrays(sim)
        bearing, dist, visible = sim.buffers.percept[e]
        draw_ring(
            surface,
            ring_area(rect),
            b.rates[e],
            float(b.decoded[e, 0]),
            float(b.decoded[e, 1]),
            r_max=self.r_max,
            target_bearing=float(bearing),
            target_visible=bool(visible),
            color=color,
            lut=self.luts[e],
        )
        bump, line, col = ring_texts(
            sim.expert_targets[e], float(b.decoded[e, 0]), float(b.decoded[e, 1]),
            float(bearing), float(dist), bool(visible),
        )  # fmt: skip
        col = {"target": color, "dim": pal.TEXT_DIM, "faint": pal.TEXT_FAINT}[col]
        cx, w = rect.centerx, rect.w - 16
        self._label(
            surface,
            bump,
            (cx, rect.bottom - 6 - RING_LINE_H),
            w,
            pal.FONT_SMALL,
            pal.TEXT,
            anchor="midbottom",
        )
        self._label(
            surface, line, (cx, rect.bottom - 6), w, pal.FONT_SMALL, col, anchor="midbottom"
        )

    def draw_motor_panel(self, surface, rect: pygame.Rect, sim: Simulation, stats: SessionStats):
        b = brain_arrays(sim)
        draw_motor(surface, Layout.body(rect), b.drive, b.probs, stats.last_action, self.text)

    def draw_gate_panel(self, surface, rect: pygame.Rect, sim: Simulation, stats: SessionStats):
        """Per expert: its gate share (the odds it drives a step) and its running mean reward."""
        body = Layout.body(rect)
        b = brain_arrays(sim)
        n = len(sim.expert_names)
        row_h = min(30, max(18, (body.h - 20) // max(n, 1)))
        label_w = min(92, body.w // 3)
        value_w = self._width("0.00") + 8
        reward_w = self._width("+0.000") + 8
        for k in range(n):
            y = body.y + 2 + k * row_h
            self._label(
                surface,
                sim.expert_names[k],
                (body.x, y),
                label_w - 6,
                pal.FONT_NORMAL,
                self.colors[k],
            )
            bar = pygame.Rect(body.x + label_w, y + 3, body.w - label_w - value_w - reward_w, 12)
            pygame.draw.rect(surface, pal.FLOOR, bar, border_radius=4)
            g = float(b.gate[k])
            fill = pygame.Rect(bar.x, bar.y, int(bar.w * min(1.0, max(0.0, g))), bar.h)
            if fill.w > 0:
                pygame.draw.rect(surface, self.colors[k], fill, border_radius=4)
            self.text.blit(
                surface,
                f"{g:.2f}",
                (bar.right + value_w, y),
                pal.FONT_NORMAL,
                pal.TEXT,
                anchor="topright",
            )
            r = float(stats.mean_reward[k])
            self.text.blit(
                surface,
                f"{r:+.3f}",
                (body.right, y),
                pal.FONT_NORMAL,
                pal.GOOD if r > 0 else pal.TEXT_DIM,
                anchor="topright",
            )
        driver = b.driver
        if 0 <= driver < n and body.bottom - (body.y + 2 + n * row_h) >= 16:
            name = sim.expert_names[driver]
            self._label(
                surface,
                (f"last action driven by: {name}", f"driven by: {name}", name),
                (body.x, body.bottom),
                body.w,
                pal.FONT_SMALL,
                pal.TEXT_DIM,
                anchor="bottomleft",
            )

    def _readout_rows(self, rect: pygame.Rect, n_exp: int) -> tuple[list[pygame.Rect], int]:
        """The heat-map rect of each expert, and the y of the angle ticks under them."""
        body = Layout.body(rect)
        label_w = min(92, body.w // 4)
        tick_h, gap = 14, 4
        row_h = max(3, (body.h - tick_h - gap * (n_exp - 1)) // n_exp)
        rows = [
            pygame.Rect(body.x + label_w, body.y + k * (row_h + gap), body.w - label_w, row_h)
            for k in range(n_exp)
        ]
        return rows, body.bottom - tick_h + 2

    def draw_readouts(self, surface, rect: pygame.Rect, sim: Simulation) -> None:
        """Each expert's three rows (left / straight / right) over its neurons, each minus the
        mean of the three at that neuron. Every row keeps a fixed length while it learns, so
        what learning changes, and what decides the action, is how the rows differ: warm
        where that action wins for a target at that bearing, blue where it loses."""
        rel = relative_readout(brain_arrays(sim).readout)
        rows, _ = self._readout_rows(rect, rel.shape[0])
        vmax = float(np.max(np.abs(rel))) or 1.0
        for k, row in enumerate(rows):
            draw_heatmap(surface, row, rel[k], vmax, lut=self.div_lut, order=self.order)
        # The colour legend: blue below the mean of the three rows, warm above, on this scale.
        legend = pygame.Rect(rect.right - 10 - LEGEND_W, rect.y + 4, LEGEND_W, PANEL_TITLE_H - 6)
        draw_colorbar(surface, legend, self.div_lut, vmax, self.text)

    def draw_stats(
        self, surface, rect: pygame.Rect, sim: Simulation, ui: UiState, stats: SessionStats
    ) -> None:
        body = Layout.body(rect)
        c = sim.world.counters
        if ui.control:
            self._draw_game_stats(surface, body, sim, ui, stats)
            return
        speed = stats.steps_per_s()
        caught = f"{stats.caught} of {stats.episodes}"
        items = [  # two to a line, most wanted first: a short panel shows the first lines
            ("episode", f"{shown_episode(sim)}"),
            ("step", f"{int(c[C_STEP])} / {sim.wparams.max_steps}"),
            ("caught", caught),
            ("cheese", f"{int(c[C_EATEN])}"),
            ("sim speed", ("paused",) if ui.paused else _per_s(speed)),
            ("steps/frame", f"{ui.steps_per_frame}"),
            ("learning", "on" if sim.learning else "off"),
            *_mechanism_items(sim),
        ]
        if stats.abandoned:
            items.append(("abandoned", f"{stats.abandoned}"))
        rows = (len(items) + 1) // 2
        line_h = max(
            STAT_LINE_H, min(22, (body.h + 2) // rows)
        )  # the last row ends by rect.bottom - 4
        col_w = (body.w - 16) // 2
        for i, (k, v) in enumerate(items):
            x = body.x + (i % 2) * (col_w + 16)
            y = body.y + (i // 2) * line_h
            if y + line_h > rect.bottom - 4:
                break
            key_w = self.text.blit(surface, k, (x, y), pal.FONT_SMALL, pal.TEXT_DIM).w
            self._label(
                surface,
                v,
                (x + col_w, y),
                col_w - key_w - 8,
                pal.FONT_SMALL,
                pal.TEXT,
                anchor="topright",
            )

    def _draw_game_stats(
        self, surface, body: pygame.Rect, sim: Simulation, ui: UiState, stats: SessionStats
    ) -> None:
        """Game mode: this episode, then the person's figures beside the computer's."""
        c = sim.world.counters
        line_h = max(STAT_LINE_H, min(22, (body.h + 4) // STAT_ROWS))
        now = (
            f"episode {shown_episode(sim)}   step {int(c[C_STEP])}/{sim.wparams.max_steps}   "
            f"cheese {int(c[C_EATEN])}",
            f"ep {shown_episode(sim)}  step {int(c[C_STEP])}  cheese {int(c[C_EATEN])}",
        )
        self._label(surface, now, (body.x, body.y), body.w, pal.FONT_SMALL, pal.TEXT)
        if ui.control == "predator":
            heads = ("mouse vs", "you", "computer")
        else:
            heads = ("the mouse", "you", "brain")
        rows = [heads]
        figs = [stats.player_figures(w) for w in ("person", "computer")]
        rows.append((("cheese/episode", "cheese/ep"), *(_num(f[1], 1) for f in figs)))
        rows.append((("caught rate", "caught"), *(_num(f[2], 2) for f in figs)))
        rows.append((("episodes", "eps"), *(str(f[0]) for f in figs)))
        col_w = min(84, (body.w - 8) // 3)
        key_w = body.w - 2 * col_w
        for i, row in enumerate(rows):
            y = body.y + (i + 1) * line_h
            col = pal.TEXT_DIM if i == 0 else pal.TEXT
            self._label(surface, row[0], (body.x, y), key_w - 6, pal.FONT_SMALL, pal.TEXT_DIM)
            for j, v in enumerate(row[1:]):
                x = body.x + key_w + (j + 1) * col_w
                self._label(
                    surface,
                    v,
                    (x, y),
                    col_w - 6,
                    pal.FONT_SMALL,
                    col,
                    bold=i == 0 and j == 0,
                    anchor="topright",
                )

    def draw_spark(self, surface, rect: pygame.Rect, stats: SessionStats) -> None:
        body = Layout.body(rect)
        hist = list(stats.cheese_history)[-SPARK_EPISODES:]
        chart = pygame.Rect(body.x, body.y + 18, body.w, body.h - 38)
        if hist:
            draw_sparkline(surface, chart, hist, pal.CHEESE)
            last10 = hist[-10:]
            mean = f"{np.mean(last10):.1f}"
            note = (
                f"last {hist[-1]}   mean of last {len(last10)}: {mean}",
                f"last {hist[-1]}, mean {mean}",
                f"mean {mean}",
            )
            self.text.blit(
                surface,
                f"max {max(hist)}",
                (body.right, body.y),
                pal.FONT_SMALL,
                pal.TEXT_FAINT,
                anchor="topright",
            )
        else:
            note = ("no finished episode yet", "none finished yet", "none yet")
        self._label(
            surface,
            note,
            (body.x, body.bottom),
            body.w,
            pal.FONT_SMALL,
            pal.TEXT_DIM,
            anchor="bottomleft",
        )

    def draw_slider(self, surface, layout: Layout, sim: Simulation, ui: UiState) -> None:
        r = layout.slider
        t = layout.slider_track
        f = sim.focus
        label_y = min(r.y + 6, t.y - 30)
        self.text.blit(
            surface,
            f"focus {f:.2f}",
            (r.centerx, max(r.y + 3, label_y)),
            pal.FONT_LARGE if r.h >= 62 else pal.FONT_NORMAL,
            pal.TEXT,
            bold=True,
            anchor="midtop",
        )
        kx = t.x + round(f * t.w)
        pygame.draw.circle(surface, pal.BG, (kx, t.centery), 12)
        knob = pal.TEXT if ui.dragging else pal.mix(pal.PREDATOR, pal.CHEESE, f)
        pygame.draw.circle(surface, knob, (kx, t.centery), 10)
        pygame.draw.circle(surface, pal.TEXT, (kx, t.centery), 10, width=2)

    def draw_message(self, surface, rect: pygame.Rect, ui: UiState) -> None:
        w = rect.w - 24
        if ui.message and time.monotonic() < ui.message_until:
            self._label(
                surface, ui.message, (rect.x + 12, rect.y + 8), w, pal.FONT_NORMAL, pal.ACCENT
            )
        else:
            self._label(
                surface, LEGENDS, (rect.x + 12, rect.y + 9), w, pal.FONT_SMALL, pal.TEXT_FAINT
            )

    def draw_help(self, surface, ui: UiState | None = None) -> None:
        """The help overlay: page 1 what each panel shows, page 2 what the stats words mean,
        page 3 the keys. Text is wrapped to the box and set in the largest size that fits."""
        w, h = surface.get_size()
        if self._overlay is None or self._overlay.get_size() != (w, h):
            self._overlay = pygame.Surface((w, h), pygame.SRCALPHA)
            self._overlay.fill((8, 9, 12, 215))
        surface.blit(self._overlay, (0, 0))
        control = ui.control if ui is not None else None
        page = min(ui.help_page if ui is not None else 0, HELP_PAGES - 1)
        title, rows = help_page(page, control)
        box = pygame.Rect(0, 0, min(w - 8, 1100), h - 8)
        box.center = (w // 2, h // 2)
        key_w_max = box.w // 4
        for size in (pal.FONT_LARGE, pal.FONT_NORMAL, pal.FONT_SMALL):
            line_h = self.text.font(size).get_sized_height() + 2
            key_w = min(
                key_w_max,
                max(self.text.render(k, size, pal.ACCENT, True).get_width() for k, _ in rows),
            )
            text_w = box.w - 60 - key_w - 24
            laid = [(k, self._wrap(t, text_w, size)) for k, t in rows]
            need = sum(len(lines) * line_h + 4 for _, lines in laid)
            if 56 + need + 10 <= box.h or size == pal.FONT_SMALL:
                break
        box.h = min(h - 8, 56 + need + 16)
        box.center = (w // 2, h // 2)
        pygame.draw.rect(surface, pal.PANEL, box, border_radius=10)
        pygame.draw.rect(surface, pal.ACCENT, box, width=2, border_radius=10)
        self.text.blit(
            surface, title, (box.x + 24, box.y + 12), pal.FONT_TITLE, pal.TEXT, bold=True
        )
        self.text.blit(
            surface,
            f"{page + 1} / {HELP_PAGES}   H: {'next page' if page + 1 < HELP_PAGES else 'close'}",
            (box.right - 24, box.y + 18),
            pal.FONT_SMALL,
            pal.TEXT_FAINT,
            anchor="topright",
        )
        y = box.y + 52
        for key, lines in laid:
            if y + line_h > box.bottom:
                break
            self._label(surface, key, (box.x + 24, y), key_w, size, pal.ACCENT, bold=True)
            for line in lines:
                if y + line_h > box.bottom:
                    break
                self.text.blit(surface, line, (box.x + 36 + key_w, y), size, pal.TEXT)
                y += line_h
            y += 4

    def _wrap(self, text: str, width: int, size: int) -> list[str]:
        """`text` broken into lines of at most `width` pixels, at spaces."""
        lines: list[str] = []
        line = ""
        for word in text.split():
            cand = f"{line} {word}" if line else word
            if line and self._width(cand, size) > width:
                lines.append(line)
                line = word
            else:
                line = cand
        return [*lines, line] if line else lines


def _num(v: float, decimals: int) -> str:
    return "–" if math.isnan(v) else f"{v:.{decimals}f}"


def default_title(config_path: str | None) -> str:
    return Path(config_path).stem if config_path else "default config"
