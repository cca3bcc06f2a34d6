"""The streamed set grows with what sources name: watchlists, alerts; bad symbols are refused once."""

from __future__ import annotations

import asyncio
from collections.abc import Sequence

from freeride.bus import topics
from freeride.bus.memory import InMemoryBus
from freeride.core.clock import NS_PER_SECOND, ManualClock
from freeride.core.instruments import Instrument
from freeride.core.market import Bar, Quote
from freeride.gateway.bars import LiveBars
from freeride.gateway.watch import WatchSet


class Feed:
    def __init__(self, symbols: list[str]) -> None:
        self.streamed = list(symbols)
        self.calls: list[list[str]] = []

    @property
    def symbols(self) -> set[str]:
        return set(self.streamed)

    async def watch(self, instruments: Sequence[Instrument]) -> None:
        self.calls.append([i.symbol for i in instruments])
        self.streamed += [i.symbol for i in instruments]


async def test_new_symbols_are_subscribed_once_and_bad_ones_refused() -> None:
    feed = Feed(["AAPL"])
    alerts: list[str] = ["AAPL", "NVDA"]

    async def stored() -> list[str]:
        return ["EUR/USD"]

    def broken() -> list[str]:
        raise ConnectionError("database is down")

    watch = WatchSet(
        feed,
        {
            "watchlists": lambda: ["MSFT", "eur/usd nope"],
            "alerts": lambda: alerts,
            "stored": stored,
            "x": broken,
        },
        ManualClock(0),
    )
    added = await watch.refresh()
    assert [i.symbol for i in added] == ["MSFT", "NVDA", "EUR/USD"]
    assert list(watch.refused) == ["eur/usd nope"]
    assert "neither a stock ticker" in watch.refused["eur/usd nope"]
    alerts.append("GBP/USD")
    assert [i.symbol for i in await watch.refresh()] == ["GBP/USD"]
    assert await watch.refresh() == []
    assert feed.calls == [["MSFT", "NVDA", "EUR/USD"], ["GBP/USD"]]


async def test_it_refreshes_on_the_clock_and_asks_for_the_bars_alerts_need() -> None:
    clock = ManualClock(0)
    bus = InMemoryBus(clock)
    bars = LiveBars([("AAPL", "1m")], bus, clock)
    await bars.start()
    series = {("AAPL", "1m")}
    feed = Feed([])
    watch = WatchSet(
        feed,
        {"alerts": lambda: [s for s, _ in series]},
        clock,
        interval_s=2,
        bars=bars,
        series=lambda: series,
    )
    await watch.start()
    assert feed.streamed == ["AAPL"]
    while not clock.sleepers:  # noqa: ASYNC110  (the refresh loop parks on the clock)
        await asyncio.sleep(0)
    series.add(("MSFT", "1m"))  # an RSI alert on MSFT 1m bars, added while running
    clock.advance(2)
    for _ in range(5):
        await asyncio.sleep(0)
    assert feed.streamed == ["AAPL", "MSFT"]
    seen: list[Bar] = []
    bus.subscribe(topics.bar("MSFT", "1m"), seen.append)
    for second in (0, 30, 61):
        t = (60 + second) * NS_PER_SECOND
        clock.set_ns(t)
        bus.publish(topics.quote("MSFT"), Quote(symbol="MSFT", bid=1.0, ask=1.2, ts_event=t, ts_init=t))
    assert [(b.symbol, b.interval, b.close) for b in seen] == [("MSFT", "1m", 1.1)]
    await watch.stop()
    await bars.stop()
