"""Indicators: incremental (one value per new bar, O(1)) and vectorised forms (pure).

Each incremental class takes one bar's values in ``update`` and returns the new value (NaN until
it has seen enough bars; ``ready`` says when). Each ``*_np`` function computes the whole series
at once with numpy and agrees with its class: exactly for SMA, Donchian and the Bollinger middle
band, up to floating-point rounding for the recursive ones. ``sma_crossings`` and ``crossings``
step a crossover of two averages: +1, -1 or 0 per value.
"""

from freeride.indicators.atr import ATR, atr_np, true_range_np
from freeride.indicators.bollinger import Bollinger, bollinger_np
from freeride.indicators.cross import CrossStep, crossings, sma_crossings
from freeride.indicators.donchian import Donchian, RollingExtreme, donchian_np, rolling_max_np, rolling_min_np
from freeride.indicators.ema import EMA, ema_np
from freeride.indicators.macd import MACD, macd_np
from freeride.indicators.rsi import RSI, rsi_np
from freeride.indicators.sma import SMA, sma, sma_np
from freeride.indicators.stats import RollingStd, ZScore, rolling_std_np, zscore_np
from freeride.indicators.vwap import VWAP, vwap_np
from freeride.indicators.wma import WMA, wma_np

__all__ = [
    "ATR",
    "EMA",
    "MACD",
    "RSI",
    "SMA",
    "VWAP",
    "WMA",
    "Bollinger",
    "CrossStep",
    "Donchian",
    "RollingExtreme",
    "RollingStd",
    "ZScore",
    "atr_np",
    "bollinger_np",
    "crossings",
    "donchian_np",
    "ema_np",
    "macd_np",
    "rolling_max_np",
    "rolling_min_np",
    "rolling_std_np",
    "rsi_np",
    "sma",
    "sma_crossings",
    "sma_np",
    "true_range_np",
    "vwap_np",
    "wma_np",
    "zscore_np",
]
