"""Rolling standard deviation and z-score over the last ``period`` values."""

from __future__ import annotations

import math

import numpy as np
import numpy.typing as npt
from numpy.lib.stride_tricks import sliding_window_view

from freeride.indicators._core import ANCHOR_MASK, FloatArray, as_float_array, check_period, nan_array, window


class RollingStd:
    """Standard deviation of the window (``ddof`` 0 = population, as Bollinger bands use it).

    Welford's sliding update keeps the squared deviations accurate where the textbook
    ``E[x²] - E[x]²`` loses every digit on prices far from zero; an exact two-pass recomputation
    every 1,024 values (and whenever the window is nearly flat) stops the residue from showing.
    ``mean`` is the window's mean.
    """

    __slots__ = ("_buf", "_m2", "_n", "ddof", "mean", "period", "value")

    def __init__(self, period: int, ddof: int = 0) -> None:
        check_period("rolling stdev", period)
        if ddof not in (0, 1) or period - ddof < 1:
            raise ValueError(f"ddof must be 0 or 1 and below period, got ddof={ddof} period={period}")
        self.period = period
        self.ddof = ddof
        self._buf = window(period)
        self._n = 0
        self._m2 = 0.0
        self.mean = 0.0
        self.value: float = math.nan

    @property
    def ready(self) -> bool:
        return self._n >= self.period

    def update(self, x: float) -> float:
        period = self.period
        buf = self._buf
        n = self._n + 1
        self._n = n
        mean = self.mean
        if n <= period:  # growing window: plain Welford
            new_mean = mean + (x - mean) / n
            self._m2 += (x - mean) * (x - new_mean)
        else:  # full window: replace the oldest value
            old = buf[0]
            new_mean = mean + (x - old) / period
            self._m2 += (x - old) * (x - new_mean + old - mean)
        self.mean = new_mean
        buf.append(x)
        # A tiny variance is all rounding residue relative to the mean (and its square root would
        # magnify it), so a nearly flat window is recomputed exactly; so is every 1,024th value.
        if not n & ANCHOR_MASK or self._m2 <= 1e-6 * min(n, period) * new_mean * new_mean:
            self._reanchor()
        if n >= period:
            self.value = math.sqrt(max(self._m2, 0.0) / (period - self.ddof))
        return self.value

    def _reanchor(self) -> None:
        seen = list(self._buf)[-min(self._n, self.period) :]  # the zeros before the first value left out
        self.mean = math.fsum(seen) / len(seen)
        self._m2 = math.fsum((v - self.mean) ** 2 for v in seen)


class ZScore:
    """``(x - mean) / stdev`` of the window including ``x``; NaN while the stdev is zero."""

    __slots__ = ("_std", "value")

    def __init__(self, period: int, ddof: int = 0) -> None:
        self._std = RollingStd(period, ddof)
        self.value: float = math.nan

    @property
    def ready(self) -> bool:
        return self._std.ready

    def update(self, x: float) -> float:
        sd = self._std.update(x)
        if self._std.ready:
            self.value = (x - self._std.mean) / sd if sd > 0.0 else math.nan
        return self.value


def rolling_std_np(values: npt.ArrayLike, period: int, ddof: int = 0) -> FloatArray:
    """Vectorised rolling stdev (two-pass per window), equal to ``RollingStd`` up to rounding."""
    check_period("rolling stdev", period)
    x = as_float_array(values)
    out = nan_array(len(x))
    if len(x) >= period:
        out[period - 1 :] = sliding_window_view(x, period).std(axis=1, ddof=ddof)
    return out


def rolling_mean_np(values: npt.ArrayLike, period: int) -> FloatArray:
    x = as_float_array(values)
    out = nan_array(len(x))
    if len(x) >= period:
        out[period - 1 :] = sliding_window_view(x, period).mean(axis=1)
    return out


def zscore_np(values: npt.ArrayLike, period: int, ddof: int = 0) -> FloatArray:
    x = as_float_array(values)
    sd = rolling_std_np(x, period, ddof)
    mean = rolling_mean_np(x, period)
    with np.errstate(divide="ignore", invalid="ignore"):
        z = (x - mean) / sd
    z[~(sd > 0.0)] = math.nan
    return z
