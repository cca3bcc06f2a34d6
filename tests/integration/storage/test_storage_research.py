"""Research storage on SQLite and PostgreSQL: news and stories, the score cache, usage, plans."""

from __future__ import annotations

from decimal import Decimal

import sqlalchemy as sa
from sqlalchemy.ext.asyncio import AsyncEngine

from freeride.core.notify import Notification
from freeride.core.plans import OutcomeKind, PlanOutcome
from freeride.core.sentiment import Sentiment, SentimentLabel
from freeride.storage.repositories.research import (
    SqlNewsRepository,
    SqlPlanRepository,
    SqlScoreCache,
    SqlUsageRepository,
)
from freeride.storage.tables import notify_outbox, trade_plans
from freeride.testing.research_builders import news, plan, scored


async def test_items_and_stories_by_symbol_newest_first(engine: AsyncEngine) -> None:
    repo = SqlNewsRepository(engine)
    a = news(1, "Apple beats", symbols=("AAPL",), ts_s=10)
    b = news(2, "Apple tops", source="massive", symbols=("AAPL",), ts_s=20)
    await repo.save([(a, a.key), (b, a.key)], [scored(a.key, "Apple beats", 0.6, ts_s=10)])
    await repo.save([], [scored("x|1", "ECB hikes", 0.4, symbols=("EUR/USD",), ts_s=30)])
    assert [s.story_id for s in await repo.stories()] == ["x|1", a.key]
    assert [s.story_id for s in await repo.stories("AAPL")] == [a.key]
    assert [i.key for i in await repo.items_of(a.key)] == [a.key, b.key]
    rescored = scored(a.key, "Apple beats", -0.2, ts_s=10)
    await repo.save([], [rescored])
    assert (await repo.stories("AAPL"))[0].score == -0.2  # the latest score wins


async def test_score_cache_keys_by_model_and_hash_and_expires(engine: AsyncEngine) -> None:
    cache = SqlScoreCache(engine)
    s = Sentiment(label=SentimentLabel.POSITIVE, score=0.5, confidence=0.9, model="gpt", symbols=("AAPL",))
    await cache.put_many("gpt", {"h1": s}, expires_at=100)
    assert await cache.get_many("gpt", ["h1", "h2"], now_ns=50) == {"h1": s}
    assert await cache.get_many("offline-1", ["h1"], now_ns=50) == {}
    assert await cache.get_many("gpt", ["h1"], now_ns=100) == {}
    assert await cache.purge(100) == 1


async def test_usage_adds_up_per_day(engine: AsyncEngine) -> None:
    usage = SqlUsageRepository(engine)
    for _ in range(2):
        await usage.add(
            "2024-06-03",
            "gpt",
            requests=1,
            scored=20,
            failed=0,
            prompt_tokens=900,
            completion_tokens=300,
            cost_usd=Decimal("0.0015"),
        )
    await usage.add(
        "2024-06-04",
        "gpt",
        requests=1,
        scored=1,
        failed=1,
        prompt_tokens=1,
        completion_tokens=1,
        cost_usd=Decimal("1"),
    )
    assert await usage.spent("2024-06-03") == Decimal("0.0030")
    assert (await usage.days())[1]["prompt_tokens"] == 1_800


async def test_plans_are_versioned_and_announced_in_the_same_transaction(engine: AsyncEngine) -> None:
    repo = SqlPlanRepository(engine)
    note = Notification(channel="discord", title="plan", text="AAPL long", ts_event=1, ts_init=1)
    first = await repo.save(plan("AAPL", ts_s=1), [note])
    second = await repo.save(plan("AAPL", ts_s=2))
    other = await repo.save(plan("EUR/USD", entry=1.08, stop=1.075, ts_s=3))
    assert (first.plan_id, second.plan_id, other.plan_id) == ("AAPL#1", "AAPL#2", "EUR/USD#1")
    assert second.supersedes == "AAPL#1"
    active = await repo.find(active_only=True)
    assert sorted(p.plan_id for p, _ in active) == ["AAPL#2", "EUR/USD#1"]
    async with engine.connect() as conn:
        outbox = (await conn.execute(sa.select(notify_outbox.c.notification))).scalars().all()
        statuses = dict((await conn.execute(sa.select(trade_plans.c.plan_id, trade_plans.c.status))).all())
    assert [o["key"] for o in outbox] == ["AAPL#1"]
    assert statuses["AAPL#1"] == "superseded"
    outcome = PlanOutcome(plan_id="AAPL#1", symbol="AAPL", outcome=OutcomeKind.TARGET, r_multiple=2.25)
    await repo.set_outcomes([outcome], now_ns=5)
    found = await repo.find("AAPL")
    assert [(p.plan_id, o) for p, o in found] == [("AAPL#2", None), ("AAPL#1", outcome)]
    assert await repo.get("AAPL#2") == second
