"""The SMA-crossover strategy: signals on strict crosses, orders sized to the target."""

from __future__ import annotations

from decimal import Decimal

import pytest

from freeride.core.errors import InvalidInput
from freeride.core.orders import Direction, Fill, OrderIntent, Side, Signal, client_order_id
from freeride.strategies.registry import build_strategy
from freeride.strategies.sizing import Sizing
from freeride.strategies.sma_cross import SmaCross, SmaCrossParams
from freeride.testing.builders import bar


class Ctx:
    def __init__(self) -> None:
        self.signals: list[Signal] = []
        self.intents: list[OrderIntent] = []

    def now_ns(self) -> int:
        return 7

    def emit_signal(self, signal: Signal) -> None:
        self.signals.append(signal)

    def submit(self, intent: OrderIntent) -> None:
        self.intents.append(intent)


def run(closes: list[float], **params: object) -> tuple[SmaCross, Ctx]:
    strategy = SmaCross("s1", "GOOG", SmaCrossParams(fast=2, slow=3, quantity=Decimal(5), **params))  # type: ignore[arg-type]
    ctx = Ctx()
    strategy.bind(ctx)
    for i, c in enumerate(closes):
        strategy.on_bar(bar("GOOG", i, c))
    return strategy, ctx


def fill_all(strategy: SmaCross, ctx: Ctx) -> None:
    for intent in ctx.intents:
        strategy.handle_fill(
            Fill(
                fill_id=intent.client_order_id,
                client_order_id=intent.client_order_id,
                strategy="s1",
                symbol="GOOG",
                side=intent.side,
                quantity=intent.quantity,
                price=Decimal(1),
                commission=Decimal(0),
                ts_event=0,
                ts_init=0,
            )
        )


def test_cross_up_then_down_goes_long_then_flips_short() -> None:
    # fast(2) vs slow(3): below, then crosses above at 13, then below at 5
    strategy, ctx = run([10, 9, 8, 13, 14, 5])
    assert [s.direction for s in ctx.signals] == [Direction.LONG, Direction.SHORT]
    assert [(i.side, i.quantity) for i in ctx.intents] == [(Side.BUY, 5), (Side.SELL, 10)]
    assert ctx.intents[0].client_order_id == client_order_id("s1", ctx.signals[0].signal_id, 0)
    fill_all(strategy, ctx)
    assert strategy.position("GOOG") == -5


def test_long_only_exits_to_flat() -> None:
    _, ctx = run([10, 9, 8, 13, 14, 5], allow_short=False)
    assert [(i.side, i.quantity) for i in ctx.intents] == [(Side.BUY, 5), (Side.SELL, 5)]
    assert ctx.signals[-1].direction is Direction.FLAT


def test_equal_averages_are_not_a_cross() -> None:
    _, ctx = run([10, 10, 10, 10, 10])
    assert ctx.intents == []


def test_in_flight_orders_count_toward_the_target() -> None:
    strategy, ctx = run([10, 9, 8, 13])
    strategy.target("GOOG", Decimal(5), 99)  # same target again before the fill: no second order
    assert len(ctx.intents) == 1


class HalfAtHighPrices(SmaCrossParams, frozen=True, kw_only=True, forbid_unknown_fields=True):
    """Sizing of its own: half the size above 10."""

    def quantity_at(self, price: float) -> Decimal:
        return self.units / 2 if price > 10 else self.units


@pytest.mark.parametrize(
    ("params", "sizes"),
    [
        (SmaCrossParams(fast=2, slow=3, size=Decimal(4)), [4, 8]),  # units: one size, flips double it
        (SmaCrossParams(fast=2, slow=3, size=Decimal(26), sizing=Sizing.NOTIONAL), [2, 7]),  # 26 / 13, 26 / 5
        (HalfAtHighPrices(fast=2, slow=3, size=Decimal(4)), [2, 6]),  # 4 / 2 at 13, then 4 at 5
    ],
)
def test_orders_are_sized_as_the_parameters_say(params: SmaCrossParams, sizes: list[int]) -> None:
    strategy = SmaCross("s1", "GOOG", params)
    ctx = Ctx()
    strategy.bind(ctx)
    for i, c in enumerate([10, 9, 8, 13, 14, 5]):  # up at 13, down at 5 (as above)
        strategy.on_bar(bar("GOOG", i, c))
    assert [i.quantity for i in ctx.intents] == sizes  # the second one also undoes the first


@pytest.mark.parametrize(
    ("params", "message"),
    [
        ({"fast": 30, "slow": 10}, r"fast \(30\) must be shorter than slow \(10\)"),
        ({"fast": 0}, "at least 1"),
        ({"quantity": "-1"}, "quantity must be positive"),
        ({"fats": 3}, "fats"),
        ({"fast": "ten"}, "fast"),
    ],
)
def test_bad_parameters_are_named(params: dict[str, object], message: str) -> None:
    with pytest.raises(InvalidInput, match=message):
        build_strategy("sma_cross", "s", "GOOG", params)


def test_unknown_strategy_lists_the_builtins() -> None:
    with pytest.raises(InvalidInput, match="sma_cross"):
        build_strategy("nope", "s", "GOOG", {})


def test_parameters_from_text_are_converted() -> None:
    s = build_strategy("sma_cross", "s", "GOOG", {"fast": "5", "slow": "20", "quantity": "2.5"})
    assert isinstance(s, SmaCross)
    assert s.params == SmaCrossParams(fast=5, slow=20, quantity=Decimal("2.5"))
