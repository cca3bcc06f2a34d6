"""News through the providers' own limits and breakers; polling turned into events."""

from __future__ import annotations

from typing import Any

from freeride.adapters.finnhub.data import FinnhubData
from freeride.bus import topics
from freeride.bus.memory import InMemoryBus
from freeride.core.clock import ManualClock
from freeride.core.instruments import parse_instrument
from freeride.core.news import NewsItem
from freeride.core.system import SystemEvent
from freeride.gateway.news import NewsGateway
from freeride.gateway.news_poller import NewsPoller
from freeride.gateway.providers import ProviderSpec
from freeride.gateway.service import MarketDataGateway
from freeride.net.limiter import Limit
from freeride.testing.fakes.waiting import until
from freeride.testing.news_rig import DAY, NOW, finnhub, massive, rss

AAPL = parse_instrument("AAPL")


def _collect(bus: InMemoryBus, pattern: str) -> list[Any]:
    got: list[Any] = []
    bus.subscribe(pattern, got.append)
    return got


async def test_news_spends_the_same_allowance_as_quotes() -> None:
    clock = ManualClock(NOW)
    bus = InMemoryBus(clock)
    fh = finnhub(clock)
    market = MarketDataGateway(
        [ProviderSpec(FinnhubData.__new__(FinnhubData), (Limit.per_minute(2),))], bus, clock
    )
    gateway = NewsGateway([fh.source], bus, clock, market=market)
    first = await gateway.fetch(AAPL, NOW - DAY, NOW)
    second = await gateway.fetch(None, NOW - DAY, NOW)
    third = await gateway.fetch(AAPL, NOW - DAY, NOW)
    assert first.answered == ["finnhub"]
    assert second.answered == ["finnhub"]
    assert "finnhub" in third.skipped  # the provider's 2/min is spent
    state = market.provider_state("finnhub")
    assert state is not None
    assert state.calls == 2


async def test_a_failing_feed_is_reported_and_the_others_answer() -> None:
    clock = ManualClock(NOW)
    bus = InMemoryBus(clock)
    events = _collect(bus, topics.ALL_SYSTEM)
    fh, ms, feed = finnhub(clock), massive(clock), rss(clock)
    fh.fake.always("down")
    gateway = NewsGateway([fh.source, ms.source, feed.source], bus, clock)
    got = await gateway.fetch(None, NOW - DAY, NOW)
    assert sorted(got.answered) == ["massive", "rss:broker"]
    assert "finnhub" in got.skipped
    failed = [e for e in events if isinstance(e, SystemEvent) and e.kind == "news_failed"]
    assert failed[0].data["feed"] == "finnhub"
    for _ in range(3):
        await gateway.fetch(None, NOW - DAY, NOW)
    assert "circuit open" in (await gateway.fetch(None, NOW - DAY, NOW)).skipped["finnhub"]


async def test_rejected_items_are_a_system_event_naming_each_defect() -> None:
    clock = ManualClock(NOW)
    bus = InMemoryBus(clock)
    events = _collect(bus, topics.ALL_SYSTEM)
    fh = finnhub(clock)
    fh.fake.fail("bad_items")
    got = await NewsGateway([fh.source], bus, clock).fetch(AAPL, NOW - 400 * DAY, NOW + 400 * DAY)
    assert got.rejected >= 4
    event = next(e for e in events if e.kind == "news_rejected")
    assert "no headline" in event.message
    assert event.data["count"] == got.rejected


async def test_poller_publishes_each_item_once_and_an_edited_one_again() -> None:
    clock = ManualClock(NOW)
    bus = InMemoryBus(clock)
    news = _collect(bus, topics.ALL_NEWS)
    fh = finnhub(clock)
    poller = NewsPoller(
        NewsGateway([fh.source], bus, clock), bus, clock, [AAPL], interval_s=60, overlap_s=DAY / 1e9
    )
    first = await poller.poll_once()
    assert first
    assert len(news) == len(first)
    assert all(isinstance(n, NewsItem) for n in news)
    clock.advance(60)
    assert await poller.poll_once() == []
    fh.fake.articles[0].headline += " (updated)"
    clock.advance(60)
    again = await poller.poll_once()
    assert [i.headline for i in again] == [fh.fake.articles[0].headline]


async def test_poller_runs_on_the_clock_and_stops() -> None:
    clock = ManualClock(NOW)
    bus = InMemoryBus(clock)
    fh = finnhub(clock)
    poller = NewsPoller(NewsGateway([fh.source], bus, clock), bus, clock, [AAPL], interval_s=60)
    await poller.start()
    await until(lambda: clock.sleepers == 1)
    assert poller.rounds == 1
    clock.advance(60)
    await until(lambda: poller.rounds == 2)
    await poller.stop()
