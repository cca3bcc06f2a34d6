"""RSI mean reversion: buy an oversold market, sell (or leave) an overbought one, exit at the middle."""

from __future__ import annotations

from typing import ClassVar

import numpy as np

from freeride.core.market import Bar
from freeride.indicators.rsi import RSI, rsi_np
from freeride.strategies.directional import BarArrays, DirectionalStrategy, VectorRules, entries
from freeride.strategies.sizing import SizedParams


class RsiReversionParams(SizedParams, frozen=True, kw_only=True, forbid_unknown_fields=True):
    """Long below ``lower``, short above ``upper``; a long exits at ``exit`` or above, a short at
    ``exit`` or below. Levels are RSI points (0–100)."""

    period: int = 14
    lower: float = 30.0
    upper: float = 70.0
    exit: float = 50.0

    def __post_init__(self) -> None:
        super().__post_init__()
        if self.period < 1:
            raise ValueError(f"period must be at least 1, got {self.period}")
        if not 0 < self.lower <= self.exit <= self.upper < 100:
            raise ValueError(
                f"levels must satisfy 0 < lower <= exit <= upper < 100 "
                f"(lower={self.lower}, exit={self.exit}, upper={self.upper})"
            )


class RsiReversion(DirectionalStrategy[RsiReversionParams]):
    kind: ClassVar[str] = "rsi_reversion"

    def __init__(self, strategy_id: str, symbol: str, params: RsiReversionParams) -> None:
        super().__init__(strategy_id, symbol, params)
        self._rsi = RSI(params.period)

    def history_needed(self) -> int:
        """Wilder's smoothing remembers long: five periods bring the seed's weight near 1 %."""
        return 5 * self.params.period + 1

    def on_bar(self, bar: Bar) -> None:
        rsi = self._rsi.update(bar.close)
        if rsi != rsi:  # not ready (NaN)
            return
        p = self.params
        up = rsi < p.lower
        down = rsi > p.upper
        self.apply(bar, up or down, 1 if up else self._short, rsi >= p.exit, rsi <= p.exit, f"RSI {rsi:.1f}")

    @classmethod
    def vector_rules(cls, params: RsiReversionParams, bars: BarArrays) -> VectorRules:
        rsi = rsi_np(bars.close, params.period)
        ready = ~np.isnan(rsi)
        up = ready & (rsi < params.lower)
        down = ready & (rsi > params.upper)
        entering, enter = entries(len(bars), up, down, -1 if params.allow_short else 0)
        return VectorRules(
            entering=entering,
            enter=enter,
            exit_long=ready & (rsi >= params.exit),
            exit_short=ready & (rsi <= params.exit),
        )
