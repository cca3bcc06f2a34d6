"""Sweeps, walk-forward, warm-up, reports, and refusals before any work."""

from __future__ import annotations

import json
from decimal import Decimal
from pathlib import Path

import numpy as np
import pytest
from backtest_bars import random_walk

from freeride.backtest import BacktestSpec, run_event, run_vector
from freeride.backtest.grid import parse_grid, parse_values
from freeride.backtest.report import monthly_returns, write_report
from freeride.backtest.sweep import InlineRunner, ProcessRunner, evaluate, expand, rank
from freeride.backtest.walkforward import fold_bounds, walk_forward
from freeride.core.errors import InvalidInput
from freeride.exchange.engine import FillTiming
from freeride.strategies.directional import BarArrays

BASE = BacktestSpec(strategy="sma_cross", params={"size": 10}, fill_timing=FillTiming.CLOSE)


def test_grid_text() -> None:
    assert parse_values("fast", "5:20:5") == [5, 10, 15, 20]
    assert parse_values("k", "1.5:2.5:0.5") == [Decimal("1.5"), Decimal("2.0"), Decimal("2.5")]
    assert parse_values("slow", "20, 40") == ["20", "40"]
    assert parse_grid({"fast": "2:3", "allow_short": "true"}) == {"fast": [2, 3], "allow_short": ["true"]}
    for bad, message in [
        ("5:1", "ends before"),
        ("1:5:0", "step"),
        ("a:b", "not a number"),
        ("", "no value"),
    ]:
        with pytest.raises(InvalidInput, match=message):
            parse_values("fast", bad)


def test_invalid_combinations_are_skipped_and_reported() -> None:
    specs, skipped = expand(BASE, {"fast": [5, 10, 30], "slow": [20, 30]})
    assert [(s.params["fast"], s.params["slow"]) for s in specs] == [(5, 20), (5, 30), (10, 20), (10, 30)]
    assert len(skipped) == 2
    assert "must be shorter" in skipped[0]
    with pytest.raises(InvalidInput, match="no valid parameter combination"):
        expand(BASE, {"fast": [50], "slow": [20]})


def test_sweep_ranks_and_processes_agree_with_inline(goog: BarArrays) -> None:
    specs, _ = expand(BASE, parse_grid({"fast": "5,10", "slow": "30,60"}))
    inline = InlineRunner([goog]).run(specs, "vector")
    with ProcessRunner([goog], workers=2) as runner:
        pooled = runner.run(specs, "vector")
        again = runner.run(specs, "event", window=(int(goog.ts[0]), int(goog.ts[1000])))
    assert inline == pooled
    assert len(again) == 4
    ranked = rank(inline, "sharpe")
    sharpes = [r.metrics["sharpe"] for r in ranked]
    assert sharpes == sorted(sharpes, reverse=True)
    assert ranked[0] == evaluate(
        BASE.with_params(**ranked[0].params), [goog], "event"
    )  # same numbers either way
    with pytest.raises(InvalidInput, match="cannot rank"):
        rank(inline, "luck")


def test_fold_bounds() -> None:
    assert fold_bounds(10, 4, 2) == [(0, 4, 6), (2, 6, 8), (4, 8, 10)]
    assert fold_bounds(10, 4, 3, step=5) == [(0, 4, 7)]
    with pytest.raises(InvalidInput, match="more than"):
        fold_bounds(10, 8, 3)


def test_warm_up_refuses_orders_and_starts_flat() -> None:
    bars = random_walk(600, 11)
    start = int(bars.ts[300])
    result = run_event(
        BacktestSpec(strategy="sma_cross", params={"fast": 3, "slow": 10}), [bars], trade_from=start
    )
    assert result.fills
    assert min(f.ts_event for f in result.fills) >= start
    assert float(result.equity.equity[299]) == float(BASE.cash)


def test_walk_forward(goog: BarArrays) -> None:
    grid = parse_grid({"fast": "5,10", "slow": "30,50"})
    wf = walk_forward(
        BASE, grid, [goog], train=500, test=250, metric="total_return_pct", runner=InlineRunner([goog])
    )
    assert len(wf.folds) == (len(goog) - 500 - 250) // 250 + 1
    assert all(f.train_end < f.test_end for f in wf.folds)
    assert np.all(np.diff(wf.equity.ts) > 0)
    assert int(wf.equity.ts[0]) == wf.folds[0].train_end
    # chaining: the whole return is the product of the folds' returns
    product = np.prod([1 + f.test_return_pct / 100 for f in wf.folds])
    assert wf.metrics.total_return_pct == pytest.approx((product - 1) * 100)


def test_report_files(tmp_path: Path, goog: BarArrays) -> None:
    result = run_vector(BASE.with_params(fast=10, slow=30), [goog])
    files = write_report(result, tmp_path / "out")
    html = files.html.read_text()
    assert "http://" not in html  # nothing to fetch: opens offline
    assert "https://" not in html
    assert html.count("data:image/png;base64,") == 4
    assert {p.name for p in files.pngs} == {
        "equity.png",
        "drawdown.png",
        "pnl_histogram.png",
        "monthly_returns.png",
    }
    assert all(p.read_bytes().startswith(b"\x89PNG") for p in files.pngs)
    data = json.loads(files.json.read_text())
    assert data["summary"]["trades"] == result.trades_opened
    assert len(data["trades"]) == len(result.trades)
    assert len(data["equity"]["equity"]) == len(goog)
    years, grid = monthly_returns(result.equity, float(BASE.cash))
    assert years[0] == 2004  # the data starts in August 2004
    assert np.isnan(grid[0, 0])
    assert np.isfinite(grid[0, 7])
    compounded = np.prod(1 + grid[np.isfinite(grid)] / 100)
    assert compounded == pytest.approx(result.final_equity_float / float(BASE.cash))


@pytest.mark.parametrize(
    ("bars", "message"),
    [
        ([], "no bars"),
        ([random_walk(5, 1).slice(0, 0)], "no bars"),
        ([random_walk(5, 1), random_walk(5, 2)], "given twice"),
    ],
)
def test_refused_input(bars: list[BarArrays], message: str) -> None:
    with pytest.raises(InvalidInput, match=message):
        run_event(BASE, bars)


def test_bad_spec_is_refused() -> None:
    with pytest.raises(InvalidInput, match="cash"):
        BacktestSpec(strategy="sma_cross", cash=Decimal(0))
    with pytest.raises(InvalidInput, match="unknown strategy"):
        run_vector(BacktestSpec(strategy="nope"), [random_walk(50, 1)])
    with pytest.raises(InvalidInput, match="fast"):
        run_event(BacktestSpec(strategy="sma_cross", params={"fast": "x"}), [random_walk(50, 1)])
