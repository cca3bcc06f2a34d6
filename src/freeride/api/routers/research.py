"""``/api/v1`` research: news stories, sentiment (stored series and on demand), trade plans.

Reading needs the ``read`` scope; making or evaluating plans needs ``trade``. Handlers call the
same services as ``freeride news|sentiment|plan|plans``; no SQL here. Live updates come over
``/ws`` on ``research.sentiment.>`` (each scored story) and ``research.plan.>`` (each new plan).
"""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Any

import msgspec
from fastapi import APIRouter, Depends, Query, Request
from pydantic import BaseModel, ConfigDict, Field

from freeride.api.deps import require, state_of
from freeride.api.deps_v1 import norm_symbol, time_ns
from freeride.api.errors import ERROR_RESPONSES, ApiError
from freeride.app.research import ResearchSetup
from freeride.core.clock import NS_PER_SECOND
from freeride.core.errors import InvalidInput
from freeride.core.sentiment import StorySentiment
from freeride.ports.tokens import Scope

router = APIRouter(prefix="/api/v1", tags=["research"], responses=ERROR_RESPONSES)
READ = [Depends(require(Scope.READ))]
WRITE = [Depends(require(Scope.TRADE))]
BUCKETS = {"1h": 3_600, "4h": 14_400, "1d": 86_400}


async def research(request: Request) -> ResearchSetup:
    setup = state_of(request).research
    if setup is None:
        raise ApiError(503, "research is not running in this process")
    return setup


Research = Annotated[ResearchSetup, Depends(research)]


def _symbol(symbol: str | None) -> str | None:
    return None if symbol is None else norm_symbol(symbol)


@router.get("/news", dependencies=READ)
async def news(
    setup: Research,
    symbol: Annotated[str | None, Query(max_length=32)] = None,
    since: datetime | None = None,
    limit: Annotated[int, Query(ge=1, le=1_000)] = 100,
) -> dict[str, Any]:
    """Scored stories, newest first, each with every feed that carried it."""
    stories = await setup.news.stories(_symbol(symbol), time_ns(since, "since") or 0, limit)
    return {"items": [msgspec.to_builtins(s) for s in stories], "count": len(stories)}


@router.get("/stories/{story_id:path}", dependencies=READ)
async def story(setup: Research, story_id: str) -> dict[str, Any]:
    """One story with each item (feed, URL, headline as that feed had it)."""
    if len(story_id) > 300:
        raise ApiError(422, "story_id: longer than 300 characters", fields=[("story_id", "too long")])
    items = await setup.news.items_of(story_id)
    if not items:
        raise ApiError(404, f"no story with id {story_id!r}")
    return {"story_id": story_id, "items": [msgspec.to_builtins(i) for i in items]}


@router.get("/sentiment", dependencies=READ)
async def sentiment_series(
    setup: Research,
    symbol: Annotated[str, Query(max_length=32)],
    since: datetime | None = None,
    bucket: Annotated[str, Query(pattern="^(1h|4h|1d)$")] = "1h",
) -> dict[str, Any]:
    """Sentiment over time for one symbol: the confidence-weighted mean score per bucket."""
    sym = norm_symbol(symbol)
    stories = await setup.news.stories(sym, time_ns(since, "since") or 0, 5_000)
    return {"symbol": sym, "bucket": bucket, "points": _buckets(stories, BUCKETS[bucket])}


def _buckets(stories: list[StorySentiment], seconds: int) -> list[dict[str, Any]]:
    width = seconds * NS_PER_SECOND
    sums: dict[int, list[float]] = {}
    for s in stories:
        key = s.ts_event // width * width
        acc = sums.setdefault(key, [0.0, 0.0, 0.0])
        acc[0] += s.score * s.confidence
        acc[1] += s.confidence
        acc[2] += 1
    return [
        {"ts": key, "score": round(a[0] / a[1], 4) if a[1] else 0.0, "stories": int(a[2])}
        for key, a in sorted(sums.items())
    ]


class TextsIn(BaseModel):
    model_config = ConfigDict(extra="forbid")
    texts: list[Annotated[str, Field(min_length=1, max_length=10_000)]] = Field(min_length=1, max_length=500)


@router.post("/sentiment", dependencies=READ)
async def score(setup: Research, body: TextsIn) -> dict[str, Any]:
    """The offline model's reading of each text (label, score, confidence, the evidence)."""
    return {"items": [msgspec.to_builtins(setup.offline.analyse(t)) for t in body.texts]}


def _plan_out(plan: Any, outcome: Any) -> dict[str, Any]:
    out: dict[str, Any] = msgspec.to_builtins(plan)
    out["outcome"] = msgspec.to_builtins(outcome) if outcome is not None else None
    return out


@router.get("/plans", dependencies=READ)
async def plans(
    setup: Research,
    symbol: Annotated[str | None, Query(max_length=32)] = None,
    active: bool = False,
    limit: Annotated[int, Query(ge=1, le=1_000)] = 100,
) -> dict[str, Any]:
    """Plans newest first, each with its outcome when evaluated, and the track record per symbol."""
    from freeride.research.plans.evaluate import TrackRecord

    found = await setup.plans.plans.find(_symbol(symbol), active_only=active, limit=limit)
    record = TrackRecord([o for _, o in found if o is not None]).by_symbol
    return {"items": [_plan_out(p, o) for p, o in found], "count": len(found), "track_record": record}


class PlanIn(BaseModel):
    model_config = ConfigDict(extra="forbid")
    symbol: str = Field(max_length=32, examples=["AAPL", "EUR/USD"])
    post_to: list[Annotated[str, Field(max_length=64)]] | None = Field(default=None, max_length=10)


@router.post("/plans", status_code=201, dependencies=WRITE)
async def make_plan(setup: Research, body: PlanIn) -> dict[str, Any]:
    """A new plan for the symbol from its bars and recent stories (superseding the current one)."""
    symbol = norm_symbol(body.symbol)
    try:
        plan = await setup.plans.plan(symbol, post_to=body.post_to)
    except InvalidInput as exc:  # no bars for that symbol: the field asked for, not the request's form
        raise ApiError(422, str(exc), fields=[("symbol", str(exc))]) from None
    return _plan_out(plan, None)


@router.post("/plans/evaluate", dependencies=WRITE)
async def evaluate(
    setup: Research, symbol: Annotated[str | None, Query(max_length=32)] = None
) -> dict[str, Any]:
    """Score every open plan against the bars after it; the outcomes and the track record."""
    found, record = await setup.plans.evaluate(_symbol(symbol))
    return {"items": [_plan_out(p, o) for p, o in found], "track_record": record.by_symbol}
