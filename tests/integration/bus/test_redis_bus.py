"""What only the Redis bus has to get right: redelivery, duplicates, poison, trimming, lost data.

Idle times are Redis's own, so these tests claim with ``reclaim_idle_ms=0`` and call
``reclaim_once`` themselves instead of waiting for the upkeep task.
"""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Callable
from contextlib import asynccontextmanager
from typing import Any

import pytest
from bus_subjects import REDIS_HOST, REDIS_PORT, delete_prefix, redis_or_skip, unique_prefix
from redis.asyncio import Redis

from freeride.bus import topics
from freeride.bus.codec import encode
from freeride.bus.redis import RedisBus
from freeride.bus.redis_dlq import list_dead, replay
from freeride.bus.redis_streams import StreamConfig
from freeride.core.clock import ManualClock
from freeride.core.market import Bar

pytestmark = pytest.mark.redis

Factory = Callable[..., RedisBus]


async def until(bus: RedisBus, done: Callable[[], bool]) -> None:
    """Until ``done()``, re-checked after each batch the bus's reader finishes (10 s at most)."""
    while not done():
        await asyncio.wait_for(bus.handled_batch(), timeout=10)


def bar(ts: int, symbol: str = "AAPL") -> Bar:
    return Bar(
        symbol=symbol, interval="1m", open=1, high=1, low=1, close=1, volume=1, ts_event=ts, ts_init=ts
    )


@asynccontextmanager
async def buses(**config: Any) -> AsyncIterator[tuple[Factory, Redis, StreamConfig]]:
    """Buses sharing one prefix (``make(group=…, persist_seen=…)``), a raw client, the config."""
    await redis_or_skip()
    settings = StreamConfig(prefix=unique_prefix(), shards=2, **config)
    made: list[RedisBus] = []

    def make(group: str = "g", **kw: Any) -> RedisBus:
        bus = RedisBus(
            ManualClock(1), Redis(host=REDIS_HOST, port=REDIS_PORT), group=group, config=settings, **kw
        )
        made.append(bus)
        return bus

    raw = Redis(host=REDIS_HOST, port=REDIS_PORT)
    try:
        yield make, raw, settings
    finally:
        for bus in made:
            await bus.close()
        await raw.aclose()
        await delete_prefix(settings.prefix)


async def test_a_duplicated_entry_is_handled_once_even_by_another_consumer_of_a_writing_role() -> None:
    async with buses() as (make, raw, _):
        first, second = make(persist_seen=True), make(persist_seen=True)
        got: list[int] = []
        for bus in (first, second):
            bus.subscribe(topics.ALL_BARS, lambda b: got.append(b.ts_event))
        await first.open()
        key = first.streams.key(topics.bar("AAPL", "1m"))
        assert key is not None
        data = encode(topics.bar("AAPL", "1m"), bar(1), "ev-1", None, "elsewhere")
        await raw.xadd(key, {"e": data})
        await until(first, lambda: first.handled >= 1)
        await first.close()  # the first consumer is gone; a publisher retry wrote the entry again
        await raw.xadd(key, {"e": data})
        await second.open()
        await until(second, lambda: second.duplicates >= 1)
        assert got == [1]


async def test_a_poison_event_is_dead_lettered_after_n_deliveries_while_the_rest_flow() -> None:
    async with buses(reclaim_idle_ms=0, max_deliveries=2) as (make, raw, settings):
        bus = make()
        good: list[int] = []
        attempts: list[int] = []

        def picky(b: Bar) -> None:
            if b.ts_event == 13:
                attempts.append(13)
                raise ValueError("cannot take 13")
            good.append(b.ts_event)

        picking = bus.subscribe(topics.ALL_BARS, picky)
        await bus.open()
        for ts in range(20):
            bus.publish(topics.bar("AAPL", "1m"), bar(ts))
        await bus.settled()
        assert good == [t for t in range(20) if t != 13]
        await bus.reclaim_once()  # delivery 2: fails again
        await bus.reclaim_once()  # delivery 3 > 2: dead letter
        assert attempts == [13, 13]
        dead = await list_dead(raw, bus.streams.dead_letters)
        assert [(d.type, d.topic, d.deliveries) for d in dead] == [("Bar", topics.bar("AAPL", "1m"), 2)]
        assert "not handled after 2 deliveries" in dead[0].reason
        await bus.refresh_stats()
        assert sum(bus.pending.values()) == 0

        replayed = await replay(raw, bus.streams.dead_letters)  # the handler was fixed meanwhile
        assert [d.event_id for d in replayed] == [dead[0].event_id]
        assert await list_dead(raw, bus.streams.dead_letters) == []
        picking.cancel()
        fixed: list[int] = []
        bus.subscribe(topics.ALL_BARS, lambda b: fixed.append(b.ts_event))
        await until(bus, lambda: fixed == [13])
        assert settings.prefix in dead[0].stream


