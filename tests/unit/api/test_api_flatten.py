"""``POST /api/v1/flatten``: the engine trading the live ledger (a real order manager on the paper
broker over the same database) closes the positions; the route returns what was sent, 202 when no
engine answered in time, 4xx on a bad body or a missing scope, 404 for an unknown request."""

from __future__ import annotations

import asyncio

import pytest
from flatten_rig import live_engine
from v1_rig import V1

from freeride.execution.manager import OrderManager
from freeride.storage.execution import SqlControlStore
from freeride.testing.fakes.waiting import until


async def _engine(v1: V1) -> OrderManager:
    return await live_engine(v1.bus, v1.clock, v1.state.db, v1.state.ledger)


async def test_flatten_returns_the_closing_orders_the_engine_sent(v1: V1) -> None:
    manager = await _engine(v1)
    asking = asyncio.create_task(
        v1.http.post("/api/v1/flatten", json={"wait_s": 2}, headers=v1.auth("trade"))
    )
    await until(lambda: v1.clock.sleepers == 1)  # the route waits on the clock for the engine
    await manager.poll_controls()
    v1.clock.advance(0.25)
    response = await asking
    assert response.status_code == 200
    body = response.json()
    assert body["state"] == "done"
    assert body["requested_by"] == "api:trade"
    assert body["run_id"] == v1.state.ledger
    assert [(o["symbol"], o["side"], o["quantity"], o["status"]) for o in body["orders"]] == [
        ("TSLA", "buy", "4", "filled")
    ]
    assert manager.book.positions["TSLA"] == 0
    again = await v1.get(f"/api/v1/flatten/{body['request_id']}")
    assert again.json() == body
    await manager.stop()


async def test_without_an_answering_engine_it_is_202_and_pending(v1: V1) -> None:
    response = await v1.http.post("/api/v1/flatten", json={"wait_s": 0}, headers=v1.auth("admin"))
    assert response.status_code == 202
    assert response.json()["state"] == "pending"
    assert response.json()["orders"] == []
    default = await v1.http.post("/api/v1/flatten", headers=v1.auth("trade"), json={"wait_s": 0})
    assert default.json()["request_id"] != response.json()["request_id"]


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({"wait_s": -1}, "wait_s"),
        ({"wait_s": 11}, "wait_s"),
        ({"wait_s": "soon"}, "wait_s"),
        ({"now": 1}, "now"),
    ],
)
async def test_a_bad_body_is_422_and_nothing_is_requested(v1: V1, body: object, field: str) -> None:
    response = await v1.http.post("/api/v1/flatten", json=body, headers=v1.auth("trade"))
    assert response.status_code == 422
    assert response.json()["error"]["fields"][0]["field"] == field
    assert v1.state.db is not None
    assert await SqlControlStore(v1.state.db).flatten_requests() == []


async def test_flatten_needs_trade_and_unknown_requests_are_404(v1: V1) -> None:
    read_only = await v1.http.post("/api/v1/flatten", json={"wait_s": 0}, headers=v1.auth("read"))
    assert read_only.status_code == 403
    assert "needs 'trade'" in read_only.json()["error"]["message"]
    assert (await v1.http.post("/api/v1/flatten", json={"wait_s": 0})).status_code == 401
    missing = await v1.get("/api/v1/flatten/nope")
    assert missing.status_code == 404
    assert "no flatten request 'nope'" in missing.json()["error"]["message"]
