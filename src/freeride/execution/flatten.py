"""Flatten: cancel every open order, then close every position with one market order each.

A person asks for it (``freeride flatten``, ``POST /api/v1/flatten``, Discord's ``/flatten``)
through the control store, like the kill switch, because the broker session lives in the engine
and the engine may run in another process. The engine takes a pending request at its next control
poll (``execution.watch``) and only when it trades the request's ledger; a request older than
``REQUEST_TTL_S`` is marked expired instead: a flatten typed a while ago, before the engine was
started, must not close positions opened since.

The closing orders are ordinary order intents of strategy ``flatten`` whose client ids derive
from the request id (the same request can never send twice) and go through the order manager's
normal path: persisted before they are sent, deduplicated, checked by the risk limits. The halts
treat them apart in one way only (see ``Halts.blocking``): the kill switch and the daily-loss halt
stop new risk, and a closing order removes risk, so they let it through; a storage halt (nothing
can be persisted) and a reconciliation halt (our positions may be wrong, so a "closing" order
could open one) still block it.
"""

from __future__ import annotations

from collections.abc import Mapping
from decimal import Decimal

from freeride.core.clock import NS_PER_SECOND
from freeride.core.orders import Order, OrderIntent, OrderType, Side, client_order_id
from freeride.ports.execution import ClosingOrder, FlattenRequest, FlattenState

FLATTEN_STRATEGY = "flatten"
REQUEST_TTL_S = 60.0
ZERO = Decimal(0)


def closing_intents(positions: Mapping[str, Decimal], request_id: str, now_ns: int) -> list[OrderIntent]:
    """One market order per open position, in symbol order: sell a long, buy back a short."""
    held = sorted((symbol, qty) for symbol, qty in positions.items() if qty != ZERO)
    return [
        OrderIntent(
            client_order_id=client_order_id(FLATTEN_STRATEGY, request_id, leg),
            strategy=FLATTEN_STRATEGY,
            signal_id=request_id,
            leg=leg,
            symbol=symbol,
            side=Side.SELL if qty > ZERO else Side.BUY,
            quantity=abs(qty),
            order_type=OrderType.MARKET,
            ts_event=now_ns,
            ts_init=now_ns,
        )
        for leg, (symbol, qty) in enumerate(held)
    ]


def is_closing(order: Order, position: Decimal) -> bool:
    """A flatten's order that takes ``position`` towards zero without crossing it."""
    if order.strategy != FLATTEN_STRATEGY or position == ZERO:
        return False
    against = order.side is (Side.SELL if position > ZERO else Side.BUY)
    return against and order.quantity <= abs(position)


def expired(request: FlattenRequest, now_ns: int) -> bool:
    return now_ns - request.requested_at > REQUEST_TTL_S * NS_PER_SECOND


def outcome(
    request: FlattenRequest,
    now_ns: int,
    cancelled: int,
    intents: list[OrderIntent],
    book: Mapping[str, Order],
) -> FlattenRequest:
    """The request as done: what was cancelled and each closing order as the order path left it."""
    sent: list[ClosingOrder] = []
    for intent in intents:
        order = book.get(intent.client_order_id)
        sent.append(
            ClosingOrder(
                client_order_id=intent.client_order_id,
                symbol=intent.symbol,
                side=intent.side.value,
                quantity=str(intent.quantity),
                status="" if order is None else order.status.value,
                reason="" if order is None else order.reason,
            )
        )
    note = "" if intents else "nothing to flatten: no open position"
    return FlattenRequest(
        request_id=request.request_id,
        run_id=request.run_id,
        requested_by=request.requested_by,
        requested_at=request.requested_at,
        state=FlattenState.DONE,
        done_at=now_ns,
        cancelled=cancelled,
        orders=sent,
        note=note,
    )


def expiry(request: FlattenRequest, now_ns: int) -> FlattenRequest:
    return FlattenRequest(
        request_id=request.request_id,
        run_id=request.run_id,
        requested_by=request.requested_by,
        requested_at=request.requested_at,
        state=FlattenState.EXPIRED,
        done_at=now_ns,
        note=f"no engine acted on it within {REQUEST_TTL_S:g} s: nothing was done",
    )
