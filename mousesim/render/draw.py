"""Panels drawn from plain arrays: the world, an expert's ring, the motor neurons, a heat map.

Nothing here needs a `Simulation`: a replay, a GIF writer or a Gymnasium
`rgb_array` render can call these functions with recorded arrays and get the
same pictures as the window. Each function draws into `rect` of `surface`
and leaves the rest of the surface alone. The signatures are stable API.

Conventions (those of the world kernels): x is the column, y the row (row 0
at the top); heading h points h * 45 deg counter-clockwise from east on
screen. Ring angles are egocentric: 0 = straight ahead (drawn at the top of
the ring), positive = to the mouse's left (drawn counter-clockwise).
"""

from __future__ import annotations

import math
from collections.abc import Sequence

import numpy as np
import pygame

from mousesim.render import palette as pal


class TextCache:
    """Rendered text surfaces keyed by (text, size, colour); fonts are made once per size.

    Most labels repeat every frame, and rendering text is the costliest thing a frame would
    otherwise do. Text uses pygame's bundled font through `pygame.freetype` (crisper spacing
    at small sizes than `pygame.font`), so pictures look the same on every machine. Sizes
    are in `pygame.font.Font(None, size)` units, as in `palette.FONT_*`."""

    def __init__(self, max_items: int = 1024) -> None:
        import pygame.freetype

        if not pygame.freetype.get_init():
            pygame.freetype.init()
        self._ft = pygame.freetype
        self._fonts: dict[int, pygame.freetype.Font] = {}
        self._surfaces: dict[tuple, pygame.Surface] = {}
        self._max = max_items
        # When a list, every blit appends (tag, text, rect): tests check that no two
        # pieces of text overlap and none leaves its panel. `tag` names the panel drawn.
        self.log: list[tuple[str, str, pygame.Rect]] | None = None
        self.tag = ""

    def font(self, size: int) -> pygame.freetype.Font:
        f = self._fonts.get(size)
        if f is None:
            # pygame.font scales its default font by 0.6875; match it so sizes mean the same.
            f = self._ft.Font(None, max(6, round(size * 0.6875)))
            f.pad = True  # a constant line height, so rows of text line up
            f.kerning = False  # the bundled font's kerning pairs look worse than none
            self._fonts[size] = f
        return f

    def render(
        self,
        text: str,
        size: int = pal.FONT_NORMAL,
        color: pal.Color = pal.TEXT,
        bold: bool = False,
    ) -> pygame.Surface:
        key = (text, size, color, bold)
        s = self._surfaces.get(key)
        if s is None:
            if len(self._surfaces) >= self._max:
                self._surfaces.clear()  # numbers change every frame; a full reset is the simple bound
            style = self._ft.STYLE_STRONG if bold else self._ft.STYLE_DEFAULT
            s = self.font(size).render(text, color, style=style)[0]
            if pygame.display.get_surface() is not None:
                s = s.convert_alpha()  # display-format alpha blits several times faster
            self._surfaces[key] = s
        return s

    def blit(
        self,
        surface: pygame.Surface,
        text: str,
        pos: tuple[int, int],
        size: int = pal.FONT_NORMAL,
        color: pal.Color = pal.TEXT,
        *,
        bold: bool = False,
        anchor: str = "topleft",
    ) -> pygame.Rect:
        """Draw `text` with its `anchor` point (a pygame.Rect attribute name) at `pos`."""
        s = self.render(text, size, color, bold)
        r = s.get_rect(**{anchor: pos})
        surface.blit(s, r)
        if self.log is not None:
            self.log.append((self.tag, text, r.copy()))
        return r


