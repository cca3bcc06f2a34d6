"""``run_live`` with serving: the API and dashboard beside live trading, on the same bus, storage
and gateway, a login token announced once the server listens and revoked when the run stops."""

from __future__ import annotations

import asyncio
from pathlib import Path

import httpx
from test_live_runner import T0, live_settings

from freeride.api import create_app
from freeride.app.live_runner import run_live
from freeride.app.live_status import LiveStatus
from freeride.app.serving import Serving
from freeride.core.clock import ManualClock
from freeride.storage.engine import create_engine
from freeride.storage.repositories import TokenRepository


async def pump(clock: ManualClock, until: asyncio.Event, step_s: float = 0.01) -> None:
    """Move the manual clock while the server starts: its start-up poll sleeps on the clock."""
    while not until.is_set():
        clock.advance(step_s)
        await asyncio.sleep(0.001)


async def test_live_serves_the_api_with_a_login_token_revoked_at_the_end(tmp_path: Path) -> None:
    base = live_settings(tmp_path)
    settings = base.model_copy(update={"api": base.api.model_copy(update={"port": 0})})  # a free port
    clock = ManualClock(T0)
    status = LiveStatus()
    stop = asyncio.Event()
    announced: list[tuple[str, str]] = []
    serving = Serving(announce=lambda url, token: announced.append((url, token)), hold=False)
    task = asyncio.create_task(
        run_live(settings, clock, until=stop, status=status, serve=create_app, serving=serving)
    )
    ready = asyncio.Event()
    mover = asyncio.create_task(pump(clock, ready))
    await asyncio.wait_for(status.ready.wait(), timeout=30)
    ready.set()
    await mover
    assert len(announced) == 1
    url, token = announced[0]
    assert url.startswith("http://127.0.0.1:")
    headers = {"Authorization": f"Bearer {token}"}
    async with httpx.AsyncClient(base_url=url.rstrip("/"), headers=headers, timeout=10) as http:
        assert (await http.get("/healthz")).status_code == 200
        page = await http.get("/")
        assert page.status_code == 200
        assert "text/html" in page.headers["content-type"]
        quotes = (await http.get("/api/v1/quotes", params={"symbols": "AAPL,MSFT"})).json()
        by = {q["symbol"]: q for q in quotes["quotes"]}
        assert quotes["missing"] == []
        assert by["MSFT"]["source"] == "gateway:simulator"  # not traded here: the gateway answers
        assert by["AAPL"]["price"] > 0
        runs = (await http.get("/api/v1/runs")).json()
        assert status.run_id in [r["run_id"] for r in runs["items"]]
        assert (await http.get("/api/v1/orders")).status_code == 200  # the ledger's run by default
    stop.set()
    summary = await asyncio.wait_for(task, timeout=30)
    assert summary.stopped_by == "until"
    engine = create_engine(settings.database_url)
    try:
        tokens = await TokenRepository(engine).list(include_revoked=True)
        assert [t.revoked_at is not None for t in tokens] == [True]
    finally:
        await engine.dispose()


async def test_a_symbol_added_through_the_served_api_is_streamed(tmp_path: Path) -> None:
    """The dashboard's path: POST /api/v1/watchlists on the running service, then its prices."""
    base = live_settings(tmp_path)
    settings = base.model_copy(update={"api": base.api.model_copy(update={"port": 0})})
    clock = ManualClock(T0)
    status = LiveStatus()
    stop = asyncio.Event()
    announced: list[tuple[str, str]] = []
    serving = Serving(announce=lambda url, token: announced.append((url, token)), hold=False)
    task = asyncio.create_task(
        run_live(settings, clock, until=stop, status=status, serve=create_app, serving=serving)
    )
    ready = asyncio.Event()
    mover = asyncio.create_task(pump(clock, ready))
    await asyncio.wait_for(status.ready.wait(), timeout=30)
    ready.set()
    await mover
    url, token = announced[0]
    headers = {"Authorization": f"Bearer {token}"}
    async with httpx.AsyncClient(base_url=url.rstrip("/"), headers=headers, timeout=10) as http:
        refused = await http.post("/api/v1/watchlists/chips/symbols", json={"symbol": "AMDD"})
        assert refused.status_code == 422
        assert refused.json()["error"]["suggestions"][0] == "AMD"
        added = await http.post("/api/v1/watchlists/chips/symbols", json={"symbol": "amd"})
        assert (added.status_code, added.json()) == (201, {"name": "chips", "symbol": "AMD", "added": True})
        while "AMD" not in status.prices:  # the watch set reads the store on the clock's beat
            clock.advance(0.5)
            await asyncio.sleep(0.01)
        markets = (await http.get("/api/v1/markets")).json()
        assert "AMD" in {m["symbol"] for m in markets["markets"]}
        lists = (await http.get("/api/v1/watchlists")).json()
        assert [(w["name"], [s["symbol"] for s in w["symbols"]]) for w in lists["items"]] == [
            ("chips", ["AMD"])
        ]
    stop.set()
    await asyncio.wait_for(task, timeout=30)
