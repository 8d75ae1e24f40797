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
    from mousesim.render.frames import replay_to_gif

    if gif is not None:
        n = replay_to_gif(replay, gif, fps=args.fps, stride=args.stride)
        end = ", caught" if replay.caught else ""
        stderr_log(
            f"wrote {gif}: {plural(n, 'frame')} (episode {replay.episode}, "
            f"{plural(replay.steps, 'step')}{end})"
        )
        return 0
    _open_display(args.file)
    try:
        _window(replay, args.fps, args.stride)
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


def _window(replay, fps: float, stride: int) -> None:
    """Play the replay in a window. Space pauses, arrows step, Home/End jump, +/- change the
    speed, R restarts, Q or Esc quits; at the end it waits on the last step."""
    import pygame

    from mousesim.render.frames import ReplayPainter, replay_rows

    painter = ReplayPainter(replay)
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
