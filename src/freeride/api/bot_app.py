"""The bot's own app: Discord's interactions endpoint, with health and metrics, and nothing else.

``freeride worker --role bot`` serves this, so Discord's three-second deadline never waits behind
a crowd of dashboard clients, WebSocket fan-out or a heavy page of the API role: the bot answers
from the same state (stored runs, the bus's prices, the alert rules, the kill switch) in a process
of its own. Without a bot role the API role answers Discord as well (``create_app``), as one
process does. The dashboard, the REST API and the TradingView intake are not served here.
"""

from __future__ import annotations

from fastapi import FastAPI

from freeride.api import errors
from freeride.api.app import discord_metrics
from freeride.api.cache import ReadCache
from freeride.api.discord import router as discord_router
from freeride.api.discord.bot import InteractionBot
from freeride.api.metrics import MetricsMiddleware
from freeride.api.routers import health
from freeride.app.api import ApiState
from freeride.core.errors import ConfigError
from freeride.ops.metrics import Metrics

NOT_CONFIGURED = (
    "the bot role answers Discord's interactions: set discord.application_id and discord.public_key "
    "(FREERIDE_DISCORD__APPLICATION_ID, FREERIDE_DISCORD__PUBLIC_KEY)"
)


def create_bot_app(state: ApiState) -> FastAPI:
    """``POST /discord/interactions``, ``/healthz``, ``/readyz`` and ``/metrics`` (the last two
    with a ``read`` token, as on the API) over ``state``; the bot must be configured."""
    settings = state.discord
    if settings is None or not settings.enabled:
        raise ConfigError(NOT_CONFIGURED)
    app = FastAPI(title="freeride bot", version="1", docs_url=None, redoc_url=None, openapi_url=None)
    app.state.freeride = state
    wall = state.wall or state.clock
    app.state.metrics = metrics = state.metrics if state.metrics is not None else Metrics()
    app.state.read_cache = ReadCache(wall)
    app.state.discord_bot = bot = InteractionBot(state, settings, app.state.read_cache)
    discord_metrics(metrics, bot)
    errors.install(app)
    app.add_middleware(MetricsMiddleware, metrics=metrics, clock=wall)
    app.include_router(health.router)
    app.router.routes.insert(0, discord_router.route)
    return app
