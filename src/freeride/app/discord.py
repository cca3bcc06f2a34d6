"""Builds the Discord bot's REST client and its channel posting from ``Settings``.

The interactions endpoint itself lives in the API; what it needs from here is a client for
Discord's REST API (deferred answers, follow-ups, channel posts, command registration). The bot
token comes from ``discord.bot_token`` or, better, the secret stores (``discord_bot_token``);
follow-ups need none (the interaction token is their credential), so a bot without a token still
answers every command, and only posting to channels and registering commands need one.
"""

from __future__ import annotations

import asyncio
from dataclasses import dataclass

import httpx
import msgspec
import structlog

from freeride.adapters.discord.channel import DiscordChannelNotifier, channel_name
from freeride.adapters.discord.rest import DiscordRestClient
from freeride.alerts.notifications import notifications_for
from freeride.app.alerts import AlertsSetup
from freeride.app.secrets import extra_secret_stores
from freeride.bus import topics
from freeride.config.discord import BOT_TOKEN_SECRET, TOPIC_KINDS
from freeride.config.secrets import build_secret_store
from freeride.config.settings import Settings
from freeride.core.alerts import AlertFired
from freeride.core.anomaly import Anomaly, AnomalyResolved
from freeride.core.clock import Clock
from freeride.core.notify import Notification
from freeride.core.orders import Fill
from freeride.core.plans import TradePlan
from freeride.execution.notes import fill_notification
from freeride.notify.channel_posts import ChannelPoster, Route
from freeride.notify.relay import OutboxRelay
from freeride.notify.subscriptions import ChannelTopics
from freeride.ops.anomaly.notes import anomaly_notification
from freeride.ports.bus import Bus
from freeride.ports.notify import OutboxRepository
from freeride.research.plan_service import plan_notification

log = structlog.get_logger(__name__)


def bot_token(settings: Settings) -> str | None:
    """``discord.bot_token``, else the secret ``discord_bot_token`` from the secret stores."""
    if settings.discord.bot_token is not None:
        return settings.discord.bot_token.get_secret_value()
    store = build_secret_store(settings, extra_secret_stores(settings), warn=False)
    return store.get(BOT_TOKEN_SECRET)


def build_discord_rest(
    settings: Settings,
    clock: Clock,
    *,
    token: str | None = None,
    transport: httpx.AsyncBaseTransport | None = None,
) -> DiscordRestClient:
    """The REST client of the configured application (``discord.application_id`` must be set)."""
    app_id = settings.discord.application_id
    if app_id is None:
        raise ValueError("discord.application_id is not set")
    return DiscordRestClient(settings.discord.api_url, app_id, clock, bot_token=token, transport=transport)


def _alert_note(fired: AlertFired, channel: str) -> Notification | None:
    found = notifications_for(msgspec.structs.replace(fired, notify=(channel,)))
    return found[0] if found else None


def routes(clock: Clock) -> list[Route]:
    """Each subscribable topic with the renderer its own service uses for its channels."""
    return [
        Route("alerts", topics.ALL_ALERTS, (AlertFired,), _alert_note),
        Route("plans", topics.ALL_PLANS, (TradePlan,), plan_notification),
        Route("fills", topics.ALL_FILLS, (Fill,), fill_notification),
        Route(
            "anomalies",
            topics.ALL_ANOMALIES,
            (Anomaly, AnomalyResolved),
            lambda event, channel: anomaly_notification(event, channel, clock.now_ns()),
        ),
    ]


@dataclass
class DiscordPosting:
    """The bot's channel posting: the poster (a component), the subscriptions, the shared client."""

    poster: ChannelPoster
    topics: ChannelTopics
    rest: DiscordRestClient


async def build_posting(
    settings: Settings,
    bus: Bus,
    clock: Clock,
    outbox: OutboxRepository,
    relay: OutboxRelay,
    *,
    transport: httpx.AsyncBaseTransport | None = None,
) -> DiscordPosting | None:
    """Channel posting when the bot is configured and has a token (read off the event loop: a
    secret store may do I/O); ``None`` otherwise, with a warning when only the token is missing."""
    if not settings.discord.enabled:
        return None
    token = await asyncio.to_thread(bot_token, settings)
    if token is None:
        log.warning(
            "discord.no_bot_token",
            message="the bot answers commands but cannot post to channels: store discord_bot_token",
        )
        return None
    rest = build_discord_rest(settings, clock, token=token, transport=transport)
    subscriptions = ChannelTopics(settings.discord.subscriptions, TOPIC_KINDS)

    def new_channel(channel_id: str) -> None:
        relay.add_notifier(DiscordChannelNotifier(channel_id, rest, style=settings.notify.discord_style))

    for channel_id in settings.discord.subscriptions:
        new_channel(channel_id)
    poster = ChannelPoster(
        bus,
        clock,
        outbox,
        subscriptions,
        routes(clock),
        channel_name=channel_name,
        on_new_channel=new_channel,
    )
    return DiscordPosting(poster=poster, topics=subscriptions, rest=rest)


async def discord_posting(
    settings: Settings, bus: Bus, clock: Clock, alerts: AlertsSetup | None
) -> DiscordPosting | None:
    """``build_posting`` on the outbox and relay of a run's alerts set-up (none without one)."""
    if alerts is None:
        return None
    return await build_posting(settings, bus, clock, alerts.outbox, alerts.relay)
