"""The event-driven run's housekeeping: the garbage collector as it was, nothing left in cycles."""

from __future__ import annotations

import gc
import weakref
from collections.abc import Iterator
from decimal import Decimal
from typing import Any

import pytest
from backtest_bars import arrays

from freeride.backtest import BacktestSpec, run_event
from freeride.backtest.context import BacktestContext
from freeride.exchange.engine import FillTiming, SimulatedExchange
from freeride.exchange.portfolio import Portfolio
from freeride.strategies.registry import build_strategy

CLOSES = [10.0, 9.0, 8.0, 13.0, 14.0, 5.0, 4.0, 12.0, 15.0, 3.0]
SPEC = BacktestSpec(
    strategy="sma_cross", params={"fast": 2, "slow": 3, "size": 5}, fill_timing=FillTiming.CLOSE
)


@pytest.fixture
def collector_off() -> Iterator[None]:
    """Reference counting alone: what is freed here is not left to the collector."""
    was = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if was:
            gc.enable()


@pytest.mark.parametrize("enabled", [True, False])
def test_the_collector_is_left_as_it_was(enabled: bool) -> None:
    was = gc.isenabled()
    try:
        (gc.enable if enabled else gc.disable)()
        run_event(SPEC, [arrays(CLOSES)])
        assert gc.isenabled() is enabled
    finally:
        (gc.enable if was else gc.disable)()


def test_frozen_objects_stay_frozen() -> None:
    frozen = gc.get_freeze_count()
    run_event(SPEC, [arrays(CLOSES)])
    assert gc.get_freeze_count() == frozen
    gc.freeze()  # as a server that forks workers would
    try:
        held = gc.get_freeze_count()
        run_event(SPEC, [arrays(CLOSES)])
        assert gc.get_freeze_count() == held
    finally:
        gc.unfreeze()


def test_a_closed_run_leaves_no_cycles(collector_off: None) -> None:
    portfolio = Portfolio(cash=Decimal(1_000))
    exchange = SimulatedExchange(portfolio, SPEC.exchange_config())
    ctx = BacktestContext(exchange)
    strategy = build_strategy("sma_cross", "s", "RW", SPEC.typed_params())
    ctx.register(strategy)
    gone: list[weakref.ref[Any]] = [weakref.ref(exchange), weakref.ref(strategy)]  # both held by ctx
    ctx.close()
    del exchange, ctx, strategy
    assert [r() for r in gone] == [None, None]


def test_the_book_is_marked_at_the_last_close() -> None:
    result = run_event(SPEC, [arrays(CLOSES)])
    holding = result.portfolio.holdings["RW"]
    assert holding.quantity == -5  # short since the cross down at 3.0
    assert result.portfolio.prices["RW"] == CLOSES[-1]
    assert result.final_equity == result.final_cash + holding.quantity * Decimal("3.0")
