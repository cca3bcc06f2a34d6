"""Numbers the report shows, computed from a result (pure numpy, no drawing)."""

from __future__ import annotations

from typing import Any

import numpy as np

from freeride.backtest.equity import EquityCurve
from freeride.backtest.metrics import drawdown


def month_keys(ts: np.ndarray[Any, Any]) -> np.ndarray[Any, Any]:
    return ts.astype("datetime64[ns]").astype("datetime64[M]")


def monthly_returns(
    curve: EquityCurve, cash: float
) -> tuple[list[int], np.ndarray[Any, np.dtype[np.float64]]]:
    """Years and a (years × 12) array of monthly returns in percent (NaN where no data).

    A month's return is its last equity over the previous month's last (the starting cash for the
    first month).
    """
    months = month_keys(curve.ts)
    last = np.flatnonzero(np.diff(months.astype(np.int64), append=np.iinfo(np.int64).max) != 0)
    ends = curve.equity[last]
    starts = np.concatenate(([cash], ends[:-1]))
    rets = (ends / starts - 1.0) * 100.0
    stamps = months[last].astype(np.int64)  # months since 1970-01
    years = sorted({1970 + int(m) // 12 for m in stamps})
    grid = np.full((len(years), 12), np.nan)
    for m, r in zip(stamps.tolist(), rets.tolist(), strict=True):
        grid[years.index(1970 + m // 12), m % 12] = r
    return years, grid


def drawdown_pct(curve: EquityCurve, cash: float) -> np.ndarray[Any, np.dtype[np.float64]]:
    out: np.ndarray[Any, np.dtype[np.float64]] = drawdown(curve.equity, cash) * 100.0
    return out
