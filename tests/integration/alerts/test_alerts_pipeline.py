"""The whole path on one database: tick → engine → firing writer → outbox → relay → fake Discord.

Includes a crash between firing and sending (the next process sends what the first stored) and a
receiver that never answers (evaluation and storage go on regardless).
"""

from __future__ import annotations

from pathlib import Path

import httpx

from freeride.alerts.service import AlertService
from freeride.app.alerts import AlertsSetup, build_alerts
from freeride.bus import topics
from freeride.bus.memory import InMemoryBus
from freeride.config.settings import Settings, load_settings
from freeride.core.alerts import AlertKind, AlertRule
from freeride.core.clock import NS_PER_SECOND, ManualClock
from freeride.core.market import Trade
from freeride.core.notify import OutboxStatus
from freeride.storage.engine import create_engine
from freeride.storage.migrate import upgrade_engine
from freeride.storage.repositories import AlertRepository
from freeride.testing.fakes.discord import FakeDiscord
from freeride.testing.fakes.waiting import until

T0 = 1_700_000_000 * NS_PER_SECOND


def settings_for(tmp_path: Path, fake: FakeDiscord) -> Settings:
    return load_settings(
        database_url=f"sqlite+aiosqlite:///{tmp_path / 'alerts.db'}",
        notify={"discord": {"discord": fake.url()}},
        alerts={"sync_interval_s": 1.0},
        secrets={"order": ["env"]},
        _env_file=None,
    )


class Process:
    """One run of the program: its own clock position, bus and components, a shared database."""

    def __init__(self, settings: Settings, clock: ManualClock, fake: FakeDiscord) -> None:
        self.clock = clock
        self.bus = InMemoryBus(clock)
        self.db = create_engine(settings.database_url)
        transports = {"discord": httpx.ASGITransport(fake.app)}
        self.setup: AlertsSetup = build_alerts(
            settings, self.bus, self.db, clock, transports=transports, passphrase="p" * 12
        )

    async def start(self, *, relay: bool = True) -> None:
        await upgrade_engine(self.db)
        for component in self.setup.components:
            if relay or component is not self.setup.relay:
                await component.start()

    async def stop(self) -> None:
        for component in reversed(self.setup.components):
            await component.stop()
        await self.db.dispose()

    def trade(self, symbol: str, price: float) -> None:
        ts = self.clock.now_ns()
        self.bus.publish(
            topics.trade(symbol), Trade(symbol=symbol, price=price, size=1, ts_event=ts, ts_init=ts)
        )


def rule(alert_id: str, threshold: float, **kw: object) -> AlertRule:
    return AlertRule(
        id=alert_id, symbol="AAPL", kind=AlertKind.ABOVE, threshold=threshold, notify=("discord",), **kw
    )  # type: ignore[arg-type]


async def test_a_crash_between_firing_and_sending_resends_after_restart(tmp_path: Path) -> None:
    clock = ManualClock(T0)
    fake = FakeDiscord(clock=clock)
    settings = settings_for(tmp_path, fake)
    first = Process(settings, clock, fake)
    await first.start(relay=False)  # the relay never gets to send: the crash comes first
    await first.setup.service.create(rule("once", 200))
    await first.setup.service.create(rule("again", 150, repeat=True, cooldown_s=60))
    first.trade("AAPL", 201)
    await first.bus.idle()  # the firing writer committed: states, history and outbox rows
    assert first.setup.engine.fired == 2
    await first.stop()
    assert fake.received == []

    clock.advance(10)
    second = Process(settings, clock, fake)
    await second.start()
    await until(lambda: second.setup.relay.sent == 2)
    text = "\n".join(str(r.body) for r in fake.received)
    assert "AAPL above 200" in text
    assert "AAPL above 150" in text
    # state survived: the fire-once rule is done, the repeating one is cooling down until T0 + 60 s
    second.trade("AAPL", 300)
    assert second.setup.engine.fired == 0
    clock.advance(50)
    second.trade("AAPL", 300)
    assert second.setup.engine.fired == 1
    await second.bus.idle()
    await until(lambda: second.setup.relay.sent == 3)
    assert await second.setup.outbox.counts() == {"sent": 3}
    await second.stop()


async def test_a_receiver_that_never_answers_blocks_nothing(tmp_path: Path) -> None:
    clock = ManualClock(T0)
    frozen = ManualClock(T0)  # the fake's latency is slept on a clock nobody moves: it never answers
    fake = FakeDiscord(clock=frozen, latency_s=1.0)
    proc = Process(settings_for(tmp_path, fake), clock, fake)
    await proc.start()
    for i in range(200):
        await proc.setup.service.create(rule(f"r{i}", 100 + i))
    for price in (150.0, 250.0, 400.0):
        proc.trade("AAPL", price)
    assert proc.setup.engine.fired == 200
    await proc.bus.idle()
    await until(lambda: frozen.sleepers == 1)  # one request hangs at the receiver
    counts = await proc.setup.outbox.counts()
    assert counts == {OutboxStatus.PENDING.value: 200}
    history = await proc.setup.service.history(limit=1_000)
    assert len(history) == 200
    await proc.stop()


async def test_rules_added_by_another_process_are_picked_up(tmp_path: Path) -> None:
    clock = ManualClock(T0)
    fake = FakeDiscord(clock=clock)
    settings = settings_for(tmp_path, fake)
    running = Process(settings, clock, fake)
    await running.start()
    cli_db = create_engine(settings.database_url)  # like `freeride alerts add` in another process
    cli = AlertService(AlertRepository(cli_db), clock)
    await cli.create(rule("late", 10))
    running.trade("AAPL", 11)
    assert running.setup.engine.fired == 0
    clock.advance(1.0)  # the sync loop looks again
    await until(lambda: "late" in running.setup.engine.rules)
    running.trade("AAPL", 12)
    assert running.setup.engine.fired == 1
    assert await cli.remove("late")
    clock.advance(1.0)
    await until(lambda: "late" not in running.setup.engine.rules)
    await cli_db.dispose()
    await running.stop()
