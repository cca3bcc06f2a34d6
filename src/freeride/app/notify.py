"""What ``freeride notify status`` and ``freeride notify enable`` do, as async functions over ``Settings``.

Both work on the database alone, so they need no running engine: the relay of a running
``freeride run`` looks for its disabled channels' records every ``recheck_s`` and delivers again
once ``enable`` deleted one; an engine started later reads the same records on start.
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import dataclass

from sqlalchemy.ext.asyncio import AsyncEngine

from freeride.adapters.discord.channel import channel_name
from freeride.app.alerts import Transports, build_notifiers
from freeride.app.database import open_database
from freeride.config.settings import Settings
from freeride.core.clock import Clock
from freeride.core.notify import OutboxStatus
from freeride.notify.relay import RelayConfig
from freeride.ports.notify import DisabledChannel
from freeride.storage.repositories import ChannelStateRepository, OutboxRepository

RECHECK_S = RelayConfig().recheck_s  # how soon a running relay notices ``enable``


@dataclass(frozen=True, slots=True)
class ChannelStatus:
    """One channel as the operator sees it.

    ``kind`` is ``discord``, ``webhook`` or ``discord bot`` (a channel the bot posts to with its
    token, ``discord:<channel id>``), empty for a channel that is no longer configured but
    still has a record or outbox items. ``target_changed``: disabled for a target the configuration
    no longer names, so the next start re-enables it by itself.
    """

    channel: str
    kind: str
    disabled: DisabledChannel | None
    target_changed: bool
    pending: int
    dead: int


@asynccontextmanager
async def _database(settings: Settings) -> AsyncIterator[AsyncEngine]:
    async with open_database(settings.database_url) as engine:
        yield engine


async def _fingerprints(settings: Settings, clock: Clock, transports: Transports | None) -> dict[str, str]:
    """Each configured channel's current target fingerprint, from the notifiers themselves."""
    notifiers = build_notifiers(settings, clock, transports)
    try:
        return {name: n.target_fingerprint for name, n in notifiers.items()}
    finally:
        for n in notifiers.values():
            await n.aclose()


async def channel_status(
    settings: Settings, clock: Clock, transports: Transports | None = None
) -> list[ChannelStatus]:
    """Every configured channel, and every other one the database still knows, by name."""
    kinds = {name: "discord" for name in settings.notify.discord}
    kinds.update({name: "webhook" for name in settings.notify.webhooks})
    kinds.update({channel_name(c): "discord bot" for c in settings.discord.subscriptions})
    current = await _fingerprints(settings, clock, transports)
    async with _database(settings) as engine:
        disabled = await ChannelStateRepository(engine).disabled()
        counts = await OutboxRepository(engine).counts_by_channel()
    out = []
    for name in sorted({*kinds, *disabled, *counts}):
        state = disabled.get(name)
        per_status = counts.get(name, {})
        out.append(
            ChannelStatus(
                channel=name,
                kind=kinds.get(name, ""),
                disabled=state,
                target_changed=state is not None and name in current and state.fingerprint != current[name],
                pending=per_status.get(OutboxStatus.PENDING.value, 0),
                dead=per_status.get(OutboxStatus.DEAD.value, 0),
            )
        )
    return out


async def enable_channel(settings: Settings, channel: str) -> DisabledChannel | None:
    """Forget ``channel``'s disabled state; what was stored, ``None`` when it was not disabled."""
    async with _database(settings) as engine:
        return await ChannelStateRepository(engine).enable(channel)
