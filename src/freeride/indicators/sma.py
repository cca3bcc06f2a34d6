"""Simple moving average, incremental and vectorised, bit-for-bit equal to each other."""

from __future__ import annotations

import math

import numpy.typing as npt

from freeride.indicators._core import (
    ANCHOR_EVERY,
    FloatArray,
    anchored_window_sums,
    as_float_array,
    check_period,
    window,
)


class SMA:
    """Mean of the last ``period`` values, updated in O(1) per value.

    The window sum is an anchor (the exact ``fsum`` of the window, taken every 1,024 values) plus
    a partial sum of ``new - oldest`` since the anchor (see ``_core``): it never drifts, and
    ``sma_np`` reproduces every value bit for bit, so a crossover found live is the crossover the
    vectorised backtest finds.
    """

    __slots__ = ("_anchor", "_buf", "_n", "_partial", "period", "value")

    def __init__(self, period: int) -> None:
        check_period("SMA", period)
        self.period = period
        self._buf = window(period)
        self._n = 0
        self._anchor = 0.0
        self._partial = 0.0
        self.value: float = math.nan

    @property
    def ready(self) -> bool:
        return self._n >= self.period

    def update(self, x: float) -> float:
        buf = self._buf
        n = self._n
        if n & 1023:  # ANCHOR_MASK, inlined: a global lookup costs on this path
            partial = self._partial + (x - buf[0])
        else:
            self._anchor = math.fsum(buf)
            partial = x - buf[0]
        self._partial = partial
        buf.append(x)
        n += 1
        self._n = n
        period = self.period
        if n >= period:
            value = self.value = (self._anchor + partial) / period
            return value
        return self.value


assert ANCHOR_EVERY == 1024  # the literal mask in SMA.update


def sma(values: list[float], period: int) -> list[float]:
    """The SMA of a whole series (NaN until ``period`` values are in), for tests and reports."""
    ind = SMA(period)
    return [ind.update(v) for v in values]


def sma_np(values: npt.ArrayLike, period: int) -> FloatArray:
    """Vectorised SMA: NaN for the first ``period - 1`` values, then equal to ``SMA`` bit for bit."""
    check_period("SMA", period)
    x = as_float_array(values)
    out = anchored_window_sums(x, period)
    out /= period
    out[: period - 1] = math.nan
    return out
