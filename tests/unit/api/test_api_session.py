"""Dashboard sessions: a token in, an HttpOnly SameSite=Strict cookie out; the cookie signs in
reads, changes need the CSRF header and this origin; signing out, expiry and revoking the token
each end the session; the run's ``/login?token=`` link signs in and drops the token from the URL."""

from __future__ import annotations

import asyncio

import httpx
import pytest
from api_rig import Api

from freeride.app.sessions import COOKIE, SessionAuth
from freeride.core.clock import NS_PER_SECOND
from freeride.storage.repositories import SessionRepository, TokenRepository
from freeride.storage.repositories.sessions import Session

CSRF = {"X-Freeride-Request": "1"}


async def _sign_in(api: Api, scope: str = "admin") -> httpx.Response:
    response = await api.http.post("/api/v1/session", json={"token": api.tokens[scope]}, headers=CSRF)
    assert response.status_code == 200, response.text
    return response


async def _whoami_with(api: Api, cookie: str) -> httpx.Response:
    api.http.cookies.clear()
    return await api.http.get("/api/v1/whoami", headers={"cookie": f"{COOKIE}={cookie}"})


def _cookie_header(response: httpx.Response) -> str:
    return response.headers["set-cookie"]


async def test_signing_in_sets_a_strict_httponly_cookie_with_an_expiry(api: Api) -> None:
    response = await _sign_in(api)
    header = _cookie_header(response).lower()
    assert header.startswith(f"{COOKIE}=frs_")
    assert "httponly" in header
    assert "samesite=strict" in header
    assert "max-age=2592000" in header
    assert "path=/" in header
    assert "secure" not in header  # plain http here; https gets Secure (next test)
    assert response.headers["cache-control"] == "no-store"
    body = response.json()
    assert body["name"] == "admin"
    assert body["scope"] == "admin"
    assert body["expires_at"] == api.clock.now_ns() + 30 * 86_400 * NS_PER_SECOND
    assert api.tokens["admin"] not in header


async def test_the_cookie_is_secure_over_https(api: Api) -> None:
    transport = api.http._transport  # the same app, reached as https
    async with httpx.AsyncClient(transport=transport, base_url="https://api.test") as https:
        response = await https.post("/api/v1/session", json={"token": api.tokens["read"]}, headers=CSRF)
    assert response.status_code == 200
    assert "secure" in _cookie_header(response).lower()


async def test_the_cookie_signs_in_reads_and_the_websocket_scope_is_the_tokens(api: Api) -> None:
    await _sign_in(api, "read")
    who = await api.http.get("/api/v1/whoami")
    assert who.status_code == 200
    assert who.json()["scope"] == "read"
    alerts = await api.http.get("/api/v1/alerts")
    assert alerts.status_code == 200
    change = await api.http.post(
        "/api/v1/alerts", json={"symbol": "GOOG", "kind": "above", "threshold": 1}, headers=CSRF
    )
    assert change.status_code == 403  # a read token's session cannot trade
    assert change.json()["error"]["code"] == "insufficient_scope"


async def test_a_change_by_cookie_needs_the_csrf_header_and_this_origin(api: Api) -> None:
    await _sign_in(api)
    body = {"symbol": "GOOG", "kind": "above", "threshold": 1}
    bare = await api.http.post("/api/v1/alerts", json=body)
    assert bare.status_code == 403
    assert bare.json()["error"]["code"] == "csrf"
    foreign = await api.http.post(
        "/api/v1/alerts", json=body, headers={**CSRF, "Origin": "https://evil.example"}
    )
    assert foreign.status_code == 403
    same = await api.http.post("/api/v1/alerts", json=body, headers={**CSRF, "Origin": "http://api.test"})
    assert same.status_code == 201, same.text
    # a bearer token needs no such header: no browser sends it on its own
    api.http.cookies.clear()
    bearer = await api.http.post("/api/v1/alerts", json=body, headers=api.auth("trade"))
    assert bearer.status_code == 201


async def test_signing_in_needs_the_csrf_header_and_a_valid_token(api: Api) -> None:
    bare = await api.http.post("/api/v1/session", json={"token": api.tokens["admin"]})
    assert bare.status_code == 403
    wrong = await api.http.post("/api/v1/session", json={"token": "fr_nope"}, headers=CSRF)
    assert wrong.status_code == 401
    assert wrong.json()["error"]["code"] == "invalid_token"
    empty = await api.http.post("/api/v1/session", json={"token": ""}, headers=CSRF)
    assert empty.status_code == 422
    assert COOKIE not in api.http.cookies


