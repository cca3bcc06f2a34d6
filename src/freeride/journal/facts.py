"""Domain facts as journal entries: the one place an order, a fill or a firing becomes a line.

Pure functions from a domain event to the ``SystemEvent`` the journal stores, so the journal, the
dashboard and ``freeride trace`` read every fact the same way whatever component produced it.
Decimals are kept as strings (exact); the instrument goes in ``symbol``.
"""

from __future__ import annotations

from decimal import Decimal

from freeride.core.alerts import AlertFired, WebhookAlert
from freeride.core.anomaly import Anomaly, AnomalyResolved
from freeride.core.market import Bar, Quote, Trade
from freeride.core.notify import Delivery, DeliveryStatus
from freeride.core.orders import Fill, Order, OrderIntent, OrderStatus, Signal
from freeride.core.system import Detail, Level, SystemEvent

_ORDER_LEVEL = {OrderStatus.REJECTED: Level.WARNING, OrderStatus.EXPIRED: Level.WARNING}
_DELIVERY_LEVEL = {
    DeliveryStatus.DELIVERED: Level.INFO,
    DeliveryStatus.RETRYING: Level.WARNING,
    DeliveryStatus.DEAD: Level.ERROR,
}


def _s(value: Decimal | None) -> str | None:
    return None if value is None else str(value)


def _fact(
    source: str,
    kind: str,
    message: str,
    data: dict[str, Detail],
    *,
    ts: tuple[int, int],
    symbol: str | None,
    correlation_id: str | None,
    level: Level = Level.INFO,
) -> SystemEvent:
    return SystemEvent(
        source=source,
        kind=kind,
        level=level,
        message=message,
        data=data,
        ts_event=ts[0],
        ts_init=ts[1],
        symbol=symbol,
        correlation_id=correlation_id,
    )


def market_root(event: object, correlation_id: str | None) -> SystemEvent | None:
    """The market event a chain started from (only written when something came of it)."""
    if isinstance(event, Bar):
        message = f"{event.symbol} {event.interval} bar closed at {event.close:g}"
        data: dict[str, Detail] = {"interval": event.interval, "close": event.close, "volume": event.volume}
        kind = "bar"
    elif isinstance(event, Quote):
        message = f"{event.symbol} quote {event.bid:g} / {event.ask:g}"
        data = {"bid": event.bid, "ask": event.ask}
        kind = "quote"
    elif isinstance(event, Trade):
        message = f"{event.symbol} traded {event.size:g} at {event.price:g}"
        data = {"price": event.price, "size": event.size}
        kind = "trade"
    else:
        return None
    return _fact(
        "market",
        kind,
        message,
        data,
        ts=(event.ts_event, event.ts_init),
        symbol=event.symbol,
        correlation_id=correlation_id,
        level=Level.DEBUG,
    )


def signal(e: Signal, cid: str | None) -> SystemEvent:
    reason = f": {e.reason}" if e.reason else ""
    return _fact(
        "strategy",
        "signal",
        f"{e.strategy} wants {e.direction.value} {e.symbol}{reason}",
        {
            "signal_id": e.signal_id,
            "strategy": e.strategy,
            "direction": e.direction.value,
            "strength": e.strength,
        },
        ts=(e.ts_event, e.ts_init),
        symbol=e.symbol,
        correlation_id=cid,
    )


def order_intent(e: OrderIntent, cid: str | None) -> SystemEvent:
    return _fact(
        "strategy",
        "order_intent",
        f"{e.strategy}: {e.side.value} {e.quantity} {e.symbol} {e.order_type.value}",
        {
            "client_order_id": e.client_order_id,
            "signal_id": e.signal_id,
            "strategy": e.strategy,
            "side": e.side.value,
            "quantity": str(e.quantity),
            "order_type": e.order_type.value,
            "limit_price": _s(e.limit_price),
        },
        ts=(e.ts_event, e.ts_init),
        symbol=e.symbol,
        correlation_id=cid,
    )


