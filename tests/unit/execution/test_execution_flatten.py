"""Flatten on the paper broker: open orders cancelled, longs sold, shorts bought back, through the
normal order path; the kill switch lets closing orders through, a reconciliation halt does not;
a stale request expires; nothing to flatten is said plainly."""

from __future__ import annotations

import asyncio
from decimal import Decimal

from execution_desk import Desk, intent, quote

from freeride.core.orders import OrderStatus, Side
from freeride.execution.control import ExecutionControl
from freeride.execution.flatten import FLATTEN_STRATEGY, closing_intents
from freeride.execution.manager import OrderManager
from freeride.ports.execution import FlattenState, HaltKind
from freeride.testing.fakes.waiting import until


async def _holding(desk: Desk) -> OrderManager:
    """AAPL long 3, MSFT short 2, and a resting AAPL buy limit far below the market."""
    manager = await desk.start(watch_controls=False)
    paper = desk.broker
    paper.on_quote(quote("AAPL", 99.0, 101.0))  # type: ignore[attr-defined]
    paper.on_quote(quote("MSFT", 199.0, 201.0))  # type: ignore[attr-defined]
    await desk.send(intent(1, qty="3"), intent(2, "MSFT", Side.SELL, "2"), intent(3, limit="50"))
    assert manager.book.positions == {"AAPL": Decimal(3), "MSFT": Decimal(-2)}
    assert [o.client_order_id for o in manager.book.open_orders()] == [intent(3).client_order_id]
    return manager


async def test_flatten_cancels_open_orders_and_closes_long_and_short(desk: Desk) -> None:
    manager = await _holding(desk)
    control = ExecutionControl(desk.controls, desk.clock)
    asked = await control.flatten("run-1", "cli:test")
    assert asked.state is FlattenState.PENDING  # nothing happens until the engine looks
    await manager.poll_controls()
    await manager.idle()
    done = await control.flatten_request(asked.request_id)
    assert done is not None
    assert done.state is FlattenState.DONE
    assert done.cancelled == 1
    assert [(o.symbol, o.side, o.quantity) for o in done.orders] == [
        ("AAPL", "sell", "3"),
        ("MSFT", "buy", "2"),
    ]
    assert desk.last(intent(3).client_order_id).status is OrderStatus.CANCELED
    assert manager.book.positions == {"AAPL": Decimal(0), "MSFT": Decimal(0)}
    for sent in done.orders:  # persisted through the normal path, under ids derived from the request
        stored = await desk.store.get_order("run-1", sent.client_order_id)
        assert stored is not None
        assert stored.strategy == FLATTEN_STRATEGY
        assert stored.status is OrderStatus.FILLED
    again = closing_intents({"AAPL": Decimal(3)}, asked.request_id, 0)
    assert again[0].client_order_id == done.orders[0].client_order_id  # deterministic
    await manager.poll_controls()  # a done request is not acted on twice
    assert len([o for o in desk.orders() if o.strategy == FLATTEN_STRATEGY]) == 6
    await manager.stop()


async def test_nothing_to_flatten_is_said_plainly(desk: Desk) -> None:
    manager = await desk.start(watch_controls=False)
    control = ExecutionControl(desk.controls, desk.clock)
    asked = await control.flatten("run-1", "cli:test")
    await manager.poll_controls()
    done = await control.flatten_request(asked.request_id)
    assert done is not None
    assert (done.state, done.cancelled, done.orders) == (FlattenState.DONE, 0, [])
    assert done.note == "nothing to flatten: no open position"
    await manager.stop()


async def test_the_kill_switch_lets_closing_orders_through_but_not_new_ones(desk: Desk) -> None:
    manager = await _holding(desk)
    await manager.kill("operator", "cli:test")
    await desk.send(intent(4, qty="1"))  # a new entry: refused
    assert desk.last(intent(4).client_order_id).status is OrderStatus.REJECTED
    done = await manager.flatten(await ExecutionControl(desk.controls, desk.clock).flatten("run-1", "t"))
    await manager.idle()
    assert [o.status for o in done.orders] == ["filled", "filled"]
    assert manager.book.positions == {"AAPL": Decimal(0), "MSFT": Decimal(0)}
    assert manager.halts.current.get(HaltKind.KILL) is not None  # still halted afterwards
    await manager.stop()


async def test_a_reconciliation_halt_blocks_the_flatten(desk: Desk) -> None:
    manager = await _holding(desk)
    await manager.halts.engage(HaltKind.RECONCILE, "broker and store disagree", "reconcile")
    done = await manager.flatten(await ExecutionControl(desk.controls, desk.clock).flatten("run-1", "t"))
    assert [o.status for o in done.orders] == ["rejected", "rejected"]
    assert "reconcile" in done.orders[0].reason
    assert manager.book.positions == {"AAPL": Decimal(3), "MSFT": Decimal(-2)}
    await manager.stop()


async def test_a_stale_or_foreign_request_is_not_acted_on(desk: Desk) -> None:
    manager = await _holding(desk)
    control = ExecutionControl(desk.controls, desk.clock)
    stale = await control.flatten("run-1", "t")
    other = await control.flatten("replay-7", "t")  # another ledger's: not this engine's to take
    desk.clock.advance(61)
    await manager.poll_controls()
    found = await control.flatten_request(stale.request_id)
    assert found is not None
    assert found.state is FlattenState.EXPIRED
    assert "nothing was done" in found.note
    # the other ledger's engine never took it either: asking about it now says so
    lapsed = await control.flatten_request(other.request_id)
    assert lapsed is not None
    assert (lapsed.state, lapsed.requested_by) == (FlattenState.EXPIRED, other.requested_by)
    assert manager.book.positions == {"AAPL": Decimal(3), "MSFT": Decimal(-2)}
    await manager.stop()


async def test_a_request_no_engine_took_reads_expired_after_its_time(desk: Desk) -> None:
    control = ExecutionControl(desk.controls, desk.clock)
    asked = await control.flatten("run-1", "cli:ops")
    desk.clock.advance(59)
    assert (await control.flatten_request(asked.request_id)) == asked  # still pending, still takeable
    desk.clock.advance(2)
    lapsed = await control.flatten_request(asked.request_id)
    assert lapsed is not None
    assert lapsed.state is FlattenState.EXPIRED
    assert "no engine acted on it" in lapsed.note
    assert (await control.flatten_request(asked.request_id)) == lapsed  # stored, not only shown


async def test_the_caller_waits_for_the_engines_answer_on_the_clock(desk: Desk) -> None:
    manager = await _holding(desk)
    control = ExecutionControl(desk.controls, desk.clock)
    asking = asyncio.create_task(control.flatten("run-1", "t", wait_s=5))
    await until(lambda: desk.clock.sleepers == 1)
    await manager.poll_controls()
    desk.clock.advance(0.25)
    done = await asking
    assert done.state is FlattenState.DONE
    assert len(done.orders) == 2
    await manager.stop()
