"""Moving-average crossover (SMA or EMA): long when the fast average crosses above the slow one,
short (or flat, with ``allow_short=False``) when it crosses below."""

from __future__ import annotations

from decimal import Decimal
from typing import ClassVar

import numpy as np

from freeride.core.market import Bar
from freeride.indicators.cross import CrossStep, crossings, sma_crossings
from freeride.indicators.ema import EMA, ema_np
from freeride.indicators.sma import sma_np
from freeride.strategies.directional import (
    BarArrays,
    DirectionalStrategy,
    FloatArray,
    VectorRules,
    entries,
    falses,
)
from freeride.strategies.sizing import SizedParams


class SmaCrossParams(SizedParams, frozen=True, kw_only=True, forbid_unknown_fields=True):
    """``fast`` and ``slow`` are windows in bars. ``quantity`` is the older name of ``size`` in units
    (the embedded run's settings use it); give one or the other."""

    fast: int = 10
    slow: int = 30
    quantity: Decimal | None = None

    def __post_init__(self) -> None:
        super().__post_init__()
        if self.fast < 1 or self.slow < 1:
            raise ValueError(f"fast and slow must be at least 1 (fast={self.fast}, slow={self.slow})")
        if self.fast >= self.slow:
            raise ValueError(f"fast ({self.fast}) must be shorter than slow ({self.slow})")
        if self.quantity is not None and (not self.quantity.is_finite() or self.quantity <= 0):
            raise ValueError(f"quantity must be positive, got {self.quantity}")

    @property
    def units(self) -> Decimal:
        return self.size if self.quantity is None else self.quantity


EmaCrossParams = SmaCrossParams


class SmaCross(DirectionalStrategy[SmaCrossParams]):
    """A cross needs a strict change of side: equal averages on either bar are not a cross."""

    kind: ClassVar[str] = "sma_cross"
    label: ClassVar[str] = "SMA"

    def __init__(self, strategy_id: str, symbol: str, params: SmaCrossParams) -> None:
        super().__init__(strategy_id, symbol, params)
        self._cross = self._crossings(params)
        label = self.label
        self._above = f"{label}{params.fast} crossed above {label}{params.slow}"
        self._below = f"{label}{params.fast} crossed below {label}{params.slow}"

    @classmethod
    def _crossings(cls, params: SmaCrossParams) -> CrossStep:
        """One step per close: +1 on a cross above, -1 on a cross below, else 0."""
        return sma_crossings(params.fast, params.slow)

    def history_needed(self) -> int:
        """The slow average and the bar before it (a cross compares two bars)."""
        return self.params.slow + 1

    def on_bar(self, bar: Bar) -> None:
        # the hot path of every backtest: both averages and the cross test are one call
        side = self._cross(bar.close)
        if side:
            if side > 0:
                self.go(bar, 1, self._above)
            else:
                self.go(bar, self._short, self._below)

    @classmethod
    def averages_np(cls, params: SmaCrossParams, bars: BarArrays) -> tuple[FloatArray, FloatArray]:
        return sma_np(bars.close, params.fast), sma_np(bars.close, params.slow)

    @classmethod
    def vector_rules(cls, params: SmaCrossParams, bars: BarArrays) -> VectorRules:
        f, s = cls.averages_np(params, bars)
        n = len(bars)
        # the sign of f - s is exactly the order of f and s (IEEE subtraction never rounds to 0)
        gap = f - s
        below = gap < 0
        above = gap > 0
        up = falses(n)
        down = falses(n)
        np.logical_and(below[:-1], above[1:], out=up[1:])
        np.logical_and(above[:-1], below[1:], out=down[1:])
        entering, enter = entries(n, up, down, -1 if params.allow_short else 0)
        return VectorRules(entering=entering, enter=enter, exit_long=falses(n), exit_short=falses(n))


class EmaCross(SmaCross):
    """The same crossover on exponential averages (seeded with the SMA of their first window)."""

    kind: ClassVar[str] = "ema_cross"
    label: ClassVar[str] = "EMA"

    @classmethod
    def _crossings(cls, params: SmaCrossParams) -> CrossStep:
        return crossings(EMA(params.fast).update, EMA(params.slow).update)

    def history_needed(self) -> int:
        """Three slow windows: the SMA seed's weight has faded to about 5 % by then."""
        return 3 * self.params.slow + 1

    @classmethod
    def averages_np(cls, params: SmaCrossParams, bars: BarArrays) -> tuple[FloatArray, FloatArray]:
        return ema_np(bars.close, params.fast), ema_np(bars.close, params.slow)
