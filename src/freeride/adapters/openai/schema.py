"""The request body and the strict JSON schema of the answer, and its parsing (pure).

Stories go in as a JSON array of ``{id, text, symbols}`` with short ids (``s1``, ``s2``…) that
the answer must repeat; results are joined back by id, never by position. The schema is strict:
every property required, no others allowed, the label an enum.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from typing import Any, Literal

import msgspec

from freeride.core.sentiment import Sentiment, SentimentLabel
from freeride.ports.sentiment import ScoreRequest

SYSTEM = (
    "You score financial news for a trader. For each story return: score from -1 (clearly bad for "
    "the asset it concerns) to 1 (clearly good), label positive/negative/neutral, confidence 0-1, "
    "the stock tickers or currency pairs it concerns, and a one-line rationale. For forex, score "
    "the first currency named as the subject. Reply with every id you were given, exactly once."
)

RESULT_SCHEMA: dict[str, Any] = {
    "type": "object",
    "properties": {
        "results": {
            "type": "array",
            "items": {
                "type": "object",
                "properties": {
                    "id": {"type": "string"},
                    "score": {"type": "number"},
                    "label": {"type": "string", "enum": ["positive", "negative", "neutral"]},
                    "confidence": {"type": "number"},
                    "symbols": {"type": "array", "items": {"type": "string"}},
                    "rationale": {"type": "string"},
                },
                "required": ["id", "score", "label", "confidence", "symbols", "rationale"],
                "additionalProperties": False,
            },
        }
    },
    "required": ["results"],
    "additionalProperties": False,
}
RESPONSE_FORMAT: dict[str, Any] = {
    "type": "json_schema",
    "json_schema": {"name": "news_sentiment", "strict": True, "schema": RESULT_SCHEMA},
}


class WireResult(msgspec.Struct, forbid_unknown_fields=True):
    id: str
    score: float
    label: Literal["positive", "negative", "neutral"]
    confidence: float
    symbols: list[str]
    rationale: str


class WireAnswer(msgspec.Struct, forbid_unknown_fields=True):
    results: list[WireResult]


_decoder = msgspec.json.Decoder(WireAnswer)


def body(
    model: str, requests: Sequence[ScoreRequest], max_tokens: int
) -> tuple[dict[str, Any], dict[str, str]]:
    """The chat-completions body for these stories and the short id → request id map."""
    ids = {f"s{n}": r.id for n, r in enumerate(requests, start=1)}
    stories = [
        {"id": short, "text": r.text, "symbols": list(r.symbols)}
        for short, r in zip(ids, requests, strict=True)
    ]
    return (
        {
            "model": model,
            "messages": [
                {"role": "system", "content": SYSTEM},
                {"role": "user", "content": json.dumps(stories, ensure_ascii=False)},
            ],
            "response_format": RESPONSE_FORMAT,
            "temperature": 0,
            "max_completion_tokens": max_tokens,
        },
        ids,
    )


class AnswerProblem(ValueError):
    """The whole answer is unusable; the text says why (``refused: …``, ``truncated: …``)."""


def parse_answer(content: str | None, refusal: str | None, finish_reason: str | None) -> list[WireResult]:
    if refusal:
        raise AnswerProblem(f"refused: {refusal[:200]}")
    if finish_reason == "length":
        raise AnswerProblem("truncated: the answer hit the token limit (finish_reason length)")
    if finish_reason == "content_filter":
        raise AnswerProblem("filtered: the answer was withheld by the content filter")
    if not content:
        raise AnswerProblem(f"invalid: empty answer (finish_reason {finish_reason})")
    try:
        return _decoder.decode(content).results
    except msgspec.DecodeError as exc:
        raise AnswerProblem(f"invalid: the answer is not the schema ({exc})") from None


def to_sentiment(result: WireResult, model: str) -> Sentiment:
    """One result as a ``Sentiment``; ``ValueError`` naming the field when it is out of range."""
    if not -1.0 <= result.score <= 1.0:
        raise ValueError(f"score {result.score} is outside [-1, 1]")
    if not 0.0 <= result.confidence <= 1.0:
        raise ValueError(f"confidence {result.confidence} is outside [0, 1]")
    return Sentiment(
        label=SentimentLabel(result.label),
        score=result.score,
        confidence=result.confidence,
        model=model,
        rationale=result.rationale[:300],
        symbols=tuple(s.upper()[:20] for s in result.symbols[:10]),
    )
