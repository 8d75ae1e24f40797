"""`mousesim replay`: re-draw a recorded episode in the window or to a GIF (no re-simulation)."""

from __future__ import annotations

import argparse
import os
from pathlib import Path

from mousesim.cli.common import stderr_log
from mousesim.common.words import plural

HELP = "re-draw a recorded episode (RUN/replays/episode-N.npz) in the window or to a GIF"
MAX_FPS = 50  # GIF delays are whole centiseconds and viewers slow down anything faster


def add_arguments(p: argparse.ArgumentParser) -> None:
    p.add_argument("file", metavar="FILE", help="a replay, e.g. runs/demo/replays/episode-50.npz")
    p.add_argument(
        "--gif", default=None, metavar="OUT.gif", help="write a GIF instead of opening the window"
    )
    p.add_argument(
        "--fps", type=float, default=10.0, help=f"frames per second, up to {MAX_FPS} (default 10)"
    )
    p.add_argument(
        "--stride",
        type=int,
        default=1,
        metavar="K",
        help="show every K-th step (default 1: every step; the last step is always shown)",
    )


def main(args: argparse.Namespace) -> int:
    from mousesim.common.errors import UsageError
    from mousesim.replay.recording import load_replay

    if not 0 < args.fps <= MAX_FPS:
        raise UsageError(f"--fps must be above 0 and at most {MAX_FPS}, got {args.fps:g}")
    if args.stride < 1:
        raise UsageError(f"--stride must be at least 1, got {args.stride}")
    gif = Path(args.gif) if args.gif else None
    if gif is not None:
        if gif.suffix.lower() != ".gif":
            raise UsageError(f"--gif {gif}: the file name must end in .gif")
        if not gif.parent.is_dir():
            raise UsageError(f"--gif {gif}: directory {gif.parent} does not exist")
    replay = load_replay(args.file)

    import mousesim.render  # noqa: F401  (quiets pygame's import banner)
    from mousesim.render.frames import replay_rows, replay_to_gif

    if gif is not None:
        frames = len(replay_rows(replay.steps, args.stride))
        cell = fit_cell(args.file, replay, GIF_LIMIT, "a GIF frame", frames, args.stride)
        n = replay_to_gif(replay, gif, fps=args.fps, stride=args.stride, cell=cell)
        end = ", caught" if replay.caught else ""
        stderr_log(
            f"wrote {gif}: {plural(n, 'frame')} (episode {replay.episode}, "
            f"{plural(replay.steps, 'step')}{end})"
        )
        return 0
    _open_display(args.file)
    try:
        cell = fit_cell(args.file, replay, _screen_limit(), "the screen")
        _window(replay, args.fps, args.stride, cell)
    finally:
        import pygame

        pygame.quit()
    return 0


def _open_display(file: str) -> None:
    """Initialise pygame's display, or a one-line error with the GIF alternative."""
    from mousesim.render.app import open_display

    open_display(
        "no display for the replay window ({why}); "
        f"write a GIF instead: mousesim replay {file} --gif episode.gif"
    )


# -- maps of any size: drawn smaller to fit, or refused in one line ------------------------

GIF_LIMIT = (2048, 2048)  # pixels of a GIF frame
MAX_GIF_BYTES = 1 << 30  # the GIF writer holds every frame, one byte a pixel, until it saves
WINDOW_LIMIT = (1920, 1080)  # when the display cannot say its size


def _screen_limit() -> tuple[int, int]:
    """The desktop's size less room for the window's frame (an initialised display)."""
    import pygame

    try:
        w, h = pygame.display.get_desktop_sizes()[0]
    except (pygame.error, IndexError):
        w, h = WINDOW_LIMIT
    if w < 200 or h < 200:
        w, h = WINDOW_LIMIT
    return w - 40, h - 80


def fit_cell(
    file: str, replay, limit: tuple[int, int], what: str, frames: int = 1, stride: int = 1
) -> int:
    """Pixels per map cell for a replay frame within `limit`: the usual size when it fits,
    else the largest smaller one (down to 1 pixel a cell). A map too large even then, or a
    GIF whose frames would not fit in memory, is refused (ReplayError naming the file)."""
    from mousesim.render.frames import CELL, replay_frame_size
    from mousesim.replay.recording import ReplayError

    rows, cols = replay.grid.shape
    for cell in range(CELL, 0, -1):
        w, h = replay_frame_size(replay.grid.shape, replay.n_experts, cell)
        if w <= limit[0] and h <= limit[1]:
            break
    else:
        _, h0 = replay_frame_size((0, 0), replay.n_experts, 1)  # the frame around the map
        hint = ""
        if what == "the screen" and cols + 16 <= GIF_LIMIT[0] and rows + h0 <= GIF_LIMIT[1]:
            hint = f"; write a GIF instead: mousesim replay {file} --gif episode.gif"
        raise ReplayError(
            f"{file}: its {cols}x{rows}-cell map does not fit {what} ({limit[0]}x{limit[1]} "
            f"pixels) even at 1 pixel a cell (up to {limit[0] - 16}x{limit[1] - h0} cells "
            f"fit){hint}"
        )
    size = w * h * frames
    if size > MAX_GIF_BYTES:
        stride *= -(-size // MAX_GIF_BYTES)
        raise ReplayError(
            f"{file}: {frames} frames of {w}x{h} pixels would need {size / 2**30:.1f} GiB "
            f"while the GIF is made; show fewer steps, e.g. --stride {stride}"
        )
    return cell


def _window(replay, fps: float, stride: int, cell: int) -> None:
    """Play the replay in a window. Space pauses, arrows step, Home/End jump, +/- change the
    speed, R restarts, Q or Esc quits; at the end it waits on the last step."""
    import pygame

    from mousesim.render.frames import ReplayPainter, replay_rows

    painter = ReplayPainter(replay, cell)
    screen = pygame.display.set_mode(painter.size)
    pygame.display.set_caption(f"mousesim replay - episode {replay.episode}")
    rows = replay_rows(replay.steps, stride)
    # With the off-screen driver nobody can watch or press a key: play once and return.
    unattended = os.environ.get("SDL_VIDEODRIVER") == "dummy"
    clock = pygame.time.Clock()
    i, playing = 0, True
    while True:
        for ev in pygame.event.get():
            if ev.type == pygame.QUIT:
                return
            if ev.type != pygame.KEYDOWN:
                continue
            if ev.key in (pygame.K_q, pygame.K_ESCAPE):
                return
            if ev.key == pygame.K_SPACE:
                playing = not playing
                if playing and i == len(rows) - 1:
                    i = 0
            elif ev.key == pygame.K_RIGHT:
                i, playing = min(i + 1, len(rows) - 1), False
            elif ev.key == pygame.K_LEFT:
                i, playing = max(i - 1, 0), False
            elif ev.key == pygame.K_HOME:
                i = 0
            elif ev.key == pygame.K_END:
                i, playing = len(rows) - 1, False
            elif ev.key == pygame.K_r:
                i, playing = 0, True
            elif ev.key in (pygame.K_PLUS, pygame.K_EQUALS, pygame.K_KP_PLUS):
                fps = min(60.0, fps * 1.5)
            elif ev.key in (pygame.K_MINUS, pygame.K_KP_MINUS):
                fps = max(1.0, fps / 1.5)
        state = f"{fps:.0f} fps  space pause" if playing else "paused  arrows step  R restart"
        painter.draw(screen, rows[i], status=state)
        pygame.display.flip()
        clock.tick(fps if playing else 30)
        if playing:
            if i == len(rows) - 1:
                if unattended:
                    return
                playing = False
            else:
                i += 1
