"""Donchian breakout (turtle-style): buy a close above the highest high of the previous ``period``
bars, sell one below the lowest low; exit on the opposite ``exit_period`` channel."""

from __future__ import annotations

from typing import ClassVar

import numpy as np

from freeride.core.market import Bar
from freeride.indicators.donchian import RollingExtreme, rolling_max_np, rolling_min_np
from freeride.strategies.directional import BarArrays, DirectionalStrategy, FloatArray, VectorRules, entries
from freeride.strategies.sizing import SizedParams


class DonchianBreakoutParams(SizedParams, frozen=True, kw_only=True, forbid_unknown_fields=True):
    period: int = 20
    exit_period: int = 10

    def __post_init__(self) -> None:
        super().__post_init__()
        if self.period < 1 or self.exit_period < 1:
            raise ValueError(
                f"period and exit_period must be at least 1 (period={self.period}, "
                f"exit_period={self.exit_period})"
            )


class DonchianBreakout(DirectionalStrategy[DonchianBreakoutParams]):
    """Channels are of the bars before the current one, so a breakout is a close beyond them."""

    kind: ClassVar[str] = "donchian_breakout"

    def __init__(self, strategy_id: str, symbol: str, params: DonchianBreakoutParams) -> None:
        super().__init__(strategy_id, symbol, params)
        self._hi = RollingExtreme(params.period, highest=True)
        self._lo = RollingExtreme(params.period, highest=False)
        self._exit_hi = RollingExtreme(params.exit_period, highest=True)
        self._exit_lo = RollingExtreme(params.exit_period, highest=False)

    def history_needed(self) -> int:
        """Both channels full, of the bars before the current one."""
        return max(self.params.period, self.params.exit_period) + 1

    def on_bar(self, bar: Bar) -> None:
        close = bar.close
        hi, lo = self._hi.value, self._lo.value  # of the previous bars (NaN until ready)
        exit_hi, exit_lo = self._exit_hi.value, self._exit_lo.value
        self._hi.update(bar.high)
        self._lo.update(bar.low)
        self._exit_hi.update(bar.high)
        self._exit_lo.update(bar.low)
        up = close > hi
        down = close < lo
        why = f"close {close} broke the {self.params.period}-bar channel" if up or down else "exit channel"
        self.apply(bar, up or down, 1 if up else self._short, close < exit_lo, close > exit_hi, why)

    @classmethod
    def vector_rules(cls, params: DonchianBreakoutParams, bars: BarArrays) -> VectorRules:
        close = bars.close
        hi = _previous(rolling_max_np(bars.high, params.period))
        lo = _previous(rolling_min_np(bars.low, params.period))
        exit_hi = _previous(rolling_max_np(bars.high, params.exit_period))
        exit_lo = _previous(rolling_min_np(bars.low, params.exit_period))
        up = close > hi
        down = close < lo
        entering, enter = entries(len(bars), up, down, -1 if params.allow_short else 0)
        return VectorRules(
            entering=entering, enter=enter, exit_long=close < exit_lo, exit_short=close > exit_hi
        )


def _previous(values: FloatArray) -> FloatArray:
    """The value as of the bar before (NaN for the first bar)."""
    out = np.empty_like(values)
    out[0:1] = np.nan
    out[1:] = values[:-1]
    return out
