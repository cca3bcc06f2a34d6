"""``/api/v1/watchlists``: read with ``read``, change with ``trade``; 4xx that say what is wrong."""

from __future__ import annotations

from collections.abc import AsyncIterator
from dataclasses import replace
from pathlib import Path

import httpx
import pytest
from api_rig import Api

from freeride.api import create_app
from freeride.app.symbols import SymbolBook, shipped_directory
from freeride.gateway.watchlists import WatchlistService
from freeride.storage.engine import create_engine
from freeride.storage.migrate import upgrade_engine
from freeride.storage.repositories.watchlists import WatchlistRepository


@pytest.fixture
async def watch_api(api: Api, tmp_path: Path) -> AsyncIterator[Api]:
    db = create_engine(f"sqlite+aiosqlite:///{tmp_path / 'watch.db'}")
    await upgrade_engine(db)
    book = SymbolBook(shipped_directory().including(["EUR/USD"]))
    api.state.watchlists = WatchlistService(WatchlistRepository(db), api.clock, book, {"fx": ["EUR/USD"]})
    yield api
    await db.dispose()


async def test_add_list_remove(watch_api: Api) -> None:
    api = watch_api
    added = await api.http.post(
        "/api/v1/watchlists/tech/symbols", json={"symbol": "nvda"}, headers=api.auth("trade")
    )
    assert (added.status_code, added.json()) == (201, {"name": "tech", "symbol": "NVDA", "added": True})
    again = await api.http.post(
        "/api/v1/watchlists/tech/symbols", json={"symbol": "NVDA"}, headers=api.auth("admin")
    )
    assert (again.status_code, again.json()["added"]) == (200, False)
    pair = await api.http.post(
        "/api/v1/watchlists/fx/symbols", json={"symbol": "GBP/USD"}, headers=api.auth("trade")
    )
    assert pair.status_code == 201
    listed = await api.http.get("/api/v1/watchlists", headers=api.auth("read"))
    assert listed.status_code == 200
    body = listed.json()
    assert body["count"] == 2
    fx, tech = body["items"]
    assert [(s["symbol"], s["source"]) for s in fx["symbols"]] == [
        ("EUR/USD", "settings"),
        ("GBP/USD", "stored"),
    ]
    assert fx["symbols"][0]["added_at"] is None
    assert fx["symbols"][1]["added_at"]
    assert [s["symbol"] for s in tech["symbols"]] == ["NVDA"]
    # a pair's slash in the path: as is, or encoded
    gone = await api.http.delete("/api/v1/watchlists/fx/symbols/GBP/USD", headers=api.auth("trade"))
    assert gone.status_code == 204
    gone = await api.http.delete("/api/v1/watchlists/tech/symbols/NVDA", headers=api.auth("trade"))
    assert gone.status_code == 204
    listed = await api.http.get("/api/v1/watchlists", headers=api.auth("read"))
    assert [[s["symbol"] for s in w["symbols"]] for w in listed.json()["items"]] == [["EUR/USD"]]


async def test_unknown_symbols_are_422_with_suggestions(watch_api: Api) -> None:
    api = watch_api
    for symbol, first in (("EURUSD", "EUR/USD"), ("AAPLL", "AAPL")):
        response = await api.http.post(
            "/api/v1/watchlists/default/symbols", json={"symbol": symbol}, headers=api.auth("trade")
        )
        assert response.status_code == 422
        error = response.json()["error"]
        assert error["suggestions"][0] == first
        assert f"did you mean {first}" in error["message"]
        assert error["fields"][0]["field"] == "symbol"
    listed = await api.http.get("/api/v1/watchlists", headers=api.auth("read"))
    assert [w["name"] for w in listed.json()["items"]] == ["fx"]  # nothing stored


async def test_bad_requests_are_4xx_never_500(watch_api: Api) -> None:
    api = watch_api
    trade = api.auth("trade")
    cases = [
        ("post", "/api/v1/watchlists/default/symbols", {"symbol": ""}, 422),
        ("post", "/api/v1/watchlists/default/symbols", {"ticker": "AAPL"}, 422),
        ("post", "/api/v1/watchlists/default/symbols", {"symbol": "A" * 40}, 422),
        ("post", "/api/v1/watchlists/bad%20name/symbols", {"symbol": "AAPL"}, 422),
        ("post", "/api/v1/watchlists/" + "x" * 65 + "/symbols", {"symbol": "AAPL"}, 422),
        ("post", "/api/v1/watchlists/default/symbols", {"symbol": "not a symbol!"}, 422),
    ]
    for method, path, body, status in cases:
        response = await api.http.request(method, path, json=body, headers=trade)
        assert response.status_code == status, (path, body, response.text)
        assert response.json()["error"]["message"]
    missing = await api.http.delete("/api/v1/watchlists/default/symbols/AAPL", headers=trade)
    assert missing.status_code == 404
    assert "has no symbol AAPL" in missing.json()["error"]["message"]
    configured = await api.http.delete("/api/v1/watchlists/fx/symbols/EUR%2FUSD", headers=trade)
    assert configured.status_code == 409
    assert "freeride.toml" in configured.json()["error"]["message"]
    broken = await api.http.post(
        "/api/v1/watchlists/default/symbols",
        content=b"{nope",
        headers={**trade, "Content-Type": "application/json"},
    )
    assert broken.status_code == 400


async def test_scopes(watch_api: Api) -> None:
    api = watch_api
    path = "/api/v1/watchlists/default/symbols"
    assert (await api.http.get("/api/v1/watchlists")).status_code == 401
    assert (await api.http.post(path, json={"symbol": "AAPL"}, headers=api.auth("read"))).status_code == 403
    assert (await api.http.delete(f"{path}/AAPL", headers=api.auth("read"))).status_code == 403
    assert (await api.http.get("/api/v1/watchlists", headers=api.auth("read"))).status_code == 200


async def test_without_the_service_it_is_503(api: Api) -> None:
    state = replace(api.state, watchlists=None)
    transport = httpx.ASGITransport(create_app(state))
    async with httpx.AsyncClient(transport=transport, base_url="http://api.test") as http:
        response = await http.get("/api/v1/watchlists", headers=api.auth("read"))
    assert response.status_code == 503
