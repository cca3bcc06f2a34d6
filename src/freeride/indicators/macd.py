"""MACD: the gap between a fast and a slow EMA, its signal EMA and the histogram."""

from __future__ import annotations

import math

import numpy.typing as npt

from freeride.indicators._core import FloatArray, as_float_array, check_period, nan_array
from freeride.indicators.ema import EMA, ema_np


class MACD:
    """``macd = EMA(fast) - EMA(slow)``; ``signal`` is the EMA of ``macd`` from its first value.

    ``update`` returns ``macd``; ``signal`` and ``histogram`` are attributes (NaN until ready).
    """

    __slots__ = ("_fast", "_signal", "_slow", "histogram", "signal", "value")

    def __init__(self, fast: int = 12, slow: int = 26, signal: int = 9) -> None:
        for name, p in (("MACD fast", fast), ("MACD slow", slow), ("MACD signal", signal)):
            check_period(name, p)
        if fast >= slow:
            raise ValueError(f"MACD fast ({fast}) must be shorter than slow ({slow})")
        self._fast = EMA(fast)
        self._slow = EMA(slow)
        self._signal = EMA(signal)
        self.value: float = math.nan
        self.signal: float = math.nan
        self.histogram: float = math.nan

    @property
    def ready(self) -> bool:
        return self._signal.ready

    def update(self, x: float) -> float:
        fast = self._fast.update(x)
        slow = self._slow.update(x)
        if self._slow.ready:
            self.value = fast - slow
            self.signal = self._signal.update(self.value)
            self.histogram = self.value - self.signal
        return self.value


def macd_np(
    values: npt.ArrayLike, fast: int = 12, slow: int = 26, signal: int = 9
) -> tuple[FloatArray, FloatArray, FloatArray]:
    """Vectorised (macd, signal, histogram), equal to ``MACD`` up to floating-point rounding."""
    if fast >= slow:
        raise ValueError(f"MACD fast ({fast}) must be shorter than slow ({slow})")
    check_period("MACD signal", signal)
    x = as_float_array(values)
    macd = ema_np(x, fast) - ema_np(x, slow)
    sig = nan_array(len(x))
    if len(x) >= slow:
        sig[slow - 1 :] = ema_np(macd[slow - 1 :], signal)
    return macd, sig, macd - sig
