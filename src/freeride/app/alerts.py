"""Builds alerts and notifications from ``Settings``: the engine, its writer and sync, the outbox
relay with one notifier per configured channel, and the TradingView intake.

``components`` is in start order (consumers before producers: the writer's queue exists before
the engine can fire, rules are loaded before ticks flow, the relay before anything is queued);
stop them in reverse. ``transports`` replaces the network per channel name in tests
(``httpx.ASGITransport(fake.app)``); production passes nothing.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass

import httpx
from sqlalchemy.ext.asyncio import AsyncEngine

from freeride.adapters.discord import DiscordConfig, DiscordNotifier
from freeride.adapters.webhook import WebhookConfig, WebhookNotifier
from freeride.alerts.engine import AlertEngine
from freeride.alerts.intake import IntakeConfig, WebhookIntake
from freeride.alerts.service import AlertService
from freeride.alerts.sync import RuleSync
from freeride.alerts.writer import FiringWriter
from freeride.app.secrets import extra_secret_stores
from freeride.app.symbols import SymbolBook, symbol_book
from freeride.bus import topics
from freeride.config.secrets import build_secret_store
from freeride.config.settings import Settings
from freeride.core.clock import Clock
from freeride.core.component import Component
from freeride.core.errors import InvalidInput
from freeride.core.notify import Notification
from freeride.notify.relay import OutboxRelay, RelayConfig
from freeride.ports.bus import Bus, Overflow
from freeride.ports.notify import Notifier
from freeride.ports.watchlists import SymbolLookup
from freeride.storage.repositories import AlertRepository, ChannelStateRepository, OutboxRepository

Transports = Mapping[str, httpx.AsyncBaseTransport]
PASSPHRASE_SECRET = "tradingview_passphrase"


@dataclass
class AlertsSetup:
    engine: AlertEngine
    writer: FiringWriter
    sync: RuleSync
    relay: OutboxRelay
    intake: WebhookIntake
    service: AlertService
    outbox: OutboxRepository

    @property
    def components(self) -> list[Component]:
        return [self.writer, self.engine, self.sync, self.relay, self.intake]


def build_notifiers(
    settings: Settings, clock: Clock, transports: Transports | None = None
) -> dict[str, Notifier]:
    """One notifier per configured channel, by channel name."""
    transports = transports or {}
    notify = settings.notify
    out: dict[str, Notifier] = {}
    for name, url in notify.discord.items():
        config = DiscordConfig(channel=name, url=url.get_secret_value(), style=notify.discord_style)
        out[name] = DiscordNotifier(config, transport=transports.get(name))
    for name, hook in notify.webhooks.items():
        config_w = WebhookConfig(channel=name, url=hook.url, secret=hook.secret.get_secret_value())
        out[name] = WebhookNotifier(config_w, clock, transport=transports.get(name))
    return out


def _passphrase(settings: Settings) -> str | None:
    tv = settings.alerts.tradingview
    if tv.passphrase is not None:
        return tv.passphrase.get_secret_value()
    store = build_secret_store(settings, extra_secret_stores(settings), warn=False)
    return store.get(PASSPHRASE_SECRET)


def checked_alert_service(
    settings: Settings,
    db: AsyncEngine,
    clock: Clock,
    engine: AlertEngine | None = None,
    lookups: Sequence[SymbolLookup] = (),
    *,
    symbols: SymbolBook | None = None,
) -> AlertService:
    """The alert service that refuses unknown symbols (with close matches) and unknown channels;
    ``symbols``: the process's one ``SymbolBook`` when it has one (else one is made)."""
    return AlertService(
        AlertRepository(db),
        clock,
        engine,
        symbols=symbols if symbols is not None else symbol_book(settings, db, lookups),
        channels=settings.notify.channels,
    )


def build_alerts(
    settings: Settings,
    bus: Bus,
    db: AsyncEngine,
    clock: Clock,
    *,
    transports: Transports | None = None,
    passphrase: str | None = None,
    symbols: SymbolBook | None = None,
) -> AlertsSetup:
    """Everything ready to start; nothing touches the network or the database until started."""
    repo = AlertRepository(db)
    outbox = OutboxRepository(db)
    engine = AlertEngine(bus, clock)
    queue = bus.subscribe_queue(
        topics.ALL_ALERTS,
        name="alert-writer",
        maxsize=settings.bus.queue_size,
        overflow=Overflow.PAUSE_SOURCE,
    )
    writer = FiringWriter(repo, queue, bus, clock, default_channels=settings.alerts.default_notify)
    sync = RuleSync(repo, engine, clock, settings.alerts.sync_interval_s)
    relay = build_relay(settings, bus, db, clock, transports=transports, outbox=outbox)
    intake = build_intake(settings, bus, clock, passphrase=passphrase)
    service = checked_alert_service(settings, db, clock, engine, symbols=symbols)
    return AlertsSetup(
        engine=engine, writer=writer, sync=sync, relay=relay, intake=intake, service=service, outbox=outbox
    )


def build_relay(
    settings: Settings,
    bus: Bus,
    db: AsyncEngine,
    clock: Clock,
    *,
    transports: Transports | None = None,
    outbox: OutboxRepository | None = None,
) -> OutboxRelay:
    """The outbox relay alone (the notifier worker's whole job)."""
    notify = settings.notify
    return OutboxRelay(
        outbox or OutboxRepository(db),
        build_notifiers(settings, clock, transports),
        bus,
        clock,
        RelayConfig(
            retry_base_s=notify.retry_base_s,
            retry_cap_s=notify.retry_cap_s,
            operator_channel=notify.operator_channel,
        ),
        states=ChannelStateRepository(db),
    )


def build_intake(
    settings: Settings, bus: Bus, clock: Clock, *, passphrase: str | None = None
) -> WebhookIntake:
    """The TradingView webhook intake alone (the API worker takes webhooks, alerts workers rules)."""
    tv = settings.alerts.tradingview
    return WebhookIntake(
        IntakeConfig(
            passphrase=passphrase if passphrase is not None else _passphrase(settings),
            allow_ips=tuple(tv.allow_ips),
            max_body_bytes=tv.max_body_bytes,
            dedupe_window_s=tv.dedupe_window_s,
            queue_size=tv.queue_size,
        ),
        bus,
        clock,
    )


async def send_test(
    settings: Settings, clock: Clock, channel: str, transports: Transports | None = None
) -> str:
    """Send one test notification straight to ``channel`` (not through the outbox); says what happened."""
    notifiers = build_notifiers(settings, clock, transports)
    if channel not in notifiers:
        known = ", ".join(sorted(notifiers)) or "none configured (set FREERIDE_NOTIFY__DISCORD)"
        raise InvalidInput(f"no notification channel named {channel!r}; channels: {known}")
    notifier = notifiers[channel]
    now = clock.now_ns()
    note = Notification(
        channel=channel,
        title="freeride test",
        text="If you can read this, alerts will reach this channel.",
        fields={"channel": channel},
        source="cli",
        key="test",
        ts_event=now,
        ts_init=now,
    )
    try:
        for packet in notifier.pack([(0, note)]):
            await notifier.deliver(packet)
    finally:
        for n in notifiers.values():
            await n.aclose()
    return f"test notification delivered to {channel!r}"
