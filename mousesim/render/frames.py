"""Off-screen RGB frames: Gymnasium ``rgb_array`` renders, replay frames and GIFs.

Every picture comes from the window's own panel functions (`mousesim.render.draw`), drawn on a
plain ``pygame.Surface``: that needs no display and no ``pygame.init()``, so frames work on a
headless machine and look like the window. The world panel of an ``rgb_array`` frame, of a
replay frame and of the window are the same drawing of the same arrays.
"""

from __future__ import annotations

import io
import os
from collections.abc import Iterable, Sequence
from pathlib import Path
from typing import TYPE_CHECKING

import numpy as np

if TYPE_CHECKING:
    from mousesim.replay.recording import Replay

CELL = 16  # pixels per grid cell in frames
TRAIL = 20  # recent mouse cells drawn as the trail
TITLE_H = 28
HUD_H = 132
RING = 104  # side of one expert's ring panel in a replay frame
MOTOR_NAMES = ("left", "straight", "right")
LAST_FRAME_S = 1.5  # a GIF's last frame (how the episode ended) stays this long

XY = tuple[int, int]


def _pygame():
    os.environ.setdefault("PYGAME_HIDE_SUPPORT_PROMPT", "1")
    import pygame

    return pygame


def frame_size(grid_shape: tuple[int, int], cell: int = CELL) -> tuple[int, int]:
    """(width, height) in pixels of the world panel of a grid of `grid_shape` = (rows, cols)."""
    return grid_shape[1] * cell, grid_shape[0] * cell


def surface_to_array(surface) -> np.ndarray:
    """A pygame Surface as uint8[height, width, 3]."""
    pg = _pygame()
    return np.ascontiguousarray(pg.surfarray.array3d(surface).transpose(1, 0, 2))


def render_frame(
    grid: np.ndarray,
    mouse_xyh: Sequence[int],
    cheese: np.ndarray | Sequence[XY],
    preds: np.ndarray | Sequence[Sequence[int]],
    trail: Sequence[XY],
    sense_radius: float,
    *,
    cell: int = CELL,
    cache: dict | None = None,
) -> np.ndarray:
    """The world panel alone as uint8[H * cell, W * cell, 3] (the Gymnasium ``rgb_array``).

    Args:
        grid: int8[H, W], 1 = wall.
        mouse_xyh: the mouse's (x, y, heading).
        cheese: [K, 2] cheese cells; preds: [P, 2 or 3] predator cells (and heading).
        trail: the mouse's recent cells, oldest first.
        sense_radius: drawn as a circle around the mouse.
        cell: pixels per cell.
        cache: a dict kept between frames, so the static grid layer is drawn once.
    """
    pg = _pygame()
    from mousesim.render import palette as pal
    from mousesim.render.draw import draw_world

    w, h = frame_size(grid.shape, cell)
    surface = pg.Surface((w, h))
    surface.fill(pal.BG)
    draw_world(
        surface,
        surface.get_rect(),
        grid,
        mouse_xyh,
        cheese,
        preds,
        trail,
        sense_radius,
        cache=cache,
    )
    return surface_to_array(surface)


# -- replays ---------------------------------------------------------------------------------
def replay_frame_size(grid_shape: tuple[int, int], n_experts: int, cell: int = CELL) -> XY:
    """(width, height) of a replay frame: title strip, world, and the experts' strip."""
    bw, bh = frame_size(grid_shape, cell)
    width = max(bw + 16, 170 + n_experts * (RING + 8))
    return width, TITLE_H + bh + 8 + HUD_H


