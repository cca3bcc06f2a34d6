"""Bollinger reversion: buy a close below the lower band, sell one above the upper band, exit at
the middle band."""

from __future__ import annotations

from typing import ClassVar

import numpy as np

from freeride.core.market import Bar
from freeride.indicators.bollinger import Bollinger, bollinger_np
from freeride.strategies.directional import BarArrays, DirectionalStrategy, VectorRules, entries
from freeride.strategies.sizing import SizedParams


class BollingerReversionParams(SizedParams, frozen=True, kw_only=True, forbid_unknown_fields=True):
    """``period`` bars, bands ``k`` population standard deviations from the SMA."""

    period: int = 20
    k: float = 2.0

    def __post_init__(self) -> None:
        super().__post_init__()
        if self.period < 2:
            raise ValueError(f"period must be at least 2, got {self.period}")
        if not self.k > 0:
            raise ValueError(f"k must be positive, got {self.k}")


class BollingerReversion(DirectionalStrategy[BollingerReversionParams]):
    kind: ClassVar[str] = "bollinger_reversion"

    def __init__(self, strategy_id: str, symbol: str, params: BollingerReversionParams) -> None:
        super().__init__(strategy_id, symbol, params)
        self._bands = Bollinger(params.period, params.k)

    def history_needed(self) -> int:
        return self.params.period + 1

    def on_bar(self, bar: Bar) -> None:
        b = self._bands
        close = bar.close
        mid = b.update(close)
        if mid != mid:
            return
        up = close < b.lower
        down = close > b.upper
        why = (
            f"close {close} outside band [{b.lower:.5g}, {b.upper:.5g}]"
            if up or down
            else "back to the middle"
        )
        self.apply(bar, up or down, 1 if up else self._short, close >= mid, close <= mid, why)

    @classmethod
    def vector_rules(cls, params: BollingerReversionParams, bars: BarArrays) -> VectorRules:
        close = bars.close
        mid, upper, lower = bollinger_np(close, params.period, params.k)
        ready = ~np.isnan(mid)
        up = ready & (close < lower)
        down = ready & (close > upper)
        entering, enter = entries(len(bars), up, down, -1 if params.allow_short else 0)
        return VectorRules(
            entering=entering,
            enter=enter,
            exit_long=ready & (close >= mid),
            exit_short=ready & (close <= mid),
        )
