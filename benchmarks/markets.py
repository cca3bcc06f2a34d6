"""Market hours on the hot path: the per-tick "is the market open?" check.

A week of ticks for AAPL on the NYSE (one a second, around the clock, Monday 2026-11-23 to Sunday
2026-11-29: Thanksgiving closed, the half day after it, nights and the weekend), checked:

1. ours, as ``LiveBars`` does it: the instrument's cached window, two integer compares, a new
   window from the calendar only when a tick leaves it;
2. ours through ``MarketHours.is_open`` (a dict lookup more);
3. the peer: the calendar library asked on every tick, as a hand-written loop would
   (``exchange_calendars``' ``is_open_on_minute`` on a ``pandas.Timestamp``), on a sample.

Then the cost where it lands: trades per second through ``LiveBars`` (1m and 1h bars) with market
hours and without, on the week's in-session ticks only (so both build the same bars). And the
one-off cost of loading the calendar. Ours and the library agree on every answer.

    python benchmarks/markets.py [--repeats N]
"""

from __future__ import annotations

import argparse
import asyncio
import json
import sys
import time
import warnings
from datetime import date
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from rich.console import Console
from rich.table import Table

from _util import peak_mib
from freeride.adapters.xcals.calendar import ExchangeCalendar
from freeride.bus import topics
from freeride.bus.memory import InMemoryBus
from freeride.core.clock import NS_PER_SECOND, ManualClock
from freeride.core.forex_week import ForexWeek
from freeride.core.instruments import stock
from freeride.core.market import Trade
from freeride.core.sessions import MarketWindow
from freeride.gateway.bars import LiveBars
from freeride.gateway.market_hours import CalendarChoice, CalendarMarketHours
from freeride.testing.calendars import ny

AAPL = stock("AAPL")
START = ny("2026-11-23 00:00")
TICKS = 7 * 86_400  # a week, one tick a second
LIBRARY_SAMPLE = 20_000


def ticks() -> list[int]:
    return [START + i * NS_PER_SECOND for i in range(TICKS)]


def cached_check(hours: CalendarMarketHours, stamps: list[int]) -> int:
    """The loop ``LiveBars`` runs per tick: the kept window, refreshed only when left."""
    window: MarketWindow = hours.window(AAPL, stamps[0])
    is_open = 0
    for ts in stamps:
        if not window.start_ns <= ts < window.end_ns:
            window = hours.window(AAPL, ts)
        if window.session is not None:
            is_open += 1
    return is_open


def is_open_calls(hours: CalendarMarketHours, stamps: list[int]) -> int:
    return sum(1 for ts in stamps if hours.is_open(AAPL, ts))


def library_calls(calendar: object, stamps: list[int]) -> int:
    import pandas as pd

    check = calendar.is_open_on_minute  # type: ignore[attr-defined]
    return sum(1 for ts in stamps if check(pd.Timestamp(ts, tz="UTC")))


def best_ns_per_tick(run: object, stamps: list[int], repeats: int) -> tuple[float, int]:
    best = float("inf")
    answer = 0
    for _ in range(repeats):
        started = time.perf_counter_ns()
        answer = run(stamps)  # type: ignore[operator]
        best = min(best, time.perf_counter_ns() - started)
    return best / len(stamps), answer


