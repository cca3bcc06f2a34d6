"""Bars that follow market hours: no bar out of session, first and last bars cut at the open and
close, half days, daily bars per session, the forex day and week; on a ManualClock."""

from __future__ import annotations

import asyncio

from freeride.bus import topics
from freeride.bus.memory import InMemoryBus
from freeride.core.clock import NS_PER_SECOND, ManualClock
from freeride.core.market import Bar, Quote, Trade
from freeride.gateway.bars import LiveBars
from freeride.testing.calendars import market_hours, ny, utc

S = NS_PER_SECOND
MIN = 60 * S


class Rig:
    """LiveBars on a manual clock with the real NYSE calendar and the forex week."""

    def __init__(self, start_ns: int, specs: list[tuple[str, str]], *, always_open: bool = False) -> None:
        self.clock = ManualClock(start_ns)
        self.bus = InMemoryBus(self.clock)
        self.seen: list[Bar] = []
        self.bus.subscribe(topics.ALL_BARS, self.seen.append)
        self.bars = LiveBars(
            specs, self.bus, self.clock, grace_s=1.0, hours=market_hours(always_open=always_open)
        )

    def trade(self, symbol: str, price: float, at: int) -> None:
        if at > self.clock.now_ns():
            self.clock.set_ns(at)
        self.bus.publish(
            topics.trade(symbol), Trade(symbol=symbol, price=price, size=10, ts_event=at, ts_init=at)
        )

    def quote(self, symbol: str, mid: float, at: int) -> None:
        if at > self.clock.now_ns():
            self.clock.set_ns(at)
        self.bus.publish(
            topics.quote(symbol),
            Quote(symbol=symbol, bid=mid - 0.0001, ask=mid + 0.0001, ts_event=at, ts_init=at),
        )

    async def move_to(self, ts_ns: int) -> None:
        """Let the closing timer catch up, then move the clock and let the timer run again."""
        await settle()
        self.clock.set_ns(ts_ns)
        await settle()


async def settle() -> None:
    """A few turns of the loop: enough for the timer task to wake, close what is due and park."""
    for _ in range(20):
        await asyncio.sleep(0)


def stamps(bars: list[Bar]) -> list[int]:
    return [b.ts_event for b in bars]


async def test_hourly_bars_start_at_the_open_and_ignore_pre_and_after_market() -> None:
    rig = Rig(ny("2026-06-10 08:00"), [("AAPL", "1h")])
    await rig.bars.start()
    rig.trade("AAPL", 99.0, ny("2026-06-10 09:00"))  # pre-market: no bar
    for minute in range(0, 390, 15):
        rig.trade("AAPL", 100.0 + minute / 100, ny("2026-06-10 09:30") + minute * MIN)
    rig.trade("AAPL", 120.0, ny("2026-06-10 16:05"))  # after the close: no bar
    await rig.move_to(ny("2026-06-10 16:10"))
    assert stamps(rig.seen) == [utc("2026-06-10 13:30")] + [utc(f"2026-06-10 {h}:00") for h in range(14, 20)]
    first = rig.seen[0]
    assert (first.open, first.volume) == (100.0, 20.0)  # 09:30 and 09:45 only
    assert rig.seen[-1].close == 100.0 + 375 / 100
    assert rig.bars.off_session == 2
    await rig.bars.stop()


async def test_a_bar_crossing_the_close_ends_at_the_close_on_a_half_day() -> None:
    # 2026-11-27, the day after Thanksgiving: the NYSE closes at 13:00 New York (18:00 UTC)
    rig = Rig(ny("2026-11-27 09:00"), [("AAPL", "4h"), ("AAPL", "1d")])
    await rig.bars.start()
    rig.trade("AAPL", 50.0, ny("2026-11-27 09:30"))  # 14:30 UTC, in the 12:00-16:00 UTC bucket
    rig.trade("AAPL", 51.0, ny("2026-11-27 11:30"))  # 16:30 UTC: the 16:00-20:00 bucket
    rig.trade("AAPL", 52.0, ny("2026-11-27 12:59"))
    await rig.move_to(ny("2026-11-27 13:00") + 1 * S)  # the close plus the grace, no tick needed
    assert [(b.interval, b.ts_event, b.open, b.close) for b in rig.seen] == [
        ("4h", utc("2026-11-27 14:30"), 50.0, 50.0),  # cut at the open
        ("4h", utc("2026-11-27 16:00"), 51.0, 52.0),  # cut at the early close
        ("1d", utc("2026-11-27 00:00"), 50.0, 52.0),  # the session, under its trade date
    ]
    assert all(b.ts_init == ny("2026-11-27 13:00") + S for b in rig.seen[1:])
    rig.trade("AAPL", 60.0, ny("2026-11-27 13:30"))
    assert rig.bars.off_session == 1
    await rig.bars.stop()


