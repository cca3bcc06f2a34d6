"""``/api/v1/kill-switch``: status, pull (trade scope), resume (admin scope), bad bodies change nothing."""

from __future__ import annotations

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
