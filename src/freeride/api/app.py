"""The app factory: one FastAPI app over an ``ApiState``, no globals.

State lives on ``app.state.freeride`` and handlers reach it through dependencies (``api.deps``),
so two apps over two states can run side by side (tests do). Each area of the API is a router;
new areas add a router here. The OpenAPI schema is served under ``/api/v1/openapi.json`` behind
a ``read`` token like everything else but ``/healthz``.
"""

from __future__ import annotations

from typing import Any

from fastapi import Depends, FastAPI
from fastapi.middleware.cors import CORSMiddleware

from freeride.api import errors
from freeride.api.deps import require
from freeride.api.routers import alerts, health, webhooks, ws
from freeride.api.ws import Hub
from freeride.app.api import ApiState
from freeride.ports.tokens import ApiToken, Scope


def create_app(state: ApiState) -> FastAPI:
    app = FastAPI(title="freeride", version="1", docs_url=None, redoc_url=None, openapi_url=None)
    app.state.freeride = state
    app.state.ws_hub = Hub()
    errors.install(app)
    if state.settings.cors_origins:
        app.add_middleware(
            CORSMiddleware,
            allow_origins=list(state.settings.cors_origins),
            allow_methods=["GET", "POST", "PUT", "DELETE"],
            allow_headers=["Authorization", "Content-Type"],
        )
    for router in (health.router, alerts.router, webhooks.router, ws.router):
        app.include_router(router)

    @app.get("/api/v1/whoami", tags=["auth"])
    async def whoami(token: ApiToken = Depends(require(Scope.READ))) -> dict[str, Any]:  # noqa: B008
        return {"name": token.name, "scope": token.scope.value, "id": token.id}

    @app.get("/api/v1/openapi.json", include_in_schema=False, dependencies=[Depends(require(Scope.READ))])
    async def openapi() -> dict[str, Any]:
        return app.openapi()

    return app
