"""Metrics and round trips on runs small enough to check by hand."""

from __future__ import annotations

import math
from decimal import Decimal

import numpy as np
import pytest
from backtest_bars import arrays

from freeride.backtest.equity import EquityCurve
from freeride.backtest.fills import FillTable
from freeride.backtest.metrics import compute_metrics
from freeride.backtest.trades import build_trades

DAY = 86_400 * 10**9


def table(rows: list[tuple[int, float, float, float]]) -> FillTable:
    """(bar, signed qty, price, commission) rows of one symbol with daily bars from time 0."""
    bar = np.array([r[0] for r in rows], dtype=np.int64)
    return FillTable(
        symbols=("RW",),
        sym=np.zeros(len(rows), dtype=np.int64),
        bar=bar,
        ts=bar * DAY,
        qty=np.array([r[1] for r in rows]),
        price=np.array([r[2] for r in rows]),
        commission=np.array([r[3] for r in rows]),
    )


def test_flip_scale_and_open_trade_with_excursions() -> None:
    bars = arrays([100, 102, 98, 105, 110, 108, 100, 95], interval="1d", start_ns=0)
    t = table([(1, 10, 102, 1.0), (3, -20, 105, 2.0), (5, 5, 108, 0.5), (6, 5, 100, 0.5)])
    trades = build_trades(t, [bars])
    assert [(x.side, x.entry_bar, x.exit_bar, x.open) for x in trades] == [
        ("long", 1, 3, False),
        ("short", 3, 6, False),  # covered in two halves: closed at bar 6
    ]
    long, short = trades
    assert long.pnl == pytest.approx((105 - 102) * 10 - 1.0 - 1.0)  # half of the flip's commission
    assert long.mfe == pytest.approx((105 * 1.001 - 102) * 10)  # best high while open (bar 3)
    assert long.mae == pytest.approx((98 * 0.999 - 102) * 10)
    assert short.quantity == 10
    assert short.exit_price == pytest.approx(104.0)  # the average of 108 and 100
    assert short.pnl == pytest.approx((105 - 108) * 5 + (105 - 100) * 5 - 1.0 - 0.5 - 0.5)
    assert short.mae == pytest.approx((105 - 110 * 1.001) * 10)  # the highest high against the short


def test_round_trip_closed_then_reopened() -> None:
    bars = arrays([10, 11, 12, 13, 12, 11], interval="1d", start_ns=0)
    t = table([(0, 5, 10, 0.0), (2, -5, 12, 0.0), (3, -5, 13, 0.0), (5, 5, 11, 0.0)])
    trades = build_trades(t, [bars])
    assert [(x.side, x.pnl, x.bars_held) for x in trades] == [("long", 10.0, 2), ("short", 10.0, 2)]
    assert t.trades_opened() == 2


def test_metrics_by_hand() -> None:
    ts = np.arange(5, dtype=np.int64) * DAY
    curve = EquityCurve(
        ts=ts,
        equity=np.array([100.0, 110.0, 99.0, 99.0, 121.0]),
        exposed=np.array([1, 1, 0, 0, 1], dtype=bool),
    )
    m = compute_metrics(curve, [], 100.0, 3.0)
    assert m.total_return_pct == pytest.approx(21.0)
    assert m.max_drawdown_pct == pytest.approx(-10.0)  # 110 → 99
    assert m.max_drawdown_bars == 2
    assert m.max_drawdown_days == pytest.approx(3.0)  # from the peak (day 1) to the recovery (day 4)
    assert m.exposure_pct == pytest.approx(60.0)
    returns = np.array([0.0, 0.1, -0.1, 0.0, 22 / 99])
    ppy = 5 / (4 / 365.25)
    assert m.sharpe == pytest.approx(returns.mean() / returns.std(ddof=1) * math.sqrt(ppy))
    assert m.sortino == pytest.approx(
        returns.mean() / math.sqrt(np.mean(np.minimum(returns, 0) ** 2)) * math.sqrt(ppy)
    )
    assert m.trade_count == 0
    assert m.win_rate_pct is None
    assert m.profit_factor is None
    assert m.total_commission == 3.0


def test_trade_statistics() -> None:
    bars = arrays([10, 12, 11, 9, 10, 13], interval="1d", start_ns=0)
    t = table([(0, 1, 10, 0.0), (1, -1, 12, 0.0), (2, 1, 11, 0.0), (3, -1, 9, 0.0), (4, 1, 10, 0.0)])
    trades = build_trades(t, [bars])
    curve = EquityCurve(ts=bars.ts, equity=np.full(6, 100.0), exposed=np.ones(6, dtype=bool))
    m = compute_metrics(curve, trades, 100.0, 0.0)
    assert [x.pnl for x in trades] == [2.0, -2.0, 3.0]  # the last one open, marked at 13
    assert m.win_rate_pct == pytest.approx(200 / 3)
    assert m.profit_factor == pytest.approx(5 / 2)
    assert m.expectancy == pytest.approx(1.0)
    assert (m.avg_win, m.avg_loss, m.best_trade, m.worst_trade) == (2.5, -2.0, 3.0, -2.0)
    assert m.sharpe is None  # a flat curve has no volatility to divide by


def test_summary_json_has_every_metric_and_no_nan(goog: object) -> None:
    import json

    from freeride.backtest import BacktestSpec, run_event

    result = run_event(
        BacktestSpec(strategy="rsi_reversion", params={"size": 10}, cash=Decimal(50_000)), [goog]
    )  # type: ignore[list-item]
    summary = result.summary()
    text = json.dumps(summary, allow_nan=False)
    keys = ("trades", "final_equity", "sharpe", "sortino", "calmar", "max_drawdown_pct", "win_rate_pct")
    for key in (
        *keys,
        "profit_factor",
        "expectancy",
        "exposure_pct",
        "avg_mae",
        "avg_mfe",
        "annual_return_pct",
    ):
        assert key in summary, key
    assert '"spec"' in text
