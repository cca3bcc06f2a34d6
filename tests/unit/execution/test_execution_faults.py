"""Fault injection around sending: lost replies, a process killed mid-send, retries, the error streak."""

from __future__ import annotations

import asyncio
from decimal import Decimal

from execution_desk import T0, Desk, intent, make_desk
from pydantic import SecretStr

from freeride.adapters.alpaca import AlpacaBroker, AlpacaConfig
from freeride.core.clock import ManualClock
from freeride.core.orders import Order, OrderStatus
from freeride.execution.manager import OrderManager
from freeride.ports.execution import HaltKind
from freeride.testing.fakes.alpaca import FakeAlpaca, LostReplyTransport
from freeride.testing.fakes.waiting import until


def alpaca(fake: FakeAlpaca, clock: ManualClock) -> AlpacaBroker:
    config = AlpacaConfig(
        key_id=SecretStr("PKTEST"), secret_key=SecretStr("alpaca-secret"), base_url="http://a"
    )
    return AlpacaBroker(config, clock, LostReplyTransport(fake.app), stream=False)


def alpaca_desk() -> tuple[Desk, FakeAlpaca]:
    clock = ManualClock(T0)
    fake = FakeAlpaca(clock=clock)
    return make_desk(alpaca(fake, clock), clock), fake


async def test_timeout_after_the_broker_accepted_resolves_to_exactly_one_order() -> None:
    desk, fake = alpaca_desk()
    manager = await desk.start()
    fake.fail("lose_reply")
    await desk.send(intent(1, limit="100"))
    cid = intent(1).client_order_id
    assert len(fake.orders) == 1
    assert fake.calls["POST orders"] == 1  # looked up, never sent again
    assert desk.last(cid).status is OrderStatus.ACCEPTED
    assert desk.last(cid).broker_order_id == fake.order_by_client(cid)["id"]  # type: ignore[index]
    assert manager.unresolved == set()
    await manager.stop()


async def test_a_5xx_on_submit_before_the_order_exists_is_resent_under_the_same_id() -> None:
    desk, fake = alpaca_desk()
    manager = await desk.start(lookup_wait_s=0.0)
    fake.fail("down")  # 500, nothing created: lookups find nothing twice, the same id goes again
    await desk.send(intent(1, limit="100"))
    assert len(fake.orders) == 1
    assert fake.calls["POST orders"] == 2
    assert desk.last(intent(1).client_order_id).status is OrderStatus.ACCEPTED
    await manager.stop()


async def test_rate_limited_submit_waits_on_the_clock_and_retries() -> None:
    desk, fake = alpaca_desk()
    manager = await desk.start()
    fake.fail("rate_limited")
    desk.bus.publish("order.intent.s", intent(1, limit="100"))
    await until(lambda: desk.clock.sleepers > 0 and fake.calls["POST orders"] == 1)
    desk.clock.advance(2.0)  # the X-RateLimit-Reset hint
    await manager.idle()
    assert fake.calls["POST orders"] == 2
    assert len(fake.orders) == 1
    await manager.stop()


class Hanging:
    """A broker whose submit never returns: the process dies while the request is in flight."""

    def __init__(self, inner: AlpacaBroker, *, reach_broker: bool) -> None:
        self.inner = inner
        self.name = inner.name
        self.reach_broker = reach_broker
        self.entered = asyncio.Event()

    def __getattr__(self, name: str) -> object:
        return getattr(self.inner, name)

    async def submit(self, order: Order) -> Order:
        if self.reach_broker:
            await self.inner.submit(order)
        self.entered.set()
        await asyncio.Event().wait()
        raise AssertionError("unreachable")


async def _die(manager: OrderManager) -> None:
    """Kill the process: its tasks stop where they are, nothing is flushed or closed."""
    for task in manager._tasks:
        task.cancel()
    await asyncio.gather(*manager._tasks, return_exceptions=True)


