"""FastAPI dependencies: the state on ``request.app.state`` and bearer-token checks by scope."""

from __future__ import annotations

from collections.abc import Awaitable, Callable

from fastapi import Request
from starlette.requests import HTTPConnection

from freeride.alerts.service import AlertService
from freeride.api.errors import ApiError
from freeride.app.api import ApiState
from freeride.app.sessions import COOKIE
from freeride.ports.tokens import ApiToken, Scope

_BEARER = {"WWW-Authenticate": "Bearer"}
SAFE_METHODS = frozenset({"GET", "HEAD", "OPTIONS"})
CSRF_HEADER = "x-freeride-request"
"""A header the dashboard sends with every change it makes by cookie. A page on another site
cannot send a custom header to this origin without a CORS preflight that is refused, so a change
made by cookie without it is refused (on top of the cookie's SameSite=Strict)."""


def state_of(conn: HTTPConnection) -> ApiState:
    state: ApiState = conn.app.state.freeride
    return state


def bearer(conn: HTTPConnection) -> str | None:
    header = conn.headers.get("authorization", "")
    scheme, _, value = header.partition(" ")
    if scheme.lower() == "bearer" and value.strip():
        return value.strip()
    return conn.query_params.get("token") if conn.scope["type"] == "websocket" else None


def same_origin(conn: HTTPConnection) -> bool:
    """Whether the request's ``Origin`` (when the client sent one) is this server's own."""
    origin = conn.headers.get("origin")
    if origin is None:
        return True
    host = conn.headers.get("host", "")
    return origin.partition("://")[2].rstrip("/").lower() == host.lower() and bool(host)


def check_csrf(conn: HTTPConnection) -> None:
    """A change made with the session cookie must come from the dashboard itself: 403 otherwise.
    A WebSocket opened with the cookie must come from this origin (browsers always send one)."""
    if conn.scope["type"] == "websocket":
        if not same_origin(conn) or "origin" not in conn.headers:
            raise ApiError(403, "a WebSocket signed in by cookie must come from this dashboard", code="csrf")
        return
    if conn.scope["method"] in SAFE_METHODS:
        return
    if CSRF_HEADER not in conn.headers or not same_origin(conn):
        raise ApiError(
            403,
            f"a change made with the session cookie needs the {CSRF_HEADER!r} header and this origin",
            code="csrf",
        )


async def session_token(conn: HTTPConnection) -> ApiToken | None:
    """The token a session cookie acts for; ``None`` without a cookie; 401 for an ended session."""
    secret = conn.cookies.get(COOKIE)
    sessions = state_of(conn).sessions
    if secret is None or sessions is None:
        return None
    record = await sessions.check(secret)
    if record is None:
        raise ApiError(
            401,
            "the dashboard session has ended (signed out, expired or its token revoked): sign in again",
            code="session_ended",
            headers=_BEARER,
        )
    check_csrf(conn)
    return record


async def authenticate(conn: HTTPConnection, needed: Scope) -> ApiToken:
    """The caller's token record, from a bearer token or else the dashboard's session cookie;
    ``ApiError`` 401 (none or not valid), 403 (scope too low, or a cookie without CSRF proof)."""
    token = bearer(conn)
    record: ApiToken | None
    if token is None:
        record = await session_token(conn)
        if record is None:
            raise ApiError(
                401, "an API token is required: send 'Authorization: Bearer <token>'", headers=_BEARER
            )
    else:
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
