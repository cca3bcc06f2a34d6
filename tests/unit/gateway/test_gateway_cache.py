"""TTL cache and single-flight: 100 concurrent asks make one upstream call."""

from __future__ import annotations

import asyncio

import pytest
from gateway_rig import rig

from freeride.core.errors import TemporaryError
from freeride.gateway.config import GatewayConfig
from freeride.gateway.errors import NoProviderAnswered
from freeride.testing.fakes.waiting import until


async def test_a_hundred_concurrent_asks_make_one_upstream_call() -> None:
    r = rig("finnhub", config=GatewayConfig(quote_ttl_s=5))
    provider = r.providers["finnhub"]
    provider.hold()
    asks = [asyncio.ensure_future(r.gateway.latest("AAPL")) for _ in range(100)]
    await until(lambda: provider.calls != 0)
    provider.release()
    answers = await asyncio.gather(*asks)
    assert provider.calls == 1
    assert r.gateway.upstream_calls == 1
    assert len({id(a) for a in answers}) == 1


async def test_distinct_symbols_are_fetched_once_each() -> None:
    r = rig("finnhub", config=GatewayConfig(quote_ttl_s=5))
    symbols = [f"S{i}" for i in range(10)]
    await asyncio.gather(*(r.gateway.latest(symbols[i % 10]) for i in range(200)))
    assert r.gateway.upstream_calls == 10


async def test_answers_live_for_the_ttl_on_the_clock() -> None:
    r = rig("finnhub", config=GatewayConfig(quote_ttl_s=5, bars_ttl_s=60))
    first = await r.gateway.latest("AAPL")
    r.clock.advance(4.9)
    assert await r.gateway.latest("AAPL") is first
    r.clock.advance(0.2)
    assert await r.gateway.latest("AAPL") is not first
    await r.gateway.bars("AAPL", "1d", 0, 10)
    await r.gateway.bars("AAPL", "1d", 0, 10)
    await r.gateway.bars("AAPL", "1h", 0, 10)
    assert r.providers["finnhub"].calls == 4


async def test_a_failure_is_shared_by_the_waiters_and_not_cached() -> None:
    r = rig("finnhub", config=GatewayConfig(quote_ttl_s=5))
    provider = r.providers["finnhub"]
    provider.fail(TemporaryError("down"))
    provider.hold()
    asks = [asyncio.ensure_future(r.gateway.latest("AAPL")) for _ in range(10)]
    await until(lambda: provider.calls != 0)
    provider.release()
    results = await asyncio.gather(*asks, return_exceptions=True)
    assert all(isinstance(x, NoProviderAnswered) for x in results)
    assert provider.calls == 1
    assert (await r.gateway.latest("AAPL")).provider == "finnhub"


async def test_one_cancelled_waiter_does_not_cancel_the_others() -> None:
    r = rig("finnhub", config=GatewayConfig(quote_ttl_s=5))
    provider = r.providers["finnhub"]
    provider.hold()
    a = asyncio.ensure_future(r.gateway.latest("AAPL"))
    b = asyncio.ensure_future(r.gateway.latest("AAPL"))
    await until(lambda: provider.calls != 0)
    a.cancel()
    provider.release()
    assert (await b).symbol == "AAPL"
    with pytest.raises(asyncio.CancelledError):
        await a
