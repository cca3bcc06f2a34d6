"""The two indicators alert rules watch, updated once per closed bar.

Written here rather than borrowed so the alert engine carries no array library on its import
path; each is a few lines, checked against a naive formula in the tests.
"""

from __future__ import annotations

import math
from collections import deque


class RollingMean:
    """Simple moving average of the last ``period`` values (NaN until it has them)."""

    __slots__ = ("_window", "period")

    def __init__(self, period: int) -> None:
        self.period = period
        self._window: deque[float] = deque(maxlen=period)

    def update(self, x: float) -> float:
        """Exact sum per bar (``fsum``): bars are rare, and a running sum would drift."""
        self._window.append(x)
        if len(self._window) < self.period:
            return math.nan
        return math.fsum(self._window) / self.period


class WilderRSI:
    """RSI with Wilder's smoothing, seeded with the plain mean of the first ``period`` changes."""

    __slots__ = ("_gain", "_loss", "_n", "_prev", "period")

    def __init__(self, period: int) -> None:
        self.period = period
        self._n = 0
        self._prev = math.nan
        self._gain = 0.0
        self._loss = 0.0

    def update(self, x: float) -> float:
        n = self._n
        self._n = n + 1
        prev, self._prev = self._prev, x
        if n == 0:
            return math.nan
        change = x - prev
        gain, loss = max(change, 0.0), max(-change, 0.0)
        p = self.period
        if n <= p:  # seeding: accumulate, average once p changes are in
            self._gain += gain
            self._loss += loss
            if n < p:
                return math.nan
            self._gain /= p
            self._loss /= p
        else:
            self._gain += (gain - self._gain) / p
            self._loss += (loss - self._loss) / p
        if self._loss == 0.0:
            return 50.0 if self._gain == 0.0 else 100.0
        return 100.0 - 100.0 / (1.0 + self._gain / self._loss)