async def test_bytes_that_are_no_event_go_to_the_dead_letters_at_once() -> None:
    async with buses() as (make, raw, _):
        bus = make()
        got: list[int] = []
        bus.subscribe(topics.ALL_BARS, lambda b: got.append(b.ts_event))
        await bus.open()
        key = bus.streams.key(topics.bar("AAPL", "1m"))
        assert key is not None
        await raw.xadd(key, {"e": b"\xc1 not msgpack"})
        bus.publish(topics.bar("AAPL", "1m"), bar(5))
        await bus.settled()
        assert got == [5]
        dead = await list_dead(raw, bus.streams.dead_letters)
        assert len(dead) == 1
        assert dead[0].type is None
        assert "not an event envelope" in dead[0].reason
        with pytest.raises(KeyError, match="no dead letter '1-1'"):
            await replay(raw, bus.streams.dead_letters, ["1-1"])


async def test_a_dead_consumers_pending_entries_are_claimed_and_handled_by_another() -> None:
    async with buses(reclaim_idle_ms=0) as (make, raw, _):
        survivor = make()
        got: list[int] = []
        survivor.subscribe(topics.ALL_BARS, lambda b: got.append(b.ts_event))
        await survivor._ensure_groups()
        publisher = make(group="publisher")
        await publisher.open()
        for ts in range(50):
            publisher.publish(topics.bar("AAPL", "1m"), bar(ts))
        await publisher.settled()
        key = survivor.streams.key(topics.bar("AAPL", "1m"))
        assert key is not None
        taken = await raw.xreadgroup("g", "dead-worker", {key: ">"}, count=100)  # read, never acked
        assert len(taken[0][1]) == 50
        claimed = await survivor.reclaim_once()
        assert claimed == 50
        assert got == list(range(50))
        await survivor.refresh_stats()
        assert sum(survivor.pending.values()) == 0


async def test_groups_lost_with_redis_data_are_made_again_and_reading_goes_on() -> None:
    async with buses() as (make, _, settings):
        bus = make()
        got: list[int] = []
        bus.subscribe(topics.ALL_BARS, lambda b: got.append(b.ts_event))
        await bus.open()
        bus.publish(topics.bar("AAPL", "1m"), bar(1))
        await bus.settled()
        await delete_prefix(settings.prefix)  # what a Redis restarted without persistence looks like
        bus.publish(topics.bar("AAPL", "1m"), bar(2))
        await until(bus, lambda: got == [1, 2])


async def test_streams_are_trimmed_to_their_length() -> None:
    async with buses(max_len=1_000) as (make, raw, _):
        bus = make()
        await bus.open()
        for ts in range(5_000):
            bus.publish(topics.bar("AAPL", "1m"), bar(ts))
        await bus.settled()
        key = bus.streams.key(topics.bar("AAPL", "1m"))
        assert 1_000 <= await raw.xlen(key) < 2_000  # approximate trimming: whole nodes at a time


async def test_lag_and_pending_reach_the_metrics_and_readiness() -> None:
    from freeride.app.readiness import check_bus
    from freeride.ops.bus_streams import register_stream_bus
    from freeride.ops.metrics import Metrics

    async with buses() as (make, _, _settings):
        bus = make(group="alerts")
        bus.subscribe(topics.ALL_BARS, lambda b: 1 / 0 if b.ts_event == 2 else None)
        await bus.open()
        for ts in range(3):
            bus.publish(topics.bar("AAPL", "1m"), bar(ts))
        await bus.settled()
        await bus.refresh_stats()
        metrics = Metrics()
        register_stream_bus(metrics, bus)
        text = metrics.render().decode()
        key = bus.streams.key(topics.bar("AAPL", "1m"))
        assert key is not None
        stream = key.removeprefix(f"{bus.config.prefix}:")
        assert f'freeride_bus_stream_pending{{group="alerts",stream="{stream}"}} 1.0' in text
        assert "freeride_bus_redis_handled_total 3.0" in text
        assert "freeride_bus_redis_up 1.0" in text
        check = check_bus(bus)
        assert check.ok
        assert "pending 1" in check.detail


async def test_broadcast_groups_each_see_everything_and_are_removed_at_close() -> None:
    async with buses() as (make, raw, _):
        first, second = make(group="api-one", ephemeral=True), make(group="api-two", ephemeral=True)
        seen: dict[str, list[int]] = {"one": [], "two": []}
        first.subscribe(topics.ALL_BARS, lambda b: seen["one"].append(b.ts_event))
        second.subscribe(topics.ALL_BARS, lambda b: seen["two"].append(b.ts_event))
        await first.open()
        await second.open()
        for ts in range(10):
            first.publish(topics.bar("AAPL", "1m"), bar(ts))
        await first.settled()
        await until(second, lambda: len(seen["two"]) == 10)
        assert seen == {"one": list(range(10)), "two": list(range(10))}
        key = first.streams.key(topics.bar("AAPL", "1m"))
        await first.close()
        groups = {g["name"] for g in await raw.xinfo_groups(key)}
        assert b"api-one" not in groups
        assert b"api-two" in groups


async def test_an_object_the_codec_cannot_carry_reaches_this_processs_handlers_only() -> None:
    import msgspec

    class Progress(msgspec.Struct):  # an app-level struct outside core.events (a backtest job's)
        done: int

    async with buses() as (make, raw, _):
        bus = make()
        got: list[object] = []
        bus.subscribe(topics.ALL_BACKTEST_PROGRESS, got.append)
        await bus.open()
        bus.publish(topics.backtest_progress("run-1"), Progress(done=3))
        await bus.settled()
        assert got == [Progress(done=3)]
        key = bus.streams.key(topics.backtest_progress("run-1"))
        assert await raw.xlen(key) == 0
