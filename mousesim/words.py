"""Counts in words for messages, tables and titles: "1 episode", "2 episodes"."""

from __future__ import annotations

_IRREGULAR = {"was": "were"}


def plural(n: int | float, word: str, many: str | None = None) -> str:
    """`n` and `word`, in the plural unless n is exactly 1: plural(1, "cell") -> "1 cell",
    plural(3, "cell") -> "3 cells"; `many` gives an irregular plural."""
    if n == 1:
        return f"{n:g} {word}" if isinstance(n, float) else f"{n} {word}"
    form = many or _IRREGULAR.get(word, word + "s")
    return f"{n:g} {form}" if isinstance(n, float) else f"{n} {form}"
