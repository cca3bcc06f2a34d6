"""``freeride bot sync-commands``: register the bot's slash commands with Discord.

``PUT /applications/{application_id}/commands`` replaces the application's global commands (they
can take a while to show everywhere); with a guild id, ``…/guilds/{guild_id}/commands`` replaces
that server's at once, which is the way to try changes. The body is built from the same command
table the endpoint answers from, so what Discord shows is exactly what the bot handles.
"""

from __future__ import annotations

from typing import Any

import httpx

from freeride.api.discord.commands import commands_for_settings, definitions
from freeride.app.discord import bot_token, build_discord_rest
from freeride.config.settings import Settings
from freeride.core.clock import Clock
from freeride.core.errors import InvalidInput


async def sync_commands(
    settings: Settings,
    clock: Clock,
    guild_id: str | None = None,
    *,
    transport: httpx.AsyncBaseTransport | None = None,
) -> list[Any]:
    """The commands as Discord stored them (each with its ``id``); ``InvalidInput`` when the bot is
    not configured, ``AuthError`` for a missing or wrong bot token."""
    if settings.discord.application_id is None:
        raise InvalidInput("discord.application_id is not set (FREERIDE_DISCORD__APPLICATION_ID)")
    if guild_id is not None and not guild_id.isdigit():
        raise InvalidInput(f"--guild {guild_id!r} is not a Discord server id")
    rest = build_discord_rest(settings, clock, token=bot_token(settings), transport=transport)
    try:
        return await rest.put_commands(definitions(commands_for_settings(settings)), guild_id)
    finally:
        await rest.aclose()
