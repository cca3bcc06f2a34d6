"""Every risk limit blocks exactly at its boundary: the limit itself passes, one step beyond does not."""

from __future__ import annotations

from datetime import datetime
from decimal import Decimal
from zoneinfo import ZoneInfo

import pytest
from execution_desk import T0, intent

from freeride.config.risk import RiskSettings
from freeride.core.orders import AccountState, Order, OrderIntent, OrderStatus, Side
from freeride.execution.book import OrderBook
from freeride.execution.risk import MINUTE_NS, RiskManager

SECOND = 1_000_000_000


def as_order(i: OrderIntent) -> Order:
    return Order(
        client_order_id=i.client_order_id,
        strategy=i.strategy,
        symbol=i.symbol,
        side=i.side,
        quantity=i.quantity,
        order_type=i.order_type,
        limit_price=i.limit_price,
        status=OrderStatus.PENDING_NEW,
        ts_event=i.ts_event,
        ts_init=i.ts_event,
    )


def check(risk: RiskManager, book: OrderBook, i: OrderIntent) -> str | None:
    order = as_order(i)
    why = risk.check(order, book)
    if why is None:
        book.track(order)
    return why


def test_max_position_allows_the_limit_and_refuses_one_unit_more() -> None:
    risk, book = RiskManager(RiskSettings(max_position=Decimal(10))), OrderBook()
    assert check(risk, book, intent(1, qty="10")) is None
    assert "exceed max_position 10" in str(check(risk, book, intent(2, qty="0.0001")))
    assert check(risk, book, intent(3, side=Side.SELL, qty="20")) is None  # 10 → -10: at the limit, allowed
    assert check(risk, book, intent(4, side=Side.SELL, qty="1")) is not None


def test_per_symbol_position_limit_overrides_the_default() -> None:
    settings = RiskSettings(max_position=Decimal(10), max_position_by_symbol={"msft": Decimal(2)})
    risk, book = RiskManager(settings), OrderBook()
    assert check(risk, book, intent(1, symbol="MSFT", qty="2")) is None
    assert check(risk, book, intent(2, symbol="MSFT", qty="1")) is not None
    assert check(risk, book, intent(3, symbol="AAPL", qty="10")) is None


def test_an_order_towards_flat_passes_even_over_a_lowered_limit() -> None:
    risk, book = RiskManager(RiskSettings(max_position=Decimal(5))), OrderBook()
    book.positions["AAPL"] = Decimal(8)  # held before the limit was lowered
    assert check(risk, book, intent(1, side=Side.SELL, qty="1")) is None
    assert check(risk, book, intent(2, qty="1")) is not None


def test_max_order_notional_at_the_boundary() -> None:
    risk, book = RiskManager(RiskSettings(max_order_notional=Decimal(1000))), OrderBook()
    assert check(risk, book, intent(1, qty="10", limit="100")) is None
    assert "exceeds max_order_notional" in str(check(risk, book, intent(2, qty="10", limit="100.01")))
    assert "no price known" in str(check(risk, book, intent(3, qty="1")))  # market, no mark yet
    book.marks["AAPL"] = Decimal(50)
    assert check(risk, book, intent(4, qty="20")) is None


def test_max_gross_exposure_counts_every_instrument_at_its_mark() -> None:
    risk, book = RiskManager(RiskSettings(max_gross_exposure=Decimal(1500))), OrderBook()
    book.marks.update(AAPL=Decimal(100), MSFT=Decimal(50))
    book.positions["MSFT"] = Decimal(-10)  # 500 short counts as 500 gross
    assert check(risk, book, intent(1, qty="10")) is None  # 1000 + 500 = 1500: at the limit
    assert "max_gross_exposure" in str(check(risk, book, intent(2, qty="0.01")))
    assert check(risk, book, intent(3, symbol="MSFT", side=Side.BUY, qty="5")) is None  # towards flat


def test_max_orders_per_minute_lets_the_nth_through_and_refuses_the_next() -> None:
    risk, book = RiskManager(RiskSettings(max_orders_per_minute=3)), OrderBook()
    for n in range(3):
        assert check(risk, book, intent(n, ts=T0 + n * SECOND)) is None
    assert "max_orders_per_minute 3" in str(check(risk, book, intent(9, ts=T0 + 59 * SECOND)))
    assert check(risk, book, intent(10, ts=T0 + MINUTE_NS)) is None  # the first has left the window


def test_allowed_instruments() -> None:
    risk, book = RiskManager(RiskSettings(allowed_instruments=["aapl", "EUR/USD"])), OrderBook()
    assert check(risk, book, intent(1)) is None
    assert check(risk, book, intent(2, symbol="EUR/USD")) is None
    assert "not in allowed_instruments" in str(check(risk, book, intent(3, symbol="TSLA")))


@pytest.mark.parametrize(
    ("local", "allowed"),
    [
        ("09:29:59.999999", False),
        ("09:30:00", True),
        ("15:59:59.999999", True),
        ("16:00:00", False),
    ],
)
def test_trading_hours_include_the_start_and_exclude_the_end(local: str, allowed: bool) -> None:
    settings = RiskSettings(trading_hours="09:30-16:00", timezone="America/New_York")
    at = datetime.fromisoformat(f"2024-06-03T{local}").replace(tzinfo=ZoneInfo("America/New_York"))
    ts = int(at.timestamp() * 1_000_000) * 1_000
    why = check(RiskManager(settings), OrderBook(), intent(1, ts=ts))
    assert (why is None) is allowed


def test_trading_days() -> None:
    settings = RiskSettings(trading_hours="00:00-23:59")
    saturday = datetime(2024, 6, 8, 12, tzinfo=ZoneInfo("America/New_York"))
    why = check(RiskManager(settings), OrderBook(), intent(1, ts=int(saturday.timestamp()) * SECOND))
    assert "outside trading hours" in str(why)


def account(equity: str, ts: int = T0) -> AccountState:
    return AccountState(
        account="a", currency="USD", cash=Decimal(0), equity=Decimal(equity), ts_event=ts, ts_init=ts
    )


def test_daily_loss_halts_when_it_reaches_the_limit_and_resets_the_next_day() -> None:
    risk = RiskManager(RiskSettings(max_daily_loss=Decimal(500)))
    assert risk.daily_loss_breached(account("10000")) is None  # the day's first equity
    assert risk.daily_loss_breached(account("9500.01")) is None  # lost 499.99
    assert risk.daily_loss_breached(account("9500")) == Decimal(500)  # reached: halt
    next_day = risk.next_day_ns(T0)
    assert risk.day_of(next_day) != risk.day_of(T0)
    assert risk.day_of(next_day - 1) == risk.day_of(T0)
    assert risk.daily_loss_breached(account("9000", ts=next_day)) is None  # a new day, a new start
