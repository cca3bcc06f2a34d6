"""Bollinger bands: the SMA of the window plus and minus ``k`` population standard deviations."""

from __future__ import annotations

import math

import numpy.typing as npt

from freeride.indicators._core import FloatArray, as_float_array
from freeride.indicators.sma import SMA, sma_np
from freeride.indicators.stats import RollingStd, rolling_std_np


class Bollinger:
    """``update`` returns the middle band; ``upper``, ``lower`` and ``width`` are attributes."""

    __slots__ = ("_sma", "_std", "k", "lower", "upper", "value")

    def __init__(self, period: int = 20, k: float = 2.0) -> None:
        if not k > 0:
            raise ValueError(f"Bollinger k must be positive, got {k}")
        self.k = k
        self._sma = SMA(period)
        self._std = RollingStd(period)
        self.value: float = math.nan
        self.upper: float = math.nan
        self.lower: float = math.nan

    @property
    def ready(self) -> bool:
        return self._sma.ready

    @property
    def width(self) -> float:
        return self.upper - self.lower

    def update(self, x: float) -> float:
        mid = self._sma.update(x)
        sd = self._std.update(x)
        if self._sma.ready:
            self.value = mid
            self.upper = mid + self.k * sd
            self.lower = mid - self.k * sd
        return self.value


def bollinger_np(
    values: npt.ArrayLike, period: int = 20, k: float = 2.0
) -> tuple[FloatArray, FloatArray, FloatArray]:
    """Vectorised (middle, upper, lower): the middle equals ``Bollinger`` exactly, the bands up to
    rounding of the standard deviation."""
    x = as_float_array(values)
    mid = sma_np(x, period)
    sd = rolling_std_np(x, period)
    return mid, mid + k * sd, mid - k * sd
