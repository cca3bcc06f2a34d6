"""Average true range with Wilder's smoothing."""

from __future__ import annotations

import math

import numpy as np
import numpy.typing as npt

from freeride.indicators._core import FloatArray, as_float_array, check_period
from freeride.indicators.rsi import wilder_np


class ATR:
    """True range is ``max(high - low, |high - prev close|, |low - prev close|)`` (the first bar's is
    ``high - low``); the ATR is its Wilder average, seeded with the mean of the first ``period``."""

    __slots__ = ("_n", "_prev_close", "_seed", "period", "value")

    def __init__(self, period: int = 14) -> None:
        check_period("ATR", period)
        self.period = period
        self._n = 0
        self._prev_close = math.nan
        self._seed: list[float] = []
        self.value: float = math.nan

    @property
    def ready(self) -> bool:
        return self._n >= self.period

    def update(self, high: float, low: float, close: float) -> float:
        prev = self._prev_close
        self._prev_close = close
        tr = high - low if self._n == 0 else max(high - low, abs(high - prev), abs(low - prev))
        self._n += 1
        if self._n > self.period:
            self.value += (tr - self.value) / self.period
        else:
            self._seed.append(tr)
            if self._n == self.period:
                self.value = math.fsum(self._seed) / self.period
                self._seed = []
        return self.value


def true_range_np(high: npt.ArrayLike, low: npt.ArrayLike, close: npt.ArrayLike) -> FloatArray:
    h, lo, c = as_float_array(high), as_float_array(low), as_float_array(close)
    tr = h - lo
    if len(tr) > 1:
        prev = c[:-1]
        tr[1:] = np.maximum(tr[1:], np.maximum(np.abs(h[1:] - prev), np.abs(lo[1:] - prev)))
    return tr


def atr_np(high: npt.ArrayLike, low: npt.ArrayLike, close: npt.ArrayLike, period: int = 14) -> FloatArray:
    """Vectorised ATR, equal to ``ATR`` up to floating-point rounding."""
    check_period("ATR", period)
    return wilder_np(true_range_np(high, low, close), period)
