"""The database refusing to store order intents: retried with backoff, then a halt; never dropped."""

from __future__ import annotations

import asyncio
from collections.abc import Sequence

from execution_desk import Desk, intent, make_desk
from structlog.testing import capture_logs

from freeride.bus import topics
from freeride.core.orders import Order, OrderStatus
from freeride.execution.memory import MemoryExecutionStore
from freeride.ports.execution import HaltKind
from freeride.testing.fakes.waiting import until


class FlakyStore(MemoryExecutionStore):
    """An execution store whose next ``failing`` writes of new orders raise, as a database that is away."""

    def __init__(self) -> None:
        super().__init__()
        self.failing = 0
        self.refused = 0

    async def add_orders(self, run_id: str, orders: Sequence[Order]) -> set[str]:
        if self.failing:
            self.failing -= 1
            self.refused += 1
            raise OSError("could not connect to server: Connection refused")
        return await super().add_orders(run_id, orders)


def flaky_desk() -> tuple[Desk, FlakyStore]:
    desk = make_desk()
    store = FlakyStore()
    desk.store = store
    return desk, store


async def publish(desk: Desk, *intents: object) -> None:
    for i in intents:
        desk.bus.publish(topics.order_intent("s"), i)
    await asyncio.sleep(0)


async def test_a_passing_database_fault_delays_the_intent_and_it_is_sent() -> None:
    desk, store = flaky_desk()
    manager = await desk.start(watch_controls=False)
    store.failing = 2  # the batch, then the intent on its own
    await publish(desk, intent(1))
    await until(lambda: store.refused == 1 and desk.clock.sleepers == 1)
    desk.clock.advance(0.5)
    await until(lambda: store.refused == 2 and desk.clock.sleepers == 1)
    assert store.orders == {}  # not stored, so not sent
    assert await desk.broker.open_orders() == []
    desk.clock.advance(1.0)
    await manager.idle()
    cid = intent(1).client_order_id
    assert desk.last(cid).status is OrderStatus.ACCEPTED  # at the broker, waiting for a quote
    assert store.orders[("run-1", cid)].client_order_id == cid
    assert manager.halts.blocking(desk.clock.now_ns()) is None
    assert [e.kind for e in desk.system("intents_stored_again")] == ["intents_stored_again"]
    await manager.stop()


async def test_a_database_that_stays_away_halts_trading_and_the_intent_is_kept_not_sent() -> None:
    desk, store = flaky_desk()
    manager = await desk.start(watch_controls=False)
    store.failing = 1_000
    await publish(desk, intent(1))
    for failures, pause in enumerate([0.5, 1.0, 2.0, 4.0], start=1):  # the batch, then the intent
        await until(lambda n=failures: store.refused == n and desk.clock.sleepers == 1)  # type: ignore[misc]
        assert manager.halts.current == {}
        desk.clock.advance(pause)
    await until(lambda: store.refused == 5)
    assert manager.halts.current[HaltKind.STORAGE].source == "auto:storage"
    (alert,) = desk.system("intents_not_stored")
    assert alert.level.value == "critical"
    assert alert.data["alert"] is True  # an operator alert on every channel
    assert "freeride resume" in alert.message
    await until(lambda: HaltKind.STORAGE in desk.controls._halts)  # a restart starts halted

    store.failing = 0  # the database is back
    desk.clock.advance(30.0)
    await manager.idle()
    cid = intent(1).client_order_id
    stored = store.orders[("run-1", cid)]
    await until(lambda: store.orders[("run-1", cid)].status is OrderStatus.REJECTED)
    assert "trading halted (storage) before it was sent" in store.orders[("run-1", cid)].reason
    assert stored.client_order_id == cid
    assert await desk.broker.open_orders() == []  # never sent late

    await desk.send(intent(2))  # refused while halted, and on record
    assert desk.last(intent(2).client_order_id).status is OrderStatus.REJECTED
    await manager.halts.release([HaltKind.STORAGE])  # freeride resume
    await desk.send(intent(3))
    assert desk.last(intent(3).client_order_id).status is not OrderStatus.REJECTED
    await manager.stop()


async def test_a_stop_while_the_database_refuses_logs_every_unstored_intent() -> None:
    desk, store = flaky_desk()
    manager = await desk.start(watch_controls=False)
    store.failing = 1_000
    await publish(desk, intent(1), intent(2))
    await until(lambda: store.refused == 1 and desk.clock.sleepers == 1)
    with capture_logs() as logs:
        await manager.stop()
    lost = [e for e in logs if e["event"] == "execution.intent_lost_at_stop"]
    assert [e["client_order_id"] for e in lost] == [intent(1).client_order_id, intent(2).client_order_id]
    assert all(e["log_level"] == "critical" and e["symbol"] == "AAPL" and e["quantity"] == "1" for e in lost)
    assert manager.duplicate_intents == 0
