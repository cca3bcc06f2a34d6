"""Credentials before the body: a request that carries one is authenticated before it is parsed.

FastAPI reads and validates a route's body before it resolves the route's dependencies, so a
malformed body sent without a token was answered 422 (describing the body) instead of 401, and a
stranger could make the server parse any JSON it liked. This middleware authenticates requests
that carry a body (any method but GET, HEAD, OPTIONS) against the scope their route requires,
before the body is read: no or a bad credential is 401, too low a scope 403. The route's own
dependency checks again (from the token cache), so a route is never less protected than its
dependencies say.

Which scope a route needs is read once, when the app is built, from the dependencies of the
routes of the app's routers (``api.deps.require`` marks them), so a new route is covered the
moment it declares one; routes that declare none (a dashboard login, the TradingView webhook with
its passphrase) are left to themselves.
"""

from __future__ import annotations

import re
from collections.abc import Iterable

from fastapi import APIRouter
from fastapi.dependencies.models import Dependant
from fastapi.routing import APIRoute
from starlette.requests import HTTPConnection
from starlette.types import ASGIApp, Receive, Scope, Send

from freeride.api.deps import authenticate, required_scope
from freeride.api.errors import ApiError, error_response
from freeride.ports.tokens import SCOPE_RANK
from freeride.ports.tokens import Scope as TokenScope

WITHOUT_BODY = frozenset({"GET", "HEAD", "OPTIONS"})
Guarded = tuple[re.Pattern[str], frozenset[str], TokenScope]


def needed_scope(dependant: Dependant) -> TokenScope | None:
    """The highest scope any dependency of the route (at any depth) requires."""
    found = [s for s in (required_scope(d.call) for d in dependant.dependencies) if s is not None]
    found += [s for s in (needed_scope(d) for d in dependant.dependencies) if s is not None]
    return max(found, key=SCOPE_RANK.__getitem__, default=None)


def guarded_routes(routers: Iterable[APIRouter]) -> list[Guarded]:
    """(path pattern, methods, scope) of every route with a body that requires a scope."""
    out: list[Guarded] = []
    for router in routers:
        for route in router.routes:
            if not isinstance(route, APIRoute):
                continue
            methods = frozenset(route.methods or ()) - WITHOUT_BODY
            needed = needed_scope(route.dependant)
            if methods and needed is not None:
                out.append((route.path_regex, methods, needed))
    return out


class AuthFirst:
    """Pure ASGI middleware over the routes of ``routers`` (their paths carry their prefixes)."""

    def __init__(self, app: ASGIApp, routers: Iterable[APIRouter]) -> None:
        self.app = app
        self._guarded = guarded_routes(routers)

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] == "http" and scope["method"] not in WITHOUT_BODY:
            needed = self._needed(scope["method"], scope["path"])
            if needed is not None:
                try:
                    await authenticate(HTTPConnection(scope), needed)
                except ApiError as exc:
                    await error_response(exc)(scope, receive, send)
                    return
        await self.app(scope, receive, send)

    def _needed(self, method: str, path: str) -> TokenScope | None:
        for pattern, methods, needed in self._guarded:
            if method in methods and pattern.match(path):
                return needed
        return None
