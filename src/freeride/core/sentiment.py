"""Sentiment of a text or a story: a label, a score in [-1, 1] and how sure the model is."""

from __future__ import annotations

from enum import StrEnum

import msgspec


class SentimentLabel(StrEnum):
    POSITIVE = "positive"
    NEGATIVE = "negative"
    NEUTRAL = "neutral"


def label_of(score: float, band: float = 0.05) -> SentimentLabel:
    """The label a score reads as: within ``band`` of zero is neutral."""
    if score >= band:
        return SentimentLabel.POSITIVE
    if score <= -band:
        return SentimentLabel.NEGATIVE
    return SentimentLabel.NEUTRAL


class Sentiment(msgspec.Struct, frozen=True, kw_only=True):
    """What a model says about one text.

    ``score`` is in [-1, 1] (bearish to bullish for whatever the text is about), ``confidence``
    in [0, 1]. ``symbols`` are what the model says the text concerns (the LLM names them; the
    offline model repeats the story's), ``rationale`` one line on why.
    """

    label: SentimentLabel
    score: float
    confidence: float
    model: str
    rationale: str = ""
    symbols: tuple[str, ...] = ()


class StorySentiment(msgspec.Struct, frozen=True, kw_only=True):
    """A scored story, as published on ``research.sentiment.<symbol>`` and stored.

    It carries what the dashboard's news stream shows (headline, url, sources) so a subscriber
    needs nothing else. ``fallback`` names why the configured model did not answer when the
    offline model stood in (a refusal, a truncated answer, the spending cap).
    """

    story_id: str
    content_hash: str
    headline: str
    url: str
    symbols: tuple[str, ...]
    currencies: tuple[str, ...] = ()
    sources: tuple[str, ...] = ()
    label: SentimentLabel
    score: float
    confidence: float
    model: str
    rationale: str = ""
    vendor_score: float | None = None
    cached: bool = False
    fallback: str = ""
    ts_event: int  # the story's publication
    ts_init: int  # when it was scored
