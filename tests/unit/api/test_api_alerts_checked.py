"""``POST /api/v1/alerts`` with the checks the composition root adds: unknown symbols get close
matches, unknown channels the configured ones; nothing is stored either way."""

from __future__ import annotations

from api_rig import Api

from freeride.alerts.service import AlertService
from freeride.app.symbols import SymbolBook, shipped_directory


def checked(api: Api) -> Api:
    repo = api.state.alerts.repo if api.state.alerts is not None else None
    assert repo is not None
    api.state.alerts = AlertService(
        repo, api.clock, api.engine, symbols=SymbolBook(shipped_directory()), channels=["discord", "ops"]
    )
    return api


async def test_unknown_symbols_are_422_with_suggestions(api: Api) -> None:
    api = checked(api)
    for symbol, meant in (("AAPLL", "AAPL"), ("EURUSD", "EUR/USD")):
        response = await api.http.post(
            "/api/v1/alerts",
            json={"symbol": symbol, "kind": "above", "threshold": 1},
            headers=api.auth("trade"),
        )
        assert response.status_code == 422, response.text
        error = response.json()["error"]
        assert error["suggestions"][0] == meant
        assert error["fields"] == [{"field": "symbol", "message": error["message"]}]
    listed = await api.http.get("/api/v1/alerts", headers=api.auth("read"))
    assert listed.json()["count"] == 0


async def test_a_malformed_symbol_is_422_with_its_close_match(api: Api) -> None:
    body = {"symbol": "eur_usd", "kind": "above", "threshold": 1}
    response = await api.http.post("/api/v1/alerts", json=body, headers=api.auth("trade"))
    assert response.status_code == 422
    assert "did you mean EUR/USD?" in response.json()["error"]["fields"][0]["message"]


async def test_unknown_channels_are_422_listing_the_configured(api: Api) -> None:
    api = checked(api)
    body = {"symbol": "AAPL", "kind": "above", "threshold": 200, "notify": ["telegram"]}
    response = await api.http.post("/api/v1/alerts", json=body, headers=api.auth("trade"))
    assert response.status_code == 422
    assert response.json()["error"]["fields"] == [
        {"field": "notify", "message": "channel 'telegram' is not configured; use one of discord, ops"}
    ]
    ok = await api.http.post("/api/v1/alerts", json={**body, "notify": ["ops"]}, headers=api.auth("trade"))
    assert ok.status_code == 201
    alert_id = ok.json()["id"]
    replaced = await api.http.put(
        f"/api/v1/alerts/{alert_id}",
        json={**body, "notify": ["ops"], "symbol": "MSFTT"},
        headers=api.auth("trade"),
    )
    assert replaced.status_code == 422
    assert replaced.json()["error"]["suggestions"][0] == "MSFT"
    kept = await api.http.get(f"/api/v1/alerts/{alert_id}", headers=api.auth("read"))
    assert kept.json()["rule"]["symbol"] == "AAPL"
