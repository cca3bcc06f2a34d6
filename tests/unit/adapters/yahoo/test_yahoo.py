"""Yahoo's chart endpoint through the fake: prices, bars, and its silent failures as errors."""

from __future__ import annotations

from datetime import UTC, datetime

import httpx
import pytest

from freeride.adapters.yahoo import parse
from freeride.adapters.yahoo.config import YahooConfig
from freeride.adapters.yahoo.data import YahooData
from freeride.core.clock import ManualClock, datetime_to_ns
from freeride.core.errors import NotAvailable, RateLimited
from freeride.core.instruments import parse_instrument
from freeride.net.errors import BadReply
from freeride.testing.fakes.yahoo import FakeYahoo

NOW = datetime_to_ns(datetime(2024, 6, 4, tzinfo=UTC))
AAPL = parse_instrument("AAPL")


def make(fake: FakeYahoo) -> YahooData:
    return YahooData(ManualClock(NOW), YahooConfig(base_url="http://yh.test"), httpx.ASGITransport(fake.app))


def test_symbols_in_yahoo_syntax() -> None:
    assert parse.wire_symbol(parse_instrument("EUR/USD")) == "EURUSD=X"
    assert parse.wire_symbol(parse_instrument("BRK.B")) == "BRK-B"


async def test_prices_and_bars_for_stocks_and_pairs() -> None:
    fake = FakeYahoo()
    yh = make(fake)
    snap = await yh.latest(AAPL)
    assert (snap.symbol, snap.price, snap.provider) == ("AAPL", fake.price("AAPL"), "yahoo")
    assert snap.prev_close is not None
    fx = await yh.fx_rate("EUR", "USD")
    assert (fx.symbol, fx.price) == ("EUR/USD", fake.price("EURUSD=X"))
    bars = await yh.bars(AAPL, "1d", datetime_to_ns(datetime(2024, 5, 27)), NOW)
    assert len(bars) == 6
    assert all(b.interval == "1d" and b.low <= b.close <= b.high for b in bars)
    with pytest.raises(NotAvailable, match="no 4h bars"):
        await yh.bars(AAPL, "4h", 0, NOW)
    await yh.aclose()


async def test_an_empty_range_is_an_error_not_an_empty_list() -> None:
    fake = FakeYahoo()
    with pytest.raises(NotAvailable, match="empty result"):
        await make(fake).bars(
            AAPL, "1d", datetime_to_ns(datetime(2020, 1, 1)), datetime_to_ns(datetime(2020, 2, 1))
        )


@pytest.mark.parametrize(
    ("fault", "kind", "match"),
    [
        ("rate_limited", RateLimited, "Too Many Requests"),
        ("not_found", NotAvailable, "possibly delisted|may be delisted"),
        ("empty", NotAvailable, "empty result"),
        ("null_result", NotAvailable, "silent failure"),
        ("html", BadReply, "HTML page"),
        ("truncated", BadReply, "not valid JSON"),
        ("negative", BadReply, "prices must be > 0"),
        ("wrong_symbol", BadReply, "reply is about MSFT"),
    ],
)
async def test_faults(fault: str, kind: type[Exception], match: str) -> None:
    fake = FakeYahoo()
    fake.fail(fault)
    with pytest.raises(kind, match=match):
        await make(fake).latest(AAPL)
