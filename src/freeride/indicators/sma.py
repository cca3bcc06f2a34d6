"""Simple moving average, incremental and vectorised."""

from __future__ import annotations

import math
from collections import deque


class SMA:
    """Mean of the last ``period`` values, updated in O(1) per value.

    The running sum is Kahan-compensated so a long series does not drift away from the mean a
    fresh sum would give (crossovers compare two averages, so drift would move signals).
    """

    __slots__ = ("_comp", "_sum", "_window", "period", "value")

    def __init__(self, period: int) -> None:
        if period < 1:
            raise ValueError(f"SMA period must be at least 1, got {period}")
        self.period = period
        self._window: deque[float] = deque()
        self._sum = 0.0
        self._comp = 0.0
        self.value: float = math.nan

    @property
    def ready(self) -> bool:
        return len(self._window) == self.period

    def update(self, x: float) -> float:
        window = self._window
        window.append(x)
        self._add(x)
        if len(window) > self.period:
            self._add(-window.popleft())
        if len(window) == self.period:
            self.value = (self._sum + self._comp) / self.period
        return self.value

    def _add(self, x: float) -> None:
        # Neumaier's variant of Kahan summation: exact enough for any realistic price series.
        total = self._sum + x
        if abs(self._sum) >= abs(x):
            self._comp += (self._sum - total) + x
        else:
            self._comp += (x - total) + self._sum
        self._sum = total


def sma(values: list[float], period: int) -> list[float]:
    """The SMA of a whole series (NaN until ``period`` values are in), for tests and reports."""
    ind = SMA(period)
    return [ind.update(v) for v in values]
