"""Alpaca over a loopback port: real HTTP, and ``trade_updates`` over a real WebSocket that drops."""

from __future__ import annotations

from collections.abc import AsyncIterator
from decimal import Decimal

import pytest
from pydantic import SecretStr

from freeride.adapters.alpaca import AlpacaBroker, AlpacaConfig
from freeride.bus import topics
from freeride.bus.memory import InMemoryBus
from freeride.config.risk import RiskSettings
from freeride.core.clock import ManualClock
from freeride.core.orders import Fill, OrderIntent, OrderStatus, OrderType, Side, client_order_id
from freeride.execution.manager import ManagerConfig, OrderManager
from freeride.execution.memory import MemoryControlStore, MemoryExecutionStore
from freeride.execution.risk import RiskManager
from freeride.testing.fakes.alpaca import FakeAlpaca
from freeride.testing.fakes.server import serve
from freeride.testing.fakes.waiting import until

T0 = 1_717_430_400_000_000_000
CID = client_order_id("s", "1")


@pytest.fixture
async def wired() -> AsyncIterator[tuple[FakeAlpaca, AlpacaBroker, OrderManager, list[Fill], ManualClock]]:
    clock = ManualClock(T0)
    fake = FakeAlpaca(clock=clock)
    async with serve(fake.app) as host:
        config = AlpacaConfig(
            key_id=SecretStr("PKTEST"),
            secret_key=SecretStr("alpaca-secret"),
            base_url=f"http://{host}",
            stream_url=f"ws://{host}/stream",
            reconnect_base_s=1.0,
        )
        broker = AlpacaBroker(config, clock)
        bus = InMemoryBus(clock)
        fills: list[Fill] = []
        bus.subscribe(topics.ALL_FILLS, fills.append)
        manager = OrderManager(
            bus,
            clock,
            brokers={},
            default_broker=broker,
            store=MemoryExecutionStore(),
            controls=MemoryControlStore(),
            risk=RiskManager(RiskSettings()),
            config=ManagerConfig(run_id="live", watch_controls=False),
        )
        await manager.start()
        await fake.wait_listening()
        yield fake, broker, manager, fills, clock
        await manager.stop()


async def place(manager: OrderManager, qty: str) -> None:
    intent = OrderIntent(
        client_order_id=CID,
        strategy="s",
        signal_id="1",
        symbol="AAPL",
        side=Side.BUY,
        quantity=Decimal(qty),
        order_type=OrderType.LIMIT,
        limit_price=Decimal(100),
        ts_event=T0,
        ts_init=T0,
    )
    manager._bus.publish(topics.order_intent("s"), intent)
    await manager.idle()


async def test_stream_dropped_mid_fill_catches_up_after_reconnect(wired) -> None:  # type: ignore[no-untyped-def]
    fake, broker, manager, fills, clock = wired
    await place(manager, "5")
    fake.fill(CID, "2", "99.5")
    await until(lambda: len(fills) == 1)
    assert manager.book.orders[CID].status is OrderStatus.PARTIALLY_FILLED

    fake.drop_stream()
    assert broker.stream is not None
    await until(lambda: broker.stream is not None and broker.stream.drops == 1)
    fake.fill(CID, "3", "99")  # happens while the socket is down: Alpaca does not replay it
    assert len(fake.lost_updates) == 1
    await until(lambda: clock.sleepers >= 1)
    clock.advance(1.0)  # the reconnect pause
    await until(lambda: len(fills) == 2)
    gap = fills[1]
    assert gap.fill_id == fake.activities[-1]["id"]  # the fill as Alpaca lists it, not an aggregate
    assert gap.quantity == Decimal(3)
    assert gap.price == Decimal(99)  # (5 × 99.2 − 2 × 99.5) / 3
    assert manager.book.orders[CID].status is OrderStatus.FILLED
    assert manager.book.positions["AAPL"] == 5
    assert fake.stream_connects == 2


async def test_a_fill_delivered_twice_on_the_stream_counts_once(wired) -> None:  # type: ignore[no-untyped-def]
    fake, _, manager, fills, _ = wired
    await place(manager, "2")
    execution = fake.fill(CID, "2", "100")
    fake.push(execution)  # the same execution again
    fake.push({"event": "new", "order": fake.order_by_client(CID), "timestamp": execution["timestamp"]})
    await until(lambda: manager.duplicate_fills == 1)
    assert len(fills) == 1
    assert manager.book.positions["AAPL"] == 2
    assert manager.book.orders[CID].status is OrderStatus.FILLED  # a late "new" does not reopen it


async def test_bad_keys_on_the_stream_make_the_session_dead(wired) -> None:  # type: ignore[no-untyped-def]
    fake, broker, _, _, clock = wired
    fake.secret_key = "rotated"
    fake.drop_stream()
    await until(lambda: broker.stream is not None and broker.stream.drops == 1)
    await until(lambda: clock.sleepers >= 1)
    clock.advance(1.0)
    await until(lambda: broker.stream is not None and broker.stream.auth_error is not None)
    fake.secret_key = "alpaca-secret"  # REST still works; the stream is refused
    state = await broker.session()
    assert not state.alive
    assert "refused the keys" in state.detail
