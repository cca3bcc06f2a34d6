"""Builds the Discord bot's REST client from ``Settings`` (the composition root's part of the bot).

The interactions endpoint itself lives in the API; what it needs from here is a client for
Discord's REST API (deferred answers, follow-ups, channel posts, command registration). The bot
token comes from ``discord.bot_token`` or, better, the secret stores (``discord_bot_token``);
follow-ups need none (the interaction token is their credential), so a bot without a token still
answers every command, and only posting to channels and registering commands need one.
"""

from __future__ import annotations

import httpx

from freeride.adapters.discord.rest import DiscordRestClient
from freeride.app.secrets import extra_secret_stores
from freeride.config.discord import BOT_TOKEN_SECRET
from freeride.config.secrets import build_secret_store
from freeride.config.settings import Settings
from freeride.core.clock import Clock


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
