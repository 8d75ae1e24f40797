"""Off-screen RGB frames of the world panel, for Gymnasium `rgb_array` renders and replay GIFs.

Frames are drawn on a plain `pygame.Surface`, which needs no display and no `pygame.init()`,
so they work on a headless machine. `render_frame` is the one entry point: the Gymnasium
adapter and the replay writer both call it, so an `rgb_array` frame and a GIF frame of the
same state are the same picture.
"""

from __future__ import annotations

import math
import os
from collections.abc import Sequence

import numpy as np

CELL = 16  # pixels per grid cell

FLOOR = (236, 231, 219)
WALL = (58, 60, 72)
CHEESE = (240, 196, 32)
CHEESE_EDGE = (150, 110, 0)
PREDATOR = (200, 52, 48)
MOUSE = (120, 120, 132)
MOUSE_NOSE = (250, 250, 250)
TRAIL = (120, 160, 220)
SENSE = (150, 190, 150)

XY = tuple[int, int]


def _pygame():
    os.environ.setdefault("PYGAME_HIDE_SUPPORT_PROMPT", "1")
    import pygame

    return pygame


def frame_size(grid_shape: tuple[int, int], cell: int = CELL) -> tuple[int, int]:
    """(width, height) in pixels of the world panel of a grid of `grid_shape` = (rows, cols)."""
    return grid_shape[1] * cell, grid_shape[0] * cell


def draw_world_panel(
    surface,
    rect,
    grid: np.ndarray,
    mouse_xyh: Sequence[int],
    cheese: Sequence[XY],
    preds: Sequence[XY],
    trail: Sequence[XY],
    sense_radius: float,
) -> None:
    """Draw the grid, trail, sense radius, cheese, predators and mouse into `rect` of `surface`.

    Args:
        surface: a pygame Surface (a window or an off-screen surface).
        rect: the pygame Rect to fill; the cell size is its width over the grid's columns.
        grid: int8[H, W], 1 = wall.
        mouse_xyh: the mouse's (x, y, heading); heading h points h * 45 deg counter-clockwise
            from east on screen.
        cheese: (x, y) cells of the cheese pieces (off-grid ones are skipped).
        preds: (x, y) cells of the predators.
        trail: the mouse's recent cells, oldest first.
        sense_radius: the mouse's sense radius in cells (drawn as a circle).
    """
    pg = _pygame()
    rows, cols = grid.shape
    cell = max(1, rect.width // cols)
    ox, oy = rect.x, rect.y
    surface.fill(FLOOR, rect)
    for y, x in zip(*np.nonzero(grid), strict=True):
        surface.fill(WALL, pg.Rect(ox + int(x) * cell, oy + int(y) * cell, cell, cell))

    def centre(x: int, y: int) -> tuple[int, int]:
        return ox + int(x) * cell + cell // 2, oy + int(y) * cell + cell // 2

    def on_grid(x: int, y: int) -> bool:
        return 0 <= x < cols and 0 <= y < rows

    clip = surface.get_clip()
    surface.set_clip(rect)
    mx, my, mh = (int(v) for v in mouse_xyh[:3])
    pg.draw.circle(surface, SENSE, centre(mx, my), int(sense_radius * cell), 1)
    n = len(trail)
    for i, (tx, ty) in enumerate(trail):
        if on_grid(tx, ty):
            r = max(1, int(cell * (0.12 + 0.13 * (i + 1) / n)))
            pg.draw.circle(surface, TRAIL, centre(tx, ty), r)
    for cx, cy in cheese:
        if on_grid(cx, cy):
            c = centre(cx, cy)
            pg.draw.circle(surface, CHEESE, c, max(2, int(cell * 0.38)))
            pg.draw.circle(surface, CHEESE_EDGE, c, max(2, int(cell * 0.38)), 1)
    for px, py in preds:
        if on_grid(px, py):
            r = pg.Rect(0, 0, max(3, int(cell * 0.8)), max(3, int(cell * 0.8)))
            r.center = centre(px, py)
            pg.draw.rect(surface, PREDATOR, r, border_radius=max(1, cell // 5))
    if on_grid(mx, my):
        cxp, cyp = centre(mx, my)
        a = mh * math.pi / 4.0
        fx, fy = math.cos(a), -math.sin(a)  # screen y grows downward
        sx, sy = -fy, fx
        half = cell * 0.45
        tip = (cxp + fx * half, cyp + fy * half)
        back_l = (cxp - fx * half + sx * half * 0.8, cyp - fy * half + sy * half * 0.8)
        back_r = (cxp - fx * half - sx * half * 0.8, cyp - fy * half - sy * half * 0.8)
        pg.draw.polygon(surface, MOUSE, [tip, back_l, back_r])
        pg.draw.circle(surface, MOUSE_NOSE, (int(tip[0]), int(tip[1])), max(1, cell // 8))
    surface.set_clip(clip)


def render_frame(
    grid: np.ndarray,
    mouse_xyh: Sequence[int],
    cheese: Sequence[XY],
    preds: Sequence[XY],
    trail: Sequence[XY],
    sense_radius: float,
    *,
    cell: int = CELL,
) -> np.ndarray:
    """One RGB frame of the world panel, uint8[H * cell, W * cell, 3] (rows, columns, RGB)."""
    pg = _pygame()
    w, h = frame_size(grid.shape, cell)
    surface = pg.Surface((w, h))
    draw_world_panel(
        surface, surface.get_rect(), grid, mouse_xyh, cheese, preds, trail, sense_radius
    )
    return surface_to_array(surface)


def surface_to_array(surface) -> np.ndarray:
    """A pygame Surface as uint8[height, width, 3]."""
    pg = _pygame()
    return np.ascontiguousarray(pg.surfarray.array3d(surface).transpose(1, 0, 2))
