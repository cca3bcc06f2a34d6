"""``/api/v1/kill-switch``: status, pull (trade scope), resume (admin scope), bad bodies change nothing."""

from __future__ import annotations

import asyncio

import httpx
import pytest
from v1_rig import V1


async def test_pull_and_resume_the_kill_switch(v1: V1) -> None:
    assert (await v1.get("/api/v1/kill-switch")).json() == {"halted": False, "halts": []}
    pulled = await v1.http.post(
        "/api/v1/kill-switch", json={"reason": "flash crash"}, headers=v1.auth("trade")
    )
    assert pulled.status_code == 201
    assert pulled.json()["kind"] == "kill"
    assert pulled.json()["source"] == "api:trade"
    status = (await v1.get("/api/v1/kill-switch")).json()
    assert status["halted"] is True
    assert [(h["kind"], h["reason"]) for h in status["halts"]] == [("kill", "flash crash")]
    denied = await v1.http.post("/api/v1/kill-switch/resume", json={}, headers=v1.auth("trade"))
    assert denied.status_code == 403
    assert (await v1.get("/api/v1/kill-switch")).json()["halted"] is True  # nothing changed
    resumed = await v1.http.post("/api/v1/kill-switch/resume", json={}, headers=v1.auth("admin"))
    assert resumed.json() == {"halted": False, "halts": []}


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({}, "reason"),
        ({"reason": ""}, "reason"),
        ({"reason": 5}, "reason"),
        ({"reason": "x", "why": 1}, "why"),
    ],
)
async def test_a_bad_body_is_422_and_nothing_is_halted(v1: V1, body: object, field: str) -> None:
    response = await v1.http.post("/api/v1/kill-switch", json=body, headers=v1.auth("trade"))
    assert response.status_code == 422
    assert response.json()["error"]["fields"][0]["field"] == field
    assert (await v1.get("/api/v1/kill-switch")).json()["halted"] is False


async def test_pulling_needs_trade_and_a_token(v1: V1) -> None:
    read_only = await v1.http.post("/api/v1/kill-switch", json={"reason": "x"}, headers=v1.auth("read"))
    assert read_only.status_code == 403
    assert "needs 'trade'" in read_only.json()["error"]["message"]
    anonymous = await v1.http.post("/api/v1/kill-switch", json={"reason": "x"})
    assert anonymous.status_code == 401
    assert (await v1.get("/api/v1/kill-switch")).json()["halted"] is False


async def test_resume_names_unknown_kinds(v1: V1) -> None:
    response = await v1.http.post(
        "/api/v1/kill-switch/resume", json={"kinds": ["panic"]}, headers=v1.auth("admin")
    )
    assert response.status_code == 422
    assert response.json()["error"]["fields"][0]["field"] == "kinds.0"


async def test_fifty_concurrent_callers_of_mixed_scopes_all_succeed(v1: V1) -> None:
    """The kill switch is what an operator reaches for when things go wrong, often from several
    places at once: every call must be answered, none may fail with a 500 (no per-request
    migration or engine: the process's one engine serves them all)."""

    async def call(i: int) -> httpx.Response:
        match i % 5:
            case 0:
                return await v1.http.post(
                    "/api/v1/kill-switch", json={"reason": f"panic {i}"}, headers=v1.auth("trade")
                )
            case 1:
                return await v1.http.post("/api/v1/kill-switch/resume", json={}, headers=v1.auth("admin"))
            case 2:
                return await v1.http.post(
                    "/api/v1/kill-switch", json={"reason": f"panic {i}"}, headers=v1.auth("admin")
                )
            case _:
                return await v1.get("/api/v1/kill-switch", scope="read" if i % 2 else "trade")

    responses = await asyncio.gather(*(call(i) for i in range(50)))
    assert [r.status_code for r in responses if r.status_code >= 500] == []
    assert sorted({r.status_code for r in responses}) == [200, 201]
    final = await v1.http.post("/api/v1/kill-switch", json={"reason": "last word"}, headers=v1.auth("trade"))
    assert final.status_code == 201
    assert (await v1.get("/api/v1/kill-switch")).json()["halted"] is True
