"""The live set-up from Settings: paper broker on gateway quotes, SQL stores, health, operator alerts."""

from __future__ import annotations

from decimal import Decimal
from pathlib import Path

from freeride.app.brokers import build_broker
from freeride.app.execution import build_execution
from freeride.bus import topics
from freeride.bus.memory import InMemoryBus
from freeride.config.secrets import ChainedSecretStore
from freeride.config.settings import load_settings
from freeride.core.clock import ManualClock
from freeride.core.market import Quote
from freeride.core.orders import Fill, OrderIntent, OrderStatus, OrderType, Side, client_order_id
from freeride.storage.engine import create_engine
from freeride.storage.migrate import upgrade_engine
from freeride.storage.repositories import OutboxRepository
from freeride.testing.fakes.waiting import until

T0 = 1_717_430_400_000_000_000


async def test_live_paper_trading_with_alerts_on_every_channel(tmp_path: Path) -> None:
    settings = load_settings(
        _env_file=None,
        database_url=f"sqlite+aiosqlite:///{tmp_path / 'live.db'}",
        notify={
            "discord": {
                "ops": "https://discord.com/api/webhooks/1/abc",
                "desk": "https://discord.com/api/webhooks/2/def",
            }
        },
        execution={"risk": {"max_order_notional": "1000"}},
    )
    engine = create_engine(settings.database_url)
    await upgrade_engine(engine)
    clock = ManualClock(T0)
    bus = InMemoryBus(clock)
    fills: list[Fill] = []
    bus.subscribe(topics.ALL_FILLS, fills.append)
    broker = build_broker(settings, clock, ChainedSecretStore([]))
    outbox = OutboxRepository(engine)
    setup = build_execution(settings, engine, bus, clock, broker, outbox)
    for component in setup.components:
        await component.start()
    manager = setup.manager

    bus.publish(topics.quote("AAPL"), Quote(symbol="AAPL", bid=99.0, ask=100.0, ts_event=T0, ts_init=T0))
    for n, qty in ((1, "5"), (2, "11")):  # 500 passes; 1100 is over max_order_notional at the last mark
        intent = OrderIntent(
            client_order_id=client_order_id("s", str(n)),
            strategy="s",
            signal_id=str(n),
            symbol="AAPL",
            side=Side.BUY,
            quantity=Decimal(qty),
            order_type=OrderType.MARKET,
            ts_event=T0,
            ts_init=T0,
        )
        bus.publish(topics.order_intent("s"), intent)
    await manager.idle()
    assert [(f.quantity, f.price) for f in fills] == [(Decimal(5), Decimal("100.0"))]
    refused = manager.book.orders[client_order_id("s", "2")]
    assert refused.status is OrderStatus.REJECTED
    assert "max_order_notional" in refused.reason

    await setup.control.kill("flash crash", "api")
    clock.advance(settings.execution.kill_switch.poll_s)
    await until(lambda: manager.halts.blocking(clock.now_ns()) is not None)
    assert setup.alerts is not None
    await until(lambda: setup.alerts is not None and setup.alerts.sent == 2)
    counts = await outbox.counts()
    assert sum(counts.values()) == 2  # one notification per channel
    for component in reversed(setup.components):
        await component.stop()
    await engine.dispose()
