"""What research needs from a sentiment model, and from the cache in front of it.

A model scores many texts per call and answers per text, joined by id: one text it could not
score (a refusal, a truncated answer, a reply outside the schema) is a ``ScoreResult`` with a
``problem`` and no sentiment, and the caller lets the offline model stand in for that one.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Protocol, runtime_checkable

import msgspec

from freeride.core.sentiment import Sentiment


class ScoreRequest(msgspec.Struct, frozen=True, kw_only=True):
    """One text to score; ``id`` joins the answer back (a story's content hash)."""

    id: str
    text: str
    symbols: tuple[str, ...] = ()


class ScoreResult(msgspec.Struct, frozen=True, kw_only=True):
    id: str
    sentiment: Sentiment | None = None
    problem: str = ""  # why there is no sentiment: "refused: …", "truncated (finish_reason length)"


class ModelUsage(msgspec.Struct, kw_only=True):
    """What a model has spent: requests, scored texts, tokens and money (USD), since it was built."""

    requests: int = 0
    scored: int = 0
    failed: int = 0
    prompt_tokens: int = 0
    completion_tokens: int = 0
    cost_usd: float = 0.0


@runtime_checkable
class SentimentModel(Protocol):
    @property
    def name(self) -> str:
        """Names the model and its version in caches and events (``offline-1``, ``gpt-4o-mini``)."""
        ...

    async def score(self, requests: Sequence[ScoreRequest]) -> list[ScoreResult]:
        """One result per request, any order; missing ids count as failed."""
        ...


class CachedScore(msgspec.Struct, frozen=True, kw_only=True):
    sentiment: Sentiment
    expires_at: int


@runtime_checkable
class ScoreCache(Protocol):
    """Scores by (model, content hash), each kept until its ``expires_at``."""

    async def get_many(self, model: str, hashes: Sequence[str], now_ns: int) -> dict[str, Sentiment]: ...

    async def put_many(self, model: str, scores: Mapping[str, Sentiment], expires_at: int) -> None: ...