async def live_bars_rate(hours: CalendarMarketHours | None, stamps: list[int], repeats: int) -> float:
    """Trades per second through ``LiveBars`` (1m and 1h bars), ticks published on the bus."""
    best = float("inf")
    for _ in range(repeats):
        clock = ManualClock(stamps[0])
        bus = InMemoryBus(clock)
        fresh = None if hours is None else CalendarMarketHours(hours.calendars, hours.choice)
        bars = LiveBars([("AAPL", "1m"), ("AAPL", "1h")], bus, clock, hours=fresh)
        await bars.start()
        topic = topics.trade("AAPL")
        events = [Trade(symbol="AAPL", price=100.0, size=1.0, ts_event=ts, ts_init=ts) for ts in stamps]
        started = time.perf_counter()
        for trade in events:
            bus.publish(topic, trade)
        best = min(best, time.perf_counter() - started)
        await bars.stop()
    return len(stamps) / best


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeats", type=int, default=5)
    args = parser.parse_args()

    started = time.perf_counter()
    isolated = ExchangeCalendar.load("XNYS", date(2025, 11, 1), date(2027, 12, 31), isolated=True)
    load_s = time.perf_counter() - started  # as freeride live loads it: pandas in a child process
    calendar = ExchangeCalendar.load("XNYS", date(2025, 11, 1), date(2027, 12, 31))
    assert len(calendar) == len(isolated)
    hours = CalendarMarketHours({"XNYS": calendar, "FOREX": ForexWeek()}, CalendarChoice())
    import exchange_calendars as xcals

    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        library = xcals.get_calendar("XNYS", start="2025-11-01", end="2027-12-31")

    stamps = ticks()
    sample = stamps[:: len(stamps) // LIBRARY_SAMPLE]
    cached_ns, cached_open = best_ns_per_tick(lambda s: cached_check(hours, s), stamps, args.repeats)
    call_ns, call_open = best_ns_per_tick(lambda s: is_open_calls(hours, s), stamps, args.repeats)
    lib_ns, lib_open = best_ns_per_tick(lambda s: library_calls(library, s), sample, 1)
    assert cached_open == call_open
    assert lib_open == sum(1 for ts in sample if hours.is_open(AAPL, ts)), "the library and ours disagree"
    # Monday to Wednesday of 6.5 h, Thanksgiving closed, the half day of 3.5 h
    assert cached_open == (3 * 390 + 210) * 60, cached_open

    in_session = [ts for ts in stamps if hours.is_open(AAPL, ts)]
    with_hours = asyncio.run(live_bars_rate(hours, in_session, args.repeats))
    plain = asyncio.run(live_bars_rate(None, in_session, args.repeats))

    table = Table(title=f"Market-hours check, {len(stamps):,} ticks (a week of AAPL, one a second)")
    for col in ("what", "ns per tick", "ticks/s"):
        table.add_column(col, justify="left" if col == "what" else "right")
    table.add_row("freeride: cached window (LiveBars' loop)", f"{cached_ns:,.0f}", f"{1e9 / cached_ns:,.0f}")
    table.add_row("freeride: MarketHours.is_open", f"{call_ns:,.0f}", f"{1e9 / call_ns:,.0f}")
    table.add_row(
        f"exchange_calendars per tick ({len(sample):,} sampled)", f"{lib_ns:,.0f}", f"{1e9 / lib_ns:,.0f}"
    )
    table.add_row(
        f"LiveBars 1m+1h, market hours ({len(in_session):,} in-session trades)",
        f"{1e9 / with_hours:,.0f}",
        f"{with_hours:,.0f}",
    )
    table.add_row("LiveBars 1m+1h, no market hours (same trades)", f"{1e9 / plain:,.0f}", f"{plain:,.0f}")
    Console().print(table)
    print(f"calendar load (XNYS, 26 months): {load_s:.2f} s; windows computed: {hours.refreshes}")
    print(
        json.dumps(
            {
                "hours_check_ns_per_tick": round(cached_ns, 1),
                "is_open_ns_per_tick": round(call_ns, 1),
                "library_ns_per_tick": round(lib_ns, 1),
                "speedup_vs_library": round(lib_ns / cached_ns, 1),
                "live_bars_ticks_per_s_with_hours": round(with_hours),
                "live_bars_ticks_per_s_without_hours": round(plain),
                "calendar_load_s": round(load_s, 2),
                "peak_mib": round(peak_mib(), 1),
            }
        )
    )


if __name__ == "__main__":
    main()
