"""The kill switch's effect and the watch on the control store, for the order manager.

Kept apart from the manager's order flow: these are what happens when trading must stop (cancel
everything open, refuse what comes) and how a decision taken in another process (``freeride kill``,
``freeride orders approve``, the API) reaches the running engine, by polling the control store.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from freeride.core.errors import FreerideError
from freeride.core.orders import OrderStatus
from freeride.core.system import Level
from freeride.ports.execution import HaltKind

if TYPE_CHECKING:
    from freeride.execution.manager import OrderManager


async def kill(m: OrderManager, reason: str, source: str) -> None:
    """Engage the kill switch here and in the store, then cancel every open order."""
    await m.halts.engage(HaltKind.KILL, reason, source)
    await cancel_all(m, reason)


async def cancel_all(m: OrderManager, reason: str) -> int:
    """Cancel every open order at its broker; unsent ones are closed here. Returns how many."""
    cancelled = 0
    for order in m.book.open_orders():
        if order.status is OrderStatus.PENDING_NEW and not order.broker_order_id:
            m.close_locally(order, OrderStatus.CANCELED, f"cancelled before sending: {reason}")
            await m.approvals.drop(order.client_order_id)
            cancelled += 1
            continue
        broker = m.broker_for(order.strategy)
        if broker is None:
            continue
        try:
            m.on_order(await broker.cancel(order.client_order_id))
            cancelled += 1
        except FreerideError as exc:
            m.events.emit(
                Level.ERROR,
                "cancel_failed",
                f"{broker.name}: cancelling {order.client_order_id} failed: {exc}",
                client_order_id=order.client_order_id,
            )
    m.events.emit(Level.WARNING, "orders_cancelled", f"{cancelled} open orders cancelled: {reason}")
    return cancelled


async def watch(m: OrderManager) -> None:
    """Poll the control store every ``poll_s`` until cancelled."""
    while True:
        await m._clock.sleep(m.config.poll_s)
        try:
            await poll_controls(m)
        except Exception as exc:  # the database may be briefly away; try again next time
            m.events.emit(Level.WARNING, "control_poll_failed", f"reading controls failed: {exc!r}")


async def poll_controls(m: OrderManager) -> None:
    """One look at the control store: halts set or cleared elsewhere, decided approvals, and
    orders whose outcome is still unknown."""
    had_kill = m.halts.current.get(HaltKind.KILL) is not None
    await m.halts.refresh()
    if not had_kill and m.halts.current.get(HaltKind.KILL) is not None:
        await cancel_all(m, "the kill switch was engaged")
    await m.approvals.poll(m)
    for cid in list(m.unresolved):
        order = m.book.orders.get(cid)
        broker = None if order is None else m.broker_for(order.strategy)
        if order is None or broker is None:
            m.unresolved.discard(cid)
            continue
        found, _ = await m.sender.lookup(broker, cid, confirmations=1)
        if found is not None:
            m.unresolved.discard(cid)
            m.on_order(found)
