"""Text for Discord: monospace tables in code blocks, times as Discord timestamps."""

from __future__ import annotations

from collections.abc import Sequence

from freeride.core.clock import NS_PER_SECOND


def when(ns: int) -> str:
    """A time each reader sees in their own zone (``<t:1700000000:f>``)."""
    return f"<t:{ns // NS_PER_SECOND}:f>"


def table(headers: Sequence[str], rows: Sequence[Sequence[str]]) -> str:
    """A fenced, column-aligned table; long ones are split between lines, fences kept whole."""
    widths = [max(len(str(c)) for c in col) for col in zip(headers, *rows, strict=False)]
    lines = [
        "  ".join(str(c).ljust(w) for c, w in zip(row, widths, strict=False)).rstrip()
        for row in [headers, *rows]
    ]
    return "```\n" + "\n".join(lines) + "\n```"
