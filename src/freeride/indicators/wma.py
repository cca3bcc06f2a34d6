"""Linearly weighted moving average: weights 1..period, the newest value weighing most."""

from __future__ import annotations

import math

import numpy as np
import numpy.typing as npt
from numpy.lib.stride_tricks import sliding_window_view

from freeride.indicators._core import ANCHOR_MASK, FloatArray, as_float_array, check_period, nan_array, window


class WMA:
    """O(1) per value: the weighted sum moves by ``period * new - (plain sum before it)``.

    Both running sums are recomputed exactly every 256 values so they never drift.
    """

    __slots__ = ("_buf", "_n", "_plain", "_weighted", "denominator", "period", "value")

    def __init__(self, period: int) -> None:
        check_period("WMA", period)
        self.period = period
        self.denominator = period * (period + 1) / 2
        self._buf = window(period)
        self._n = 0
        self._plain = 0.0
        self._weighted = 0.0
        self.value: float = math.nan

    @property
    def ready(self) -> bool:
        return self._n >= self.period

    def update(self, x: float) -> float:
        period = self.period
        buf = self._buf
        old = buf[0]
        # while filling, weights are period-n+1..period over the values seen so far
        self._weighted += period * x - self._plain
        self._plain += x - old
        buf.append(x)
        self._n += 1
        if not self._n & ANCHOR_MASK:
            self._reanchor()
        if self._n >= period:
            self.value = self._weighted / self.denominator
        return self.value

    def _reanchor(self) -> None:
        ordered = list(self._buf)  # oldest first
        self._plain = math.fsum(ordered)
        # unfilled slots are zeros in front, so the values seen get weights period-n+1..period
        self._weighted = math.fsum(w * v for w, v in enumerate(ordered, start=1))


def wma_np(values: npt.ArrayLike, period: int) -> FloatArray:
    """Vectorised WMA, equal to ``WMA`` up to floating-point rounding."""
    check_period("WMA", period)
    x = as_float_array(values)
    out = nan_array(len(x))
    if len(x) >= period:
        weights = np.arange(1, period + 1, dtype=np.float64)
        out[period - 1 :] = sliding_window_view(x, period) @ weights / (period * (period + 1) / 2)
    return out
