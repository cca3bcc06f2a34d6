"""The production Alpha Vantage adapter against the fake server through httpx's ASGI transport."""

from __future__ import annotations

from datetime import UTC, datetime

import httpx
import pytest
from pydantic import SecretStr

from freeride.adapters.alphavantage.config import AlphaVantageConfig
from freeride.adapters.alphavantage.data import AlphaVantageData
from freeride.core.clock import ManualClock, datetime_to_ns
from freeride.core.errors import AuthError, InvalidInput, NotAvailable, RateLimited, TemporaryError
from freeride.core.instruments import parse_instrument
from freeride.net.errors import BadReply, QuotaExhausted
from freeride.testing.fakes.alphavantage import FakeAlphaVantage

NOW = datetime_to_ns(datetime(2024, 6, 4, tzinfo=UTC))
AAPL = parse_instrument("AAPL")


def make(key: str = "demo-key", **kw: int) -> tuple[FakeAlphaVantage, AlphaVantageData]:
    fake = FakeAlphaVantage(**kw)  # type: ignore[arg-type]
    config = AlphaVantageConfig(SecretStr(key), base_url="http://av.test")
    return fake, AlphaVantageData(config, ManualClock(NOW), httpx.ASGITransport(fake.app))


async def test_quotes_and_rates() -> None:
    fake, av = make()
    snap = await av.latest(AAPL)
    assert (snap.symbol, snap.provider, snap.price) == ("AAPL", "alphavantage", fake.price("AAPL"))
    assert snap.prev_close is not None
    fx = await av.fx_rate("EUR", "USD")
    assert fx.symbol == "EUR/USD"
    assert fx.bid is not None
    assert fx.ask is not None
    assert fx.bid < fx.price < fx.ask
    assert fake.calls == {"GLOBAL_QUOTE": 1, "CURRENCY_EXCHANGE_RATE": 1}


async def test_daily_intraday_and_fx_bars_in_range() -> None:
    _, av = make()
    start, end = datetime_to_ns(datetime(2024, 5, 1)), datetime_to_ns(datetime(2024, 6, 1))
    daily = await av.bars(AAPL, "1d", start, end)
    assert len(daily) == 23  # the weekdays of May 2024
    assert all(start <= b.ts_event < end for b in daily)
    assert daily == sorted(daily, key=lambda b: b.ts_event)
    intraday = await av.bars(AAPL, "15m", datetime_to_ns(datetime(2024, 6, 3)), NOW)
    assert len(intraday) == 26
    assert intraday[0].ts_event == datetime_to_ns(datetime(2024, 6, 3, 13, 30, tzinfo=UTC))
    fx = await av.bars(parse_instrument("EUR/USD"), "1d", start, end)
    assert {b.symbol for b in fx} == {"EUR/USD"}
    with pytest.raises(NotAvailable, match="only the last 100 1d bars of AAPL"):
        await av.bars(AAPL, "1d", datetime_to_ns(datetime(2023, 1, 1)), end)
    with pytest.raises(NotAvailable, match="no free 1h bars for forex"):
        await av.bars(parse_instrument("EUR/USD"), "1h", start, end)


@pytest.mark.parametrize(
    ("fault", "kind", "match"),
    [
        ("bad_key", AuthError, "apikey is invalid"),
        ("bad_call", InvalidInput, "Invalid API call"),
        ("burst", RateLimited, "1 request per second"),
        ("quota", QuotaExhausted, "25 requests per day"),
        ("premium", NotAvailable, "premium feature"),
        ("legacy_note", RateLimited, "5 calls per minute"),
        ("html", BadReply, "HTML page"),
        ("down", TemporaryError, "HTTP 503"),
        ("truncated", BadReply, "not valid JSON"),
        ("nan", BadReply, "not a finite number"),
        ("negative", BadReply, "prices must be > 0"),
        ("wrong_symbol", BadReply, "reply is about MSFT"),
        ("empty_quote", NotAvailable, "no quote for AAPL"),
    ],
)
async def test_every_fault_maps_to_a_clear_error(fault: str, kind: type[Exception], match: str) -> None:
    fake, av = make()
    fake.fail(fault)
    with pytest.raises(kind, match=match):
        await av.latest(AAPL)


async def test_wrong_key_and_quota_counting() -> None:
    _, av = make(key="nope")
    with pytest.raises(AuthError):
        await av.latest(AAPL)
    fake, av = make(daily_quota=2)
    await av.latest(AAPL)
    await av.latest(AAPL)
    with pytest.raises(QuotaExhausted) as caught:
        await av.latest(AAPL)
    assert caught.value.retry_after == 86_400.0  # NOW is midnight: a whole day to wait
    fake.reset_quota()
    assert (await av.latest(AAPL)).symbol == "AAPL"
    await av.aclose()
