"""Colours and font sizes of the window: one dark theme, one colour per target kind."""

from __future__ import annotations

import numpy as np

Color = tuple[int, int, int]

BG: Color = (16, 18, 23)
PANEL: Color = (25, 28, 35)
PANEL_EDGE: Color = (44, 49, 60)
TEXT: Color = (222, 226, 234)
TEXT_DIM: Color = (138, 145, 160)
TEXT_FAINT: Color = (88, 95, 110)
ACCENT: Color = (120, 180, 255)
GOOD: Color = (110, 210, 140)
WARN: Color = (240, 170, 80)

FLOOR: Color = (30, 34, 42)
FLOOR_LINE: Color = (36, 41, 50)
WALL: Color = (70, 78, 94)
WALL_TOP: Color = (92, 101, 120)
CHEESE: Color = (250, 204, 72)
CHEESE_DARK: Color = (196, 150, 40)
PREDATOR: Color = (238, 84, 84)
PREDATOR_DARK: Color = (150, 44, 50)
MOUSE: Color = (226, 230, 238)
MOUSE_EAR: Color = (236, 160, 176)
TRAIL: Color = (120, 180, 255)
SENSE: Color = (52, 70, 96)
CAUGHT: Color = (255, 64, 64)  # the word
CAUGHT_MARK: Color = (255, 226, 90)  # the ring round a caught mouse

# Targets an expert can track, and the colour its ring, gate and heat map use.
TARGET_COLORS: dict[str, Color] = {"cheese": CHEESE, "predator": PREDATOR}
MOTOR_NAMES = ("left", "straight", "right")

FONT_SMALL = 18
FONT_NORMAL = 21
FONT_LARGE = 26
FONT_TITLE = 30


def target_color(target: str) -> Color:
    return TARGET_COLORS.get(target, ACCENT)


def mix(a: Color, b: Color, t: float) -> Color:
    """Linear blend from a (t = 0) to b (t = 1)."""
    t = min(1.0, max(0.0, t))
    return (
        int(a[0] + (b[0] - a[0]) * t),
        int(a[1] + (b[1] - a[1]) * t),
        int(a[2] + (b[2] - a[2]) * t),
    )


def rate_lut(color: Color, n: int = 256) -> np.ndarray:
    """uint8[n, 3] colour ramp for firing rates: dark -> the expert's colour -> near white."""
    t = np.linspace(0.0, 1.0, n)[:, None]
    dark = np.array((40, 44, 54), dtype=float)
    mid = np.array(color, dtype=float)
    white = np.array((255, 250, 240), dtype=float)
    lo = dark + (mid - dark) * np.clip(t / 0.7, 0, 1)
    hi = mid + (white - mid) * np.clip((t - 0.7) / 0.3, 0, 1)
    out = np.where(t < 0.7, lo, hi)
    return out.astype(np.uint8)


def diverging_lut(n: int = 256) -> np.ndarray:
    """uint8[n, 3] ramp for signed weights: blue (negative) -> dark (0) -> warm (positive)."""
    t = np.linspace(-1.0, 1.0, n)[:, None]
    zero = np.array((30, 33, 41), dtype=float)
    neg = np.array((80, 150, 255), dtype=float)
    pos = np.array((255, 190, 90), dtype=float)
    hot = np.array((255, 245, 225), dtype=float)
    a = np.abs(t)
    warm = np.where(
        a < 0.75, zero + (pos - zero) * (a / 0.75), pos + (hot - pos) * ((a - 0.75) / 0.25)
    )
    cold = zero + (neg - zero) * a
    return np.where(t >= 0, warm, cold).astype(np.uint8)
