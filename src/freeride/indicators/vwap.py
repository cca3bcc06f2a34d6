"""Volume-weighted average price of the typical price ``(high + low + close) / 3``."""

from __future__ import annotations

import math
from collections import deque

import numpy as np
import numpy.typing as npt

from freeride.indicators._core import FloatArray, as_float_array, check_period, nan_array


class VWAP:
    """Over the last ``period`` bars, or over every bar since the start when ``period`` is None
    (call ``reset`` to anchor it anew, e.g. at each session's open). NaN while no volume traded.

    Sums are compensated (``math.fsum`` of the window on every update would be O(period)), so the
    rolling form keeps exact ``fsum`` partials of what enters and leaves.
    """

    __slots__ = ("_pv", "_v", "_window", "period", "value")

    def __init__(self, period: int | None = None) -> None:
        if period is not None:
            check_period("VWAP", period)
        self.period = period
        self._window: deque[tuple[float, float]] = deque()
        self._pv: list[float] = []
        self._v: list[float] = []
        self.value: float = math.nan

    def reset(self) -> None:
        self._window.clear()
        self._pv = []
        self._v = []
        self.value = math.nan

    @property
    def ready(self) -> bool:
        return not math.isnan(self.value)

    def update(self, high: float, low: float, close: float, volume: float) -> float:
        typical = (high + low + close) / 3.0
        pv = typical * volume
        self._pv.append(pv)
        self._v.append(volume)
        if self.period is not None:
            self._window.append((pv, volume))
            if len(self._window) > self.period:
                old_pv, old_v = self._window.popleft()
                self._pv.append(-old_pv)
                self._v.append(-old_v)
        if len(self._pv) > 64:  # fold the partials: fsum is exact, so nothing is lost
            self._pv = [math.fsum(self._pv)]
            self._v = [math.fsum(self._v)]
        total_v = math.fsum(self._v)
        self.value = math.fsum(self._pv) / total_v if total_v > 0.0 else math.nan
        return self.value


def vwap_np(
    high: npt.ArrayLike,
    low: npt.ArrayLike,
    close: npt.ArrayLike,
    volume: npt.ArrayLike,
    period: int | None = None,
) -> FloatArray:
    """Vectorised VWAP, equal to ``VWAP`` up to floating-point rounding."""
    h, lo, c, v = (as_float_array(a) for a in (high, low, close, volume))
    pv = (h + lo + c) / 3.0 * v
    cum_pv = np.cumsum(pv)
    cum_v = np.cumsum(v)
    if period is not None:
        check_period("VWAP", period)
        cum_pv[period:] = cum_pv[period:] - np.cumsum(pv)[:-period]
        cum_v[period:] = cum_v[period:] - np.cumsum(v)[:-period]
    out = nan_array(len(h))
    ok = cum_v > 0.0
    out[ok] = cum_pv[ok] / cum_v[ok]
    return out