def order(e: Order, cid: str | None) -> SystemEvent:
    status = e.status.value.replace("_", " ")
    filled = f", {e.filled_quantity} filled at {e.avg_fill_price}" if e.filled_quantity else ""
    reason = f": {e.reason}" if e.reason else ""
    return _fact(
        "execution",
        f"order_{e.status.value}",
        f"order {e.client_order_id} {e.side.value} {e.quantity} {e.symbol} {status}{filled}{reason}",
        {
            "client_order_id": e.client_order_id,
            "broker_order_id": e.broker_order_id,
            "strategy": e.strategy,
            "side": e.side.value,
            "quantity": str(e.quantity),
            "status": e.status.value,
            "filled_quantity": str(e.filled_quantity),
            "avg_fill_price": _s(e.avg_fill_price),
            "reason": e.reason or None,
        },
        ts=(e.ts_event, e.ts_init),
        symbol=e.symbol,
        correlation_id=cid,
        level=_ORDER_LEVEL.get(e.status, Level.INFO),
    )


def fill(e: Fill, cid: str | None) -> SystemEvent:
    return _fact(
        "execution",
        "fill",
        f"filled {e.side.value} {e.quantity} {e.symbol} at {e.price} (commission {e.commission})",
        {
            "fill_id": e.fill_id,
            "client_order_id": e.client_order_id,
            "strategy": e.strategy,
            "side": e.side.value,
            "quantity": str(e.quantity),
            "price": str(e.price),
            "commission": str(e.commission),
        },
        ts=(e.ts_event, e.ts_init),
        symbol=e.symbol,
        correlation_id=cid,
    )


def alert_fired(e: AlertFired, cid: str | None) -> SystemEvent:
    quiet = " (quiet hours: not notified)" if e.quiet else ""
    return _fact(
        "alerts",
        "alert_fired",
        f"alert {e.description} fired at {e.price:g}{quiet}",
        {
            "alert_id": e.alert_id,
            "alert_kind": e.kind.value,
            "price": e.price,
            "threshold": e.threshold,
            "latency_ns": e.latency_ns,
            "quiet": e.quiet,
            "channels": ",".join(e.notify),
        },
        ts=(e.ts_event, e.ts_init),
        symbol=e.symbol,
        correlation_id=cid,
    )


def webhook(e: WebhookAlert, cid: str | None) -> SystemEvent:
    return _fact(
        "alerts",
        "webhook_received",
        f"{e.source} webhook{' for ' + e.symbol if e.symbol else ''}: {e.text[:200]}",
        {"webhook_source": e.source, "action": e.action, "price": e.price, "body_hash": e.body_hash},
        ts=(e.ts_event, e.ts_init),
        symbol=e.symbol,
        correlation_id=cid,
    )


def delivery(e: Delivery, cid: str | None) -> SystemEvent:
    waited = (e.ts_event - e.created_ns) / 1e9
    error = f": {e.error}" if e.error else ""
    return _fact(
        "notify",
        f"notification_{e.status.value}",
        f"{e.channel}: {e.title} {e.status.value} after {waited:.3f} s (attempt {e.attempts}){error}",
        {
            "channel": e.channel,
            "notification_source": e.source,
            "key": e.key,
            "attempts": e.attempts,
            "latency_s": round(waited, 6),
            "error": e.error,
        },
        ts=(e.ts_event, e.ts_init),
        symbol=None,
        correlation_id=cid,
        level=_DELIVERY_LEVEL[e.status],
    )


def anomaly(e: Anomaly, cid: str | None) -> SystemEvent:
    return _fact(
        "ops",
        "anomaly",
        f"anomaly {e.key}: {e.why}",
        {
            "key": e.key,
            "detector": e.detector,
            "subject": e.subject,
            "value": e.value,
            "baseline": e.baseline,
        },
        ts=(e.ts_event, e.ts_init),
        symbol=e.symbol,
        correlation_id=cid,
        level=e.level,
    )


def anomaly_resolved(e: AnomalyResolved, cid: str | None) -> SystemEvent:
    return _fact(
        "ops",
        "anomaly_resolved",
        f"anomaly {e.key} resolved after {e.duration_ns / 1e9:,.0f} s: {e.why}",
        {
            "key": e.key,
            "detector": e.detector,
            "subject": e.subject,
            "value": e.value,
            "baseline": e.baseline,
            "opened_ns": e.opened_ns,
        },
        ts=(e.ts_event, e.ts_init),
        symbol=e.symbol,
        correlation_id=cid,
    )
