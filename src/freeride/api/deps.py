"""FastAPI dependencies: the state on ``request.app.state`` and bearer-token checks by scope."""

from __future__ import annotations

from collections.abc import Awaitable, Callable

from fastapi import Request
from starlette.requests import HTTPConnection

from freeride.alerts.service import AlertService
from freeride.api.errors import ApiError
from freeride.app.api import ApiState
from freeride.ports.tokens import ApiToken, Scope

_BEARER = {"WWW-Authenticate": "Bearer"}


def state_of(conn: HTTPConnection) -> ApiState:
    state: ApiState = conn.app.state.freeride
    return state


def bearer(conn: HTTPConnection) -> str | None:
    header = conn.headers.get("authorization", "")
    scheme, _, value = header.partition(" ")
    if scheme.lower() == "bearer" and value.strip():
        return value.strip()
    return conn.query_params.get("token") if conn.scope["type"] == "websocket" else None


async def authenticate(conn: HTTPConnection, needed: Scope) -> ApiToken:
    """The caller's token record; ``ApiError`` 401 (none or not valid) or 403 (scope too low)."""
    token = bearer(conn)
    if token is None:
        raise ApiError(401, "an API token is required: send 'Authorization: Bearer <token>'", headers=_BEARER)
    record = await state_of(conn).tokens.check(token)
    if record is None:
        raise ApiError(
            401, "the API token is not valid (unknown or revoked)", code="invalid_token", headers=_BEARER
        )
    if not record.allows(needed):
        raise ApiError(
            403,
            f"this token has scope {record.scope.value!r}; this needs {needed.value!r}",
            code="insufficient_scope",
        )
    return record


_REQUIRED: dict[object, Scope] = {}


def require(needed: Scope) -> Callable[[Request], Awaitable[ApiToken]]:
    async def dependency(request: Request) -> ApiToken:
        return await authenticate(request, needed)

    _REQUIRED[dependency] = needed  # so ``api.auth_first`` can check a route's scope before its body
    return dependency


def required_scope(dependency: object) -> Scope | None:
    """The scope a dependency made by ``require`` checks; ``None`` for any other callable."""
    return _REQUIRED.get(dependency)


async def alert_service(request: Request) -> AlertService:
    service = state_of(request).alerts
    if service is None:
        raise ApiError(503, "alerts are not available in this process")
    return service
