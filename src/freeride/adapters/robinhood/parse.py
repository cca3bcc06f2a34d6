"""Robinhood's wire JSON → core types (pure), and the ``ref_id`` that makes orders idempotent.

Robinhood has no client order id; it has ``ref_id``, a UUID it refuses to place twice. Ours is
derived from the client order id so a retry — after a timeout, after a restart — carries the same
one. The usual id (``fr-`` and 24 hex digits) is packed into the UUID itself, so an order read back
from Robinhood says whose it is even in a process that never sent it; any other id maps through a
name-based UUID and is recognised only by the process that remembers it.
"""

from __future__ import annotations

import re
import uuid
from dataclasses import dataclass
from datetime import UTC, datetime
from decimal import Decimal
from typing import Any

from freeride.core.errors import InvalidInput
from freeride.core.orders import Fill, Order, OrderStatus, OrderType, Position, Side, TimeInForce, fill_of
from freeride.net.errors import BadReply
from freeride.ports.broker import BrokerAccount

NAME = "robinhood"
_ISO = re.compile(r"^(\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d)(?:\.(\d+))?(Z|[+-]\d\d:\d\d)?$")
_PACKED = "f7ee0000"  # the first 8 hex digits of a ref_id that carries an ``fr-`` client order id
_OURS = re.compile(r"^fr-([0-9a-f]{24})$")
_NAMESPACE = uuid.UUID("6f9619ff-8b86-d011-b42d-00c04fc964ff")

STATE: dict[str, OrderStatus] = {
    "queued": OrderStatus.SUBMITTED,
    "unconfirmed": OrderStatus.SUBMITTED,
    "confirmed": OrderStatus.ACCEPTED,
    "partially_filled": OrderStatus.PARTIALLY_FILLED,
    "filled": OrderStatus.FILLED,
    "cancelled": OrderStatus.CANCELED,
    "voided": OrderStatus.CANCELED,
    "rejected": OrderStatus.REJECTED,
    "failed": OrderStatus.REJECTED,
}
TIF = {TimeInForce.DAY: "gfd", TimeInForce.GTC: "gtc", TimeInForce.IOC: "ioc"}
_TIF_BACK = {"gfd": TimeInForce.DAY, "gtc": TimeInForce.GTC, "ioc": TimeInForce.IOC, "gfw": TimeInForce.GTC}


def ref_id_for(client_order_id: str) -> str:
    match = _OURS.match(client_order_id)
    if match is not None:
        return str(uuid.UUID(_PACKED + match.group(1)))
    return str(uuid.uuid5(_NAMESPACE, client_order_id))


def client_id_from(ref_id: str) -> str | None:
    """The client order id packed into ``ref_id``, or ``None`` when it holds none."""
    hex_ = ref_id.replace("-", "").lower()
    return f"fr-{hex_[8:]}" if hex_.startswith(_PACKED) and len(hex_) == 32 else None


def iso_ns(text: Any, default: int) -> int:
    """An ISO 8601 time (``Z`` or an offset, up to nine fractional digits) as ns since the epoch."""
    if not text:
        return default
    match = _ISO.match(str(text).strip())
    if match is None:
        raise BadReply(NAME, f"bad timestamp {text!r}")
    head, frac, zone = match.groups()
    dt = datetime.fromisoformat(head + ("+00:00" if zone in (None, "Z") else zone))
    nanos = int((frac + "000000000")[:9]) if frac else 0
    return int(dt.astimezone(UTC).timestamp()) * 1_000_000_000 + nanos


def _dec(value: Any) -> Decimal | None:
    if value is None or value == "":
        return None
    try:
        return Decimal(str(value))
    except ArithmeticError:
        raise BadReply(NAME, f"bad number {value!r}") from None


def order(data: dict[str, Any], symbol: str, client_order_id: str, ts_ns: int, now_ns: int) -> Order:
    try:
        status = STATE[str(data["state"])]
        side = Side(str(data["side"]))
        kind = str(data.get("type", "market"))
        trigger = str(data.get("trigger", "immediate"))
    except (KeyError, ValueError) as exc:
        raise BadReply(NAME, f"unexpected order {exc}") from None
    stop = _dec(data.get("stop_price"))
    if trigger == "stop":
        order_type = OrderType.STOP_LIMIT if kind == "limit" else OrderType.STOP
    else:
        order_type = OrderType.LIMIT if kind == "limit" else OrderType.MARKET
    return Order(
        client_order_id=client_order_id,
        broker_order_id=str(data["id"]),
        strategy="",
        symbol=symbol,
        side=side,
        quantity=_dec(data.get("quantity")) or Decimal(0),
        order_type=order_type,
        limit_price=_dec(data.get("price")) if kind == "limit" else None,
        stop_price=stop,
        time_in_force=_TIF_BACK.get(str(data.get("time_in_force")), TimeInForce.GTC),
        status=status,
        filled_quantity=_dec(data.get("cumulative_quantity")) or Decimal(0),
        avg_fill_price=_dec(data.get("average_price")),
        reason=str(data.get("reject_reason") or ""),
        ts_event=ts_ns,
        ts_init=now_ns,
    )