async def test_signing_out_ends_the_session_even_for_a_copied_cookie(api: Api) -> None:
    await _sign_in(api)
    copied = api.http.cookies[COOKIE]
    out = await api.http.delete("/api/v1/session", headers=CSRF)
    assert out.status_code == 204
    assert COOKIE not in api.http.cookies  # cleared in this browser
    again = await _whoami_with(api, copied)
    assert again.status_code == 401
    assert again.json()["error"]["code"] == "session_ended"


async def test_revoking_the_token_ends_its_sessions(api: Api) -> None:
    await _sign_in(api, "trade")
    assert (await api.http.get("/api/v1/whoami")).status_code == 200
    repo = api.state.tokens.repo
    assert isinstance(repo, TokenRepository)
    assert await repo.revoke("trade", api.clock.now_ns()) is not None
    ended = await api.http.get("/api/v1/whoami")
    assert ended.status_code == 401


async def test_the_session_expires(api: Api) -> None:
    await _sign_in(api)
    api.clock.advance(30 * 86_400 - 1)
    assert (await api.http.get("/api/v1/whoami")).status_code == 200
    api.clock.advance(1)
    assert (await api.http.get("/api/v1/whoami")).status_code == 401


async def test_the_session_outlives_a_restart_of_the_server(api: Api) -> None:
    """A new app over the same database (a restarted service) honours the cookie."""
    from freeride.api import create_app

    await _sign_in(api)
    cookie = api.http.cookies[COOKIE]
    transport = httpx.ASGITransport(create_app(api.state))
    async with httpx.AsyncClient(transport=transport, base_url="http://api.test") as fresh:
        who = await fresh.get("/api/v1/whoami", headers={"cookie": f"{COOKIE}={cookie}"})
    assert who.status_code == 200


async def test_a_made_up_cookie_is_refused(api: Api) -> None:
    response = await _whoami_with(api, "frs_made-up")
    assert response.status_code == 401


async def test_the_login_link_signs_in_and_redirects_without_the_token(api: Api) -> None:
    response = await api.http.get("/login", params={"token": api.tokens["admin"]})
    assert response.status_code == 303
    assert response.headers["location"] == "/"
    assert response.headers["referrer-policy"] == "no-referrer"
    assert "httponly" in _cookie_header(response).lower()
    assert (await api.http.get("/api/v1/whoami")).status_code == 200


async def test_a_dead_login_link_says_so_without_a_cookie(api: Api) -> None:
    response = await api.http.get("/login", params={"token": "fr_gone"})
    assert response.status_code == 303
    assert response.headers["location"] == "/#login-link-invalid"
    assert "set-cookie" not in response.headers


@pytest.mark.parametrize("origin", [None, "https://evil.example"])
async def test_a_websocket_by_cookie_must_come_from_this_origin(api: Api, origin: str | None) -> None:
    from starlette.testclient import TestClient
    from starlette.websockets import WebSocketDisconnect

    from freeride.api import create_app

    await _sign_in(api)
    cookie = api.http.cookies[COOKIE]
    headers = {"cookie": f"{COOKIE}={cookie}"}
    if origin is not None:
        headers["origin"] = origin
    with TestClient(create_app(api.state), base_url="http://api.test") as client:
        with (
            pytest.raises(WebSocketDisconnect) as refused,
            client.websocket_connect("/ws", headers=headers) as ws,
        ):
            ws.receive_json()
        assert refused.value.code == 1008
        ok = {"cookie": f"{COOKIE}={cookie}", "origin": "http://testserver"}  # its Host
        with client.websocket_connect("/ws", headers=ok) as ws:
            ws.send_json({"op": "subscribe", "topics": ["alert.>"]})
            assert ws.receive_json()["op"] == "subscribed"


class _HeldReads(SessionRepository):
    """The repository, with reads by hash held until ``release`` is set (a read on its way)."""

    def __init__(self, repo: SessionRepository) -> None:
        super().__init__(repo._engine)
        self.release = asyncio.Event()
        self.reading = asyncio.Event()

    async def by_hash(self, secret_hash: str) -> Session | None:
        found = await super().by_hash(secret_hash)  # read before the sign-out is stored
        self.reading.set()
        await self.release.wait()
        return found


async def test_a_check_in_flight_during_sign_out_does_not_cache_the_session_again(api: Api) -> None:
    """A dashboard poll that read the session just before the sign-out was stored must not put it
    back in the cache: the old cookie would work again for ``cache_s``."""
    assert api.state.sessions is not None
    repo = _HeldReads(api.state.sessions.repo)
    auth = SessionAuth(repo, api.state.tokens.check, api.clock, ttl_s=3_600, cache_s=5)
    opened = await auth.open(api.tokens["read"])
    assert opened is not None
    secret, _ = opened
    in_flight = asyncio.create_task(auth.check(secret))
    await repo.reading.wait()
    assert await auth.close(secret)
    repo.release.set()
    assert await in_flight is None  # signed out while it read
    assert await auth.check(secret) is None  # and not cached as good
