"""REST alerts CRUD with tokens: missing, invalid, revoked, insufficient scope; field-named errors."""

from __future__ import annotations

from api_rig import Api

from freeride.bus import topics
from freeride.core.market import Trade

AAPL = {"symbol": "aapl", "kind": "above", "threshold": 200, "notify": ["discord"], "tags": ["swing"]}


async def test_healthz_needs_no_token(api: Api) -> None:
    response = await api.http.get("/healthz")
    assert (response.status_code, response.json()) == (200, {"status": "ok"})


async def test_everything_else_needs_a_valid_token(api: Api) -> None:
    missing = await api.http.get("/api/v1/alerts")
    assert missing.status_code == 401
    assert missing.headers["www-authenticate"] == "Bearer"
    assert missing.json()["error"]["code"] == "unauthorized"
    invalid = await api.http.get("/api/v1/alerts", headers={"Authorization": "Bearer fr_nope"})
    assert (invalid.status_code, invalid.json()["error"]["code"]) == (401, "invalid_token")
    schema = await api.http.get("/api/v1/openapi.json")
    assert schema.status_code == 401
    schema = await api.http.get("/api/v1/openapi.json", headers=api.auth("read"))
    assert "/api/v1/alerts" in schema.json()["paths"]
    who = await api.http.get("/api/v1/whoami", headers=api.auth("trade"))
    assert who.json()["scope"] == "trade"


async def test_insufficient_scope_is_403_and_changes_nothing(api: Api) -> None:
    response = await api.http.post("/api/v1/alerts", json=AAPL, headers=api.auth("read"))
    assert response.status_code == 403
    assert response.json()["error"] == {
        "status": 403,
        "code": "insufficient_scope",
        "message": "this token has scope 'read'; this needs 'trade'",
    }
    listed = await api.http.get("/api/v1/alerts", headers=api.auth("read"))
    assert listed.json() == {"items": [], "count": 0}


async def test_revoked_tokens_stop_working(api: Api) -> None:
    assert await api.state.tokens.repo.revoke("admin", api.clock.now_ns())
    response = await api.http.get("/api/v1/alerts", headers=api.auth("admin"))
    assert response.status_code == 401


async def test_crud_and_the_engine_follows(api: Api) -> None:
    created = await api.http.post("/api/v1/alerts", json=AAPL, headers=api.auth("trade"))
    assert created.status_code == 201
    body = created.json()
    alert_id = body["id"]
    assert body["description"] == "AAPL above 200"
    assert body["rule"]["symbol"] == "AAPL"
    assert body["active"]
    assert alert_id in api.engine.rules
    got = await api.http.get(f"/api/v1/alerts/{alert_id}", headers=api.auth("read"))
    assert got.json()["id"] == alert_id
    listed = await api.http.get("/api/v1/alerts", params={"tag": "swing"}, headers=api.auth("read"))
    assert listed.json()["count"] == 1
    replaced = await api.http.put(
        f"/api/v1/alerts/{alert_id}", json={**AAPL, "threshold": 250}, headers=api.auth("admin")
    )
    assert replaced.json()["description"] == "AAPL above 250"
    ts = api.clock.now_ns()
    api.bus.publish(topics.trade("AAPL"), Trade(symbol="AAPL", price=240, size=1, ts_event=ts, ts_init=ts))
    assert api.engine.fired == 0
    deleted = await api.http.delete(f"/api/v1/alerts/{alert_id}", headers=api.auth("trade"))
    assert deleted.status_code == 204
    assert alert_id not in api.engine.rules
    again = await api.http.delete(f"/api/v1/alerts/{alert_id}", headers=api.auth("trade"))
    assert (again.status_code, again.json()["error"]["code"]) == (404, "not_found")


async def test_validation_errors_name_the_field_and_store_nothing(api: Api) -> None:
    cases = [
        ({**AAPL, "threshold": "lots"}, "threshold"),
        ({**AAPL, "colour": "red"}, "colour"),
        ({**AAPL, "symbol": "not a symbol!"}, "symbol"),
        ({**AAPL, "kind": "sideways"}, "kind"),
        ({**AAPL, "threshold": -5}, "threshold"),
        ({"symbol": "TSLA", "kind": "move_up", "threshold": 3}, "window_s"),
        ({"symbol": "AAPL", "kind": "rsi_below", "threshold": 30, "period": 14}, "interval"),
        ({**AAPL, "quiet": {"start": "25:00", "end": "07:00"}}, "quiet.start"),
    ]
    for body, field in cases:
        response = await api.http.post("/api/v1/alerts", json=body, headers=api.auth("trade"))
        assert response.status_code == 422, body
        error = response.json()["error"]
        assert error["code"] == "invalid"
        assert field in [f["field"] for f in error["fields"]], (field, error)
    listed = await api.http.get("/api/v1/alerts", headers=api.auth("read"))
    assert listed.json()["count"] == 0
    assert api.engine.rules == {}


async def test_firings_are_listed(api: Api) -> None:
    created = await api.http.post("/api/v1/alerts", json=AAPL, headers=api.auth("trade"))
    alert_id = created.json()["id"]
    ts = api.clock.now_ns()
    fired = []
    api.bus.subscribe(topics.ALL_ALERTS, fired.append)
    api.bus.publish(topics.trade("AAPL"), Trade(symbol="AAPL", price=201, size=1, ts_event=ts, ts_init=ts))
    assert api.state.alerts is not None
    await api.state.alerts.repo.record_firings(fired, [])
    response = await api.http.get(f"/api/v1/alerts/{alert_id}/firings", headers=api.auth("read"))
    assert [(f["alert_id"], f["price"]) for f in response.json()] == [(alert_id, 201.0)]
