"""The replay feed: recorded bar files played back as one time-ordered stream of ``Bar`` events.

All files are loaded and checked before the first bar leaves, so a bad file fails the run at the
start instead of halfway through a backtest. Pacing waits on the injected clock, so a test (or the
backtester) moves time by hand and nothing really sleeps.
"""

from __future__ import annotations

import heapq
from collections.abc import AsyncIterator, Iterator, Sequence
from itertools import repeat

from freeride.adapters.replay.config import ReplayConfig, ReplaySource
from freeride.adapters.replay.parse import load_source
from freeride.adapters.replay.series import BarSeries
from freeride.core.clock import NS_PER_SECOND, Clock
from freeride.core.market import Bar

# Bars handed over without a wait before the feed lets other tasks run: an async generator does
# not give up the event loop by yielding a value, so a fast replay would otherwise starve them.
YIELD_EVERY = 256


class ReplayFeed:
    """A ``BarFeed`` over CSV and Parquet files, merged in time order (ties keep source order).

    ``ts_event`` is the bar's time from the file and ``ts_init`` the clock's time when it is emitted.
    ``speed`` 0 emits as fast as the consumer takes bars; N > 0 paces them at N times real time,
    measured from the first bar, so time the consumer spends does not add up into drift.
    """

    def __init__(self, sources: Sequence[ReplaySource], clock: Clock, speed: float = 0.0) -> None:
        self._config = ReplayConfig(tuple(sources), speed)
        self._clock = clock
        self._series: list[BarSeries] | None = None

    @classmethod
    def from_config(cls, config: ReplayConfig, clock: Clock) -> ReplayFeed:
        return cls(config.sources, clock, config.speed)

    @property
    def config(self) -> ReplayConfig:
        return self._config

    @property
    def name(self) -> str:
        return "replay " + ", ".join(f"{s.symbol} {s.interval}" for s in self._config.sources)

    @property
    def total(self) -> int | None:
        """The number of bars ``bars()`` yields; ``None`` until ``load()`` has run."""
        if self._series is None:
            return None
        return sum(len(s) for s in self._series)

    def load(self) -> int:
        """Read and check every file (once; later calls reuse the result) and return the bar count.

        Raises ``DataFileError`` for the first problem found. It is CPU work that blocks for as
        long as parsing takes, so a caller with other tasks to serve may run it in a thread.
        """
        return sum(len(s) for s in self._loaded())

    def _loaded(self) -> list[BarSeries]:
        if self._series is None:
            self._series = [load_source(source) for source in self._config.sources]
        return self._series

    async def bars(self) -> AsyncIterator[Bar]:
        """Every bar of every file in time order; loads the files first if ``load()`` has not."""
        series = self._loaded()
        clock = self._clock
        speed = self._config.speed
        first_ts: int | None = None
        start_ns = 0
        since_yield = 0
        for ts, k, i in _merged(series):
            if speed > 0:
                if first_ts is None:
                    first_ts, start_ns = ts, clock.now_ns()
                else:
                    delay_ns = start_ns + round((ts - first_ts) / speed) - clock.now_ns()
                    if delay_ns > 0:
                        await clock.sleep(delay_ns / NS_PER_SECOND)
                        since_yield = 0
            since_yield += 1
            if since_yield > YIELD_EVERY:
                await clock.sleep(0)
                since_yield = 1
            yield series[k].bar(i, clock.now_ns())


def _merged(series: list[BarSeries]) -> Iterator[tuple[int, int, int]]:
    """(time, source index, row) in time order; equal times come in source order, then row order."""
    if len(series) == 1:
        return zip(series[0].ts, repeat(0), range(len(series[0])), strict=False)
    return heapq.merge(*(zip(s.ts, repeat(k), range(len(s)), strict=False) for k, s in enumerate(series)))
