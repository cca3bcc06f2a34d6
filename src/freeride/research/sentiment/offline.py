"""The offline sentiment model: no key, no download, no network; the default and the fallback.

VADER's shipped word list plus freeride's finance lexicon and rules (``rules``). Measured on the
held-out evaluation set in ``tests/data`` (see docs/research.md for the figures).
"""

from __future__ import annotations

from collections.abc import Sequence

from freeride.core.sentiment import Sentiment
from freeride.ports.sentiment import ScoreRequest, ScoreResult
from freeride.research.sentiment.rules import Rules

NAME = "offline-1"  # bump when the rules change: cached scores are keyed by the model's name


class OfflineModel:
    name = NAME

    def __init__(self) -> None:
        self._rules = Rules()
        self.scored = 0

    def analyse(self, text: str, symbols: tuple[str, ...] = ()) -> Sentiment:
        reading = self._rules.read(text)
        self.scored += 1
        evidence = ", ".join(reading.evidence[:6]) or "no sentiment-bearing words"
        return Sentiment(
            label=reading.label,
            score=reading.score,
            confidence=reading.confidence,
            model=NAME,
            rationale=evidence,
            symbols=symbols,
        )

    async def score(self, requests: Sequence[ScoreRequest]) -> list[ScoreResult]:
        return [ScoreResult(id=r.id, sentiment=self.analyse(r.text, r.symbols)) for r in requests]
