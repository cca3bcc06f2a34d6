"""Alpaca's wire JSON → core types (pure; tested on recorded shapes).

Numbers arrive as strings and become ``Decimal`` untouched; times are ISO 8601 with up to nine
fractional digits and a ``Z``. Alpaca knows nothing of strategies, so orders and fills come out
with an empty ``strategy`` and the order manager fills it in from its own record.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import UTC, datetime
from decimal import Decimal
from typing import Any

from freeride.core.clock import NS_PER_SECOND
from freeride.core.orders import Fill, Order, OrderStatus, OrderType, Position, Side, TimeInForce, fill_of
from freeride.net.errors import BadReply
from freeride.ports.broker import BrokerAccount

NAME = "alpaca"
_ISO = re.compile(r"^(\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d)(?:\.(\d+))?(Z|[+-]\d\d:\d\d)?$")

STATUS: dict[str, OrderStatus] = {
    "pending_new": OrderStatus.SUBMITTED,
    "new": OrderStatus.ACCEPTED,
    "accepted": OrderStatus.ACCEPTED,
    "accepted_for_bidding": OrderStatus.ACCEPTED,
    "pending_replace": OrderStatus.ACCEPTED,
    "pending_cancel": OrderStatus.ACCEPTED,
    "pending_review": OrderStatus.ACCEPTED,
    "held": OrderStatus.ACCEPTED,
    "calculated": OrderStatus.ACCEPTED,
    "stopped": OrderStatus.ACCEPTED,
    "suspended": OrderStatus.ACCEPTED,
    "done_for_day": OrderStatus.ACCEPTED,  # trades again the next session
    "partially_filled": OrderStatus.PARTIALLY_FILLED,
    "filled": OrderStatus.FILLED,
    "canceled": OrderStatus.CANCELED,
    "replaced": OrderStatus.CANCELED,
    "expired": OrderStatus.EXPIRED,
    "rejected": OrderStatus.REJECTED,
}
_TIF = {"day": TimeInForce.DAY, "gtc": TimeInForce.GTC, "ioc": TimeInForce.IOC, "fok": TimeInForce.IOC}
_WIRE_TIF = {TimeInForce.DAY: "day", TimeInForce.GTC: "gtc", TimeInForce.IOC: "ioc"}


def iso_ns(text: str | None, default: int = 0) -> int:
    """``2024-06-03T14:30:00.123456789Z`` → ns since the epoch (no precision lost)."""
    if not text:
        return default
    match = _ISO.match(text.strip())
    if match is None:
        raise BadReply(NAME, f"bad timestamp {text!r}")
    head, frac, zone = match.groups()
    offset = "+00:00" if zone in (None, "Z") else zone
    dt = datetime.fromisoformat(head + offset)
    nanos = int((frac + "000000000")[:9]) if frac else 0
    return int(dt.astimezone(UTC).timestamp()) * NS_PER_SECOND + nanos


def iso_seconds(ns: int) -> str:
    """ns since the epoch → ``2024-06-03T16:00:00Z``, the whole-second form the activities
    endpoint documents for ``after`` and ``until`` (fractions are cut, never rounded up)."""
    dt = datetime.fromtimestamp(ns // NS_PER_SECOND, tz=UTC)
    return f"{dt:%Y-%m-%dT%H:%M:%S}Z"


def _dec(value: Any, default: Decimal | None = None) -> Decimal | None:
    if value is None or value == "":
        return default
    try:
        return Decimal(str(value))
    except ArithmeticError:
        raise BadReply(NAME, f"bad number {value!r}") from None


def order(data: dict[str, Any], now_ns: int) -> Order:
    try:
        status = STATUS[str(data["status"])]
        kind = OrderType(str(data.get("type") or data.get("order_type")))
        side = Side(str(data["side"]))
    except (KeyError, ValueError) as exc:
        raise BadReply(NAME, f"unexpected order {exc}") from None
    ts = iso_ns(data.get("updated_at") or data.get("submitted_at") or data.get("created_at"), now_ns)
    wire_status = str(data["status"])
    return Order(
        client_order_id=str(data.get("client_order_id") or ""),
        broker_order_id=str(data["id"]),
        strategy="",
        symbol=str(data["symbol"]),
        side=side,
        quantity=_dec(data.get("qty"), Decimal(0)) or Decimal(0),
        order_type=kind,
        limit_price=_dec(data.get("limit_price")),
        stop_price=_dec(data.get("stop_price")),
        time_in_force=_TIF.get(str(data.get("time_in_force")), TimeInForce.DAY),
        status=status,
        filled_quantity=_dec(data.get("filled_qty"), Decimal(0)) or Decimal(0),
        avg_fill_price=_dec(data.get("filled_avg_price")),
        reason="replaced" if wire_status == "replaced" else "",
        ts_event=ts,
        ts_init=now_ns,
    )


def order_request(o: Order) -> dict[str, Any]:
    body: dict[str, Any] = {
        "symbol": o.symbol,
        "qty": str(o.quantity),
        "side": o.side.value,
        "type": o.order_type.value,
        "time_in_force": _WIRE_TIF[o.time_in_force],
        "client_order_id": o.client_order_id,
    }
    if o.limit_price is not None:
        body["limit_price"] = str(o.limit_price)
    if o.stop_price is not None:
        body["stop_price"] = str(o.stop_price)
    return body


def trade_update(data: dict[str, Any], now_ns: int) -> tuple[Order, Fill | None]:
    """One ``trade_updates`` message: the order as it now stands, and the execution if it was one."""
    event = str(data.get("event"))
    current = order(data["order"], now_ns)
    if event not in ("fill", "partial_fill"):
        return current, None
    qty, price = _dec(data.get("qty")), _dec(data.get("price"))
    if qty is None or price is None:
        raise BadReply(NAME, f"{event} without qty or price")
    execution = data.get("execution_id") or f"{current.broker_order_id}:{current.filled_quantity}"
    fill = fill_of(  # no commission on Alpaca; the order manager fills in the strategy
        current,
        fill_id=str(execution),
        quantity=qty,
        price=price,
        ts_event=iso_ns(data.get("timestamp"), now_ns),
        ts_init=now_ns,
    )
    return current, fill


@dataclass(frozen=True, slots=True)
class FillActivity:
    """One execution as ``GET /v2/account/activities/FILL`` reports it.

    ``cum_quantity`` is the order's filled quantity after this execution: it places the execution
    on the order's own axis, which is how the broker tells an execution it already reported (from
    the stream, whose ``execution_id`` is not documented to equal the activity id) from a new one.
    """

    activity_id: str
    order_id: str
    symbol: str
    side: Side
    quantity: Decimal
    price: Decimal
    cum_quantity: Decimal
    ts_event: int


def fill_activity(data: Any) -> FillActivity | None:
    """A trade activity → ``FillActivity``; ``None`` for a row that is not a fill.

    Shape (alpaca-py ``alpaca/trading/models.py`` ``TradeActivity``): ``id``
    (``<date>::<uuid>``), ``activity_type`` ``FILL``, ``transaction_time``, ``type``
    (``fill``/``partial_fill``), ``price``, ``qty``, ``side`` (``buy``, ``sell``, ``sell_short``),
    ``symbol``, ``leaves_qty``, ``order_id``, ``cum_qty``, ``order_status``; numbers as strings.
    """
    if not isinstance(data, dict):
        raise BadReply(NAME, f"activity is not an object: {data!r:.80}")
    if data.get("activity_type") != "FILL":
        return None
    qty, price, cum = _dec(data.get("qty")), _dec(data.get("price")), _dec(data.get("cum_qty"))
    activity_id, order_id, when = data.get("id"), data.get("order_id"), data.get("transaction_time")
    if qty is None or price is None or cum is None or not (activity_id and order_id and when) or qty <= 0:
        raise BadReply(NAME, f"fill activity lacks id, order_id, time, qty, price or cum_qty: {data!r:.200}")
    side = str(data.get("side"))
    if side not in ("buy", "sell", "sell_short"):
        raise BadReply(NAME, f"fill activity with side {side!r}")
    return FillActivity(
        activity_id=str(activity_id),
        order_id=str(order_id),
        symbol=str(data.get("symbol") or ""),
        side=Side.BUY if side == "buy" else Side.SELL,
        quantity=qty,
        price=price,
        cum_quantity=cum,
        ts_event=iso_ns(str(when)),
    )


def position(data: dict[str, Any], now_ns: int) -> Position:
    qty = _dec(data.get("qty"), Decimal(0)) or Decimal(0)
    if data.get("side") == "short" and qty > 0:
        qty = -qty
    return Position(
        symbol=str(data["symbol"]),
        quantity=qty,
        avg_price=_dec(data.get("avg_entry_price"), Decimal(0)) or Decimal(0),
        realized_pnl=Decimal(0),
        ts_event=now_ns,
        ts_init=now_ns,
    )


def account(data: dict[str, Any], now_ns: int) -> BrokerAccount:
    return BrokerAccount(
        account=str(data.get("account_number") or data.get("id")),
        currency=str(data.get("currency") or "USD"),
        cash=_dec(data.get("cash"), Decimal(0)) or Decimal(0),
        equity=_dec(data.get("equity"), Decimal(0)) or Decimal(0),
        buying_power=_dec(data.get("buying_power"), Decimal(0)) or Decimal(0),
        ts_event=now_ns,
        ts_init=now_ns,
    )
