"""How a decision taken in another process reaches the running engine: the watch on the control store.

``freeride kill``, ``freeride orders approve`` and the API write to the control store (the
database); the order manager looks at it every ``poll_s``: a kill set elsewhere cancels every open
order, halts cleared elsewhere let orders through again, decided approvals are acted on, and orders
whose outcome is still unknown are asked about once more.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable

from freeride.core.system import Level
from freeride.execution.approvals import Approvals
from freeride.execution.desk import OrderDesk
from freeride.ports.execution import HaltKind

Flattens = Callable[[], Awaitable[None]]


async def watch(
    desk: OrderDesk, approvals: Approvals, poll_s: float, flattens: Flattens | None = None
) -> None:
    """Poll the control store every ``poll_s`` until cancelled."""
    while True:
        await desk.clock.sleep(poll_s)
        try:
            await poll_controls(desk, approvals, flattens)
        except Exception as exc:  # the database may be briefly away; try again next time
            desk.events.emit(Level.WARNING, "control_poll_failed", f"reading controls failed: {exc!r}")


async def poll_controls(desk: OrderDesk, approvals: Approvals, flattens: Flattens | None = None) -> None:
    """One look at the control store: halts set or cleared elsewhere, decided approvals, flatten
    requests (``flattens``: the manager acts on them) and orders whose outcome is still unknown."""
    had_kill = desk.halts.current.get(HaltKind.KILL) is not None
    await desk.halts.refresh()
    if not had_kill and desk.halts.current.get(HaltKind.KILL) is not None:
        await desk.cancel_all("the kill switch was engaged")
    await approvals.poll()
    if flattens is not None:
        await flattens()
    for cid in list(desk.unresolved):
        order = desk.book.orders.get(cid)
        broker = None if order is None else desk.brokers.for_strategy(order.strategy)
        if order is None or broker is None:
            desk.unresolved.discard(cid)
            continue
        found, _ = await desk.sender.lookup(broker, cid, confirmations=1)
        if found is not None:
            desk.unresolved.discard(cid)
            desk.on_order(found)
