"""The score cache on the real Redis (127.0.0.1:6379), in front of the database."""

from __future__ import annotations

import os
import uuid
from pathlib import Path

import pytest

from freeride.core.clock import ManualClock
from freeride.core.sentiment import Sentiment, SentimentLabel
from freeride.research.cache import TieredCache
from freeride.storage.engine import create_engine
from freeride.storage.migrate import upgrade_engine
from freeride.storage.repositories.research import SqlScoreCache
from freeride.storage.score_cache_redis import RedisScoreCache

pytestmark = pytest.mark.redis
S = 1_000_000_000


async def _redis() -> object:
    from redis.asyncio import Redis

    client = Redis(host="127.0.0.1", port=6379, socket_connect_timeout=2)
    try:
        await client.ping()
    except Exception as exc:
        await client.aclose()
        if os.environ.get("CI") == "true":
            pytest.fail(f"Redis not reachable at 127.0.0.1:6379: {exc}")
        pytest.skip(f"Redis not reachable at 127.0.0.1:6379: {exc}")
    return client


async def test_redis_tier_answers_first_and_is_refilled_from_the_database(tmp_path: Path) -> None:
    client = await _redis()
    clock = ManualClock(1_000 * S)
    redis = RedisScoreCache(client, clock, prefix=f"freeride-test:{uuid.uuid4().hex}")
    engine = create_engine(f"sqlite+aiosqlite:///{tmp_path / 'cache.db'}")
    await upgrade_engine(engine)
    sql = SqlScoreCache(engine)
    cache = TieredCache([redis, sql])
    s = Sentiment(
        label=SentimentLabel.NEGATIVE, score=-0.4, confidence=0.7, model="gpt", symbols=("EUR/USD",)
    )
    try:
        await cache.put_many("gpt", {"h1": s}, expires_at=clock.now_ns() + 60 * S)
        assert await redis.get_many("gpt", ["h1"], clock.now_ns()) == {"h1": s}
        await sql.put_many("gpt", {"h2": s}, expires_at=clock.now_ns() + 60 * S)  # only in the database
        assert await cache.get_many("gpt", ["h1", "h2", "h3"], clock.now_ns()) == {"h1": s, "h2": s}
        assert await redis.get_many("gpt", ["h2"], clock.now_ns()) == {"h2": s}  # copied back up
        assert cache.hits == 2
        assert cache.misses == 1
    finally:
        await redis.aclose()
        await engine.dispose()
