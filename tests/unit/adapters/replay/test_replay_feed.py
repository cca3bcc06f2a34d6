"""The replay feed: load everything first, merge in time order, pace on the injected clock."""

from __future__ import annotations

import asyncio
import itertools
from pathlib import Path

import pytest

from freeride.adapters.replay import ReplayConfig, ReplayFeed, ReplaySource, shipped_source
from freeride.adapters.replay.data import YIELD_EVERY
from freeride.adapters.replay.timestamps import text_to_ns
from freeride.core.clock import NS_PER_SECOND, ManualClock
from freeride.core.errors import DataFileError
from freeride.core.market import Bar
from freeride.ports.feeds import BarFeed

HEADER = "date,open,high,low,close,volume\n"


class RecordingClock(ManualClock):
    """A manual clock that remembers every wait asked of it."""

    def __init__(self, start_ns: int = 0) -> None:
        super().__init__(start_ns)
        self.waits: list[float] = []

    async def sleep(self, seconds: float) -> None:
        self.waits.append(seconds)
        await super().sleep(seconds)


def write(tmp_path: Path, name: str, rows: list[str]) -> Path:
    path = tmp_path / name
    path.write_text(HEADER + "".join(f"{row}\n" for row in rows))
    return path


def day_rows(*days: str, price: float = 1.0) -> list[str]:
    return [f"2004-08-{d},{price},{price},{price},{price},100" for d in days]


async def collect(feed: ReplayFeed) -> list[Bar]:
    return [bar async for bar in feed.bars()]


async def collect_paced(feed: ReplayFeed, clock: RecordingClock, overshoot: float = 0.0) -> list[Bar]:
    """Run the feed in a task and, each time it waits, move the clock past its deadline."""
    task = asyncio.create_task(collect(feed))
    while not task.done():
        await asyncio.sleep(0)  # a yield to the task, not a wait
        if clock.sleepers:
            clock.advance(clock.waits[-1] + overshoot)
    return task.result()


async def test_one_file_in_order_with_clock_time_as_ts_init(tmp_path: Path) -> None:
    clock = ManualClock(start_ns=42)
    feed = ReplayFeed([ReplaySource(write(tmp_path, "a.csv", day_rows("19", "20")), "AAA", "1d")], clock)
    bars = await collect(feed)
    assert [(b.symbol, b.interval, b.ts_event, b.ts_init) for b in bars] == [
        ("AAA", "1d", text_to_ns("2004-08-19"), 42),
        ("AAA", "1d", text_to_ns("2004-08-20"), 42),
    ]
    assert (bars[0].open, bars[0].volume) == (1.0, 100.0)


async def test_files_merge_in_time_order_ties_in_source_order(tmp_path: Path) -> None:
    a = ReplaySource(write(tmp_path, "a.csv", day_rows("19", "20", "24", price=1.0)), "AAA", "1d")
    b = ReplaySource(write(tmp_path, "b.csv", day_rows("18", "20", "23", "25", price=2.0)), "BBB", "1d")
    bars = await collect(ReplayFeed([b, a], ManualClock()))
    order = [(b.ts_event, b.symbol) for b in bars]
    assert order == [
        (text_to_ns("2004-08-18"), "BBB"),
        (text_to_ns("2004-08-19"), "AAA"),
        (text_to_ns("2004-08-20"), "BBB"),
        (text_to_ns("2004-08-20"), "AAA"),
        (text_to_ns("2004-08-23"), "BBB"),
        (text_to_ns("2004-08-24"), "AAA"),
        (text_to_ns("2004-08-25"), "BBB"),
    ]


async def test_shipped_files_merge_into_one_ordered_stream() -> None:
    feed = ReplayFeed([shipped_source("GOOG_daily.csv"), shipped_source("EURUSD_hourly.csv")], ManualClock())
    assert feed.load() == 7148
    bars = await collect(feed)
    assert len(bars) == 7148
    assert all(x.ts_event <= y.ts_event for x, y in itertools.pairwise(bars))
    assert sum(1 for b in bars if b.symbol == "GOOG") == 2148


