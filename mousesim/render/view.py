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
from mousesim.render.layout import Layout
from mousesim.render.session import SessionStats
from mousesim.sim.simulation import Simulation
from mousesim.world.kernels import C_EATEN, C_STEP

SPARK_EPISODES = 100


def _deg(a: float) -> str:
    """An egocentric angle as words: '30 deg left', '45 deg right', 'ahead'."""
    d = math.degrees(a)
    if abs(d) < 0.5:
        return "ahead"
    return f"{abs(d):.0f} deg {'left' if d > 0 else 'right'}"


class View:
    """Draws every panel. Holds only drawing caches; reads the simulation, never writes it."""

    def __init__(self, sim: Simulation, title: str = "") -> None:
        self.title = title
        self.text = TextCache()
        self.cache: dict = {}
        self.colors = [pal.target_color(t) for t in sim.expert_targets]
        self.luts = [pal.rate_lut(c) for c in self.colors]
        self.div_lut = pal.diverging_lut()
        n = sim.brain.rates.shape[1]
        self.order = egocentric_order(n)
        self.r_max = float(sim.cfg.brain.ring.r_max)
        self._overlay: pygame.Surface | None = None

    # -- helpers -----------------------------------------------------------------------
    def _panel(self, surface: pygame.Surface, rect: pygame.Rect, title: str, color=pal.TEXT_DIM):
        pygame.draw.rect(surface, pal.PANEL, rect, border_radius=6)
        pygame.draw.rect(surface, pal.PANEL_EDGE, rect, width=1, border_radius=6)
        if title:
            self.text.blit(surface, title, (rect.x + 10, rect.y + 6), pal.FONT_NORMAL, color)

    def _badge(self, surface, right: int, y: int, label: str, fg, bg) -> int:
        s = self.text.render(label, pal.FONT_NORMAL, fg, bold=True)
        r = pygame.Rect(0, 0, s.get_width() + 18, s.get_height() + 8)
        r.topright = (right, y)
        pygame.draw.rect(surface, bg, r, border_radius=10)
        surface.blit(s, s.get_rect(center=r.center))
        return r.x - 8

    # -- the frame -----------------------------------------------------------------------
    def draw(
        self,
        surface: pygame.Surface,
        layout: Layout,
        sim: Simulation,
        ui: UiState,
        stats: SessionStats,
    ) -> None:
        surface.fill(pal.BG)
        self.draw_title(surface, layout, sim, ui)
        self.draw_world_panel(surface, layout, sim, stats)
        for e, rect in enumerate(layout.rings):
            self.draw_ring_panel(surface, rect, sim, e)
        self.draw_motor_panel(surface, layout.motor, sim, stats)
        self.draw_gate_panel(surface, layout.gate, sim)
        self.draw_readouts(surface, layout.readouts, sim)
        self.draw_stats(surface, layout.stats, sim, ui, stats)
        self.draw_spark(surface, layout.spark, stats)
        self.draw_slider(surface, layout, sim, ui)
        self.draw_message(surface, layout.message, ui)
        if ui.show_help:
            self.draw_help(surface, layout)

    def draw_title(self, surface, layout: Layout, sim: Simulation, ui: UiState) -> None:
        r = layout.title
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
        self.text.blit(
            surface, sub, (x + 14, r.centery + 1), pal.FONT_NORMAL, pal.TEXT_DIM, anchor="midleft"
        )
        y = r.centery - 13
        right = r.right
        spf = ui.steps_per_frame
        right = self._badge(
            surface, right, y, f"{spf} step{'s' if spf > 1 else ''}/frame", pal.TEXT, pal.PANEL_EDGE
        )
        if sim.learning:
            right = self._badge(surface, right, y, "learning on", pal.BG, pal.GOOD)
        else:
            right = self._badge(surface, right, y, "learning off", pal.TEXT, (90, 60, 60))
        if ui.paused:
            self._badge(surface, right, y, "PAUSED", pal.BG, pal.WARN)
        else:
            self._badge(surface, right, y, "running", pal.TEXT, (40, 70, 110))

    def draw_world_panel(self, surface, layout: Layout, sim: Simulation, stats: SessionStats):
        r = layout.world
        pygame.draw.rect(surface, pal.PANEL, r, border_radius=6)
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
        name = sim.expert_names[e]
        color = self.colors[e]
        self._panel(surface, rect, f"{name} ring", color)
        b = sim.brain
        bearing, dist, visible = sim.buffers.percept[e]
        body = Layout.body(rect)
        ring_area = pygame.Rect(body.x, body.y, body.w, body.h - 20)
        draw_ring(
            surface,
            ring_area,
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
        bump = _deg(float(b.decoded[e, 0])) if amp > 1e-3 else "no bump"
        self.text.blit(
            surface,
            f"bump {bump}",
            (rect.right - 10, rect.y + 7),
            pal.FONT_SMALL,
            pal.TEXT,
            anchor="topright",
        )
        if visible:
            line, col = f"{sim.expert_targets[e]} {_deg(float(bearing))}, {dist:.0f} cells", color
        elif dist < 1e8:
            line, col = "out of sight: the ring remembers", pal.TEXT_DIM
        else:
            line, col = f"no {sim.expert_targets[e]} on the map", pal.TEXT_FAINT
        self.text.blit(
            surface, line, (rect.centerx, rect.bottom - 8), pal.FONT_SMALL, col, anchor="midbottom"
        )

    def draw_motor_panel(self, surface, rect: pygame.Rect, sim: Simulation, stats: SessionStats):
        self._panel(surface, rect, "motor neurons")
        self.text.blit(
            surface,
            "bar = probability",
            (rect.right - 10, rect.y + 7),
            pal.FONT_SMALL,
            pal.TEXT_FAINT,
            anchor="topright",
        )
        b = sim.brain
        draw_motor(surface, Layout.body(rect), b.drive, b.probs, stats.last_action, self.text)

    def draw_gate_panel(self, surface, rect: pygame.Rect, sim: Simulation) -> None:
        self._panel(surface, rect, "gate (from focus)")
        body = Layout.body(rect)
        b = sim.brain
        n = len(sim.expert_names)
        row_h = min(34, max(18, (body.h - 22) // max(n, 1)))
        label_w = 84
        for k in range(n):
            y = body.y + 4 + k * row_h
            self.text.blit(
                surface, sim.expert_names[k], (body.x, y + 2), pal.FONT_NORMAL, self.colors[k]
            )
            bar = pygame.Rect(body.x + label_w, y + 2, body.w - label_w - 46, 14)
            pygame.draw.rect(surface, pal.FLOOR, bar, border_radius=4)
            g = float(b.gate[k])
            fill = bar.copy()
            fill.w = int(bar.w * min(1.0, max(0.0, g)))
            if fill.w > 0:
                pygame.draw.rect(surface, self.colors[k], fill, border_radius=4)
            self.text.blit(
                surface,
                f"{g:.2f}",
                (body.right, y + 1),
                pal.FONT_NORMAL,
                pal.TEXT,
                anchor="topright",
            )
        driver = int(b.driver[0])
        if 0 <= driver < n:
            self.text.blit(
                surface,
                f"last action driven by: {sim.expert_names[driver]}",
                (body.x, body.bottom),
                pal.FONT_SMALL,
                pal.TEXT_DIM,
                anchor="bottomleft",
            )

    def draw_readouts(self, surface, rect: pygame.Rect, sim: Simulation) -> None:
        self._panel(surface, rect, "readout weights  (rows: left / straight / right)")
        body = Layout.body(rect)
        readout = sim.brain.readout
        n_exp = readout.shape[0]
        label_w = 84
        tick_h = 14
        gap = 4
        row_h = max(6, (body.h - tick_h - gap * (n_exp - 1)) // n_exp)
        vmax = float(np.max(np.abs(readout))) or 1.0
        hm_x = body.x + label_w
        hm_w = body.w - label_w
        for k in range(n_exp):
            y = body.y + k * (row_h + gap)
            self.text.blit(
                surface,
                sim.expert_names[k],
                (body.x, y + row_h // 2),
                pal.FONT_NORMAL,
                self.colors[k],
                anchor="midleft",
            )
            draw_heatmap(
                surface,
                pygame.Rect(hm_x, y, hm_w, row_h),
                readout[k],
                vmax,
                lut=self.div_lut,
                order=self.order,
            )
        ty = body.bottom - tick_h + 2
        for frac, label in (
            (0.0, "behind"),
            (0.25, "left"),
            (0.5, "ahead"),
            (0.75, "right"),
            (1.0, "behind"),
        ):
            anchor = "topleft" if frac == 0 else ("topright" if frac == 1 else "midtop")
            self.text.blit(
                surface,
                label,
                (int(hm_x + frac * hm_w), ty),
                pal.FONT_SMALL,
                pal.TEXT_FAINT,
                anchor=anchor,
            )

    def draw_stats(
        self, surface, rect: pygame.Rect, sim: Simulation, ui: UiState, stats: SessionStats
    ) -> None:
        self._panel(surface, rect, "stats")
        body = Layout.body(rect)
        c = sim.world.counters
        speed = stats.steps_per_s()
        left = [
            ("episode", f"{sim.episode + 1}"),
            ("step", f"{int(c[C_STEP])} / {sim.wparams.max_steps}"),
            ("cheese", f"{int(c[C_EATEN])}"),
            ("caught", f"{stats.caught} of {stats.episodes}"),
        ]
        right = [
            (f"reward {n}", f"{stats.mean_reward[k]:+.3f}") for k, n in enumerate(sim.expert_names)
        ]
        right += [
            ("sim speed", f"{speed:,.0f} steps/s" if not ui.paused else "paused"),
            ("steps/frame", f"{ui.steps_per_frame}"),
        ]
        line_h = max(17, min(22, body.h // max(len(left), len(right), 1)))
        col_w = body.w // 2
        for col, items in enumerate((left, right)):
            x = body.x + col * col_w
            for i, (k, v) in enumerate(items):
                y = body.y + i * line_h
                self.text.blit(surface, k, (x, y), pal.FONT_SMALL, pal.TEXT_DIM)
                self.text.blit(
                    surface, v, (x + col_w - 12, y), pal.FONT_SMALL, pal.TEXT, anchor="topright"
                )

    def draw_spark(self, surface, rect: pygame.Rect, stats: SessionStats) -> None:
        self._panel(surface, rect, "cheese per episode")
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
        self.text.blit(
            surface, note, (body.x, body.bottom), pal.FONT_SMALL, pal.TEXT_DIM, anchor="bottomleft"
        )

    def draw_slider(self, surface, layout: Layout, sim: Simulation, ui: UiState) -> None:
        r = layout.slider
        self._panel(surface, r, "")
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
        self.text.blit(
            surface,
            "predator",
            (t.x - 14, t.centery),
            pal.FONT_NORMAL,
            pal.PREDATOR,
            anchor="midright",
        )
        self.text.blit(
            surface,
            "cheese",
            (t.right + 14, t.centery),
            pal.FONT_NORMAL,
            pal.CHEESE,
            anchor="midleft",
        )
        # The track shades from predator to cheese; the part left of the knob is dimmed.
        steps = 24
        for i in range(steps):
            x0 = t.x + t.w * i // steps
            x1 = t.x + t.w * (i + 1) // steps
            col = pal.mix(pal.PREDATOR, pal.CHEESE, (i + 0.5) / steps)
            pygame.draw.rect(surface, pal.mix(pal.PANEL, col, 0.75), (x0, t.y, x1 - x0, t.h))
        kx = t.x + round(f * t.w)
        knob_col = pal.mix(pal.PREDATOR, pal.CHEESE, f)
        pygame.draw.circle(surface, pal.BG, (kx, t.centery), 12)
        pygame.draw.circle(surface, pal.TEXT if ui.dragging else knob_col, (kx, t.centery), 10)
        pygame.draw.circle(surface, pal.TEXT, (kx, t.centery), 10, width=2)

    def draw_message(self, surface, rect: pygame.Rect, ui: UiState) -> None:
        self._panel(surface, rect, "")
        hint = "H help   Space pause   N step   +/- speed   R new episode   L learning   S save"
        self.text.blit(
            surface,
            hint,
            (rect.x + 12, rect.bottom - 10),
            pal.FONT_SMALL,
            pal.TEXT_DIM,
            anchor="bottomleft",
        )
        if ui.message and time.monotonic() < ui.message_until:
            self.text.blit(
                surface, ui.message, (rect.x + 12, rect.y + 10), pal.FONT_NORMAL, pal.ACCENT
            )
        else:
            legend = "rings: arrow = decoded bump, dot = true bearing (hidden out of sight)"
            self.text.blit(
                surface, legend, (rect.x + 12, rect.y + 12), pal.FONT_SMALL, pal.TEXT_FAINT
            )

    def draw_help(self, surface, layout: Layout) -> None:
        w, h = surface.get_size()
        if self._overlay is None or self._overlay.get_size() != (w, h):
            self._overlay = pygame.Surface((w, h), pygame.SRCALPHA)
            self._overlay.fill((8, 9, 12, 190))
        surface.blit(self._overlay, (0, 0))
        rows = [(b.label, b.help) for b in BINDINGS] + [MOUSE_HELP]
        line_h = 30
        box = pygame.Rect(0, 0, 560, 90 + line_h * len(rows))
        box.center = (w // 2, h // 2)
        pygame.draw.rect(surface, pal.PANEL, box, border_radius=10)
        pygame.draw.rect(surface, pal.ACCENT, box, width=2, border_radius=10)
        self.text.blit(
            surface, "keys", (box.x + 24, box.y + 18), pal.FONT_TITLE, pal.TEXT, bold=True
        )
        for i, (key, what) in enumerate(rows):
            y = box.y + 64 + i * line_h
            self.text.blit(surface, key, (box.x + 40, y), pal.FONT_LARGE, pal.ACCENT, bold=True)
            self.text.blit(surface, what, (box.x + 170, y), pal.FONT_LARGE, pal.TEXT)


def default_title(config_path: str | None) -> str:
    return Path(config_path).stem if config_path else "default config"
