"""Held orders across a crash (``kill -9``): held again and announced, acted on, or expired; never
left ``pending_new`` for ever and never sent without a decision."""

from __future__ import annotations

import asyncio

from execution_desk import Desk, intent, make_desk, quote

from freeride.core.orders import OrderStatus
from freeride.execution.control import ExecutionControl
from freeride.execution.manager import OrderManager
from freeride.ports.execution import ApprovalState

TIMEOUT_S = 600.0
CID = intent(1).client_order_id


async def crash(manager: OrderManager) -> None:
    """What ``kill -9`` leaves: no stop, no flush; only what was written is in the stores."""
    tasks = [*manager._tasks, manager.writer._task]
    for task in tasks:
        if task is not None:
            task.cancel()
    await asyncio.gather(*[t for t in tasks if t is not None], return_exceptions=True)


async def held_then_crashed(desk: Desk) -> None:
    first = await desk.start(approval_mode=True, approval_timeout_s=TIMEOUT_S)
    await desk.send(intent(1))
    assert desk.last(CID).status is OrderStatus.PENDING_NEW
    await crash(first)
    desk.seen.clear()


def control(desk: Desk) -> ExecutionControl:
    return ExecutionControl(desk.controls, desk.clock)


async def test_a_held_order_still_wanted_is_held_again_listed_and_can_be_approved() -> None:
    desk = make_desk()
    await held_then_crashed(desk)
    desk.clock.advance(120)  # longer than the resend window (30 s), within the approval timeout

    second = await desk.start(approval_mode=True, approval_timeout_s=TIMEOUT_S)
    (again,) = desk.system("approval_needed")
    assert "held again after a restart" in again.message
    (done,) = desk.system("reconcile_done")
    assert done.data["corrections"] == 1  # reconciliation says what it did with it
    assert any("still waits for approval; held again" in e.message for e in desk.system("reconciled"))
    (listed,) = await control(desk).pending_approvals("run-1")
    assert listed.client_order_id == CID
    assert desk.store.orders[("run-1", CID)].status is OrderStatus.PENDING_NEW
    assert await desk.broker.open_orders() == []  # not sent without a decision

    assert await control(desk).approve("run-1", CID, "alice")
    desk.broker.on_quote(quote("AAPL", 99.0, 101.0))  # type: ignore[attr-defined]
    await second.poll_controls()
    assert desk.last(CID).status is OrderStatus.FILLED
    assert desk.last(CID).reason == "approved by alice"  # no longer "awaiting approval"
    await second.stop()


async def test_a_held_order_past_its_timeout_is_cancelled_with_the_reason() -> None:
    desk = make_desk()
    await held_then_crashed(desk)
    desk.clock.advance(TIMEOUT_S + 1)

    second = await desk.start(approval_mode=True, approval_timeout_s=TIMEOUT_S)
    await second.idle()
    cancelled = desk.last(CID)
    assert cancelled.status is OrderStatus.CANCELED
    assert cancelled.reason == (
        "approval expired: waited 601 s, longer than execution.approval_timeout_s (600 s)"
    )
    assert desk.store.orders[("run-1", CID)].status is OrderStatus.CANCELED
    assert await control(desk).pending_approvals() == []  # no longer listed
    (closed,) = await desk.controls.approvals("run-1")
    assert (closed.state, closed.decided_by) == (ApprovalState.REJECTED, "expired")
    assert not await control(desk).approve("run-1", CID, "alice")  # too late to send it
    assert desk.system("approval_expired")
    await second.stop()


async def test_a_held_order_expires_while_the_engine_runs() -> None:
    desk = make_desk()
    manager = await desk.start(approval_mode=True, approval_timeout_s=TIMEOUT_S)
    await desk.send(intent(1))
    desk.clock.advance(TIMEOUT_S)
    await manager.poll_controls()
    assert desk.last(CID).status is OrderStatus.PENDING_NEW  # exactly at the limit: still waits
    desk.clock.advance(1)
    await manager.poll_controls()
    assert desk.last(CID).status is OrderStatus.CANCELED
    assert "approval expired" in desk.last(CID).reason
    await manager.stop()


async def test_decisions_taken_while_the_engine_was_down_are_acted_on_at_start() -> None:
    desk = make_desk()
    first = await desk.start(approval_mode=True, approval_timeout_s=TIMEOUT_S)
    await desk.send(intent(1), intent(2))
    await crash(first)
    assert await control(desk).approve("run-1", CID, "alice")
    assert await control(desk).reject("run-1", intent(2).client_order_id, "bob")
    desk.clock.advance(120)  # past the resend window: an unsent order would be cancelled
    desk.broker.on_quote(quote("AAPL", 99.0, 101.0))  # type: ignore[attr-defined]

    second = await desk.start(approval_mode=True, approval_timeout_s=TIMEOUT_S)
    await second.idle()
    assert desk.last(CID).status is OrderStatus.FILLED
    rejected = desk.last(intent(2).client_order_id)
    assert (rejected.status, rejected.reason) == (OrderStatus.REJECTED, "rejected by bob")
    await second.stop()


async def test_an_order_held_but_never_asked_about_is_held_again_not_sent() -> None:
    """The process died between storing the held order and writing its approval request."""
    desk = make_desk()
    first = await desk.start(approval_mode=True, approval_timeout_s=TIMEOUT_S)
    await desk.send(intent(1))
    await crash(first)
    desk.controls._approvals.clear()  # the request never reached the control store
    desk.clock.advance(5)  # inside the resend window: an unsent order would go out now

    second = await desk.start(approval_mode=True, approval_timeout_s=TIMEOUT_S)
    assert await desk.broker.open_orders() == []
    (listed,) = await control(desk).pending_approvals("run-1")
    assert listed.client_order_id == CID
    assert desk.last(CID).status is OrderStatus.PENDING_NEW
    await second.stop()


async def test_a_kill_engaged_while_down_refuses_an_order_approved_meanwhile() -> None:
    desk = make_desk()
    first = await desk.start(approval_mode=True, approval_timeout_s=TIMEOUT_S)
    await desk.send(intent(1))
    await crash(first)
    assert await control(desk).approve("run-1", CID, "alice")
    await control(desk).kill("news", "cli")

    second = await desk.start(approval_mode=True, approval_timeout_s=TIMEOUT_S)
    await second.idle()
    refused = desk.last(CID)
    assert refused.status is OrderStatus.REJECTED
    assert refused.reason == "approved by alice, but halted: news"
    assert await desk.broker.open_orders() == []
    await second.stop()
