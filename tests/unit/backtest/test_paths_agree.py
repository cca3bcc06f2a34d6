"""The vectorised path trades exactly what the event path trades, for every built-in strategy.

Prices are rounded to cents, so exact ties between averages do happen; the SMA crossover and the
Donchian breakout agree bit for bit even then. The strategies built on recursive indicators (EMA,
RSI, standard deviation) compare values the two paths round differently, so they are checked on
unrounded random walks, where a tie within a rounding error does not occur.
"""

from __future__ import annotations

from decimal import Decimal
from typing import Any

import pytest
from backtest_bars import random_walk
from hypothesis import given, settings
from hypothesis import strategies as st

from freeride.backtest import BacktestSpec, run_event, run_vector
from freeride.exchange.costs import PercentCommission, PerLotCommission, PerUnitCommission, PriceImpact
from freeride.exchange.engine import FillTiming

STRATEGIES: dict[str, dict[str, Any]] = {
    "sma_cross": {"fast": 3, "slow": 8},
    "ema_cross": {"fast": 3, "slow": 8},
    "rsi_reversion": {"period": 6, "lower": 35, "upper": 65},
    "donchian_breakout": {"period": 8, "exit_period": 4},
    "bollinger_reversion": {"period": 10, "k": 1.5},
}
EXACT_UNDER_TIES = ("sma_cross", "donchian_breakout")


def check(spec: BacktestSpec, bars: Any) -> None:
    event = run_event(spec, bars)
    vector = run_vector(spec, bars)
    assert [(f.symbol, f.side, f.quantity, f.price, f.commission, f.ts_event) for f in event.fills] == [
        (f.symbol, f.side, f.quantity, f.price, f.commission, f.ts_event) for f in vector.fills
    ]
    assert event.trades_opened == vector.trades_opened == vector.table.trades_opened()
    assert event.final_equity == vector.final_equity
    assert event.final_equity_float == pytest.approx(vector.final_equity_float, rel=1e-12)


@settings(max_examples=25, deadline=None)
@given(
    seed=st.integers(0, 2**32 - 1),
    kind=st.sampled_from(sorted(STRATEGIES)),
    timing=st.sampled_from(list(FillTiming)),
    allow_short=st.booleans(),
    sizing=st.sampled_from([("units", "7"), ("lots", "0.5"), ("notional", "2500")]),
)
def test_every_strategy_agrees_on_random_walks(
    seed: int, kind: str, timing: FillTiming, allow_short: bool, sizing: tuple[str, str]
) -> None:
    params = {
        **STRATEGIES[kind],
        "allow_short": allow_short,
        "sizing": sizing[0],
        "size": sizing[1],
        "lot_size": 100,
    }
    spec = BacktestSpec(
        strategy=kind, params=params, fill_timing=timing, commission=PercentCommission(Decimal("0.0005"))
    )
    check(spec, [random_walk(400, seed, sigma=0.02)])


@settings(max_examples=25, deadline=None)
@given(
    seed=st.integers(0, 2**32 - 1),
    kind=st.sampled_from(EXACT_UNDER_TIES),
    timing=st.sampled_from(list(FillTiming)),
)
def test_exact_strategies_agree_with_ties(seed: int, kind: str, timing: FillTiming) -> None:
    # prices on a coarse grid: equal averages and equal channel levels are common
    spec = BacktestSpec(strategy=kind, params=STRATEGIES[kind], fill_timing=timing)
    check(spec, [random_walk(400, seed, sigma=0.003, decimals=1)])


@pytest.mark.parametrize(
    "commission",
    [
        PercentCommission(Decimal("0.001"), Decimal("1")),
        PerUnitCommission(Decimal("0.01")),
        PerLotCommission(Decimal("5"), Decimal(100)),
    ],
)
def test_costs_agree(commission: Any) -> None:
    impact = PriceImpact(spread=Decimal("0.02"), slippage_rate=Decimal("0.0005"))
    spec = BacktestSpec(
        strategy="sma_cross", params={"fast": 5, "slow": 20, "size": 30}, commission=commission, impact=impact
    )
    check(spec, [random_walk(2_000, 3)])


def test_several_symbols_in_one_portfolio() -> None:
    bars = [random_walk(700, 1, "AAA"), random_walk(500, 2, "BBB"), random_walk(700, 3, "CCC")]
    spec = BacktestSpec(
        strategy="sma_cross", params={"fast": 5, "slow": 20, "size": 10}, fill_timing=FillTiming.NEXT_OPEN
    )
    check(spec, bars)
    result = run_event(spec, bars)
    assert set(result.portfolio.holdings) == {"AAA", "BBB", "CCC"}
    assert result.final_equity == result.spec.cash + sum(
        (result.portfolio.pnl(s) for s in ("AAA", "BBB", "CCC")), Decimal(0)
    )
    assert result.final_equity_float == pytest.approx(float(result.final_equity), rel=1e-12)
    assert len(result.equity) == 700  # one step per distinct time