async def test_a_bad_file_fails_before_any_bar_is_emitted(tmp_path: Path) -> None:
    good = ReplaySource(write(tmp_path, "good.csv", day_rows("19", "20")), "AAA", "1d")
    bad = ReplaySource(write(tmp_path, "bad.csv", [*day_rows("19"), "2004-08-20,1,1,1,1,-1"]), "BBB", "1d")
    bars = ReplayFeed([good, bad], ManualClock()).bars()
    with pytest.raises(DataFileError, match=r"bad.csv:3: volume -1.0 is negative"):
        await anext(bars)


def test_total_is_known_after_load(tmp_path: Path) -> None:
    feed = ReplayFeed(
        [ReplaySource(write(tmp_path, "a.csv", day_rows("19", "20", "23")), "AAA", "1d")], ManualClock()
    )
    assert feed.total is None
    assert feed.load() == 3
    assert feed.total == 3
    assert feed.load() == 3
    assert feed.name == "replay AAA 1d"


def test_load_reports_the_bad_file(tmp_path: Path) -> None:
    feed = ReplayFeed([ReplaySource(tmp_path / "missing.csv", "AAA", "1d")], ManualClock())
    with pytest.raises(DataFileError, match=r"missing\.csv: file not found"):
        feed.load()
    assert feed.total is None


async def test_as_fast_as_possible_never_waits_but_lets_others_run(tmp_path: Path) -> None:
    rows = [f"{1_000_000_000 + 60 * i},1,1,1,1,1" for i in range(2 * YIELD_EVERY + 10)]
    clock = RecordingClock()
    bars = await collect(ReplayFeed([ReplaySource(write(tmp_path, "m.csv", rows), "AAA", "1m")], clock))
    assert len(bars) == len(rows)
    assert clock.waits == [0, 0]


async def test_speed_paces_bars_at_n_times_real_time(tmp_path: Path) -> None:
    clock = RecordingClock(start_ns=1_000)
    source = ReplaySource(write(tmp_path, "a.csv", day_rows("19", "20", "23", "24")), "AAA", "1d")
    bars = await collect_paced(ReplayFeed([source], clock, speed=86_400), clock)
    assert clock.waits == [1.0, 3.0, 1.0]
    assert [b.ts_init for b in bars] == [1_000 + s * NS_PER_SECOND for s in (0, 1, 4, 5)]


async def test_speed_does_not_drift_when_the_consumer_is_late(tmp_path: Path) -> None:
    clock = RecordingClock()
    source = ReplaySource(write(tmp_path, "a.csv", day_rows("19", "20", "21", "22")), "AAA", "1d")
    bars = await collect_paced(ReplayFeed([source], clock, speed=2 * 86_400), clock, overshoot=0.25)
    assert clock.waits == [0.5, 0.25, 0.25]
    assert [b.ts_init for b in bars] == [0, 750_000_000, 1_250_000_000, 1_750_000_000]


async def test_equal_times_across_files_are_emitted_without_a_wait(tmp_path: Path) -> None:
    clock = RecordingClock()
    a = ReplaySource(write(tmp_path, "a.csv", day_rows("19", "20")), "AAA", "1d")
    b = ReplaySource(write(tmp_path, "b.csv", day_rows("19", "20")), "BBB", "1d")
    bars = await collect_paced(ReplayFeed.from_config(ReplayConfig((a, b), speed=86_400), clock), clock)
    assert clock.waits == [1.0]
    assert [(b.symbol, b.ts_init) for b in bars] == [
        ("AAA", 0),
        ("BBB", 0),
        ("AAA", NS_PER_SECOND),
        ("BBB", NS_PER_SECOND),
    ]


def test_replay_feed_is_a_bar_feed(tmp_path: Path) -> None:
    feed: BarFeed = ReplayFeed([shipped_source("GOOG_daily.csv")], ManualClock())
    assert feed.total is None
    assert feed.name == "replay GOOG 1d"
