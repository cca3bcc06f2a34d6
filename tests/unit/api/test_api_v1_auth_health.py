"""Tokens on every route, readiness with its per-check breakdown, metrics, and the dashboard files."""

from __future__ import annotations

from pathlib import Path

import pytest
from v1_rig import OTHER_RUN, V1

from freeride.storage.engine import create_engine

ROUTES = [
    "/api/v1/instruments",
    "/api/v1/instruments/GOOG",
    "/api/v1/quotes?symbols=GOOG",
    "/api/v1/bars/GOOG",
    "/api/v1/signals",
    "/api/v1/orders",
    "/api/v1/fills",
    "/api/v1/positions",
    "/api/v1/accounts",
    "/api/v1/events",
    "/api/v1/runs",
    f"/api/v1/runs/{OTHER_RUN}",
    "/api/v1/settings",
    "/api/v1/kill-switch",
    "/readyz",
    "/metrics",
]


@pytest.mark.parametrize("path", ROUTES)
async def test_every_route_needs_a_valid_token(v1: V1, path: str) -> None:
    none = await v1.http.get(path)
    assert none.status_code == 401
    assert none.headers["www-authenticate"] == "Bearer"
    assert "API token is required" in none.json()["error"]["message"]
    wrong = await v1.http.get(path, headers={"Authorization": "Bearer fr_not-a-real-token"})
    assert wrong.status_code == 401
    assert wrong.json()["error"]["code"] == "invalid_token"
    scope = "admin" if path == "/api/v1/settings" else "read"
    assert (await v1.http.get(path, headers=v1.auth(scope))).status_code == 200


async def test_a_revoked_token_stops_working(v1: V1) -> None:
    assert (await v1.get("/api/v1/orders")).status_code == 200
    await v1.repos.tokens.revoke("read", v1.clock.now_ns())
    response = await v1.get("/api/v1/orders")
    assert response.status_code == 401
    assert "unknown or revoked" in response.json()["error"]["message"]


async def test_healthz_needs_nothing(v1: V1) -> None:
    response = await v1.http.get("/healthz")
    assert response.json() == {"status": "ok"}


async def test_readyz_breaks_down_each_check(v1: V1) -> None:
    body = (await v1.get("/readyz")).json()
    assert body["status"] == "ready"
    assert [c["name"] for c in body["checks"]] == ["database", "bus", "providers", "broker"]
    assert body["checks"][0] == {"name": "database", "ok": True, "detail": "sqlite answers"}


async def test_readyz_is_503_naming_what_is_down(v1: V1, tmp_path: Path) -> None:
    v1.state.db = create_engine(f"sqlite+aiosqlite:///{tmp_path}")  # a directory: cannot be opened
    v1.state.bus = None
    response = await v1.get("/readyz")
    assert response.status_code == 503
    checks = {c["name"]: c for c in response.json()["checks"]}
    assert response.json()["status"] == "unready"
    assert checks["bus"] == {"name": "bus", "ok": False, "detail": "no event bus in this process"}
    assert checks["broker"]["ok"] is True
    assert checks["database"]["ok"] is False
    assert "unable to open database file" in checks["database"]["detail"]


async def test_readyz_names_the_broker_session_and_says_when_it_is_dead(v1: V1) -> None:
    v1.state.broker = "alpaca"
    broker = {c["name"]: c for c in (await v1.get("/readyz")).json()["checks"]}["broker"]
    assert broker == {"name": "broker", "ok": True, "detail": "alpaca session alive"}
    v1.state.dead_sessions = {"alpaca": "401 from the account endpoint"}
    response = await v1.get("/readyz")
    assert response.status_code == 503
    broker = {c["name"]: c for c in response.json()["checks"]}["broker"]
    assert broker == {
        "name": "broker",
        "ok": False,
        "detail": "alpaca session dead: 401 from the account endpoint",
    }


async def test_readyz_without_a_database(v1: V1) -> None:
    v1.state.db = None
    body = (await v1.get("/readyz")).json()
    assert body["checks"][0] == {
        "name": "database",
        "ok": False,
        "detail": "no database configured in this process",
    }


async def test_metrics_count_requests_by_route_template_not_path(v1: V1) -> None:
    await v1.get(f"/api/v1/runs/{OTHER_RUN}")
    await v1.get("/api/v1/runs/run-other")  # a 404: same template, so no new series
    await v1.http.get("/no/such/page")
    text = (await v1.get("/metrics")).text
    assert 'freeride_http_requests_total{method="GET",route="/api/v1/runs/{run_id}",status="2xx"} 1.0' in text
    assert 'freeride_http_requests_total{method="GET",route="/api/v1/runs/{run_id}",status="4xx"} 1.0' in text
    assert 'route="unmatched",status="4xx"' in text
    assert "run-other" not in text
    assert "freeride_http_request_duration_seconds_bucket" in text
    assert "freeride_ws_clients 0.0" in text
    assert "freeride_bus_events_published" in text


async def test_the_dashboard_and_its_vendored_chart_library_are_served(v1: V1) -> None:
    index = await v1.http.get("/")
    assert index.status_code == 200
    assert '<script type="module" src="/static/app.js">' in index.text
    assert "/static/vendor/uPlot.iife.min.js" in index.text
    for path in ("/static/app.js", "/static/api.js", "/static/app.css", "/static/vendor/uPlot.iife.min.js"):
        response = await v1.http.get(path)
        assert response.status_code == 200, path
        assert len(response.content) > 500, path
    assert "https://" not in (await v1.http.get("/static/app.js")).text  # no CDN at run time
