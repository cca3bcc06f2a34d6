"""The order manager with the paper broker on live quotes: persist, send, fill, de-duplicate."""

from __future__ import annotations

import asyncio
from decimal import Decimal

from execution_desk import Desk, intent, quote

from freeride.core.orders import OrderStatus, Side
from freeride.execution.control import ExecutionControl
from freeride.ports.execution import HaltKind


async def test_intent_is_persisted_before_it_is_sent_then_fills_at_the_ask(desk: Desk) -> None:
    broker = desk.broker
    writes_when_sent: list[int] = []
    submit = broker.submit

    async def spy(order):  # type: ignore[no-untyped-def]
        stored = await desk.store.get_order("run-1", order.client_order_id)
        assert stored is not None
        assert stored.status is OrderStatus.PENDING_NEW
        writes_when_sent.append(desk.store.order_writes)
        return await submit(order)

    broker.submit = spy  # type: ignore[method-assign]
    manager = await desk.start()
    broker.on_quote(quote("AAPL", 99.0, 101.0))  # type: ignore[attr-defined]
    await desk.send(intent(1, qty="3"))
    cid = intent(1).client_order_id
    assert writes_when_sent == [1]
    assert [o.status for o in desk.orders()] == [
        OrderStatus.PENDING_NEW,
        OrderStatus.ACCEPTED,
        OrderStatus.FILLED,
    ]
    (fill,) = desk.fills()
    assert (fill.price, fill.quantity, fill.strategy) == (Decimal("101.0"), Decimal(3), "s")
    stored = await desk.store.get_order("run-1", cid)
    assert stored is not None
    assert stored.status is OrderStatus.FILLED
    assert len(desk.store.fills) == 1
    assert manager.book.positions["AAPL"] == 3
    await manager.stop()


async def test_same_intent_twice_is_one_order(desk: Desk) -> None:
    manager = await desk.start()
    await desk.send(intent(1), intent(1))
    await desk.send(intent(1))
    assert manager.submitted == 1
    assert manager.duplicate_intents == 2
    assert len(await desk.broker.open_orders()) == 1
    await manager.stop()


async def test_partial_fills_over_quotes_with_sizes(desk: Desk) -> None:
    manager = await desk.start()
    await desk.send(intent(1, qty="5", limit="100"))
    paper = desk.broker
    paper.on_quote(quote("AAPL", 99.0, 100.0, size=2))  # type: ignore[attr-defined]
    paper.on_quote(quote("AAPL", 99.0, 100.5, size=9))  # type: ignore[attr-defined]  above the limit
    paper.on_quote(quote("AAPL", 99.0, 99.5, size=9))  # type: ignore[attr-defined]
    await manager.idle()
    statuses = [o.status for o in desk.orders()]
    assert statuses == [
        OrderStatus.PENDING_NEW,
        OrderStatus.ACCEPTED,
        OrderStatus.PARTIALLY_FILLED,
        OrderStatus.FILLED,
    ]
    assert [(f.quantity, f.price) for f in desk.fills()] == [
        (Decimal(2), Decimal("100.0")),
        (Decimal(3), Decimal("99.5")),
    ]
    assert len({f.fill_id for f in desk.fills()}) == 2
    assert manager.book.positions["AAPL"] == 5
    await manager.stop()


async def test_a_fill_delivered_twice_is_counted_once(desk: Desk) -> None:
    manager = await desk.start()
    desk.broker.on_quote(quote("AAPL", 99.0, 101.0))  # type: ignore[attr-defined]
    await desk.send(intent(1, qty="2"))
    (fill,) = desk.fills()
    manager.on_fill(fill)  # the same execution again, as a replayed stream would deliver it
    await manager.idle()
    assert len(desk.fills()) == 1
    assert manager.duplicate_fills == 1
    assert manager.book.positions["AAPL"] == 2
    assert len(desk.store.fills) == 1
    await manager.stop()


async def test_kill_switch_cancels_open_orders_and_blocks_new_ones(desk: Desk) -> None:
    manager = await desk.start()
    await desk.send(intent(1, limit="90"), intent(2, limit="91"))
    assert len(await desk.broker.open_orders()) == 2
    await manager.kill("operator pressed the button", "test")
    assert await desk.broker.open_orders() == []
    assert {desk.last(intent(n).client_order_id).status for n in (1, 2)} == {OrderStatus.CANCELED}
    await desk.send(intent(3))
    refused = desk.last(intent(3).client_order_id)
    assert refused.status is OrderStatus.REJECTED
    assert "halted (kill)" in refused.reason
    assert [h.kind for h in await desk.controls.halts()] == [HaltKind.KILL]
    critical = desk.system("halt_kill")
    assert critical
    assert critical[0].level.value == "critical"
    await manager.stop()


async def test_kill_engaged_by_another_process_reaches_the_engine(desk: Desk) -> None:
    manager = await desk.start()
    await desk.send(intent(1, limit="90"))
    control = ExecutionControl(desk.controls, desk.clock)  # what `freeride kill` uses, on the database
    await control.kill("from the CLI", by="cli")
    assert len(await desk.broker.open_orders()) == 1  # not yet seen by the engine
    desk.clock.advance(1.0)  # the engine polls the control store on its clock
    await manager.idle()
    await _settle()
    assert await desk.broker.open_orders() == []
    await control.resume(by="cli")
    desk.clock.advance(1.0)
    await _settle()
    await desk.send(intent(2, limit="90"))
    assert desk.last(intent(2).client_order_id).status is OrderStatus.ACCEPTED
    await manager.stop()


async def _settle() -> None:
    for _ in range(20):
        await asyncio.sleep(0)


async def test_sell_side_fills_at_the_bid(desk: Desk) -> None:
    manager = await desk.start()
    desk.broker.on_quote(quote("AAPL", 99.0, 101.0))  # type: ignore[attr-defined]
    await desk.send(intent(1, side=Side.SELL, qty="1"))
    assert desk.fills()[0].price == Decimal("99.0")
    assert manager.book.positions["AAPL"] == -1
    await manager.stop()
