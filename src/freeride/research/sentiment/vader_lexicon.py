"""VADER's lexicon, read from the file the vaderSentiment package ships (MIT licence).

Only the word list is used (mean valence, −4 to +4); the scoring rules are freeride's own
(``research.sentiment.rules``). Read once per process and shared.
"""

from __future__ import annotations

from functools import cache
from importlib import resources


@cache
def vader_lexicon() -> dict[str, float]:
    """Word → valence in [−1, 1] (VADER's mean rating divided by 4)."""
    text = resources.files("vaderSentiment").joinpath("vader_lexicon.txt").read_text(encoding="utf-8")
    out: dict[str, float] = {}
    for line in text.splitlines():
        parts = line.split("\t")
        if len(parts) >= 2:
            try:
                out[parts[0]] = float(parts[1]) / 4.0
            except ValueError:
                continue
    return out
