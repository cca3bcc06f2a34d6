"""Derived series that rules can watch: percent move over a window, RSI and SMA spread per bar.

Each tracker turns a price (or a bar close) into one number and feeds it to its own ``Book``, so
moves and indicator levels get the same sorted index as prices.
"""

from __future__ import annotations

import math
from collections import deque
from typing import Generic, TypeVar

from freeride.alerts.book import Book
from freeride.core.clock import NS_PER_SECOND
from freeride.indicators.rsi import RSI
from freeride.indicators.sma import SMA

R = TypeVar("R")

# A window keeps at most this many samples: the reference price is then exact to 1/512 of the
# window, and a one-day window on a busy symbol costs kilobytes, not every tick of the day.
_SAMPLES_PER_WINDOW = 512


class MoveTracker(Generic[R]):
    """Percent change from the oldest price within the last ``window_s`` seconds to the latest."""

    __slots__ = ("_samples", "_step", "book", "window_ns")

    def __init__(self, window_s: int) -> None:
        self.window_ns = window_s * NS_PER_SECOND
        self._step = max(1, self.window_ns // _SAMPLES_PER_WINDOW)
        self._samples: deque[tuple[int, float]] = deque()
        self.book: Book[R] = Book()

    def update(self, ts_ns: int, price: float) -> list[R] | None:
        samples = self._samples
        if not samples or ts_ns - samples[-1][0] >= self._step:
            samples.append((ts_ns, price))
        cutoff = ts_ns - self.window_ns
        while samples[0][0] < cutoff:
            samples.popleft()
        ref = samples[0][1]
        if ref <= 0.0:
            return None
        return self.book.update((price - ref) / ref * 100.0)


class RsiTracker(Generic[R]):
    __slots__ = ("book", "rsi")

    def __init__(self, period: int) -> None:
        self.rsi = RSI(period)
        self.book: Book[R] = Book()

    def update(self, close: float) -> list[R] | None:
        value = self.rsi.update(close)
        return None if math.isnan(value) else self.book.update(value)


class SmaSpreadTracker(Generic[R]):
    """SMA(fast) − SMA(slow): a cross of the two averages is this spread crossing zero."""

    __slots__ = ("book", "fast", "slow")

    def __init__(self, fast: int, slow: int) -> None:
        self.fast = SMA(fast)
        self.slow = SMA(slow)
        self.book: Book[R] = Book()

    def update(self, close: float) -> list[R] | None:
        spread = self.fast.update(close) - self.slow.update(close)
        return None if math.isnan(spread) else self.book.update(spread)
