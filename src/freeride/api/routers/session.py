"""Dashboard sign-in and sign-out: an API token in, an HttpOnly session cookie out.

``POST /api/v1/session`` takes ``{"token": "fr_…"}`` (a token from ``freeride api token create``,
or the one a run prints) and answers with the session cookie: HttpOnly (no script reads it),
SameSite=Strict (no other site's page sends it), Secure when served over HTTPS, expiring after
``api.session_ttl_s``. ``GET /login?token=`` does the same for the link a run prints, then
redirects to the dashboard so the token leaves the address bar and the history.
``DELETE /api/v1/session`` signs out. See ``app.sessions`` for how long a session lives.
"""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Query, Request, Response
from fastapi.responses import RedirectResponse
from pydantic import BaseModel, Field

from freeride.api.deps import check_csrf, state_of
from freeride.api.errors import ERROR_RESPONSES, ApiError
from freeride.app.sessions import COOKIE, SessionAuth
from freeride.storage.repositories.sessions import Session

router = APIRouter(tags=["auth"])
_PRIVATE = {"Cache-Control": "no-store", "Referrer-Policy": "no-referrer"}


class SignIn(BaseModel):
    token: str = Field(min_length=1, max_length=200, description="an API token (fr_…)")


class SessionOut(BaseModel):
    name: str = Field(description="the name of the token the session acts for")
    scope: str
    expires_at: int = Field(description="when the session ends at the latest, ns since the epoch")


def _sessions(request: Request) -> SessionAuth:
    sessions = state_of(request).sessions
    if sessions is None:
        raise ApiError(503, "dashboard sessions are not available in this process")
    return sessions


def _set_cookie(response: Response, request: Request, secret: str, ttl_s: float) -> None:
    response.set_cookie(
        COOKIE,
        secret,
        max_age=int(ttl_s),
        path="/",
        httponly=True,
        samesite="strict",
        secure=request.url.scheme == "https",
    )


def _out(session: Session) -> SessionOut:
    token = session.token
    return SessionOut(name=token.name, scope=token.scope.value, expires_at=session.expires_at)


@router.post("/api/v1/session", responses=ERROR_RESPONSES)
async def sign_in(body: SignIn, request: Request, response: Response) -> SessionOut:
    """Sign the dashboard in with an API token; the answer sets the session cookie."""
    check_csrf(request)
    sessions = _sessions(request)
    opened = await sessions.open(body.token.strip())
    if opened is None:
        raise ApiError(401, "the API token is not valid (unknown, revoked or expired)", code="invalid_token")
    secret, session = opened
    _set_cookie(response, request, secret, sessions.ttl_s)
    response.headers.update(_PRIVATE)
    return _out(session)


@router.delete("/api/v1/session", status_code=204, responses=ERROR_RESPONSES)
async def sign_out(request: Request) -> Response:
    """End this browser's session (the cookie is cleared too); nothing to end is fine."""
    check_csrf(request)
    await _sessions(request).close(request.cookies.get(COOKIE))
    response = Response(status_code=204)
    response.delete_cookie(COOKIE, path="/", httponly=True, samesite="strict")
    return response


@router.get("/login", include_in_schema=False)
async def login_link(
    request: Request, token: Annotated[str, Query(min_length=1, max_length=200)]
) -> RedirectResponse:
    """The link a run prints: sign in with its token, then go to the dashboard without it."""
    sessions = _sessions(request)
    opened = await sessions.open(token.strip())
    if opened is None:
        return RedirectResponse("/#login-link-invalid", status_code=303, headers=_PRIVATE)
    response = RedirectResponse("/", status_code=303, headers=_PRIVATE)
    _set_cookie(response, request, opened[0], sessions.ttl_s)
    return response
