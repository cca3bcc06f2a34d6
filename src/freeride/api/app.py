"""The app factory: one FastAPI app over an ``ApiState``, no globals.

State lives on ``app.state.freeride`` and handlers reach it through dependencies (``api.deps``),
so two apps over two states can run side by side (tests do). Each area of the API is a router;
new areas add a router here. The OpenAPI schema is served under ``/api/v1/openapi.json`` behind
a ``read`` token like everything else but ``/healthz``.
"""

from __future__ import annotations

import asyncio
from pathlib import Path
from typing import Any

from fastapi import Depends, FastAPI
from fastapi.middleware.cors import CORSMiddleware
from fastapi.responses import FileResponse
from fastapi.staticfiles import StaticFiles

from freeride.api import errors
from freeride.api.auth_first import AuthFirst
from freeride.api.cache import ReadCache
from freeride.api.deps import require
from freeride.api.discord import router as discord_router
from freeride.api.discord.bot import InteractionBot
from freeride.api.gateway_metrics import register_gateway
from freeride.api.metrics import MetricsMiddleware
from freeride.api.routers import (
    alerts,
    backtests,
    control,
    flatten,
    health,
    market,
    research,
    session,
    system,
    trading,
    watchlists,
    webhooks,
    ws,
)
from freeride.api.routers import markets as market_hours
from freeride.api.ws import Hub
from freeride.app.api import ApiState
from freeride.ops.metrics import Metrics
from freeride.ports.tokens import ApiToken, Scope

STATIC = Path(__file__).parent / "static"
ROUTERS = (
    health.router,
    session.router,
    alerts.router,
    market.router,
    market_hours.router,
    trading.router,
    system.router,
    control.router,
    flatten.router,
    backtests.router,
    research.router,
    watchlists.router,
    webhooks.router,
    ws.router,
)


def create_app(state: ApiState) -> FastAPI:
    app = FastAPI(title="freeride", version="1", docs_url=None, redoc_url=None, openapi_url=None)
    app.state.freeride = state
    wall = state.wall or state.clock  # people's time, when the market's runs faster (--speed)
    app.state.ws_hub = hub = Hub(state.bus, wall, state.settings.ws_coalesce_s)
    app.state.metrics = metrics = _metrics(state, hub)
    app.state.read_cache = ReadCache(wall)
    bot = state.discord
    app.state.discord_bot = InteractionBot(state, bot, app.state.read_cache) if bot and bot.enabled else None
    if app.state.discord_bot is not None:
        discord_metrics(metrics, app.state.discord_bot)
    errors.install(app)
    app.add_middleware(AuthFirst, routers=ROUTERS)  # inside CORS: a 401 still carries CORS headers
    if state.settings.cors_origins:
        app.add_middleware(
            CORSMiddleware,
            allow_origins=list(state.settings.cors_origins),
            allow_methods=["GET", "POST", "PUT", "DELETE"],
            allow_headers=["Authorization", "Content-Type"],
        )
    app.add_middleware(MetricsMiddleware, metrics=metrics, clock=wall)
    for router in ROUTERS:
        app.include_router(router)
    # First: Discord waits 3 s at most, and matching walks the route list in order (FastAPI's own
    # routes cost tens of microseconds each to try); a plain route costs others one regex.
    app.router.routes.insert(0, discord_router.route)
    _dashboard(app)

    @app.get("/api/v1/whoami", tags=["auth"], responses=errors.ERROR_RESPONSES)
    async def whoami(token: ApiToken = Depends(require(Scope.READ))) -> dict[str, Any]:  # noqa: B008
        return {"name": token.name, "scope": token.scope.value, "id": token.id}

    building = asyncio.Lock()

    @app.get("/api/v1/openapi.json", include_in_schema=False, dependencies=[Depends(require(Scope.READ))])
    async def openapi() -> dict[str, Any]:
        async with building:  # built once, off the loop: it walks every route's models
            if app.openapi_schema is None:
                await asyncio.to_thread(app.openapi)
        return app.openapi()

    return app


def _dashboard(app: FastAPI) -> None:
    """The dashboard: static files, no build step. Public; every figure on it needs a token."""
    app.mount("/static", StaticFiles(directory=STATIC), name="static")

    @app.get("/", include_in_schema=False)
    async def index() -> FileResponse:
        return FileResponse(STATIC / "index.html", headers={"Cache-Control": "no-cache"})


def discord_metrics(metrics: Metrics, bot: InteractionBot) -> None:
    """The bot's answer counts as gauges (the API's and the bot role's app share them)."""
    runner = bot.runner
    metrics.gauge(
        "freeride_discord_answered_inline", "Discord commands answered inline.", lambda: runner.inline
    )
    metrics.gauge(
        "freeride_discord_deferred", "Discord commands answered 'thinking…' first.", lambda: runner.deferred
    )
    metrics.gauge(
        "freeride_discord_deferred_undelivered",
        "Deferred Discord answers Discord refused or never got.",
        lambda: runner.completion_failures,
    )
    metrics.gauge(
        "freeride_discord_answers_kept",
        "Discord answers served unchanged from the last ask.",
        lambda: bot.answers.hits,
    )


def _metrics(state: ApiState, hub: Hub) -> Metrics:
    metrics = state.metrics if state.metrics is not None else Metrics()
    metrics.gauge("freeride_ws_clients", "WebSocket clients connected now.", lambda: len(hub.clients))
    metrics.gauge(
        "freeride_ws_clients_dropped", "WebSocket clients cut off for being slow.", lambda: hub.dropped
    )
    if state.gateway is not None:
        register_gateway(metrics, state.gateway)
    bus = state.bus
    if bus is not None:
        metrics.gauge(
            "freeride_bus_events_published",
            "Events delivered by the bus.",
            lambda: getattr(bus, "published", 0),
        )
        metrics.gauge(
            "freeride_bus_handler_failures",
            "Bus handlers that raised.",
            lambda: getattr(bus, "handler_failures", 0),
        )
    return metrics
