"""Where each panel goes for a given window size: pure geometry, recomputed on resize.

The world is a square at the top left; the other panels come in rows (the rings; motor
neurons and gate; readout weights; stats and the cheese sparkline) that fill the region
to the right of the world first, then the region below it, each region in one or two
columns. `compute_layout` picks the largest world for which every row gets at least its
minimum size, so a wide window puts the rows beside the world (two columns of rows when
it is short), a tall one puts them below. The bottom bar (focus slider, messages) is
always there, whatever the size. Only below about 900x560 do panels give way, least
useful first (sparkline, readout weights, motor neurons), rather than be squeezed until
their text overlaps:

+-------------------------------------------------------------+
| title                                     status badges     |
+-----------------------+-------------------------------------+
|                       |  ring: expert 1 | ring: expert 2 ...|
|        world          +------------------+------------------+
|       (square)        |  motor neurons   |  gate            |
|                       +------------------+------------------+
|                       |  readout weights (one row per expert)|
|                       +------------------+------------------+
|                       |  stats           |  sparkline       |
+-----------------------+-------------------------------------+
| predator <==== focus slider ====> cheese | messages, H help |
+-------------------------------------------------------------+
"""

from __future__ import annotations

from dataclasses import dataclass, field

import pygame

DEFAULT_SIZE = (1280, 760)
MIN_SIZE = (640, 400)  # the window refuses to shrink below this (and is laid out at it)
MARGIN = 10
TITLE_H = 40
BOTTOM_H = 66
PANEL_TITLE_H = 24  # the label strip at the top of a panel
RING_LINE_H = 18  # each of the two text lines under a ring
STAT_LINE_H = 17  # a line of the stats panel
STAT_ROWS = 5  # lines the stats panel needs (game mode: a line and a 4-line table)
# Panels that give way when a window is too small for all of them, in this order.
HIDE_ORDER = ("spark", "readouts", "motor", "gate")
WORLD_SHARE = 0.8  # a panel is hidden rather than shrink the world below this share


@dataclass(frozen=True)
class Layout:
    """Pixel rects of every panel; each `*_body` rect is the panel minus its title strip.
    A hidden panel (see HIDE_ORDER) has an empty rect (`shown` is False)."""

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
    hidden: tuple[str, ...] = field(default=())

    @staticmethod
    def body(panel: pygame.Rect) -> pygame.Rect:
        """The drawing area of a panel, below its title strip, with a small inset."""
        return pygame.Rect(
            panel.x + 8, panel.y + PANEL_TITLE_H + 2, panel.w - 16, panel.h - PANEL_TITLE_H - 8
        )

    @staticmethod
    def shown(panel: pygame.Rect) -> bool:
        return panel.w > 0 and panel.h > 0

    def panels(self) -> dict[str, pygame.Rect]:
        """Every shown panel by name (rings as ring0, ring1, ...)."""
        out = {"title": self.title, "world": self.world}
        out.update({f"ring{k}": r for k, r in enumerate(self.rings)})
        for name in ("motor", "gate", "readouts", "stats", "spark", "slider", "message"):
            r = getattr(self, name)
            if self.shown(r):
                out[name] = r
        return out


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


@dataclass(frozen=True)
class _Row:
    names: tuple[str, ...]
    min_w: tuple[int, ...]  # per panel
    min_h: int
    grow: float  # share of spare height

    def width(self, gap: int) -> int:
        return sum(self.min_w) + gap * (len(self.min_w) - 1)


def _rows(n_experts: int, hidden: tuple[str, ...]) -> list[_Row]:
    n = max(1, n_experts)
    text_rows = max(n, 2)
    specs = [
        _Row(tuple(f"ring{k}" for k in range(n)), (118,) * n, PANEL_TITLE_H + 48 + 2 * RING_LINE_H + 8, 3.0),
        _Row(("motor", "gate"), (204, 200), max(118, PANEL_TITLE_H + 18 * text_rows + 28), 0.8),
        _Row(("readouts",), (300,), PANEL_TITLE_H + 18 * n + 4 * (n - 1) + 22, 1.2),
        _Row(("stats", "spark"), (300, 160), PANEL_TITLE_H + STAT_LINE_H * STAT_ROWS + 4, 1.2),
    ]  # fmt: skip
    out = []
    for row in specs:
        keep = [(nm, w) for nm, w in zip(row.names, row.min_w, strict=True) if nm not in hidden]
        if keep:
            names, widths = zip(*keep, strict=True)
            out.append(_Row(tuple(names), tuple(widths), row.min_h, row.grow))
    return out


def _split_wide(rows: list[_Row], width: int, gap: int) -> list[_Row]:
    """Rows wider than `width` whose panels fit it one by one become one row per panel
    (e.g. three rings stacked beside a narrow world)."""
    out = []
    for r in rows:
        if r.width(gap) <= width or len(r.names) == 1 or max(r.min_w) > width:
            out.append(r)
        else:
            g = r.grow / len(r.names)
            out += [_Row((nm,), (w,), r.min_h, g) for nm, w in zip(r.names, r.min_w, strict=True)]
    return out


def _columns(region: pygame.Rect, rows: list[_Row], gap: int, max_cols: int):
    """Place rows (in order) into `region` in as few columns as fit (1 or 2): a list of
    (column rect, its rows) and the rows that did not fit."""
    if region.w <= 0 or region.h <= 0 or not rows:
        return [], rows
    best = None
    for k in range(1, max_cols + 1):
        cw = (region.w - gap * (k - 1)) // k
        cols, i = [], 0
        rows = _split_wide(rows, cw, gap)
        if k == 2:
            balanced = _balanced_pair(region, rows, cw, gap)
            if balanced is not None:
                return balanced, []
        for c in range(k):
            used, mine = 0, []
            while i < len(rows) and rows[i].width(gap) <= cw:
                need = rows[i].min_h + (gap if mine else 0)
                if used + need > region.h:
                    break
                used += need
                mine.append(rows[i])
                i += 1
            if mine:
                rect = pygame.Rect(region.x + c * (cw + gap), region.y, cw, region.h)
                cols.append((rect, mine))
        if best is None or i > best[2]:
            best = (cols, rows[i:], i)
        if i == len(rows):
            break
    return best[0], best[1]


