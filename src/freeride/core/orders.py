"""Trading events: signals, order intents, orders, fills and positions.

Quantities, prices that reach a broker, cash and P&L are ``Decimal``; market data stays float.
"""

from __future__ import annotations

import hashlib
from decimal import Decimal
from enum import StrEnum

import msgspec


class Side(StrEnum):
    BUY = "buy"
    SELL = "sell"

    @property
    def sign(self) -> int:
        return 1 if self is Side.BUY else -1


class Direction(StrEnum):
    """What a strategy wants to hold."""

    LONG = "long"
    SHORT = "short"
    FLAT = "flat"


class OrderType(StrEnum):
    MARKET = "market"
    LIMIT = "limit"
    STOP = "stop"
    STOP_LIMIT = "stop_limit"


class TimeInForce(StrEnum):
    DAY = "day"
    GTC = "gtc"
    IOC = "ioc"


class OrderStatus(StrEnum):
    PENDING_NEW = "pending_new"  # persisted, not yet sent
    SUBMITTED = "submitted"
    ACCEPTED = "accepted"
    PARTIALLY_FILLED = "partially_filled"
    FILLED = "filled"
    CANCELED = "canceled"
    REJECTED = "rejected"
    EXPIRED = "expired"

    @property
    def is_open(self) -> bool:
        return self in _OPEN


_OPEN = frozenset(
    {OrderStatus.PENDING_NEW, OrderStatus.SUBMITTED, OrderStatus.ACCEPTED, OrderStatus.PARTIALLY_FILLED}
)


def client_order_id(strategy: str, signal_id: str, leg: int = 0) -> str:
    """The deterministic id of one order leg: the same signal can never become two orders."""
    digest = hashlib.blake2b(f"{strategy}|{signal_id}|{leg}".encode(), digest_size=12).hexdigest()
    return f"fr-{digest}"


class Signal(msgspec.Struct, frozen=True, kw_only=True):
    """A strategy's decision about what to hold, before sizing and risk."""

    signal_id: str
    strategy: str
    symbol: str
    direction: Direction
    strength: float = 1.0
    reason: str = ""
    ts_event: int
    ts_init: int


class OrderIntent(msgspec.Struct, frozen=True, kw_only=True):
    """An order a strategy wants placed; the order manager persists it and sends it."""

    client_order_id: str
    strategy: str
    signal_id: str
    leg: int = 0
    symbol: str
    side: Side
    quantity: Decimal
    order_type: OrderType = OrderType.MARKET
    limit_price: Decimal | None = None
    stop_price: Decimal | None = None
    time_in_force: TimeInForce = TimeInForce.GTC
    ts_event: int
    ts_init: int


class Order(msgspec.Struct, frozen=True, kw_only=True):
    """An order's state as last known; every change is a new ``Order`` event."""

    client_order_id: str
    broker_order_id: str | None = None
    strategy: str
    symbol: str
    side: Side
    quantity: Decimal
    order_type: OrderType
    limit_price: Decimal | None = None
    stop_price: Decimal | None = None
    time_in_force: TimeInForce = TimeInForce.GTC
    status: OrderStatus
    filled_quantity: Decimal = Decimal(0)
    avg_fill_price: Decimal | None = None
    reason: str = ""
    ts_event: int
    ts_init: int


class Fill(msgspec.Struct, frozen=True, kw_only=True):
    """One execution; ``fill_id`` is the broker's, so a fill delivered twice is counted once."""

    fill_id: str
    client_order_id: str
    broker_order_id: str | None = None
    strategy: str
    symbol: str
    side: Side
    quantity: Decimal
    price: Decimal
    commission: Decimal
    ts_event: int
    ts_init: int

    @property
    def signed_quantity(self) -> Decimal:
        return self.quantity if self.side is Side.BUY else -self.quantity


class Position(msgspec.Struct, frozen=True, kw_only=True):
    """Net holding of one instrument; ``quantity`` is signed (negative is short)."""

    symbol: str
    quantity: Decimal
    avg_price: Decimal
    realized_pnl: Decimal
    ts_event: int
    ts_init: int


class AccountState(msgspec.Struct, frozen=True, kw_only=True):
    """Cash and equity of one account, in its currency."""

    account: str
    currency: str
    cash: Decimal
    equity: Decimal
    ts_event: int
    ts_init: int


def order_from_intent(intent: OrderIntent, ts_init: int, reason: str = "") -> Order:
    """The pending order an intent becomes: the one place the two shapes meet, so the backtester
    and the live order manager can never build it differently."""
    return Order(
        client_order_id=intent.client_order_id,
        strategy=intent.strategy,
        symbol=intent.symbol,
        side=intent.side,
        quantity=intent.quantity,
        order_type=intent.order_type,
        limit_price=intent.limit_price,
        stop_price=intent.stop_price,
        time_in_force=intent.time_in_force,
        status=OrderStatus.PENDING_NEW,
        reason=reason,
        ts_event=intent.ts_event,
        ts_init=ts_init,
    )


def fill_of(
    order: Order,
    *,
    fill_id: str,
    quantity: Decimal,
    price: Decimal,
    ts_event: int,
    ts_init: int,
    commission: Decimal = Decimal(0),
) -> Fill:
    """A fill of ``order``: its ids, strategy, symbol and side, with the execution's own id,
    quantity, price, commission and time. The one place an order becomes a fill, so the matching
    engine, every broker adapter and reconciliation can never build one differently."""
    return Fill(
        fill_id=fill_id,
        client_order_id=order.client_order_id,
        broker_order_id=order.broker_order_id,
        strategy=order.strategy,
        symbol=order.symbol,
        side=order.side,
        quantity=quantity,
        price=price,
        commission=commission,
        ts_event=ts_event,
        ts_init=ts_init,
    )
