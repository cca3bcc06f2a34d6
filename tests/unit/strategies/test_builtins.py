"""The built-in strategies: their rules on hand-made prices, sizing, and parameter validation."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

import pytest

from freeride.core.errors import InvalidInput
from freeride.core.orders import Order, OrderIntent, OrderStatus, Signal
from freeride.strategies.registry import STRATEGIES, build_strategy, describe, parse_params
from freeride.strategies.sizing import SizedParams, Sizing
from freeride.testing.builders import bar


class Ctx:
    def __init__(self) -> None:
        self.signals: list[Signal] = []
        self.intents: list[OrderIntent] = []

    def now_ns(self) -> int:
        return 0

    def emit_signal(self, signal: Signal) -> None:
        self.signals.append(signal)

    def submit(self, intent: OrderIntent) -> None:
        self.intents.append(intent)


def drive(kind: str, closes: list[float], **params: Any) -> tuple[Any, Ctx]:
    strategy = build_strategy(kind, "s", "GOOG", params)
    ctx = Ctx()
    strategy.bind(ctx)
    for i, c in enumerate(closes):
        strategy.on_bar(bar("GOOG", i, c))
    return strategy, ctx


def targets(ctx: Ctx) -> list[int]:
    return [int(s.direction == "long") - int(s.direction == "short") for s in ctx.signals]


def test_ema_cross_goes_long_then_short() -> None:
    _, ctx = drive("ema_cross", [10, 9, 8, 7, 12, 14, 15, 9, 6, 5], fast=2, slow=4, size=3)
    assert targets(ctx) == [1, -1]
    assert [i.quantity for i in ctx.intents] == [3, 6]


def test_rsi_reversion_buys_oversold_and_exits_at_the_middle() -> None:
    closes = [10, 9, 8, 7, 6, 7, 8, 9, 10, 11, 12, 13, 12]
    _, ctx = drive("rsi_reversion", closes, period=3, lower=30, upper=95, exit=50, size=1)
    assert targets(ctx) == [1, 0]  # long while falling, flat once the RSI is back above 50


def test_donchian_breakout_rides_and_exits_on_the_short_channel() -> None:
    closes = [10, 10.5, 10.2, 10.4, 11.0, 11.5, 12.0, 11.0, 10.0, 9.0]
    _, ctx = drive("donchian_breakout", closes, period=3, exit_period=2, allow_short=False)
    assert targets(ctx) == [1, 0]


def test_bollinger_reversion_fades_the_bands() -> None:
    closes = [10.0, 10.1, 9.9, 10.0, 10.1, 9.9, 10.0, 8.0, 9.0, 10.5, 12.5, 10.0]
    _, ctx = drive("bollinger_reversion", closes, period=5, k=1.5)
    assert targets(ctx)[:2] == [1, 0]
    assert -1 in targets(ctx)


def test_sizing_in_units_lots_and_notional() -> None:
    assert SizedParams(size=Decimal(7)).quantity_at(3.0) == 7
    assert SizedParams(size=Decimal("0.5"), sizing=Sizing.LOTS).quantity_at(1.1) == 50_000
    assert (
        SizedParams(size=Decimal(1000), sizing=Sizing.NOTIONAL).quantity_at(33.0) == 30
    )  # whole units, never more
    assert (
        SizedParams(size=Decimal(1000), sizing=Sizing.NOTIONAL).quantity_at(0.1) == 10_000
    )  # exact, not 9_999
    _, ctx = drive("sma_cross", [10, 9, 8, 13, 14, 5], fast=2, slow=3, size=100, sizing="notional")
    assert [i.quantity for i in ctx.intents] == [7, 7 + 20]  # 100 / 13 → 7 long; 100 / 5 → 20 short


def test_a_refused_order_puts_the_strategy_back_where_it_stands() -> None:
    strategy, ctx = drive("sma_cross", [10, 9, 8, 13], fast=2, slow=3)
    assert strategy.direction == 1
    intent = ctx.intents[0]
    strategy.handle_order(
        Order(
            client_order_id=intent.client_order_id,
            strategy="s",
            symbol="GOOG",
            side=intent.side,
            quantity=intent.quantity,
            order_type=intent.order_type,
            status=OrderStatus.REJECTED,
            ts_event=0,
            ts_init=0,
        )
    )
    assert strategy.direction == 0
    assert strategy.exposure("GOOG") == 0


@pytest.mark.parametrize(
    ("kind", "params", "message"),
    [
        ("rsi_reversion", {"lower": 80, "upper": 70}, "lower <= exit <= upper"),
        ("rsi_reversion", {"period": 0}, "period"),
        ("donchian_breakout", {"exit_period": 0}, "exit_period"),
        ("bollinger_reversion", {"k": -1}, "k must be positive"),
        ("ema_cross", {"fast": 20, "slow": 10}, "shorter"),
        ("sma_cross", {"size": 0}, "size must be positive"),
        ("sma_cross", {"sizing": "shares"}, "sizing"),
        ("sma_cross", {"allow_short": "maybe"}, "allow_short"),
    ],
)
def test_bad_parameters_name_the_problem(kind: str, params: dict[str, Any], message: str) -> None:
    with pytest.raises(InvalidInput, match=message):
        parse_params(kind, params)


def test_every_builtin_is_described_and_builds_with_defaults() -> None:
    assert set(STRATEGIES) == {
        "sma_cross",
        "ema_cross",
        "rsi_reversion",
        "donchian_breakout",
        "bollinger_reversion",
        "plan_follower",
    }
    for kind in STRATEGIES:
        assert "size" in describe(kind)
        assert build_strategy(kind, "s", "EUR/USD", {}).symbols == ("EUR/USD",)
