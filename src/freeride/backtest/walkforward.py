"""Walk-forward analysis: optimise on a window, trade the next one with the winner, roll on.

Folds are cut on the first symbol's bars: ``train`` bars in sample, the next ``test`` bars out of
sample, then the windows move ``step`` bars (``test`` by default, so the out-of-sample windows
tile the data). Each out-of-sample run sees the in-sample bars first as warm-up (indicators are
ready on its first bar; orders during warm-up are refused) and starts from the starting cash. The
out-of-sample equity curves are chained into one, whose metrics judge the whole procedure.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any

import msgspec
import numpy as np

from freeride.backtest.engine import run_event
from freeride.backtest.equity import EquityCurve
from freeride.backtest.metrics import Metrics, compute_metrics
from freeride.backtest.spec import BacktestSpec
from freeride.backtest.sweep import Runner, SweepRow, expand, rank, window_of
from freeride.backtest.trades import Trade
from freeride.core.errors import InvalidInput
from freeride.strategies.directional import BarArrays


class Fold(msgspec.Struct, frozen=True, kw_only=True):
    index: int
    train_start: int  # ns, inclusive
    train_end: int  # ns, exclusive: the test window's first bar
    test_end: int  # ns, exclusive (or one past the last bar)
    best_params: dict[str, Any]
    train_metric: float | None
    test_metrics: dict[str, Any]
    test_trades: int
    test_return_pct: float


class WalkForwardResult(msgspec.Struct, frozen=True, kw_only=True):
    metric: str
    folds: list[Fold]
    equity: EquityCurve
    trades: list[Trade]
    metrics: Metrics
    cash: float


def fold_bounds(n: int, train: int, test: int, step: int | None = None) -> list[tuple[int, int, int]]:
    """(train start, test start, test end) bar indices of every fold."""
    step = step or test
    if train < 2 or test < 1 or step < 1:
        raise InvalidInput(
            f"train must be at least 2 bars and test and step at least 1 (train={train}, test={test})"
        )
    if train + test > n:
        raise InvalidInput(f"train + test ({train} + {test}) is more than the {n} bars in the data")
    return [(s, s + train, min(n, s + train + test)) for s in range(0, n - train - test + 1, step)]


def walk_forward(
    base: BacktestSpec,
    grid: dict[str, list[Any]],
    bars: Sequence[BarArrays],
    *,
    train: int,
    test: int,
    step: int | None = None,
    metric: str = "sharpe",
    engine: str = "vector",
    runner: Runner,
    on_fold: Callable[[Fold], None] | None = None,
) -> WalkForwardResult:
    specs, _ = expand(base, grid)
    rank([], metric)  # refuse an unknown metric before any work
    lead = bars[0].ts
    end_of_data = int(lead[-1]) + 1
    folds: list[Fold] = []
    curves: list[EquityCurve] = []
    trades: list[Trade] = []
    for k, (a, b, c) in enumerate(fold_bounds(len(lead), train, test, step)):
        t0, t1 = int(lead[a]), int(lead[b])
        t2 = int(lead[c]) if c < len(lead) else end_of_data
        rows = rank(runner.run(specs, engine, window=(t0, t1)), metric)
        best: SweepRow = rows[0]
        spec = base.with_params(**best.params)
        result = run_event(spec, window_of(bars, (t0, t2)), trade_from=t1)
        keep = result.equity.ts >= t1
        curve = EquityCurve(
            ts=result.equity.ts[keep], equity=result.equity.equity[keep], exposed=result.equity.exposed[keep]
        )
        curves.append(curve)
        trades.extend(t for t in result.trades if t.entry_ts >= t1)
        test_metrics = compute_metrics(
            curve, [t for t in result.trades if t.entry_ts >= t1], float(base.cash), 0.0
        )
        fold = Fold(
            index=k,
            train_start=t0,
            train_end=t1,
            test_end=t2,
            best_params=best.params,
            train_metric=best.metrics.get(metric),
            test_metrics=test_metrics.to_json(),
            test_trades=result.trades_opened,
            test_return_pct=test_metrics.total_return_pct,
        )
        folds.append(fold)
        if on_fold is not None:
            on_fold(fold)
    cash = float(base.cash)
    chained = _chain(curves, cash)
    commission = sum(t.commission for t in trades)
    return WalkForwardResult(
        metric=metric,
        folds=folds,
        equity=chained,
        trades=trades,
        metrics=compute_metrics(chained, trades, cash, commission),
        cash=cash,
    )


def _chain(curves: list[EquityCurve], cash: float) -> EquityCurve:
    """Out-of-sample curves compounded one after the other, as if the money rolled over."""
    scale = 1.0
    ts, equity, exposed = [], [], []
    for curve in curves:
        ts.append(curve.ts)
        equity.append(curve.equity * scale)
        exposed.append(curve.exposed)
        if len(curve.equity):
            scale *= float(curve.equity[-1]) / cash
    return EquityCurve(ts=np.concatenate(ts), equity=np.concatenate(equity), exposed=np.concatenate(exposed))
