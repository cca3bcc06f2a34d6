"""Donchian channel: the highest high and lowest low of the last ``period`` bars."""

from __future__ import annotations

import math
from collections import deque

import numpy.typing as npt
from numpy.lib.stride_tricks import sliding_window_view

from freeride.indicators._core import FloatArray, as_float_array, check_period, nan_array


class RollingExtreme:
    """Maximum (or minimum) of the last ``period`` values, amortised O(1) with a monotonic deque."""

    __slots__ = ("_n", "_queue", "highest", "period", "value")

    def __init__(self, period: int, highest: bool = True) -> None:
        check_period("rolling extreme", period)
        self.period = period
        self.highest = highest
        self._queue: deque[tuple[int, float]] = deque()
        self._n = 0
        self.value: float = math.nan

    @property
    def ready(self) -> bool:
        return self._n >= self.period

    def update(self, x: float) -> float:
        q = self._queue
        if self.highest:
            while q and q[-1][1] <= x:
                q.pop()
        else:
            while q and q[-1][1] >= x:
                q.pop()
        q.append((self._n, x))
        self._n += 1
        if q[0][0] <= self._n - 1 - self.period:
            q.popleft()
        if self._n >= self.period:
            self.value = q[0][1]
        return self.value


class Donchian:
    """``update`` returns the middle of the channel; ``upper`` and ``lower`` are attributes."""

    __slots__ = ("_high", "_low", "lower", "period", "upper", "value")

    def __init__(self, period: int = 20) -> None:
        self.period = period
        self._high = RollingExtreme(period, highest=True)
        self._low = RollingExtreme(period, highest=False)
        self.upper: float = math.nan
        self.lower: float = math.nan
        self.value: float = math.nan

    @property
    def ready(self) -> bool:
        return self._high.ready

    def update(self, high: float, low: float) -> float:
        self.upper = self._high.update(high)
        self.lower = self._low.update(low)
        self.value = (self.upper + self.lower) / 2
        return self.value


def rolling_max_np(values: npt.ArrayLike, period: int) -> FloatArray:
    check_period("rolling extreme", period)
    x = as_float_array(values)
    out = nan_array(len(x))
    if len(x) >= period:
        out[period - 1 :] = sliding_window_view(x, period).max(axis=1)
    return out


def rolling_min_np(values: npt.ArrayLike, period: int) -> FloatArray:
    check_period("rolling extreme", period)
    x = as_float_array(values)
    out = nan_array(len(x))
    if len(x) >= period:
        out[period - 1 :] = sliding_window_view(x, period).min(axis=1)
    return out


def donchian_np(
    high: npt.ArrayLike, low: npt.ArrayLike, period: int = 20
) -> tuple[FloatArray, FloatArray, FloatArray]:
    """Vectorised (upper, lower, middle): exactly equal to ``Donchian`` (max and min do not round)."""
    upper = rolling_max_np(high, period)
    lower = rolling_min_np(low, period)
    return upper, lower, (upper + lower) / 2
