"""Relative strength index with Wilder's smoothing."""

from __future__ import annotations

import math

import numpy as np
import numpy.typing as npt

from freeride.indicators._core import FloatArray, as_float_array, check_period, linear_recurrence, nan_array


def _rsi(gain: float, loss: float) -> float:
    if loss == 0.0:
        return 50.0 if gain == 0.0 else 100.0
    return 100.0 - 100.0 / (1.0 + gain / loss)


class RSI:
    """Average gain and loss over ``period`` changes: seeded with their plain mean, then
    ``avg += (new - avg) / period`` (Wilder). The first value needs ``period + 1`` prices.
    A flat window reads 50, a window without losses 100."""

    __slots__ = ("_gain", "_loss", "_n", "_prev", "_seed_gain", "_seed_loss", "period", "value")

    def __init__(self, period: int = 14) -> None:
        check_period("RSI", period)
        self.period = period
        self._n = 0
        self._prev = math.nan
        self._gain = 0.0
        self._loss = 0.0
        self._seed_gain: list[float] = []
        self._seed_loss: list[float] = []
        self.value: float = math.nan

    @property
    def ready(self) -> bool:
        return self._n > self.period

    def update(self, x: float) -> float:
        n = self._n
        self._n = n + 1
        prev = self._prev
        self._prev = x
        if n == 0:
            return self.value
        change = x - prev
        gain = change if change > 0.0 else 0.0
        loss = -change if change < 0.0 else 0.0
        period = self.period
        if n > period:
            self._gain += (gain - self._gain) / period
            self._loss += (loss - self._loss) / period
        else:
            self._seed_gain.append(gain)
            self._seed_loss.append(loss)
            if n < period:
                return self.value
            self._gain = math.fsum(self._seed_gain) / period
            self._loss = math.fsum(self._seed_loss) / period
        self.value = _rsi(self._gain, self._loss)
        return self.value


def wilder_np(x: FloatArray, period: int) -> FloatArray:
    """Wilder's average of ``x``: the mean of the first ``period`` values, then alpha ``1/period``."""
    out = nan_array(len(x))
    if len(x) < period:
        return out
    seed = math.fsum(x[:period].tolist()) / period
    out[period - 1] = seed
    out[period:] = linear_recurrence(x[period:], 1.0 - 1.0 / period, 1.0 / period, seed)
    return out


def rsi_np(values: npt.ArrayLike, period: int = 14) -> FloatArray:
    """Vectorised RSI, equal to ``RSI`` up to floating-point rounding."""
    check_period("RSI", period)
    x = as_float_array(values)
    out = nan_array(len(x))
    if len(x) <= period:
        return out
    change = np.diff(x)
    gain = wilder_np(np.where(change > 0.0, change, 0.0), period)
    loss = wilder_np(np.where(change < 0.0, -change, 0.0), period)
    g, lo = gain[period - 1 :], loss[period - 1 :]
    with np.errstate(divide="ignore", invalid="ignore"):
        rsi = 100.0 - 100.0 / (1.0 + g / lo)
    rsi[lo == 0.0] = 100.0
    rsi[(lo == 0.0) & (g == 0.0)] = 50.0
    out[period:] = rsi
    return out
