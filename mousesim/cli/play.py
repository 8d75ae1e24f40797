"""`mousesim play`: the interactive window (watch the brain learn, steer it with the focus slider)."""

from __future__ import annotations

import argparse
from pathlib import Path

from mousesim.cli.common import add_config_arguments, load_from_args, stderr_log

HELP = (
    "open the window: watch the mouse's brain learn and steer it with the focus slider, "
    "or play against it (--control predator | mouse)"
)


def _size(text: str) -> tuple[int, int]:
    try:
        w, h = (int(v) for v in text.lower().split("x"))
    except ValueError:
        raise argparse.ArgumentTypeError(
            f"expected WIDTHxHEIGHT, e.g. 1280x760, got {text!r}"
        ) from None
    if w < 100 or h < 100:
        raise argparse.ArgumentTypeError(f"window size {text} is too small")
    return w, h


def add_arguments(p: argparse.ArgumentParser) -> None:
    add_config_arguments(p, episodes=False)
    p.add_argument("--brain", default=None, help="start from this brain.npz (e.g. a run's)")
    p.add_argument(
        "--focus",
        type=float,
        default=None,
        help="initial focus slider, 0 (all predator) to 1 (all cheese)",
    )
    p.add_argument(
        "--steps-per-frame",
        type=int,
        default=5,
        metavar="N",
        help="initial simulation steps per frame, 1 to 1000 (5: learning shows within a couple"
        " of minutes; +/- in the window)",
    )
    p.add_argument(
        "--frames",
        type=int,
        default=None,
        metavar="N",
        help="quit after N frames (runs without the 60 fps cap; for docs and tests)",
    )
    p.add_argument("--screenshot", default=None, metavar="PATH", help="save the last frame as PNG")
    p.add_argument(
        "--size", type=_size, default=None, metavar="WxH", help="window size (default 1280x760)"
    )
    p.add_argument(
        "--control",
        default=None,
        metavar="{predator,mouse}",
        help="game mode: steer the predator (arrow keys) or the mouse (Left/Up/Right) yourself",
    )
    p.add_argument(
        "--rate",
        type=int,
        default=None,
        metavar="N",
        help="game mode: world steps per second, 1 to 30 (default 6; +/- in the window)",
    )


def main(args: argparse.Namespace) -> int:
    from mousesim.common.errors import UsageError

    if args.focus is not None and not 0.0 <= args.focus <= 1.0:
        raise UsageError(f"--focus must be between 0 and 1, got {args.focus}")
    if not 1 <= args.steps_per_frame <= 1000:
        raise UsageError(
            f"--steps-per-frame must be between 1 and 1000, got {args.steps_per_frame}"
        )
    if args.frames is not None and args.frames < 1:
        raise UsageError(f"--frames must be at least 1, got {args.frames}")
    if args.control not in (None, "predator", "mouse"):
        raise UsageError(f"--control must be predator or mouse, got {args.control!r}")
    if args.rate is not None:
        if args.control is None:
            raise UsageError("--rate sets the pace of a game; give --control predator or mouse")
        if not 1 <= args.rate <= 30:
            raise UsageError(f"--rate must be between 1 and 30 steps per second, got {args.rate}")
    shot = Path(args.screenshot) if args.screenshot else None
    if shot is not None:
        if shot.suffix.lower() != ".png":
            raise UsageError(f"--screenshot {shot}: the file name must end in .png")
        if not shot.parent.is_dir():
            raise UsageError(f"--screenshot {shot}: directory {shot.parent} does not exist")

    cfg = load_from_args(args)
    if args.control == "predator" and cfg.world.predator.count < 1:
        raise UsageError("--control predator needs a predator to steer (world.predator.count is 0)")
    brain = None
    if args.brain is not None:
        from mousesim.io.results import load_brain

        brain = load_brain(args.brain, cfg)

    # The display check comes before the (possibly 20 s) compile, so a headless
    # machine hears about it at once.
    import mousesim.render  # noqa: F401  (quiets pygame's import banner)
    from mousesim.render.app import App, open_display

    open_display()
    from mousesim.sim.simulation import Simulation
    from mousesim.sim.warmup import ensure_compiled

    ensure_compiled(stderr_log)
    sim = Simulation(cfg)
    if brain is not None:
        sim.load_brain(brain)
    if args.focus is not None:
        sim.set_focus(args.focus)
    from mousesim.render.controls import GAME_RATE
    from mousesim.render.layout import DEFAULT_SIZE
    from mousesim.render.view import default_title

    app = App(
        sim,
        size=args.size or DEFAULT_SIZE,
        title=default_title(args.config),
        save_dir=Path(args.brain).parent if args.brain else Path.cwd(),
        brain_episodes=int(brain["episodes"]) if brain is not None and "episodes" in brain else 0,
        steps_per_frame=args.steps_per_frame,
        control=args.control,
        game_rate=args.rate or GAME_RATE,
    )
    try:
        app.run(frames=args.frames, screenshot=shot)
    finally:
        import pygame

        pygame.quit()
    return 0