def _balanced_pair(region: pygame.Rect, rows: list[_Row], cw: int, gap: int):
    """All rows in two columns of width `cw`, split where the two heights are closest;
    None if no split fits."""

    def height(part: list[_Row]) -> int:
        return sum(r.min_h for r in part) + gap * (len(part) - 1)

    if any(r.width(gap) > cw for r in rows) or len(rows) < 2:
        return None
    fits = [
        i
        for i in range(1, len(rows))
        if height(rows[:i]) <= region.h and height(rows[i:]) <= region.h
    ]
    if not fits:
        return None
    i = min(fits, key=lambda i: abs(height(rows[:i]) - height(rows[i:])))
    left = pygame.Rect(region.x, region.y, cw, region.h)
    right = pygame.Rect(region.x + cw + gap, region.y, cw, region.h)
    return [(left, rows[:i]), (right, rows[i:])]


def _fill(col: pygame.Rect, rows: list[_Row], gap: int) -> dict[str, pygame.Rect]:
    """Stack `rows` in `col`, sharing spare height by their `grow`; split each row across
    its panels in proportion to their minimum widths."""
    spare = col.h - sum(r.min_h for r in rows) - gap * (len(rows) - 1)
    total = sum(r.grow for r in rows)
    out, y = {}, col.y
    for i, r in enumerate(rows):
        h = r.min_h + int(spare * r.grow / total) if i < len(rows) - 1 else col.bottom - y
        line = pygame.Rect(col.x, y, col.w, h)
        fr = [w / sum(r.min_w) for w in r.min_w]
        for name, rect in zip(r.names, _split_h(line, fr, gap), strict=True):
            out[name] = rect
        y += h + gap
    return out


def _arrange(body: pygame.Rect, rows: list[_Row], side: int, gap: int):
    """Panels around a world of `side` pixels, or None when the rows do not fit."""
    right = pygame.Rect(body.x + side + gap, body.y, body.right - body.x - side - gap, side)
    below = pygame.Rect(body.x, body.y + side + gap, body.w, body.bottom - body.y - side - gap)
    if right.w < 100:
        right.w = 0
    cols_r, rest = _columns(right, rows, gap, 2)
    cols_b, rest = _columns(below, rest, gap, 2)
    if rest:
        return None
    rects: dict[str, pygame.Rect] = {}
    for col, mine in cols_r + cols_b:
        rects.update(_fill(col, mine, gap))
    # Nothing to the right of the world: centre it over what is below.
    x = body.x + (body.w - side) // 2 if not cols_r else body.x
    return pygame.Rect(x, body.y, side, side), rects


def compute_layout(size: tuple[int, int], n_experts: int) -> Layout:
    """The layout for a window of `size` pixels showing `n_experts` rings (windows smaller
    than MIN_SIZE are laid out at MIN_SIZE)."""
    w = max(MIN_SIZE[0], int(size[0]))
    h = max(MIN_SIZE[1], int(size[1]))
    small = h < 560
    m = 8 if small else MARGIN
    title_h = 34 if small else TITLE_H
    bottom_h = 58 if small else BOTTOM_H
    title = pygame.Rect(m, 0, w - 2 * m, title_h)
    body = pygame.Rect(m, title_h, w - 2 * m, h - title_h - bottom_h - 2 * m)
    # The largest world for each number of hidden panels; then the fewest hidden panels
    # that still leave the world at least WORLD_SHARE of the largest of those.
    options = []
    for n_hidden in range(len(HIDE_ORDER) + 1):
        hidden = HIDE_ORDER[:n_hidden]
        rows = _rows(n_experts, hidden)
        for side in range(min(body.w, body.h), 119, -4):
            placed = _arrange(body, rows, side, m)
            if placed is not None:
                options.append((side, placed, hidden))
                break
    if not options:  # not at MIN_SIZE or above; a usable picture regardless
        side = min(body.w, body.h)
        options.append((side, (pygame.Rect(body.x, body.y, side, side), {}), HIDE_ORDER))
    best = max(side for side, _, _ in options)
    _, (world, rects), hidden = next(o for o in options if o[0] >= WORLD_SHARE * best)
    empty = pygame.Rect(0, 0, 0, 0)
    n = max(1, n_experts)

    bottom_y = h - bottom_h - m
    slider_w = min(max(world.w, 360), int((w - 3 * m) * 0.62))
    slider = pygame.Rect(m, bottom_y, slider_w, bottom_h)
    message = pygame.Rect(slider.right + m, bottom_y, w - slider.right - 2 * m, bottom_h)
    # The track leaves room for the end labels ("predator" left, "cheese" right).
    label_w = 86
    track_y = slider.y + slider.h - 22 if small else slider.y + slider.h // 2 + 6
    track = pygame.Rect(slider.x + label_w, track_y, max(40, slider.w - 2 * label_w), 6)
    return Layout(
        size=(w, h),
        title=title,
        world=world,
        rings=tuple(rects.get(f"ring{k}", empty) for k in range(n)),
        motor=rects.get("motor", empty),
        gate=rects.get("gate", empty),
        readouts=rects.get("readouts", empty),
        stats=rects.get("stats", empty),
        spark=rects.get("spark", empty),
        slider=slider,
        slider_track=track,
        message=message,
        hidden=hidden,
    )
