"""A whole frame of the window, drawn from a running `Simulation` (read-only) and the UI state."""

from __future__ import annotations

import math
import time
from pathlib import Path

import numpy as np
import pygame

from mousesim.render import palette as pal
from mousesim.render.controls import BINDINGS, MOUSE_HELP, UiState
from mousesim.render.draw import (
    TextCache,
    draw_heatmap,
    draw_motor,
    draw_ring,
    draw_sparkline,
    draw_world,
    egocentric_order,
)
from mousesim.render.layout import RING_LINE_H, Layout, ring_area
from mousesim.render.session import SessionStats
from mousesim.sim.simulation import Simulation
from mousesim.world.kernels import C_EATEN, C_STEP

SPARK_EPISODES = 100
HINTS = (  # the longest that fits the message panel is shown
    "H help   Space pause   N step   +/- speed   R new episode   L learning   S save   Q quit",
    "H help   Space pause   N step   +/- speed   R new episode   L learning   S save",
    "H help   Space pause   N step   +/- speed",
    "H: help",
)


def _deg(a: float) -> str:
    """An egocentric angle in words: '30° left', '45° right', 'ahead'."""
    d = math.degrees(a)
    if abs(d) < 0.5:
        return "ahead"
    return f"{abs(d):.0f}° {'left' if d > 0 else 'right'}"


def _per_s(speed: float) -> str:
    return f"{speed:,.0f} steps/s" if speed < 10_000 else f"{speed / 1000:,.1f}k steps/s"


