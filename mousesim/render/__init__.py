"""The interactive window (`mousesim play`) and the drawing code replays reuse.

Only this package imports pygame, and only when a window or a frame is drawn;
the simulation core never imports it. `draw.py` draws panels from plain arrays
(usable without a `Simulation`, e.g. for replays and GIFs), `view.py` draws a
whole frame from a running `Simulation`, `controls.py` turns keys and the
slider into commands, `app.py` owns the interactive loop.
"""

from __future__ import annotations

import os

# pygame prints a banner to stdout on import; a CLI tool should not.
os.environ.setdefault("PYGAME_HIDE_SUPPORT_PROMPT", "1")