async def test_no_bar_on_a_holiday_and_the_daily_bar_follows_the_session() -> None:
    rig = Rig(ny("2026-07-02 09:00"), [("AAPL", "1d")])
    await rig.bars.start()
    rig.trade("AAPL", 10.0, ny("2026-07-02 09:30"))
    rig.trade("AAPL", 11.0, ny("2026-07-02 15:59"))
    await rig.move_to(ny("2026-07-02 16:00") + S)
    assert len(rig.seen) == 1
    await rig.move_to(ny("2026-07-03 12:00"))  # Independence Day observed: closed
    rig.trade("AAPL", 99.0, ny("2026-07-03 12:00"))
    await rig.move_to(ny("2026-07-06 09:29"))
    rig.trade("AAPL", 12.0, ny("2026-07-06 09:30"))
    await rig.move_to(ny("2026-07-06 16:00") + S)
    assert [(b.ts_event, b.open, b.close) for b in rig.seen] == [
        (utc("2026-07-02 00:00"), 10.0, 11.0),
        (utc("2026-07-06 00:00"), 12.0, 12.0),
    ]
    assert rig.seen[0].ts_init == ny("2026-07-02 16:00") + S
    assert rig.bars.off_session == 1
    await rig.bars.stop()


async def test_forex_day_rolls_at_17_new_york_and_the_week_ends_friday() -> None:
    # Sunday 2026-12-06 17:00 New York is 22:00 UTC: that tick belongs to Monday's daily bar
    rig = Rig(ny("2026-12-06 12:00"), [("EUR/USD", "1d"), ("EUR/USD", "1w"), ("EUR/USD", "4h")])
    await rig.bars.start()
    rig.quote("EUR/USD", 1.10, ny("2026-12-06 16:59"))  # before the open: dropped
    rig.quote("EUR/USD", 1.11, ny("2026-12-06 17:00"))
    await rig.move_to(ny("2026-12-07 17:00") + S)  # Monday's New York close
    daily = [b for b in rig.seen if b.interval == "1d"]
    assert [(b.ts_event, b.open) for b in daily] == [(utc("2026-12-07 00:00"), 1.11)]
    assert [b.ts_event for b in rig.seen if b.interval == "4h"] == [
        utc("2026-12-06 22:00")
    ]  # cut at the open
    for day in range(8, 12):  # a tick a day, Tuesday to Friday
        rig.quote("EUR/USD", 1.11 + day / 1000, utc(f"2026-12-{day:02d} 12:00"))
    await rig.move_to(ny("2026-12-11 17:00") + S)  # Friday's close ends the week's bar there
    weekly = [b for b in rig.seen if b.interval == "1w"]
    assert [(b.ts_event, b.open, b.close, b.ts_init) for b in weekly] == [
        (utc("2026-12-07 00:00"), 1.11, 1.11 + 11 / 1000, ny("2026-12-11 17:00") + S)
    ]
    assert len([b for b in rig.seen if b.interval == "1d"]) == 5
    assert rig.bars.off_session == 1
    await rig.bars.stop()


async def test_forex_hourly_bars_run_through_the_daily_roll() -> None:
    rig = Rig(ny("2026-06-08 16:00"), [("EUR/USD", "1h")])
    await rig.bars.start()
    rig.quote("EUR/USD", 1.2, ny("2026-06-08 16:30"))
    rig.quote("EUR/USD", 1.3, ny("2026-06-08 17:30"))
    await rig.move_to(ny("2026-06-08 18:00") + S)
    assert stamps(rig.seen) == [ny("2026-06-08 16:00"), ny("2026-06-08 17:00")]
    assert rig.bars.off_session == 0
    await rig.bars.stop()


async def test_always_open_builds_bars_at_the_weekend() -> None:
    rig = Rig(utc("2026-06-13 10:00"), [("AAPL", "1h")], always_open=True)
    await rig.bars.start()
    rig.trade("AAPL", 5.0, utc("2026-06-13 10:00"))
    await rig.move_to(utc("2026-06-13 11:00") + S)
    assert stamps(rig.seen) == [utc("2026-06-13 10:00")]
    await rig.bars.stop()
