"""The production Finnhub adapter against the fake: REST through ASGI, the socket on a loopback port."""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime

import httpx
import pytest
from pydantic import SecretStr

from freeride.adapters.finnhub.config import FinnhubConfig
from freeride.adapters.finnhub.data import FinnhubData
from freeride.adapters.finnhub.stream import FinnhubStream
from freeride.core.clock import ManualClock, datetime_to_ns
from freeride.core.errors import AuthError, NotAvailable, RateLimited, TemporaryError
from freeride.core.instruments import parse_instrument
from freeride.core.market import Trade
from freeride.net.errors import BadReply
from freeride.testing.fakes.finnhub import FakeFinnhub, trade_frame
from freeride.testing.fakes.server import serve

NOW = datetime_to_ns(datetime(2024, 6, 4, tzinfo=UTC))
AAPL = parse_instrument("AAPL")


def make(fake: FakeFinnhub, key: str = "fh-key") -> FinnhubData:
    config = FinnhubConfig(SecretStr(key), base_url="http://fh.test/api/v1")
    return FinnhubData(config, ManualClock(NOW), httpx.ASGITransport(fake.app))


async def test_quote_profile_and_paid_only_endpoints() -> None:
    fake = FakeFinnhub()
    fh = make(fake)
    snap = await fh.latest(AAPL)
    assert (snap.symbol, snap.price, snap.provider) == ("AAPL", fake.price("AAPL"), "finnhub")
    profile = await fh.profile(AAPL)
    assert profile.name == "AAPL Inc"
    with pytest.raises(NotAvailable, match="HTTP 403: You don't have access"):
        await fh.bars(AAPL, "1d", NOW - 10 * 86_400 * 10**9, NOW)
    with pytest.raises(NotAvailable, match="403"):
        await fh.fx_rate("EUR", "USD")
    fake.premium = True
    bars = await fh.bars(AAPL, "1d", datetime_to_ns(datetime(2024, 5, 27)), NOW)
    assert len(bars) == 6
    assert (await fh.fx_rate("EUR", "USD")).symbol == "EUR/USD"
    await fh.aclose()


@pytest.mark.parametrize(
    ("fault", "kind", "match"),
    [
        ("rate_limited", RateLimited, "API limit reached"),
        ("bad_key", AuthError, "Invalid API key"),
        ("premium", NotAvailable, "don't have access"),
        ("down", TemporaryError, "HTTP 502"),
        ("html", BadReply, "HTML page"),
        ("truncated", BadReply, "not valid JSON"),
        ("nan", BadReply, "not valid JSON"),
        ("negative", BadReply, "prices must be > 0"),
        ("unknown", NotAvailable, "no quote for AAPL"),
    ],
)
async def test_faults(fault: str, kind: type[Exception], match: str) -> None:
    fake = FakeFinnhub()
    fake.fail(fault)
    with pytest.raises(kind, match=match):
        await make(fake).latest(AAPL)


async def test_rate_limit_defaults_to_one_second_and_empty_token_is_429() -> None:
    fake = FakeFinnhub()
    fake.fail("rate_limited")
    with pytest.raises(RateLimited) as caught:
        await make(fake).latest(AAPL)
    assert caught.value.retry_after == 1.0
    with pytest.raises(RateLimited, match="sign up"):
        await make(fake, key="").latest(AAPL)


async def _next(events: object) -> object:
    return await asyncio.wait_for(events.__anext__(), 5)  # type: ignore[attr-defined]


async def test_stream_batches_pings_garbage_and_resubscribe_after_drop() -> None:
    fake = FakeFinnhub()
    async with serve(fake.app) as host:
        stream = FinnhubStream(FinnhubConfig(SecretStr("fh-key"), ws_url=f"ws://{host}/"), ManualClock(NOW))
        await stream.subscribe([AAPL, parse_instrument("EUR/USD")])
        events = stream.events()
        first = asyncio.ensure_future(_next(events))
        await fake.hub.wait_subscribed("AAPL")
        await fake.hub.wait_subscribed("OANDA:EUR_USD")
        fake.ping()
        fake.hub.send("<html>oops</html>")
        fake.trades("AAPL", [(190.5, 1717430400123, 10), (190.6, 1717430400124, 5)])
        trade = await first
        assert isinstance(trade, Trade)
        assert (trade.symbol, trade.price, trade.ts_event) == ("AAPL", 190.5, 1717430400123 * 10**6)
        second = await _next(events)
        assert isinstance(second, Trade)
        assert second.price == 190.6
        assert (stream.pings, stream.rejected) == (1, 1)
        fake.hub.drop()
        with pytest.raises(TemporaryError, match="stream closed"):
            await _next(events)
        events = stream.events()  # reconnect: every subscription is sent again
        third = asyncio.ensure_future(_next(events))
        await fake.hub.wait_subscribed("AAPL", connects=2)
        fake.hub.send(trade_frame("OANDA:EUR_USD", [(1.0871, 1717430401000, 0)]), "OANDA:EUR_USD")
        fx = await third
        assert isinstance(fx, Trade)
        assert (fx.symbol, fx.price) == ("EUR/USD", 1.0871)
        await events.aclose()


async def test_stream_refuses_a_bad_token() -> None:
    fake = FakeFinnhub()
    async with serve(fake.app) as host:
        stream = FinnhubStream(FinnhubConfig(SecretStr("wrong"), ws_url=f"ws://{host}/"), ManualClock(NOW))
        with pytest.raises(AuthError, match="refused the key"):
            await _next(stream.events())
