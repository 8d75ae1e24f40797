"""Counts in words for messages, tables and titles: "1 episode", "2 episodes"."""

from __future__ import annotations

_IRREGULAR = {"was": "were"}


def plural(n: int | float, word: str, many: str | None = None) -> str:
    """`n` and `word`, in the plural unless n is exactly 1: plural(1, "cell") -> "1 cell",
    plural(3, "cell") -> "3 cells", plural(2000000, "run") -> "2,000,000 runs"; `many` gives
    an irregular plural."""
    count = f"{n:g}" if isinstance(n, float) else f"{n:,}"
    if n == 1:
        return f"{count} {word}"
    return f"{count} {many or _IRREGULAR.get(word, word + 's')}"
