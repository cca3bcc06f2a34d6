"""Restarting a strategy: warmed on past bars without acting, resumed at its stored position."""

from __future__ import annotations

from decimal import Decimal

import pytest
from test_sma_cross import Ctx

from freeride.core.orders import Side
from freeride.strategies.registry import build_strategy
from freeride.strategies.sma_cross import SmaCross, SmaCrossParams
from freeride.testing.builders import bar

UP_THEN_FLAT = [10.0, 10, 10, 9, 8, 13, 14, 15, 15, 15]  # fast(2) crosses above slow(3) at bar 5


def sma(ctx: Ctx | None = None) -> SmaCross:
    strategy = SmaCross("s1", "GOOG", SmaCrossParams(fast=2, slow=3, quantity=Decimal(5)))
    strategy.bind(ctx or Ctx())
    return strategy


def test_warming_up_acts_on_nothing_but_the_next_bar_decides() -> None:
    ctx = Ctx()
    warm = sma(ctx)
    assert warm.warm_up(bar("GOOG", i, c) for i, c in enumerate(UP_THEN_FLAT[:5])) == 5
    assert (ctx.signals, ctx.intents) == ([], [])  # nothing sent for the past
    warm.on_bar(bar("GOOG", 5, UP_THEN_FLAT[5]))  # the very next bar crosses: it trades at once
    assert [(i.side, i.quantity) for i in ctx.intents] == [(Side.BUY, Decimal(5))]

    cold_ctx = Ctx()
    cold = sma(cold_ctx)
    cold.on_bar(bar("GOOG", 5, UP_THEN_FLAT[5]))  # a cold strategy has no averages yet
    assert cold_ctx.intents == []


def test_a_cross_seen_during_warm_up_is_not_taken_as_held() -> None:
    ctx = Ctx()
    strategy = sma(ctx)
    strategy.warm_up(bar("GOOG", i, c) for i, c in enumerate(UP_THEN_FLAT))
    assert strategy.direction == 0  # the warm-up crossed up, but the account holds nothing
    assert strategy.exposure("GOOG") == 0


def test_resume_sets_position_in_flight_and_direction() -> None:
    ctx = Ctx()
    strategy = sma(ctx)
    strategy.resume({"GOOG": Decimal(5)}, {})
    assert (strategy.position("GOOG"), strategy.direction) == (Decimal(5), 1)
    strategy.warm_up(bar("GOOG", i, c) for i, c in enumerate(UP_THEN_FLAT))
    assert (strategy.position("GOOG"), strategy.direction) == (Decimal(5), 1)  # kept through warm-up
    strategy.target("GOOG", Decimal(5), 99)  # already held: no second order
    assert ctx.intents == []
    strategy.resume({"GOOG": Decimal(0)}, {"GOOG": Decimal(-5)})  # a sell still open
    assert (strategy.exposure("GOOG"), strategy.direction) == (Decimal(-5), -1)


@pytest.mark.parametrize(
    ("kind", "params", "needed"),
    [
        ("sma_cross", {"fast": 10, "slow": 30}, 31),
        ("ema_cross", {"fast": 10, "slow": 30}, 91),
        ("rsi_reversion", {"period": 14}, 71),
        ("donchian_breakout", {"period": 20, "exit_period": 10}, 21),
        ("bollinger_reversion", {"period": 20}, 21),
    ],
)
def test_each_builtin_says_how_much_history_it_needs(
    kind: str, params: dict[str, object], needed: int
) -> None:
    strategy = build_strategy(kind, "s", "GOOG", {**params, "size": 1})
    assert strategy.history_needed() == needed
