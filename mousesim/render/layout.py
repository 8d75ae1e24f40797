"""Where each panel goes for a given window size: pure geometry, recomputed on resize.

+-------------------------------------------------------------+
| title                                     status badges     |
+-----------------------+-------------------------------------+
|                       |  ring: expert 1 | ring: expert 2 ...|
|        world          +------------------+------------------+
|       (square)        |  motor neurons   |  gate            |
|                       +------------------+------------------+
|                       |  readout heat maps (one per expert) |
|                       +------------------+------------------+
|                       |  stats           |  sparkline       |
+-----------------------+-------------------------------------+
| predator <==== focus slider ====> cheese | messages, H help |
+-------------------------------------------------------------+
"""

from __future__ import annotations

from dataclasses import dataclass

import pygame

DEFAULT_SIZE = (1280, 760)
MIN_SIZE = (760, 460)  # smaller windows are laid out at this size and clipped
MARGIN = 10
TITLE_H = 40
BOTTOM_H = 66
PANEL_TITLE_H = 24  # the label strip at the top of a panel
RING_LINE_H = 18  # each of the two text lines under a ring


@dataclass(frozen=True)
class Layout:
    """Pixel rects of every panel; each `*_body` rect is the panel minus its title strip."""

    size: tuple[int, int]
    title: pygame.Rect
    world: pygame.Rect
    rings: tuple[pygame.Rect, ...]
    motor: pygame.Rect
    gate: pygame.Rect
    readouts: pygame.Rect
    stats: pygame.Rect
    spark: pygame.Rect
    slider: pygame.Rect
    slider_track: pygame.Rect
    message: pygame.Rect

    @staticmethod
    def body(panel: pygame.Rect) -> pygame.Rect:
        """The drawing area of a panel, below its title strip, with a small inset."""
        return pygame.Rect(
            panel.x + 8, panel.y + PANEL_TITLE_H + 2, panel.w - 16, panel.h - PANEL_TITLE_H - 8
        )


def ring_area(panel: pygame.Rect) -> pygame.Rect:
    """Where a ring panel draws its ring: its body minus two text lines at the bottom."""
    body = Layout.body(panel)
    return pygame.Rect(body.x, body.y, body.w, body.h - 2 * RING_LINE_H)


def _split_h(r: pygame.Rect, fractions: list[float], gap: int) -> list[pygame.Rect]:
    """Split a rect left to right by fractions of its width (gaps between parts)."""
    usable = r.w - gap * (len(fractions) - 1)
    out, x = [], r.x
    for i, f in enumerate(fractions):
        w = int(usable * f) if i < len(fractions) - 1 else r.right - x
        out.append(pygame.Rect(x, r.y, w, r.h))
        x += w + gap
    return out


def compute_layout(size: tuple[int, int], n_experts: int) -> Layout:
    """The layout for a window of `size` pixels showing `n_experts` rings."""
    w = max(MIN_SIZE[0], int(size[0]))
    h = max(MIN_SIZE[1], int(size[1]))
    m = MARGIN
    title = pygame.Rect(m, 0, w - 2 * m, TITLE_H)
    body = pygame.Rect(m, TITLE_H, w - 2 * m, h - TITLE_H - BOTTOM_H)
    side = max(200, min(body.h, int(body.w * 0.5)))
    world = pygame.Rect(body.x, body.y, side, side)
    right = pygame.Rect(world.right + m, body.y, body.right - world.right - m, side)

    # The stats row keeps room for its four lines; the other rows share what is left.
    low_h = max(104, int(right.h * 0.16))
    rest = right.h - low_h - 3 * m
    ring_h = int(rest * 0.48)
    mid_h = int(rest * 0.29)
    read_h = rest - ring_h - mid_h
    y = right.y
    ring_row = pygame.Rect(right.x, y, right.w, ring_h)
    y += ring_h + m
    mid_row = pygame.Rect(right.x, y, right.w, mid_h)
    y += mid_h + m
    readouts = pygame.Rect(right.x, y, right.w, read_h)
    y += read_h + m
    low_row = pygame.Rect(right.x, y, right.w, right.bottom - y)

    n = max(1, n_experts)
    rings = tuple(_split_h(ring_row, [1.0 / n] * n, m))
    motor, gate = _split_h(mid_row, [0.56, 0.44], m)
    stats, spark = _split_h(low_row, [0.56, 0.44], m)

    bottom_y = world.bottom + m
    slider = pygame.Rect(m, bottom_y, world.w, h - bottom_y - m)
    message = pygame.Rect(right.x, bottom_y, right.w, slider.h)
    # The track leaves room for the end labels ("predator" left, "cheese" right).
    label_w = 96
    track = pygame.Rect(
        slider.x + label_w, slider.y + slider.h // 2 + 6, max(40, slider.w - 2 * label_w), 6
    )
    return Layout(
        size=(w, h),
        title=title,
        world=world,
        rings=rings,
        motor=motor,
        gate=gate,
        readouts=readouts,
        stats=stats,
        spark=spark,
        slider=slider,
        slider_track=track,
        message=message,
    )
