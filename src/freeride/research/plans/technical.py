"""The technical state a plan is built from, computed from bars with the project's indicators."""

from __future__ import annotations

import math
from collections.abc import Sequence

import msgspec
import numpy as np

from freeride.core.errors import InvalidInput
from freeride.core.market import Bar
from freeride.indicators import atr_np, donchian_np, ema_np, macd_np, rsi_np, sma_np

MIN_BARS = 60


class Technicals(msgspec.Struct, frozen=True, kw_only=True):
    close: float
    sma50: float
    ema20: float
    rsi14: float
    macd_hist: float
    atr14: float
    donchian_high: float  # of the 20 bars before the last
    donchian_low: float
    ts_event: int

    @property
    def trend(self) -> float:
        """+1 up (EMA20 and the close above SMA50), -1 down, ±0.5 when they disagree."""
        up = self.ema20 > self.sma50
        if up and self.close > self.sma50:
            return 1.0
        if not up and self.close < self.sma50:
            return -1.0
        return 0.5 if up else -0.5

    @property
    def momentum(self) -> float:
        """RSI's distance from 50 (scaled to ±0.5) plus the MACD histogram's sign (±0.5)."""
        rsi_part = max(-1.0, min(1.0, (self.rsi14 - 50.0) / 25.0)) * 0.5
        return rsi_part + (0.5 if self.macd_hist > 0 else -0.5 if self.macd_hist < 0 else 0.0)


def technicals(bars: Sequence[Bar]) -> Technicals:
    if len(bars) < MIN_BARS:
        raise InvalidInput(f"a plan needs at least {MIN_BARS} bars of history, got {len(bars)}")
    high = np.fromiter((b.high for b in bars), float, len(bars))
    low = np.fromiter((b.low for b in bars), float, len(bars))
    close = np.fromiter((b.close for b in bars), float, len(bars))
    upper, lower, _ = donchian_np(high[:-1], low[:-1], 20)
    out = Technicals(
        close=float(close[-1]),
        sma50=float(sma_np(close, 50)[-1]),
        ema20=float(ema_np(close, 20)[-1]),
        rsi14=float(rsi_np(close, 14)[-1]),
        macd_hist=float(macd_np(close)[2][-1]),
        atr14=float(atr_np(high, low, close, 14)[-1]),
        donchian_high=float(upper[-1]),
        donchian_low=float(lower[-1]),
        ts_event=bars[-1].ts_event,
    )
    if not all(math.isfinite(v) for v in (out.sma50, out.ema20, out.rsi14, out.macd_hist, out.atr14)):
        raise InvalidInput("the bars give no finite indicator values (constant or broken prices?)")
    if out.atr14 <= 0:
        raise InvalidInput("the bars do not move (ATR is 0): no volatility to set a stop from")
    return out