class View:
    """Draws every panel. Holds only drawing caches; reads the simulation, never writes it."""

    def __init__(self, sim: Simulation, title: str = "") -> None:
        self.title = title
        self.text = TextCache()
        self.cache: dict = {}
        self.colors = [pal.target_color(t) for t in sim.expert_targets]
        self.luts = [pal.rate_lut(c) for c in self.colors]
        self.div_lut = pal.diverging_lut()
        self.order = egocentric_order(sim.brain.rates.shape[1])
        self.r_max = float(sim.cfg.brain.ring.r_max)
        self._overlay: pygame.Surface | None = None

    # -- helpers -----------------------------------------------------------------------
    def _fit(self, text: str, max_w: int, size: int, bold: bool = False) -> tuple[str, int]:
        """(text, size) that fits `max_w` pixels: a smaller size first, then an ellipsis."""
        for s in (size, pal.FONT_SMALL):
            if self.text.render(text, s, pal.TEXT, bold).get_width() <= max_w:
                return text, s
        size = min(size, pal.FONT_SMALL)
        while len(text) > 1 and self.text.font(size).get_rect(text + "…").w > max_w:
            text = text[:-1]
        return text.rstrip() + "…", size

    def _label(
        self,
        surface: pygame.Surface,
        text: str,
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

    def _panel(self, surface: pygame.Surface, rect: pygame.Rect, title: str, color=pal.TEXT_DIM):
        pygame.draw.rect(surface, pal.PANEL, rect, border_radius=6)
        pygame.draw.rect(surface, pal.PANEL_EDGE, rect, width=1, border_radius=6)
        if title:
            self._label(surface, title, (rect.x + 10, rect.y + 6), rect.w - 20, color=color)

    def _badge(self, surface, right: int, y: int, label: str, fg, bg) -> int:
        s = self.text.render(label, pal.FONT_NORMAL, fg, bold=True)
        r = pygame.Rect(0, 0, s.get_width() + 18, s.get_height() + 8)
        r.topright = (right, y)
        pygame.draw.rect(surface, bg, r, border_radius=10)
        surface.blit(s, s.get_rect(center=r.center))
        return r.x - 8

    # -- what does not change between frames --------------------------------------------
    def static_layer(self, surface: pygame.Surface, layout: Layout, sim: Simulation):
        """Background, panel frames, titles and fixed labels, drawn once per window size."""
        key = ("static", layout.size, surface.get_size())
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
            self._panel(layer, rect, f"{sim.expert_names[e]} ring", self.colors[e])
        self._panel(layer, layout.motor, "motor neurons")
        self.text.blit(
            layer,
            "bar = probability",
            (layout.motor.right - 10, layout.motor.y + 7),
            pal.FONT_SMALL,
            pal.TEXT_FAINT,
            anchor="topright",
        )
        self._panel(layer, layout.gate, "gate  ·  mean reward")
        self._panel(layer, layout.readouts, "readout weights  (rows: left / straight / right)")
        rows, tick_y = self._readout_rows(layout.readouts, len(sim.expert_names))
        body = Layout.body(layout.readouts)
        for k, row in enumerate(rows):
            self._label(
                layer,
                sim.expert_names[k],
                (body.x, row.centery),
                row.x - body.x - 6,
                pal.FONT_NORMAL if row.h >= 20 else pal.FONT_SMALL,
                self.colors[k],
                anchor="midleft",
            )
        ticks = ((0.0, "behind"), (0.25, "left"), (0.5, "ahead"), (0.75, "right"), (1.0, "behind"))
        hm = rows[0]
        for frac, label in ticks:
            anchor = "topleft" if frac == 0 else ("topright" if frac == 1 else "midtop")
            x = int(hm.x + frac * hm.w)
            self.text.blit(layer, label, (x, tick_y), pal.FONT_SMALL, pal.TEXT_FAINT, anchor=anchor)
        self._panel(layer, layout.stats, "stats")
        self._panel(layer, layout.spark, "cheese per episode")
        self._panel(layer, layout.slider, "")
        t = layout.slider_track
        self.text.blit(
            layer,
            "predator",
            (t.x - 14, t.centery),
            pal.FONT_NORMAL,
            pal.PREDATOR,
            anchor="midright",
        )
        self.text.blit(
            layer,
            "cheese",
            (t.right + 14, t.centery),
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
        self._panel(layer, m, "")
        for hint in HINTS:
            if self.text.render(hint, pal.FONT_SMALL, pal.TEXT_DIM).get_width() <= m.w - 24:
                break
        self.text.blit(
            layer,
            hint,
            (m.x + 12, m.bottom - 10),
            pal.FONT_SMALL,
            pal.TEXT_DIM,
            anchor="bottomleft",
        )
        self.cache[key] = layer
        return layer

    # -- the frame -----------------------------------------------------------------------
    def draw(
        self,
        surface: pygame.Surface,
        layout: Layout,
        sim: Simulation,
        ui: UiState,
        stats: SessionStats,
    ) -> None:
        """Draw every panel of one frame."""
        surface.blit(self.static_layer(surface, layout, sim), (0, 0))
        self.draw_title(surface, layout, sim, ui)
        self.draw_world_panel(surface, layout, sim, stats)
        for e, rect in enumerate(layout.rings):
            self.draw_ring_panel(surface, rect, sim, e)
        self.draw_motor_panel(surface, layout.motor, sim, stats)
        self.draw_gate_panel(surface, layout.gate, sim, stats)
        self.draw_readouts(surface, layout.readouts, sim)
        self.draw_stats(surface, layout.stats, sim, ui, stats)
        self.draw_spark(surface, layout.spark, stats)
        self.draw_slider(surface, layout, sim, ui)
        self.draw_message(surface, layout.message, ui)
        if ui.show_help:
            self.draw_help(surface)

    def draw_title(self, surface, layout: Layout, sim: Simulation, ui: UiState) -> None:
        r = layout.title
        y = r.centery - 13
        right = r.right
        spf = ui.steps_per_frame
        right = self._badge(
            surface, right, y, f"{spf} step{'s' if spf > 1 else ''}/frame", pal.TEXT, pal.PANEL_EDGE
        )
        if sim.learning:
            right = self._badge(surface, right, y, "learning on", pal.BG, pal.GOOD)
        else:
            right = self._badge(surface, right, y, "learning off", pal.TEXT, (110, 62, 62))
        if ui.paused:
            right = self._badge(surface, right, y, "PAUSED", pal.BG, pal.WARN)
        else:
            right = self._badge(surface, right, y, "running", pal.TEXT, (40, 70, 110))
        x = self.text.blit(
            surface,
            "mousesim",
            (r.x + 2, r.centery),
            pal.FONT_TITLE,
            pal.TEXT,
            bold=True,
            anchor="midleft",
        ).right
        sub = f"{self.title}   seed {sim.seed}" if self.title else f"seed {sim.seed}"
        self._label(
            surface,
            sub,
            (x + 14, r.centery + 1),
            right - x - 24,
            color=pal.TEXT_DIM,
            anchor="midleft",
        )

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
        )

    def draw_ring_panel(self, surface, rect: pygame.Rect, sim: Simulation, e: int) -> None:
        color = self.colors[e]
        b = sim.brain
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
        amp = float(b.decoded[e, 1])
        bump = f"bump {_deg(float(b.decoded[e, 0]))}" if amp > 1e-3 else "no bump (silent ring)"
        target = sim.expert_targets[e]
        if visible:
            line, col = f"{target} {_deg(float(bearing))}, {dist:.0f} cells", color
        elif dist < 1e8:
            line, col = f"{target} out of range: remembering", pal.TEXT_DIM
        else:
            line, col = f"no {target} on the map", pal.TEXT_FAINT
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
        b = sim.brain
        draw_motor(surface, Layout.body(rect), b.drive, b.probs, stats.last_action, self.text)

    def draw_gate_panel(self, surface, rect: pygame.Rect, sim: Simulation, stats: SessionStats):
        """Per expert: its gate weight (set by the focus slider) and its running mean reward."""
        body = Layout.body(rect)
        b = sim.brain
        n = len(sim.expert_names)
        row_h = min(30, max(16, (body.h - 20) // max(n, 1)))
        label_w = min(92, body.w // 3)
        reward_w = 58
        for k in range(n):
            y = body.y + 4 + k * row_h
            self._label(
                surface,
                sim.expert_names[k],
                (body.x, y),
                label_w - 6,
                pal.FONT_NORMAL,
                self.colors[k],
            )
            bar = pygame.Rect(body.x + label_w, y + 2, body.w - label_w - reward_w - 44, 12)
            pygame.draw.rect(surface, pal.FLOOR, bar, border_radius=4)
            g = float(b.gate[k])
            fill = pygame.Rect(bar.x, bar.y, int(bar.w * min(1.0, max(0.0, g))), bar.h)
            if fill.w > 0:
                pygame.draw.rect(surface, self.colors[k], fill, border_radius=4)
            self.text.blit(
                surface,
                f"{g:.2f}",
                (bar.right + 38, y),
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
        driver = int(b.driver[0])
        if 0 <= driver < n:
            self._label(
                surface,
                f"last action driven by: {sim.expert_names[driver]}",
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
        readout = sim.brain.readout
        rows, _ = self._readout_rows(rect, readout.shape[0])
        vmax = float(np.max(np.abs(readout))) or 1.0
        for k, row in enumerate(rows):
            draw_heatmap(surface, row, readout[k], vmax, lut=self.div_lut, order=self.order)

    def draw_stats(
        self, surface, rect: pygame.Rect, sim: Simulation, ui: UiState, stats: SessionStats
    ) -> None:
        body = Layout.body(rect)
        c = sim.world.counters
        speed = stats.steps_per_s()
        items = [
            ("episode", f"{sim.episode + 1}"),
            ("sim speed", "paused" if ui.paused else _per_s(speed)),
            ("step", f"{int(c[C_STEP])} / {sim.wparams.max_steps}"),
            ("steps/frame", f"{ui.steps_per_frame}"),
            ("cheese", f"{int(c[C_EATEN])}"),
            ("learning", "on" if sim.learning else "off"),
            ("caught", f"{stats.caught} of {stats.episodes}"),
        ]
        rows = (len(items) + 1) // 2
        line_h = max(14, min(22, (body.h + 4) // rows))
        col_w = (body.w - 16) // 2
        for i, (k, v) in enumerate(items):
            x = body.x + (i % 2) * (col_w + 16)
            y = body.y + (i // 2) * line_h
            if y + line_h > rect.bottom:
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

    def draw_spark(self, surface, rect: pygame.Rect, stats: SessionStats) -> None:
        body = Layout.body(rect)
        hist = list(stats.cheese_history)[-SPARK_EPISODES:]
        chart = pygame.Rect(body.x, body.y + 4, body.w, body.h - 24)
        if hist:
            draw_sparkline(surface, chart, hist, pal.CHEESE)
            last10 = hist[-10:]
            note = f"last {hist[-1]}   mean of last {len(last10)}: {np.mean(last10):.1f}"
            self.text.blit(
                surface,
                f"max {max(hist)}",
                (rect.right - 10, rect.y + 7),
                pal.FONT_SMALL,
                pal.TEXT_FAINT,
                anchor="topright",
            )
        else:
            note = "no finished episode yet"
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
        self.text.blit(
            surface,
            f"focus {f:.2f}",
            (r.centerx, r.y + 6),
            pal.FONT_LARGE,
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
                surface, ui.message, (rect.x + 12, rect.y + 10), w, pal.FONT_NORMAL, pal.ACCENT
            )
        else:
            legend = "rings: arrow = decoded bump; dot = the target's sensed bearing"
            self._label(
                surface, legend, (rect.x + 12, rect.y + 12), w, pal.FONT_SMALL, pal.TEXT_FAINT
            )

    def draw_help(self, surface) -> None:
        w, h = surface.get_size()
        if self._overlay is None or self._overlay.get_size() != (w, h):
            self._overlay = pygame.Surface((w, h), pygame.SRCALPHA)
            self._overlay.fill((8, 9, 12, 200))
        surface.blit(self._overlay, (0, 0))
        rows = [(b.label, b.help) for b in BINDINGS] + [MOUSE_HELP]
        line_h = max(20, min(30, (h - 120) // len(rows)))
        size = pal.FONT_LARGE if line_h >= 26 else pal.FONT_NORMAL
        key_w = max(self.text.render(k, size, pal.ACCENT, True).get_width() for k, _ in rows)
        text_w = max(self.text.render(t, size, pal.TEXT).get_width() for _, t in rows)
        box = pygame.Rect(0, 0, key_w + text_w + 100, 84 + line_h * len(rows))
        box.center = (w // 2, h // 2)
        pygame.draw.rect(surface, pal.PANEL, box, border_radius=10)
        pygame.draw.rect(surface, pal.ACCENT, box, width=2, border_radius=10)
        self.text.blit(
            surface, "keys", (box.x + 24, box.y + 18), pal.FONT_TITLE, pal.TEXT, bold=True
        )
        self.text.blit(
            surface,
            "H closes",
            (box.right - 24, box.y + 22),
            pal.FONT_NORMAL,
            pal.TEXT_FAINT,
            anchor="topright",
        )
        for i, (key, what) in enumerate(rows):
            y = box.y + 62 + i * line_h
            self.text.blit(surface, key, (box.x + 36, y), size, pal.ACCENT, bold=True)
            self.text.blit(surface, what, (box.x + 60 + key_w, y), size, pal.TEXT)


def default_title(config_path: str | None) -> str:
    return Path(config_path).stem if config_path else "default config"
