"""Exponential moving average (seeded with the SMA of the first ``period`` values)."""

from __future__ import annotations

import math

import numpy.typing as npt

from freeride.indicators._core import FloatArray, as_float_array, check_period, linear_recurrence, nan_array


class EMA:
    """``alpha = 2 / (period + 1)``; NaN until ``period`` values are in, whose SMA is the seed.

    The step is ``y += alpha * (x - y)``: a constant series stays exactly constant, so two EMAs of
    a flat market are equal rather than an ulp apart (which would look like a crossover).
    ``alpha`` may be given instead (Wilder's smoothing is ``alpha = 1 / period``).
    """

    __slots__ = ("_n", "_seed", "alpha", "period", "value")

    def __init__(self, period: int, alpha: float | None = None) -> None:
        check_period("EMA", period)
        self.period = period
        self.alpha = 2.0 / (period + 1) if alpha is None else alpha
        if not 0.0 < self.alpha <= 1.0:
            raise ValueError(f"EMA alpha must be in (0, 1], got {self.alpha}")
        self._n = 0
        self._seed: list[float] = []
        self.value: float = math.nan

    @property
    def ready(self) -> bool:
        return self._n >= self.period

    def update(self, x: float) -> float:
        n = self._n + 1
        self._n = n
        if n > self.period:
            self.value += self.alpha * (x - self.value)
        else:
            self._seed.append(x)
            if n == self.period:
                self.value = math.fsum(self._seed) / self.period
                self._seed = []
        return self.value


def ema_np(values: npt.ArrayLike, period: int, alpha: float | None = None) -> FloatArray:
    """Vectorised EMA, equal to ``EMA`` up to floating-point rounding."""
    check_period("EMA", period)
    a = 2.0 / (period + 1) if alpha is None else alpha
    x = as_float_array(values)
    out = nan_array(len(x))
    if len(x) < period:
        return out
    seed = math.fsum(x[:period].tolist()) / period
    out[period - 1] = seed
    out[period:] = linear_recurrence(x[period:], 1.0 - a, a, seed)
    return out
