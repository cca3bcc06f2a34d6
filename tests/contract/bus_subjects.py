"""The buses the contract suite runs against: in-memory, and Redis Streams on 127.0.0.1:6379.

Each Redis subject gets stream keys under a prefix of its own, deleted after the test.
"""

from __future__ import annotations

import os
import uuid
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

import pytest

from freeride.bus.memory import InMemoryBus
from freeride.bus.redis import RedisBus
from freeride.bus.redis_streams import StreamConfig
from freeride.core.clock import ManualClock

REDIS_HOST = "127.0.0.1"
REDIS_PORT = 6379


async def redis_or_skip(host: str = REDIS_HOST, port: int = REDIS_PORT) -> object:
    """A client of the local Redis; the test is skipped without one (failed under ``CI=true``)."""
    from redis.asyncio import Redis

    client = Redis(host=host, port=port, socket_connect_timeout=2)
    try:
        await client.ping()
    except Exception as exc:
        await client.aclose()
        if os.environ.get("CI") == "true":
            pytest.fail(f"Redis not reachable at {host}:{port}: {exc}")
        pytest.skip(f"Redis not reachable at {host}:{port}: {exc}")
    return client


async def delete_prefix(prefix: str, host: str = REDIS_HOST, port: int = REDIS_PORT) -> None:
    from redis.asyncio import Redis

    client = Redis(host=host, port=port)
    try:
        keys = [k async for k in client.scan_iter(match=f"{prefix}:*", count=1_000)]
        if keys:
            await client.delete(*keys)
    finally:
        await client.aclose()


def unique_prefix() -> str:
    return f"freeride-test-{uuid.uuid4().hex[:12]}"


@asynccontextmanager
async def memory_bus() -> AsyncIterator[InMemoryBus]:
    bus = InMemoryBus(ManualClock(1_000))
    try:
        yield bus
    finally:
        await bus.close()


@asynccontextmanager
async def redis_bus(**config: object) -> AsyncIterator[InMemoryBus]:
    from redis.asyncio import Redis

    await redis_or_skip()
    prefix = unique_prefix()
    settings = StreamConfig(prefix=prefix, shards=4, **config)  # type: ignore[arg-type]
    bus = RedisBus(
        ManualClock(1_000), Redis(host=REDIS_HOST, port=REDIS_PORT), group="contract", config=settings
    )
    try:
        yield bus
    finally:
        await bus.close()
        await delete_prefix(prefix)


BUSES = {"memory": memory_bus, "redis": redis_bus}
