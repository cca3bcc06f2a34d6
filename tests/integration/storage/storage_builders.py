"""Small builders for the events the storage tests write."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from freeride.core.market import Bar
from freeride.core.orders import Fill, Order, OrderStatus, OrderType, Position, Side
from freeride.core.system import Level, SystemEvent

MINUTE = 60_000_000_000


def bar(i: int = 0, symbol: str = "GOOG", interval: str = "1m", **kw: Any) -> Bar:
    fields: dict[str, Any] = {
        "symbol": symbol,
        "interval": interval,
        "open": 100.0 + i,
        "high": 101.5 + i,
        "low": 99.25 + i,
        "close": 100.75 + i,
        "volume": 1_000.0 + i,
        "ts_event": i * MINUTE,
        "ts_init": i * MINUTE + 1,
    }
    fields.update(kw)
    return Bar(**fields)


def bars(n: int, symbol: str = "GOOG", interval: str = "1m", start: int = 0) -> list[Bar]:
    return [bar(i, symbol, interval) for i in range(start, start + n)]


def order(coid: str = "fr-1", status: OrderStatus = OrderStatus.SUBMITTED, ts: int = 1, **kw: Any) -> Order:
    fields: dict[str, Any] = {
        "client_order_id": coid,
        "strategy": "sma",
        "symbol": "GOOG",
        "side": Side.BUY,
        "quantity": Decimal("10"),
        "order_type": OrderType.LIMIT,
        "limit_price": Decimal("101.25"),
        "status": status,
        "ts_event": ts,
        "ts_init": ts,
    }
    fields.update(kw)
    return Order(**fields)


def fill(fid: str = "f-1", symbol: str = "GOOG", ts: int = 1, **kw: Any) -> Fill:
    fields: dict[str, Any] = {
        "fill_id": fid,
        "client_order_id": "fr-1",
        "strategy": "sma",
        "symbol": symbol,
        "side": Side.BUY,
        "quantity": Decimal("10"),
        "price": Decimal("101.25"),
        "commission": Decimal("0.0101"),
        "ts_event": ts,
        "ts_init": ts,
    }
    fields.update(kw)
    return Fill(**fields)


def position(symbol: str = "GOOG", qty: str = "10", ts: int = 1, **kw: Any) -> Position:
    fields: dict[str, Any] = {
        "symbol": symbol,
        "quantity": Decimal(qty),
        "avg_price": Decimal("101.25"),
        "realized_pnl": Decimal("0"),
        "ts_event": ts,
        "ts_init": ts,
    }
    fields.update(kw)
    return Position(**fields)


def system_event(
    kind: str = "note", level: Level = Level.INFO, source: str = "test", ts: int = 1, **kw: Any
) -> SystemEvent:
    fields: dict[str, Any] = {
        "source": source,
        "kind": kind,
        "level": level,
        "message": f"{kind} at {ts}",
        "data": {"n": ts, "ok": True, "ratio": 0.5, "none": None, "text": "x"},
        "ts_event": ts,
        "ts_init": ts,
    }
    fields.update(kw)
    return SystemEvent(**fields)
