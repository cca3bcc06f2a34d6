"""Each vendor's news in its own wire format, its errors, and its garbage named item by item."""

from __future__ import annotations

import pytest

from freeride.core.clock import ManualClock
from freeride.core.errors import AuthError, RateLimited
from freeride.core.instruments import parse_instrument
from freeride.net.errors import BadReply
from freeride.testing.fakes.massive import FakeMassive
from freeride.testing.news_rig import DAY, NOW, alphavantage, finnhub, massive

AAPL = parse_instrument("AAPL")
EURUSD = parse_instrument("EUR/USD")


async def test_finnhub_company_and_market_news() -> None:
    s = finnhub(ManualClock(NOW))
    company = await s.source.news(AAPL, NOW - DAY, NOW)
    assert company.items
    assert all("AAPL" in i.symbols for i in company.items)
    market = await s.source.news(None, NOW - DAY, NOW)
    assert any(i.topics == ("forex",) for i in market.items)  # the forex category is asked too
    assert s.fake.calls["news"] == 2
    assert not s.source.supports(EURUSD)


async def test_finnhub_bad_items_are_named_and_the_rest_goes_on() -> None:
    s = finnhub(ManualClock(NOW))
    s.fake.fail("bad_items")
    batch = await s.source.news(AAPL, NOW - 400 * DAY, NOW + 400 * DAY)
    problems = " | ".join(batch.rejected)
    assert "no headline" in problems
    assert "impossible publication date" in problems
    assert "not an http(s) URL" in problems
    assert "not epoch seconds" in problems
    assert "not an object" in problems
    html = [i for i in batch.items if "Microsoft" in i.headline]
    assert html[0].headline == "Apple & Microsoft rally"  # markup and entities gone
    assert len(batch.items) >= 3


@pytest.mark.parametrize(
    ("fault", "error"),
    [("garbage", BadReply), ("rate_limited", RateLimited), ("bad_key", AuthError), ("html", BadReply)],
)
async def test_finnhub_errors_are_the_error_tree(fault: str, error: type[Exception]) -> None:
    s = finnhub(ManualClock(NOW))
    s.fake.fail(fault)
    with pytest.raises(error):
        await s.source.news(AAPL, NOW - DAY, NOW)


async def test_alphavantage_keeps_the_vendor_score_and_maps_forex_tickers() -> None:
    s = alphavantage(ManualClock(NOW))
    stock = await s.source.news(AAPL, NOW - DAY, NOW)
    apple = next(i for i in stock.items if "beats" in i.headline)
    assert apple.vendor_score == pytest.approx(0.6)
    assert apple.vendor_label == "Bullish"
    pair = await s.source.news(EURUSD, NOW - DAY, NOW)
    ecb = pair.items[0]
    assert set(ecb.currencies) == {"EUR", "USD"}
    assert "EUR/USD" not in ecb.symbols  # the linker decides about pairs


async def test_alphavantage_no_articles_is_empty_and_garbage_is_named() -> None:
    s = alphavantage(ManualClock(NOW))
    assert (await s.source.news(parse_instrument("ZZZZ"), NOW - DAY, NOW)).items == ()
    s.fake.fail("bad_items")
    batch = await s.source.news(AAPL, NOW - 400 * DAY, NOW + 400 * DAY)
    assert any("not YYYYMMDDTHHMMSS" in r for r in batch.rejected)
    s.fake.fail("garbage")
    with pytest.raises(BadReply):
        await s.source.news(AAPL, NOW - DAY, NOW)


async def test_massive_follows_next_url_pages_and_reads_insights() -> None:
    s = massive(ManualClock(NOW))
    assert isinstance(s.fake, FakeMassive)
    s.fake.news_page_size = 1
    batch = await s.source.news(None, NOW - DAY, NOW)
    assert len(batch.items) == 4
    assert s.fake.calls["news"] == 4
    aapl = await s.source.news(AAPL, NOW - DAY, NOW)
    beat = next(i for i in aapl.items if "beats" in i.headline)
    assert (beat.vendor_score, beat.publisher) == (0.5, "Reuters")


async def test_massive_never_sends_the_key_to_another_host() -> None:
    s = massive(ManualClock(NOW))
    assert isinstance(s.fake, FakeMassive)
    s.fake.foreign_next_url = True
    batch = await s.source.news(None, NOW - DAY, NOW)
    assert len(batch.items) == 2
    assert any("evil.example.com" in r for r in batch.rejected)


async def test_massive_bad_items_are_named() -> None:
    s = massive(ManualClock(NOW))
    assert isinstance(s.fake, FakeMassive)
    s.fake.news_page_size = 50
    s.fake.fail("bad_items")
    batch = await s.source.news(None, NOW - 400 * DAY, NOW + 400 * DAY)
    assert any("not an ISO time" in r for r in batch.rejected)
    assert any("no headline" in r for r in batch.rejected)
