"""CORS: a configured origin (a WordPress site) may read with a token; others get no CORS headers."""

from __future__ import annotations

import httpx
from v1_rig import V1

from freeride.api import create_app
from freeride.config.api import ApiSettings


async def test_a_configured_origin_may_call_and_another_may_not(v1: V1) -> None:
    v1.state.settings = ApiSettings(cors_origins=["https://blog.example.com"])
    transport = httpx.ASGITransport(create_app(v1.state))
    async with httpx.AsyncClient(transport=transport, base_url="http://api.test") as http:
        preflight = await http.options(
            "/api/v1/quotes",
            headers={
                "Origin": "https://blog.example.com",
                "Access-Control-Request-Method": "GET",
                "Access-Control-Request-Headers": "authorization",
            },
        )
        assert preflight.status_code == 200
        assert preflight.headers["access-control-allow-origin"] == "https://blog.example.com"
        read = await http.get(
            "/api/v1/quotes?symbols=GOOG", headers={"Origin": "https://blog.example.com", **v1.auth()}
        )
        assert read.headers["access-control-allow-origin"] == "https://blog.example.com"
        assert read.json()["quotes"][0]["symbol"] == "GOOG"
        other = await http.get(
            "/api/v1/quotes?symbols=GOOG", headers={"Origin": "https://evil.test", **v1.auth()}
        )
        assert "access-control-allow-origin" not in other.headers


async def test_without_configured_origins_no_cors_headers_are_sent(v1: V1) -> None:
    response = await v1.http.get(
        "/api/v1/instruments", headers={"Origin": "https://blog.example.com", **v1.auth()}
    )
    assert "access-control-allow-origin" not in response.headers