def board_rect(rect: pygame.Rect, grid_shape: tuple[int, int]) -> tuple[pygame.Rect, int]:
    """The square-celled board that fits `rect` (centred) and its cell size in pixels."""
    h, w = grid_shape
    cell = max(2, min(rect.w // w, rect.h // h))
    bw, bh = cell * w, cell * h
    return pygame.Rect(rect.x + (rect.w - bw) // 2, rect.y + (rect.h - bh) // 2, bw, bh), cell


def _grid_layer(grid: np.ndarray, cell: int) -> pygame.Surface:
    """Floor, faint cell lines and walls: the part of the world that never moves."""
    h, w = grid.shape
    layer = pygame.Surface((w * cell, h * cell))
    if pygame.display.get_surface() is not None:
        layer = layer.convert()
    layer.fill(pal.FLOOR)
    if cell >= 8:
        for x in range(1, w):
            pygame.draw.line(layer, pal.FLOOR_LINE, (x * cell, 0), (x * cell, h * cell))
        for y in range(1, h):
            pygame.draw.line(layer, pal.FLOOR_LINE, (0, y * cell), (w * cell, y * cell))
    bevel = max(1, cell // 8)
    for y, x in zip(*np.nonzero(grid == 1), strict=True):
        r = pygame.Rect(int(x) * cell, int(y) * cell, cell, cell)
        layer.fill(pal.WALL, r)
        layer.fill(pal.WALL_TOP, pygame.Rect(r.x, r.y, r.w, bevel))
    return layer


def _center(board: pygame.Rect, cell: int, x: float, y: float) -> tuple[float, float]:
    return board.x + (x + 0.5) * cell, board.y + (y + 0.5) * cell


def _heading_vec(h: int) -> tuple[float, float]:
    a = h * math.pi / 4.0
    return math.cos(a), -math.sin(a)  # screen y grows downward


def _draw_cheese(surface: pygame.Surface, c: tuple[float, float], cell: int) -> None:
    s = cell * 0.42
    cx, cy = c
    wedge = [(cx - s, cy + s * 0.75), (cx + s, cy + s * 0.75), (cx + s * 0.55, cy - s * 0.8)]
    pygame.draw.polygon(surface, pal.CHEESE, wedge)
    if cell >= 14:
        hole = max(1, int(cell * 0.06))
        pygame.draw.circle(surface, pal.CHEESE_DARK, (int(cx + s * 0.1), int(cy + s * 0.35)), hole)
        pygame.draw.circle(surface, pal.CHEESE_DARK, (int(cx + s * 0.55), int(cy - s * 0.05)), hole)


def _draw_predator(
    surface: pygame.Surface, c: tuple[float, float], cell: int, h: int | None
) -> None:
    cx, cy = c
    r = cell * 0.4
    dx, dy = _heading_vec(h if h is not None else 2)
    px, py = -dy, dx
    # Pointed ears first, so the head covers their base: a cat's head, facing its heading.
    for side in (-1, 1):
        tip = (cx + (dx * 0.75 + px * side * 1.05) * r, cy + (dy * 0.75 + py * side * 1.05) * r)
        base1 = (cx + (dx * 0.7 + px * side * 0.2) * r, cy + (dy * 0.7 + py * side * 0.2) * r)
        base2 = (cx + (-dx * 0.1 + px * side * 0.95) * r, cy + (-dy * 0.1 + py * side * 0.95) * r)
        pygame.draw.polygon(surface, pal.PREDATOR, [tip, base1, base2])
    pygame.draw.circle(surface, pal.PREDATOR, (int(cx), int(cy)), int(r))
    pygame.draw.circle(surface, pal.PREDATOR_DARK, (int(cx), int(cy)), int(r), max(1, cell // 16))
    if cell >= 12:
        eye = max(1, int(cell * 0.07))
        for side in (-1, 1):
            ex = cx + (dx * 0.35 + px * side * 0.38) * r
            ey = cy + (dy * 0.35 + py * side * 0.38) * r
            pygame.draw.circle(surface, (255, 236, 160), (int(ex), int(ey)), eye)


def _draw_mouse(surface: pygame.Surface, c: tuple[float, float], cell: int, h: int) -> None:
    cx, cy = c
    dx, dy = _heading_vec(h)
    px, py = -dy, dx
    r = cell * 0.4
    # A soft halo finds the mouse at a glance, even against a wall.
    halo = pygame.Surface((int(r * 5), int(r * 5)), pygame.SRCALPHA)
    pygame.draw.circle(halo, (*pal.TRAIL, 60), (int(r * 2.5), int(r * 2.5)), int(r * 2.3))
    surface.blit(halo, (cx - r * 2.5, cy - r * 2.5))
    # Tail, body, ears, nose: the nose is what shows the heading at a glance.
    tail = [(cx - dx * r * 0.9, cy - dy * r * 0.9), (cx - dx * r * 1.55, cy - dy * r * 1.55)]
    pygame.draw.line(surface, pal.MOUSE_EAR, tail[0], tail[1], max(1, cell // 14))
    pygame.draw.circle(surface, pal.MOUSE, (int(cx), int(cy)), int(r))
    for side in (-1, 1):
        ex, ey = cx + (dx * 0.15 + px * side * 0.75) * r, cy + (dy * 0.15 + py * side * 0.75) * r
        pygame.draw.circle(surface, pal.MOUSE_EAR, (int(ex), int(ey)), max(1, int(r * 0.4)))
    nose = [
        (cx + dx * r * 1.55, cy + dy * r * 1.55),
        (cx + px * r * 0.8 + dx * r * 0.3, cy + py * r * 0.8 + dy * r * 0.3),
        (cx - px * r * 0.8 + dx * r * 0.3, cy - py * r * 0.8 + dy * r * 0.3),
    ]
    pygame.draw.polygon(surface, pal.MOUSE, nose)
    tip = (int(cx + dx * r * 1.55), int(cy + dy * r * 1.55))
    pygame.draw.circle(surface, (40, 40, 48), tip, max(1, int(cell * 0.06)))


def _draw_caught_mark(surface: pygame.Surface, c: tuple[float, float], cell: int) -> None:
    """A bright ring round the caught mouse and its cell: seen at any cell size, and in
    another colour than the (red) predator beside it."""
    cx, cy = int(c[0]), int(c[1])
    r = max(6, int(cell * 1.1))
    width = max(2, cell // 6)
    pygame.draw.circle(surface, pal.BG, (cx, cy), r + width, width)
    pygame.draw.circle(surface, pal.CAUGHT_MARK, (cx, cy), r, width)


def draw_colorbar(
    surface: pygame.Surface,
    rect: pygame.Rect,
    lut: np.ndarray,
    vmax: float,
    text: TextCache,
    size: int = pal.FONT_SMALL,
) -> list[pygame.Rect]:
    """A horizontal colour legend of a diverging `lut` from -vmax to +vmax in `rect`: the
    ramp in the middle, the end values left and right of it. Returns the text rects."""
    lo_s = text.render(f"{-vmax:+.2f}", size, pal.TEXT_DIM)
    hi_s = text.render(f"{vmax:+.2f}", size, pal.TEXT_DIM)
    bar = pygame.Rect(
        rect.x + lo_s.get_width() + 4,
        rect.centery - 4,
        max(8, rect.w - lo_s.get_width() - hi_s.get_width() - 8),
        8,
    )
    img = np.ascontiguousarray(lut[None, :, :].transpose(1, 0, 2))  # [n, 1, 3] as x, y
    surface.blit(pygame.transform.scale(pygame.surfarray.make_surface(img), bar.size), bar)
    pygame.draw.rect(surface, pal.PANEL_EDGE, bar, width=1)
    r1 = text.blit(
        surface, f"{-vmax:+.2f}", (bar.x - 4, rect.centery), size, pal.TEXT_DIM, anchor="midright"
    )
    r2 = text.blit(
        surface, f"{vmax:+.2f}", (bar.right + 4, rect.centery), size, pal.TEXT_DIM, anchor="midleft"
    )
    return [r1, r2]


def draw_world(
    surface: pygame.Surface,
    rect: pygame.Rect,
    grid: np.ndarray,
    mouse_xyh: Sequence[int],
    cheese_list: np.ndarray | Sequence[Sequence[int]],
    pred_list: np.ndarray | Sequence[Sequence[int]],
    trail: Sequence[tuple[int, int]] | np.ndarray | None = None,
    sense_radius: float | None = None,
    *,
    cache: dict | None = None,
    caught: bool = False,
    remembered: Sequence[tuple[float, pal.Color]] = (),
) -> pygame.Rect:
    """Draw the grid world into `rect`; returns the board's pixel rect (square cells, centred).

    Args:
        surface: target surface (a window or an off-screen pygame.Surface; no display needed).
        rect: the area to draw in; the board is the largest whole-pixel fit, centred.
        grid: int8[H, W], 1 = wall (row 0 at the top).
        mouse_xyh: (x, y, heading) of the mouse; heading h is h * 45 deg counter-clockwise
            from east.
        cheese_list: [K, 2] cheese cells (x, y); cells outside the grid are skipped.
        pred_list: [P, >=2] predator cells (x, y[, heading, ...]); a third column, if
            present, turns the predator's head.
        trail: recent mouse cells (x, y), oldest first; drawn as a fading line.
        sense_radius: if given, a faint circle of this radius (in cells) around the mouse.
        cache: optional dict the caller keeps between frames; the static grid layer is
            stored in it so it is drawn once, not every frame.
        caught: the mouse has just been caught: the predators are drawn over the mouse (not
            hidden under it) and the mouse's cell gets a red ring and a cross.
        remembered: (world angle in radians, counter-clockwise from east as a heading;
            colour) of each bearing a ring remembers for a target it does not sense: a faint
            dashed ray from the mouse, out to `sense_radius` (see `memory_ray`).
    """
    grid = np.asarray(grid)
    board, cell = board_rect(rect, grid.shape)
    key = ("grid", cell, grid.shape, grid.tobytes())
    layer = cache.get(key) if cache is not None else None
    if layer is None:
        layer = _grid_layer(grid, cell)
        if cache is not None:
            for k in [k for k in cache if k and k[0] == "grid"]:
                del cache[k]
            cache[key] = layer
    surface.blit(layer, board)
    h_cells, w_cells = grid.shape

    old_clip = surface.get_clip()
    surface.set_clip(board.clip(old_clip) if old_clip else board)
    mx, my, mh = (int(v) for v in mouse_xyh[:3])
    mc = _center(board, cell, mx, my)
    if sense_radius is not None and sense_radius > 0:
        pygame.draw.circle(
            surface, pal.SENSE, (int(mc[0]), int(mc[1])), int(sense_radius * cell), width=1
        )
    if trail is not None and len(trail) > 1:
        pts = [_center(board, cell, float(p[0]), float(p[1])) for p in trail]
        n = len(pts)
        width = max(2, cell // 7)
        for i in range(1, n):
            # A jump of more than one cell is a new episode, not a move: don't connect it.
            if abs(trail[i][0] - trail[i - 1][0]) > 1 or abs(trail[i][1] - trail[i - 1][1]) > 1:
                continue
            col = pal.mix(pal.FLOOR, pal.TRAIL, 0.15 + 0.6 * i / n)
            pygame.draw.line(surface, col, pts[i - 1], pts[i], width)
    reach = sense_radius if sense_radius else float(max(w_cells, h_cells))
    for angle, color in remembered:  # under the targets, so a glyph the ray crosses still shows
        draw_memory_ray(surface, mc, cell, angle, reach, color)
    for c in np.asarray(cheese_list).reshape(-1, 2):
        if 0 <= c[0] < w_cells and 0 <= c[1] < h_cells:
            _draw_cheese(surface, _center(board, cell, int(c[0]), int(c[1])), cell)
    preds = np.asarray(pred_list)
    if caught:  # the mouse first, so the predator that caught it shows on top
        _draw_mouse(surface, mc, cell, mh)
    for p in preds.reshape(-1, preds.shape[-1] if preds.ndim == 2 else 2):
        if 0 <= p[0] < w_cells and 0 <= p[1] < h_cells:
            head = int(p[2]) if p.shape[0] > 2 else None
            pc = _center(board, cell, int(p[0]), int(p[1]))
            if caught and (int(p[0]), int(p[1])) == (mx, my):
                pc = (pc[0] + cell * 0.45, pc[1] - cell * 0.45)  # beside the mouse, not over it
            _draw_predator(surface, pc, cell, head)
    if caught:
        _draw_caught_mark(surface, mc, cell)
    else:
        _draw_mouse(surface, mc, cell, mh)
    surface.set_clip(old_clip)
    pygame.draw.rect(surface, pal.PANEL_EDGE, board.inflate(2, 2), width=1)
    return board


def memory_color(color: pal.Color) -> pal.Color:
    """The faint tone of an expert's colour a remembered bearing is drawn in."""
    return pal.mix(pal.FLOOR, color, 0.6)


def memory_ray(
    center: tuple[float, float], cell: int, angle: float, reach: float
) -> list[tuple[tuple[float, float], tuple[float, float]]]:
    """The dashes (start, end in pixels) of a ray from `center` along a world `angle` (radians,
    counter-clockwise from east; screen y grows downward) out to `reach` cells. It starts
    clear of the mouse's body; dashes are 0.6 cells with gaps of 0.4."""
    dx, dy = math.cos(angle), -math.sin(angle)
    dashes = []
    t = 0.9
    while t < reach:
        t1 = min(reach, t + 0.6)
        a = (center[0] + dx * t * cell, center[1] + dy * t * cell)
        b = (center[0] + dx * t1 * cell, center[1] + dy * t1 * cell)
        dashes.append((a, b))
        t += 1.0
    return dashes


def draw_memory_ray(
    surface: pygame.Surface,
    center: tuple[float, float],
    cell: int,
    angle: float,
    reach: float,
    color: pal.Color,
) -> None:
    """A faint dashed ray: where a ring's bump says its target is while the mouse cannot sense
    it (the ring knows a bearing, not a distance, so the ray has no end point)."""
    width = max(2, cell // 8)
    tone = memory_color(color)
    for a, b in memory_ray(center, cell, angle, reach):
        pygame.draw.line(surface, tone, a, b, width)


BUMP_MIN = 1e-3  # a decoded amplitude below this is no bump: no arrow, and the text says so


def ring_geometry(rect: pygame.Rect) -> tuple[int, int, float]:
    """(centre x, centre y, radius) of the ring `draw_ring` draws in `rect`."""
    return rect.centerx, rect.centery, min(rect.w, rect.h) * 0.38


def ring_points(n: int, cx: float, cy: float, radius: float) -> np.ndarray:
    """Screen positions [n, 2] of neurons with preferred angles 2 pi i / n (0 at the top,
    counter-clockwise = to the left)."""
    theta = 2 * np.pi * np.arange(n) / n
    return np.stack([cx - radius * np.sin(theta), cy - radius * np.cos(theta)], axis=1)


def _ring_xy(cx: float, cy: float, radius: float, angle: float) -> tuple[float, float]:
    return cx - radius * math.sin(angle), cy - radius * math.cos(angle)


def _arrow(
    surface: pygame.Surface,
    color: pal.Color,
    start: tuple[float, float],
    end: tuple[float, float],
    width: int,
) -> None:
    sx, sy = start
    ex, ey = end
    length = math.hypot(ex - sx, ey - sy)
    if length < 2:
        return
    ux, uy = (ex - sx) / length, (ey - sy) / length
    head = min(length * 0.45, 6 + 2 * width)
    bx, by = ex - ux * head, ey - uy * head
    pygame.draw.line(surface, color, start, (bx, by), width)
    pygame.draw.polygon(
        surface,
        color,
        [
            (ex, ey),
            (bx - uy * head * 0.55, by + ux * head * 0.55),
            (bx + uy * head * 0.55, by - ux * head * 0.55),
        ],
    )


def draw_ring(
    surface: pygame.Surface,
    rect: pygame.Rect,
    rates: np.ndarray | None,
    bump_angle: float | None,
    bump_amplitude: float = 1.0,
    *,
    r_max: float = 1.0,
    target_bearing: float | None = None,
    target_visible: bool = False,
    color: pal.Color = pal.ACCENT,
    lut: np.ndarray | None = None,
    neurons: int = 64,
) -> tuple[float, float, float]:
    """Draw one expert's ring centred in `rect`; returns (centre x, centre y, radius).

    Args:
        rates: float[N] firing rates in [0, r_max] (colour of each neuron), or None to
            draw `neurons` neutral dots (e.g. a replay that stored only the bump angle).
        bump_angle: decoded bump angle (rad, egocentric, + = left), drawn as an arrow from
            the centre; None draws no arrow.
        bump_amplitude: population-vector length / N; sets the arrow's length.
        target_bearing / target_visible: the target's true egocentric bearing, drawn as a
            marker outside the ring only while the target is sensed.
        color: the expert's colour (arrow, marker); lut: uint8[256, 3] rate colours.
    """
    n = len(rates) if rates is not None else neurons
    cx, cy, radius = ring_geometry(rect)
    dot = max(2, min(7, int(math.pi * radius / n * 0.75)))
    pygame.draw.circle(surface, pal.PANEL_EDGE, (cx, cy), int(radius), width=1)
    pygame.draw.circle(surface, pal.PANEL_EDGE, (cx, cy), int(radius * 0.5), width=1)
    pts = ring_points(n, cx, cy, radius)
    if rates is None:
        cols = [pal.TEXT_FAINT] * n
    else:
        lut = pal.rate_lut(color) if lut is None else lut
        idx = np.clip(np.nan_to_num(np.asarray(rates) / r_max) * (len(lut) - 1), 0, len(lut) - 1)
        cols = [tuple(c) for c in lut[idx.astype(np.int64)].tolist()]
    for (x, y), c in zip(pts, cols, strict=True):
        pygame.draw.circle(surface, c, (int(x), int(y)), dot)
    # The mouse at the centre, facing up: the ring is egocentric.
    pygame.draw.polygon(
        surface,
        pal.TEXT_FAINT,
        [(cx, cy - 7), (cx - 5, cy + 5), (cx + 5, cy + 5)],
    )
    if target_bearing is not None and target_visible:
        tx, ty = _ring_xy(cx, cy, radius + dot + 9, target_bearing)
        ix, iy = _ring_xy(cx, cy, radius + dot + 2, target_bearing)
        _arrow(surface, color, (tx, ty), (ix, iy), 2)
        pygame.draw.circle(surface, color, (int(tx), int(ty)), 4)
    if bump_angle is not None and bump_amplitude > BUMP_MIN:
        frac = min(1.0, bump_amplitude / (0.25 * r_max))
        ex, ey = _ring_xy(cx, cy, radius * (0.2 + 0.65 * frac), bump_angle)
        _arrow(surface, pal.TEXT, (cx, cy), (ex, ey), 3)
    return cx, cy, radius


def draw_motor(
    surface: pygame.Surface,
    rect: pygame.Rect,
    drive: np.ndarray,
    probs: np.ndarray,
    action: int | None,
    text: TextCache,
) -> None:
    """The three motor neurons as bars: height = softmax probability, the drive written
    under each; the chosen action outlined and in bold."""
    n = 3
    label_h = 34
    gap = max(6, rect.w // 18)
    bw = (rect.w - gap * (n + 1)) // n
    top = rect.y + 6
    base = rect.bottom - label_h
    full = max(4, base - top)
    for a in range(n):
        x = rect.x + gap + a * (bw + gap)
        chosen = action == a
        pygame.draw.rect(surface, pal.FLOOR, (x, top, bw, full), border_radius=3)
        p = float(probs[a])
        h = int(full * min(1.0, max(0.0, p)))
        col = pal.ACCENT if chosen else pal.mix(pal.FLOOR, pal.ACCENT, 0.55)
        if h > 0:
            pygame.draw.rect(surface, col, (x, base - h, bw, h), border_radius=3)
        if chosen:
            pygame.draw.rect(surface, pal.TEXT, (x - 2, top - 2, bw + 4, full + 4), 2, 4)
        # The probability sits above the bar, or inside it when the bar is nearly full.
        if h < full - 16 or h < 16:
            pos, col_p, anchor = (x + bw // 2, base - h - 2), pal.TEXT, "midbottom"
        else:
            pos, col_p, anchor = (x + bw // 2, base - h + 3), pal.BG, "midtop"
        prob = (
            f"p {p:.2f}"
            if text.render(f"p {p:.2f}", pal.FONT_SMALL).get_width() <= bw
            else f"{p:.2f}"
        )
        text.blit(surface, prob, pos, pal.FONT_SMALL, col_p, anchor=anchor)
        name_col = pal.TEXT if chosen else pal.TEXT_DIM
        text.blit(
            surface,
            pal.MOTOR_NAMES[a],
            (x + bw // 2, base + 3),
            pal.FONT_NORMAL,
            name_col,
            bold=chosen,
            anchor="midtop",
        )
        # The drive under the name, in as many words as the bar's share of the width allows.
        for label in (f"drive {float(drive[a]):+.2f}", f"{float(drive[a]):+.2f}"):
            if text.render(label, pal.FONT_SMALL, pal.TEXT_FAINT).get_width() <= bw + gap - 6:
                text.blit(
                    surface,
                    label,
                    (x + bw // 2, base + 19),
                    pal.FONT_SMALL,
                    pal.TEXT_FAINT,
                    anchor="midtop",
                )
                break


def egocentric_order(n: int) -> np.ndarray:
    """Neuron indices left to right as the mouse sees them: behind-left, left, ahead, right,
    behind-right (preferred angle from +pi down to -pi)."""
    theta = 2 * np.pi * np.arange(n) / n
    wrapped = (theta + np.pi) % (2 * np.pi) - np.pi
    return np.argsort(-wrapped, kind="stable")


def draw_heatmap(
    surface: pygame.Surface,
    rect: pygame.Rect,
    weights: np.ndarray,
    vmax: float | None = None,
    *,
    lut: np.ndarray | None = None,
    order: np.ndarray | None = None,
) -> None:
    """A [rows, N] weight matrix as coloured cells scaled to `rect` (blue < 0 < warm).

    `order` reorders the columns (e.g. `egocentric_order(N)`); `vmax` fixes the colour
    scale (default: the largest |weight|)."""
    w = np.asarray(weights, dtype=np.float64)
    if order is not None:
        w = w[:, order]
    lut = pal.diverging_lut() if lut is None else lut
    scale = vmax if vmax else float(np.max(np.abs(w))) or 1.0
    t = np.clip(np.nan_to_num(w / scale), -1.0, 1.0)
    idx = ((t + 1.0) * 0.5 * (len(lut) - 1)).astype(np.int64)
    img = lut[idx]  # [rows, N, 3]
    small = pygame.surfarray.make_surface(np.ascontiguousarray(img.transpose(1, 0, 2)))
    surface.blit(pygame.transform.scale(small, rect.size), rect)


def draw_sparkline(
    surface: pygame.Surface,
    rect: pygame.Rect,
    values: Sequence[float],
    color: pal.Color = pal.CHEESE,
) -> None:
    """A small line chart of `values` (oldest left), scaled from 0 to its maximum."""
    pygame.draw.line(surface, pal.PANEL_EDGE, rect.bottomleft, rect.bottomright)
    if len(values) == 0:
        return
    vals = np.asarray(values, dtype=np.float64)
    top = max(1.0, float(vals.max()))
    n = len(vals)
    xs = rect.x + (np.arange(n) + 0.5) * rect.w / max(n, 1)
    ys = rect.bottom - 1 - vals / top * (rect.h - 4)
    pts = list(zip(xs.tolist(), ys.tolist(), strict=True))
    if n > 1:
        pygame.draw.lines(surface, color, False, pts, 2)
    pygame.draw.circle(surface, pal.TEXT, (int(pts[-1][0]), int(pts[-1][1])), 3)