def executions(data: dict[str, Any], current: Order) -> list[Fill]:
    """One fill per execution; ``fill_id`` is Robinhood's execution id, so polling twice is harmless."""
    fills = []
    for e in data.get("executions") or []:
        quantity, price = _dec(e.get("quantity")), _dec(e.get("price"))
        if quantity is None or price is None or not e.get("id"):
            raise BadReply(NAME, "an execution without id, quantity or price")
        fills.append(
            fill_of(
                current,
                fill_id=str(e["id"]),
                quantity=quantity,
                price=price,
                ts_event=iso_ns(e.get("timestamp"), current.ts_init),
                ts_init=current.ts_init,
            )
        )
    return fills


COLLAR = "0.05"
"""A market buy goes out as a limit at the ask with a 5 % collar, as Robinhood's own clients send it."""


@dataclass(frozen=True, slots=True)
class BidAsk:
    """The quote an order is placed against: Robinhood wants it in the order, as its app sends."""

    bid: Decimal | None
    ask: Decimal | None
    updated_at: str


def quote(data: Any, symbol: str) -> BidAsk:
    """``GET /marketdata/quotes/?symbols=`` → the symbol's bid and ask.

    Robinhood answers ``null`` in ``results`` for a symbol it does not know (``InvalidInput``); a
    reply without ``results`` is garbage (``BadReply``)."""
    rows = data.get("results") if isinstance(data, dict) else None
    if not isinstance(rows, list):
        raise BadReply(NAME, "a quote reply without results")
    row = next((r for r in rows if isinstance(r, dict) and r.get("symbol") == symbol), None)
    if row is None:
        raise InvalidInput(f"{NAME}: no quote for {symbol}: not a symbol Robinhood trades")
    bid, ask = _dec(row.get("bid_price")), _dec(row.get("ask_price"))
    return BidAsk(bid if bid else None, ask if ask else None, str(row.get("updated_at") or ""))


def round_price(price: Decimal) -> Decimal:
    """Cents from a dollar up, six decimals below (Robinhood's tick sizes)."""
    return price.quantize(Decimal("0.01") if price >= 1 else Decimal("0.000001"))


def order_request(
    o: Order, account_url: str, instrument_url: str, book: BidAsk | None = None
) -> dict[str, Any]:
    """The order body. A market order needs ``book``: a buy is sent as a limit at the ask with a 5 %
    collar (``preset_percent_limit``) and a sell as a market order, each carrying the bid and ask
    it was placed against; a buy stop carries its stop as the price."""
    limit = o.order_type in (OrderType.LIMIT, OrderType.STOP_LIMIT)
    stop = o.order_type in (OrderType.STOP, OrderType.STOP_LIMIT)
    body: dict[str, Any] = {
        "account": account_url,
        "instrument": instrument_url,
        "symbol": o.symbol,
        "quantity": str(o.quantity),
        "side": o.side.value,
        "type": "limit" if limit else "market",
        "trigger": "stop" if stop else "immediate",
        "time_in_force": TIF[o.time_in_force],
        "market_hours": "regular_hours",
        "extended_hours": False,
        "order_form_version": 4,
        "ref_id": ref_id_for(o.client_order_id),
    }
    if limit:
        body["price"] = str(o.limit_price)
    if stop:
        body["stop_price"] = str(o.stop_price)
        if not limit and o.side is Side.BUY:
            body["price"] = str(o.stop_price)
    if o.order_type is OrderType.MARKET:
        if book is None:
            raise ValueError("a market order is placed against a quote")
        if book.bid is not None:
            body["bid_price"] = str(round_price(book.bid))
        if book.ask is not None:
            body["ask_price"] = str(round_price(book.ask))
        body["bid_ask_timestamp"] = book.updated_at
        if o.side is Side.BUY:
            if book.ask is None:
                raise InvalidInput(f"{NAME}: no ask for {o.symbol}: a market buy needs one for its collar")
            body.update(type="limit", price=str(round_price(book.ask)), preset_percent_limit=COLLAR)
    return body


def position(data: dict[str, Any], symbol: str, now_ns: int) -> Position:
    return Position(
        symbol=symbol,
        quantity=_dec(data.get("quantity")) or Decimal(0),
        avg_price=_dec(data.get("average_buy_price")) or Decimal(0),
        realized_pnl=Decimal(0),
        ts_event=now_ns,
        ts_init=now_ns,
    )


def account(data: dict[str, Any], equity: Decimal | None, now_ns: int) -> BrokerAccount:
    cash = _dec(data.get("cash")) or Decimal(0)
    return BrokerAccount(
        account=str(data.get("account_number")),
        currency="USD",
        cash=cash,
        equity=equity if equity is not None else cash,
        buying_power=_dec(data.get("buying_power")) or Decimal(0),
        ts_event=now_ns,
        ts_init=now_ns,
    )