class ReplayPainter:
    """Draws row `t` of a replay (world, then each expert's bump, gate and reward) into a
    surface. One painter serves the replay window and the GIF writer, so both show the same."""

    def __init__(self, replay: Replay, cell: int = CELL) -> None:
        from mousesim.render.draw import TextCache

        self.rep = replay
        self.cell = cell
        self.size = replay_frame_size(replay.grid.shape, replay.n_experts, cell)
        self.text = TextCache()
        self.cache: dict = {}
        self._mouse = replay.mouse
        self._cheese = replay.cheese
        self._pred = replay.predator
        self._actions = replay.actions
        self._gates = replay.gates
        self._bumps = replay.bump_angles
        self._amps = replay.bump_amplitudes
        self._rewards = replay.rewards
        self._caught = replay.caught

    def draw(self, surface, row: int, *, status: str = "") -> None:
        """Paint row `row` (0 = after the reset) onto `surface` at (0, 0)."""
        pg = _pygame()
        from mousesim.render import palette as pal
        from mousesim.render.draw import BUMP_MIN, draw_ring, draw_world

        rep, cell = self.rep, self.cell
        width, height = self.size
        surface.fill(pal.BG, pg.Rect(0, 0, width, height))
        self.text.blit(
            surface,
            f"episode {rep.episode}   step {row}/{rep.steps}",
            (8, TITLE_H // 2),
            pal.FONT_NORMAL,
            pal.TEXT,
            bold=True,
            anchor="midleft",
        )
        caught = row == rep.steps and self._caught
        if caught:  # in place of the seed: the title strip has room for one of them
            self.text.blit(
                surface,
                "CAUGHT",
                (width - 8, TITLE_H // 2),
                pal.FONT_LARGE,
                pal.CAUGHT,
                bold=True,
                anchor="midright",
            )
        else:
            self.text.blit(
                surface,
                status or f"seed {rep.seed}",
                (width - 8, TITLE_H // 2),
                pal.FONT_SMALL,
                pal.TEXT_DIM,
                anchor="midright",
            )

        bw, bh = frame_size(rep.grid.shape, cell)
        board = pg.Rect((width - bw) // 2, TITLE_H, bw, bh)
        lo = max(0, row - TRAIL + 1)
        trail = [(int(x), int(y)) for x, y in self._mouse[lo : row + 1, :2]]
        cheese = self._cheese[row : row + 1]
        pred = self._pred[row : row + 1]
        draw_world(
            surface,
            board,
            rep.grid,
            self._mouse[row],
            cheese[cheese[:, 0] >= 0],
            pred[pred[:, 0] >= 0],
            trail,
            rep.sense_radius,
            cache=self.cache,
            caught=caught,
        )

        top = board.bottom + 8
        action = int(self._actions[row])
        self.text.blit(surface, "action", (8, top + 4), pal.FONT_SMALL, pal.TEXT_DIM)
        self.text.blit(
            surface,
            MOTOR_NAMES[action] if 0 <= action < 3 else "start",
            (8, top + 22),
            pal.FONT_LARGE,
            pal.TEXT,
            bold=True,
        )
        total = float(self._rewards[row].sum())
        self.text.blit(surface, "reward", (8, top + 56), pal.FONT_SMALL, pal.TEXT_DIM)
        self.text.blit(surface, f"{total:+.2f}", (8, top + 74), pal.FONT_LARGE, pal.TEXT)
        for k, (name, target) in enumerate(zip(rep.expert_names, rep.expert_targets, strict=True)):
            color = pal.target_color(target)
            x = 162 + k * (RING + 8)
            self.text.blit(
                surface, name, (x + RING // 2, top), pal.FONT_SMALL, color, anchor="midtop"
            )
            ring = pg.Rect(x, top + 14, RING, RING - 20)
            bump = float(self._bumps[row, k])
            # A silent ring (amplitude ~0) has no bump to point at: no arrow.
            live = 1.0 if float(self._amps[row, k]) > BUMP_MIN else 0.0
            draw_ring(surface, ring, None, bump, live, color=color)
            gate = float(self._gates[row, k])
            bar = pg.Rect(x + 10, top + RING - 4, RING - 20, 6)
            pg.draw.rect(surface, pal.PANEL_EDGE, bar, border_radius=3)
            fill = pg.Rect(bar.x, bar.y, int(bar.w * min(1.0, max(0.0, gate))), bar.h)
            pg.draw.rect(surface, color, fill, border_radius=3)
            self.text.blit(
                surface,
                f"gate {gate:.2f}  r {float(self._rewards[row, k]):+.2f}",
                (x + RING // 2, top + RING + 4),
                pal.FONT_SMALL,
                pal.TEXT_DIM,
                anchor="midtop",
            )

    def frame(self, row: int) -> np.ndarray:
        """Row `row` as uint8[height, width, 3]."""
        pg = _pygame()
        surface = pg.Surface(self.size)
        self.draw(surface, row)
        return surface_to_array(surface)


def replay_rows(steps: int, stride: int = 1) -> list[int]:
    """The rows a GIF shows: 0, stride, 2 stride, ... and always the last one."""
    if stride < 1:
        raise ValueError("stride must be >= 1")
    rows = list(range(0, steps + 1, stride))
    if rows[-1] != steps:
        rows.append(steps)
    return rows


def write_gif(
    path: str | Path, frames: Iterable[np.ndarray], fps: float, hold_last: float = 0.0
) -> int:
    """Write RGB frames as a looping GIF, atomically; returns the number of frames. The last
    frame stays `hold_last` seconds (at least one frame's time), so the end can be read.

    Frames are palettised one by one, so memory holds one byte per pixel per frame.
    """
    from PIL import Image

    from mousesim.io.atomic import write_bytes

    # Fast octree palettes without dithering: 8x quicker than median cut and, on these
    # flat-coloured frames, visually the same.
    images = [
        Image.fromarray(f).quantize(
            colors=255, method=Image.Quantize.FASTOCTREE, dither=Image.Dither.NONE
        )
        for f in frames
    ]
    if not images:
        raise ValueError("no frames to write")
    step_ms = max(20, round(1000.0 / fps))
    durations = [step_ms] * len(images)
    durations[-1] = max(step_ms, round(1000.0 * hold_last))
    buf = io.BytesIO()
    images[0].save(
        buf,
        format="GIF",
        save_all=True,
        append_images=images[1:],
        duration=durations if len(images) > 1 else step_ms,
        loop=0,
    )
    write_bytes(path, buf.getvalue())
    return len(images)


def replay_to_gif(
    replay: Replay, path: str | Path, *, fps: float = 10.0, stride: int = 1, cell: int = CELL
) -> int:
    """Render a replay to a GIF (one frame per `stride` steps, plus the last); returns frames."""
    painter = ReplayPainter(replay, cell)
    frames = (painter.frame(r) for r in replay_rows(replay.steps, stride))
    return write_gif(path, frames, fps, hold_last=LAST_FRAME_S)