async def test_killed_between_persist_and_send_restart_sends_it_once() -> None:
    desk, fake = alpaca_desk()
    real = desk.broker
    assert isinstance(real, AlpacaBroker)
    hanging = Hanging(real, reach_broker=False)
    desk.broker = hanging  # type: ignore[assignment]
    first = await desk.start()
    desk.bus.publish("order.intent.s", intent(1, limit="100"))
    await hanging.entered.wait()
    cid = intent(1).client_order_id
    stored = await desk.store.get_order("run-1", cid)
    assert stored is not None
    assert stored.status is OrderStatus.PENDING_NEW
    assert fake.orders == {}
    await _die(first)

    desk.clock.advance(5)
    desk.broker = alpaca(fake, desk.clock)
    second = await desk.start()  # a new process over the same store
    assert len(fake.orders) == 1
    assert fake.calls["POST orders"] == 1
    assert desk.last(cid).status is OrderStatus.ACCEPTED
    assert [e.data.get("corrections") for e in desk.system("reconcile_done")][-1] == 1
    await desk.send(intent(1, limit="100"))  # the strategy, restarted too, repeats its intent
    assert len(fake.orders) == 1
    await second.stop()


async def test_killed_after_the_broker_got_it_restart_adopts_without_resending() -> None:
    desk, fake = alpaca_desk()
    real = desk.broker
    assert isinstance(real, AlpacaBroker)
    hanging = Hanging(real, reach_broker=True)
    desk.broker = hanging  # type: ignore[assignment]
    first = await desk.start()
    desk.bus.publish("order.intent.s", intent(1, qty="3", limit="100"))
    await hanging.entered.wait()
    await _die(first)
    fake.fill(intent(1).client_order_id, "1", "99")  # it traded while we were down

    desk.broker = alpaca(fake, desk.clock)
    second = await desk.start()
    cid = intent(1).client_order_id
    assert fake.calls["POST orders"] == 1
    assert len(fake.orders) == 1
    assert desk.last(cid).status is OrderStatus.PARTIALLY_FILLED
    (gap,) = desk.fills()
    assert (gap.quantity, gap.price, gap.fill_id.startswith("reconcile:")) == (Decimal(1), Decimal(99), True)
    assert second.book.positions["AAPL"] == 1
    assert second.halts.blocking(desk.clock.now_ns()) is None
    await second.stop()


async def test_an_order_the_broker_forgot_halts_trading_with_an_alert() -> None:
    desk, fake = alpaca_desk()
    manager = await desk.start()
    await desk.send(intent(1, limit="100"))
    await manager.stop()
    fake.orders.clear()
    fake.by_client.clear()  # the broker lost it: nothing can explain that

    desk.broker = alpaca(fake, desk.clock)
    again = await desk.start()
    halt = again.halts.blocking(desk.clock.now_ns())
    assert halt is not None
    assert halt.kind is HaltKind.RECONCILE
    assert "no longer knows it" in halt.reason
    (alert,) = desk.system("halt_reconcile")
    assert alert.level.value == "critical"
    assert alert.data["alert"] is True
    await desk.send(intent(2, limit="100"))
    assert desk.last(intent(2).client_order_id).status is OrderStatus.REJECTED
    await again.stop()


async def test_a_position_the_store_cannot_explain_halts() -> None:
    desk, fake = alpaca_desk()
    manager = await desk.start()
    await desk.send(intent(1, qty="2", limit="100"))
    broker = desk.broker
    assert isinstance(broker, AlpacaBroker)
    broker._on_stream(fake.fill(intent(1).client_order_id, "2", "100"))  # as the stream delivers it
    assert manager.book.positions["AAPL"] == 2
    await manager.stop()

    desk.broker = alpaca(fake, desk.clock)
    again = await desk.start()  # the store and the broker agree: no halt
    assert again.halts.blocking(desk.clock.now_ns()) is None
    await again.stop()

    fake.positions["AAPL"] = Decimal(7)  # someone traded by hand meanwhile
    desk.broker = alpaca(fake, desk.clock)
    third = await desk.start()
    halt = third.halts.blocking(desk.clock.now_ns())
    assert halt is not None
    assert halt.kind is HaltKind.RECONCILE
    assert "AAPL: the store says 2, the broker holds 7" in halt.reason
    await third.stop()


async def test_repeated_broker_errors_engage_the_kill_switch() -> None:
    desk, fake = alpaca_desk()
    manager = await desk.start(max_consecutive_errors=3, lookup_attempts=1)
    fake.always("bad_key")
    await desk.send(*(intent(n, limit="100") for n in range(1, 4)))
    await manager.idle()
    halt = manager.halts.blocking(desk.clock.now_ns())
    assert halt is not None
    assert halt.kind is HaltKind.KILL
    assert halt.source == "auto:broker-errors"
    fake.always(None)
    await desk.send(intent(9, limit="100"))
    assert desk.last(intent(9).client_order_id).status is OrderStatus.REJECTED
    assert fake.orders == {}
    await manager.stop()
