"""Research storage: news items and scored stories, the score cache, LLM usage, trade plans."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from decimal import Decimal
from typing import Any

import msgspec
import sqlalchemy as sa

from freeride.core.news import NewsItem
from freeride.core.notify import Notification
from freeride.core.plans import PlanOutcome, TradePlan
from freeride.core.sentiment import Sentiment, SentimentLabel, StorySentiment
from freeride.storage.repositories._base import Repository, dialect_insert
from freeride.storage.repositories.outbox import outbox_rows
from freeride.storage.tables import (
    llm_usage,
    news_items,
    news_stories,
    notify_outbox,
    sentiment_cache,
    story_symbols,
    trade_plans,
)

SUPERSEDED = "superseded"
ACTIVE = "active"


def _item_row(item: NewsItem, story_id: str) -> dict[str, Any]:
    return {
        "key": item.key,
        "story_id": story_id,
        "source": item.source,
        "url": item.url,
        "canonical_url": item.canonical_url,
        "headline": item.headline,
        "summary": item.summary,
        "publisher": item.publisher,
        "symbols": list(item.symbols),
        "currencies": list(item.currencies),
        "vendor_score": item.vendor_score,
        "ts_event": item.ts_event,
        "ts_init": item.ts_init,
    }


def _story_row(s: StorySentiment) -> dict[str, Any]:
    return {
        "story_id": s.story_id,
        "content_hash": s.content_hash,
        "headline": s.headline,
        "url": s.url,
        "symbols": list(s.symbols),
        "currencies": list(s.currencies),
        "sources": list(s.sources),
        "label": s.label.value,
        "score": s.score,
        "confidence": s.confidence,
        "model": s.model,
        "rationale": s.rationale,
        "vendor_score": s.vendor_score,
        "fallback": s.fallback,
        "ts_event": s.ts_event,
        "ts_init": s.ts_init,
    }


def _story(row: Any) -> StorySentiment:
    return StorySentiment(
        story_id=row["story_id"],
        content_hash=row["content_hash"],
        headline=row["headline"],
        url=row["url"],
        symbols=tuple(row["symbols"]),
        currencies=tuple(row["currencies"]),
        sources=tuple(row["sources"]),
        label=SentimentLabel(row["label"]),
        score=float(row["score"]),
        confidence=float(row["confidence"]),
        model=row["model"],
        rationale=row["rationale"],
        vendor_score=row["vendor_score"],
        fallback=row["fallback"],
        ts_event=int(row["ts_event"]),
        ts_init=int(row["ts_init"]),
    )


async def _upsert(conn: Any, table: sa.Table, rows: list[dict[str, Any]], keys: list[str]) -> None:
    if not rows:
        return
    stmt = dialect_insert(conn, table)
    updates = {c: stmt.excluded[c] for c in rows[0] if c not in keys}
    await conn.execute(stmt.on_conflict_do_update(index_elements=keys, set_=updates), rows)


class SqlNewsRepository(Repository):
    async def save(
        self,
        items: Sequence[tuple[NewsItem, str]],
        stories: Sequence[StorySentiment],
        dropped: Sequence[str] = (),
    ) -> None:
        async with self._engine.begin() as conn:
            if dropped:
                gone = list(dropped)
                await conn.execute(sa.delete(story_symbols).where(story_symbols.c.story_id.in_(gone)))
                await conn.execute(sa.delete(news_stories).where(news_stories.c.story_id.in_(gone)))
            await _upsert(conn, news_items, [_item_row(i, sid) for i, sid in items], ["key"])
            await _upsert(conn, news_stories, [_story_row(s) for s in stories], ["story_id"])
            links = [
                {"symbol": sym, "story_id": s.story_id, "ts_event": s.ts_event}
                for s in stories
                for sym in s.symbols
            ]
            await _upsert(conn, story_symbols, links, ["symbol", "story_id"])

    async def stories(
        self, symbol: str | None = None, since_ns: int = 0, limit: int = 100
    ) -> list[StorySentiment]:
        t = news_stories
        stmt = sa.select(t).where(t.c.ts_event >= since_ns).order_by(t.c.ts_event.desc()).limit(limit)
        if symbol is not None:
            linked = sa.select(story_symbols.c.story_id).where(story_symbols.c.symbol == symbol)
            stmt = stmt.where(t.c.story_id.in_(linked))
        async with self._engine.connect() as conn:
            return [_story(r) for r in (await conn.execute(stmt)).mappings()]

    async def items_of(self, story_id: str) -> list[NewsItem]:
        t = news_items
        stmt = sa.select(t).where(t.c.story_id == story_id).order_by(t.c.ts_event)
        async with self._engine.connect() as conn:
            rows = (await conn.execute(stmt)).mappings().all()
        return [
            NewsItem(
                source=r["source"],
                item_id=r["key"].split("|", 1)[1],
                url=r["url"],
                canonical_url=r["canonical_url"],
                headline=r["headline"],
                summary=r["summary"],
                publisher=r["publisher"],
                symbols=tuple(r["symbols"]),
                currencies=tuple(r["currencies"]),
                vendor_score=r["vendor_score"],
                ts_event=int(r["ts_event"]),
                ts_init=int(r["ts_init"]),
            )
            for r in rows
        ]


class SqlScoreCache(Repository):
    """The score cache in the database (the ``ScoreCache`` port)."""

    async def get_many(self, model: str, hashes: Sequence[str], now_ns: int) -> dict[str, Sentiment]:
        if not hashes:
            return {}
        t = sentiment_cache
        out: dict[str, Sentiment] = {}
        async with self._engine.connect() as conn:
            for start in range(0, len(hashes), 500):
                chunk = list(hashes[start : start + 500])
                stmt = sa.select(t.c.content_hash, t.c.sentiment).where(
                    t.c.model == model, t.c.content_hash.in_(chunk), t.c.expires_at > now_ns
                )
                for h, sentiment in (await conn.execute(stmt)).all():
                    out[h] = msgspec.convert(sentiment, Sentiment)
        return out

    async def put_many(self, model: str, scores: Mapping[str, Sentiment], expires_at: int) -> None:
        rows = [
            {"model": model, "content_hash": h, "sentiment": msgspec.to_builtins(s), "expires_at": expires_at}
            for h, s in scores.items()
        ]
        async with self._engine.begin() as conn:
            await _upsert(conn, sentiment_cache, rows, ["model", "content_hash"])

    async def purge(self, now_ns: int) -> int:
        t = sentiment_cache
        async with self._engine.begin() as conn:
            result = await conn.execute(sa.delete(t).where(t.c.expires_at <= now_ns))
        return int(result.rowcount or 0)


class SqlUsageRepository(Repository):
    async def add(
        self,
        day: str,
        model: str,
        *,
        requests: int,
        scored: int,
        failed: int,
        prompt_tokens: int,
        completion_tokens: int,
        cost_usd: Decimal,
    ) -> None:
        t = llm_usage
        async with self._engine.begin() as conn:
            row = (
                (await conn.execute(sa.select(t).where(t.c.day == day, t.c.model == model)))
                .mappings()
                .first()
            )
            values = {
                "requests": requests,
                "scored": scored,
                "failed": failed,
                "prompt_tokens": prompt_tokens,
                "completion_tokens": completion_tokens,
                "cost_usd": cost_usd,
            }
            if row is None:
                await conn.execute(sa.insert(t).values(day=day, model=model, **values))
            else:
                summed = {k: row[k] + v for k, v in values.items()}
                await conn.execute(sa.update(t).where(t.c.day == day, t.c.model == model).values(**summed))

    async def spent(self, day: str) -> Decimal:
        async with self._engine.connect() as conn:
            values = (
                await conn.execute(sa.select(llm_usage.c.cost_usd).where(llm_usage.c.day == day))
            ).scalars()
            return sum((Decimal(v) for v in values), Decimal(0))

    async def days(self, limit: int = 30) -> list[dict[str, Any]]:
        t = llm_usage
        async with self._engine.connect() as conn:
            rows = (await conn.execute(sa.select(t).order_by(t.c.day.desc()).limit(limit))).mappings().all()
        return [dict(r) for r in rows]


def _plan_of(row: Any) -> TradePlan:
    return msgspec.convert(row["plan"], TradePlan, strict=False)


def _outcome_of(row: Any) -> PlanOutcome | None:
    detail = row["outcome_detail"]
    return None if detail is None else msgspec.convert(detail, PlanOutcome, strict=False)


class SqlPlanRepository(Repository):
    async def save(self, plan: TradePlan, notifications: Sequence[Notification] = ()) -> TradePlan:
        t = trade_plans
        async with self._engine.begin() as conn:
            latest = (
                await conn.execute(
                    sa.select(t.c.plan_id, t.c.version)
                    .where(t.c.symbol == plan.symbol)
                    .order_by(t.c.version.desc())
                    .limit(1)
                )
            ).first()
            version = 1 if latest is None else int(latest.version) + 1
            stored = msgspec.structs.replace(
                plan,
                version=version,
                plan_id=f"{plan.symbol}#{version}",
                supersedes="" if latest is None else str(latest.plan_id),
            )
            await conn.execute(
                sa.update(t).where(t.c.symbol == plan.symbol, t.c.status == ACTIVE).values(status=SUPERSEDED)
            )
            await conn.execute(
                sa.insert(t).values(
                    plan_id=stored.plan_id,
                    symbol=stored.symbol,
                    version=version,
                    status=ACTIVE,
                    plan=msgspec.to_builtins(stored),
                    ts_event=stored.ts_event,
                    expires_at=stored.expires_at,
                )
            )
            notes = [msgspec.structs.replace(n, key=stored.plan_id) for n in notifications]
            for row in outbox_rows(notes):
                await conn.execute(sa.insert(notify_outbox).values(**row))
        return stored

    async def get(self, plan_id: str) -> TradePlan | None:
        async with self._engine.connect() as conn:
            row = (
                (await conn.execute(sa.select(trade_plans).where(trade_plans.c.plan_id == plan_id)))
                .mappings()
                .first()
            )
        return None if row is None else _plan_of(row)

    async def find(
        self, symbol: str | None = None, *, active_only: bool = False, limit: int = 100
    ) -> list[tuple[TradePlan, PlanOutcome | None]]:
        t = trade_plans
        stmt = sa.select(t).order_by(t.c.ts_event.desc(), t.c.version.desc()).limit(limit)
        if symbol is not None:
            stmt = stmt.where(t.c.symbol == symbol)
        if active_only:
            stmt = stmt.where(t.c.status == ACTIVE)
        async with self._engine.connect() as conn:
            rows = (await conn.execute(stmt)).mappings().all()
        return [(_plan_of(r), _outcome_of(r)) for r in rows]

    async def set_outcomes(self, outcomes: Sequence[PlanOutcome], now_ns: int) -> None:
        t = trade_plans
        async with self._engine.begin() as conn:
            for o in outcomes:
                await conn.execute(
                    sa.update(t)
                    .where(t.c.plan_id == o.plan_id)
                    .values(
                        outcome=o.outcome.value,
                        r_multiple=o.r_multiple,
                        outcome_detail=msgspec.to_builtins(o),
                        evaluated_at=now_ns,
                    )
                )
