"""Performance statistics of one run, from its equity curve and its trades.

Returns are per step of the curve; a year has as many steps as the data has per year (about 252
for daily stock bars, about 6,200 for hourly forex), counted from the data rather than assumed.
The risk-free rate is zero. Undefined figures (a ratio over zero) are ``None``, never inf or NaN,
so the JSON stays valid.
"""

from __future__ import annotations

import math
from typing import Any

import msgspec
import numpy as np

from freeride.backtest.equity import EquityCurve
from freeride.backtest.trades import Trade

YEAR_NS = 365.25 * 86_400 * 1e9


class Metrics(msgspec.Struct, frozen=True, kw_only=True):
    total_return_pct: float
    annual_return_pct: float | None
    volatility_pct: float | None
    sharpe: float | None
    sortino: float | None
    calmar: float | None
    max_drawdown_pct: float
    max_drawdown_bars: int
    max_drawdown_days: float
    win_rate_pct: float | None
    profit_factor: float | None
    expectancy: float | None
    avg_win: float | None
    avg_loss: float | None
    best_trade: float | None
    worst_trade: float | None
    avg_trade_pct: float | None
    avg_bars_held: float | None
    exposure_pct: float
    trade_count: int
    avg_mae: float | None
    avg_mfe: float | None
    total_commission: float
    periods_per_year: float | None

    def to_json(self) -> dict[str, Any]:
        out: dict[str, Any] = msgspec.to_builtins(self)
        return out


def _finite(x: float) -> float | None:
    return float(x) if math.isfinite(x) else None


def _ratio(a: float, b: float) -> float | None:
    return _finite(a / b) if b else None


def drawdown(
    equity: np.ndarray[Any, np.dtype[np.float64]], start: float
) -> np.ndarray[Any, np.dtype[np.float64]]:
    """Fraction below the running peak (the starting cash is the first peak)."""
    peak = np.maximum.accumulate(np.maximum(equity, start))
    out: np.ndarray[Any, np.dtype[np.float64]] = equity / peak - 1.0
    return out


def _longest_underwater(
    dd: np.ndarray[Any, np.dtype[np.float64]], ts: np.ndarray[Any, Any]
) -> tuple[int, float]:
    """Longest stretch below a peak, in steps and in days (ends at recovery or at the last bar)."""
    under = dd < 0
    if not under.any():
        return 0, 0.0
    edges = np.diff(np.concatenate(([0], under.astype(np.int8), [0])))
    starts = np.flatnonzero(edges == 1)
    ends = np.flatnonzero(edges == -1)  # first index at a peak again (or len)
    lengths = ends - starts
    k = int(np.argmax(lengths))
    start_ts = ts[starts[k] - 1] if starts[k] > 0 else ts[0]
    end_ts = ts[min(ends[k], len(ts) - 1)]
    return int(lengths[k]), float(end_ts - start_ts) / 86_400e9


def compute_metrics(curve: EquityCurve, trades: list[Trade], cash: float, commission: float) -> Metrics:
    equity = curve.equity
    final = float(equity[-1])
    span = float(curve.ts[-1] - curve.ts[0]) / YEAR_NS
    returns = np.diff(np.concatenate(([cash], equity))) / np.concatenate(([cash], equity[:-1]))
    ppy = len(returns) / span if span > 0 else None
    annual = _finite(((final / cash) ** (1 / span) - 1) * 100) if span > 0 and final > 0 else None
    vol = sharpe = sortino = None
    if ppy is not None and len(returns) > 1:
        sd = float(np.std(returns, ddof=1))
        mean = float(np.mean(returns))
        vol = _finite(sd * math.sqrt(ppy) * 100)
        sharpe = _ratio(mean * math.sqrt(ppy), sd)
        downside = float(np.sqrt(np.mean(np.minimum(returns, 0.0) ** 2)))
        sortino = _ratio(mean * math.sqrt(ppy), downside)
    dd = drawdown(equity, cash)
    max_dd = float(dd.min()) * 100 if len(dd) else 0.0
    dd_bars, dd_days = _longest_underwater(dd, curve.ts)
    pnl = np.array([t.pnl for t in trades])
    wins = pnl[pnl > 0]
    losses = pnl[pnl < 0]
    n = len(trades)
    return Metrics(
        total_return_pct=(final / cash - 1) * 100,
        annual_return_pct=annual,
        volatility_pct=vol,
        sharpe=sharpe,
        sortino=sortino,
        calmar=_ratio(annual, -max_dd) if annual is not None and max_dd < 0 else None,
        max_drawdown_pct=min(max_dd, 0.0),
        max_drawdown_bars=dd_bars,
        max_drawdown_days=dd_days,
        win_rate_pct=100.0 * len(wins) / n if n else None,
        profit_factor=_ratio(float(wins.sum()), -float(losses.sum())) if len(losses) else None,
        expectancy=float(pnl.mean()) if n else None,
        avg_win=float(wins.mean()) if len(wins) else None,
        avg_loss=float(losses.mean()) if len(losses) else None,
        best_trade=float(pnl.max()) if n else None,
        worst_trade=float(pnl.min()) if n else None,
        avg_trade_pct=_finite(float(np.nanmean([t.return_pct for t in trades]))) if n else None,
        avg_bars_held=float(np.mean([t.bars_held for t in trades])) if n else None,
        exposure_pct=100.0 * float(curve.exposed.mean()) if len(curve.exposed) else 0.0,
        trade_count=n,
        avg_mae=float(np.mean([t.mae for t in trades])) if n else None,
        avg_mfe=float(np.mean([t.mfe for t in trades])) if n else None,
        total_commission=commission,
        periods_per_year=ppy,
    )
