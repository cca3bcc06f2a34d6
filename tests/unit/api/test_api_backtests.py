"""``/api/v1/backtests``: start one on this process's data, see its progress on the bus, read its
figures and find it stored; bad requests start nothing."""

from __future__ import annotations

from typing import Any

import pytest
from v1_rig import V1

from freeride.bus import topics


async def test_a_backtest_runs_reports_progress_and_is_stored(v1: V1) -> None:
    progress: list[Any] = []
    v1.bus.subscribe(topics.ALL_BACKTEST_PROGRESS, progress.append)
    body = {"strategy": "sma_cross", "symbol": "GOOG", "params": {"fast": 10, "slow": 30, "size": 50}}
    started = await v1.http.post("/api/v1/backtests", json=body, headers=v1.auth("trade"))
    assert started.status_code == 202, started.text
    run_id = started.json()["run_id"]
    assert started.json()["progress_topic"] == f"backtest.progress.{run_id}"
    assert v1.state.backtests is not None
    job = await v1.state.backtests.wait(run_id)
    assert job.status == "done", job.error
    one = (await v1.get(f"/api/v1/backtests/{run_id}")).json()
    assert one["status"] == "done"
    assert one["done"] == one["total"] > 2_000  # the shipped GOOG daily bars
    assert one["summary"]["trades"] > 0
    assert progress[-1].status == "done"
    assert any(p.status == "running" and 0 < p.done < p.total for p in progress)
    stored = (await v1.get(f"/api/v1/runs/{run_id}")).json()
    assert stored["summary"]["final_equity"] == one["summary"]["final_equity"]
    assert (await v1.get("/api/v1/backtests")).json()["items"][0]["run_id"] == run_id


@pytest.mark.parametrize(
    ("body", "status", "field"),
    [
        ({"strategy": "moon", "symbol": "GOOG"}, 422, "strategy"),
        ({"strategy": "sma_cross", "symbol": "AAPL"}, 422, "body"),  # no data for it here
        ({"strategy": "sma_cross", "symbol": "GOOG", "params": {"fast": -3}}, 422, "body"),
        ({"strategy": "sma_cross", "symbol": "GOOG", "cash": 0}, 422, "cash"),
        ({"strategy": "sma_cross", "symbol": "GOOG", "commission": "1.5"}, 422, "commission"),
        ({"strategy": "sma_cross", "symbol": "GOOG", "path": "/etc/passwd"}, 422, "path"),
        ({"symbol": "GOOG"}, 422, "strategy"),
    ],
)
async def test_bad_requests_start_nothing(v1: V1, body: dict[str, Any], status: int, field: str) -> None:
    response = await v1.http.post("/api/v1/backtests", json=body, headers=v1.auth("trade"))
    assert response.status_code == status, response.text
    assert response.json()["error"]["fields"][0]["field"] == field
    assert v1.state.backtests is not None
    assert not v1.state.backtests.jobs


async def test_starting_needs_trade_and_unknown_ids_are_404(v1: V1) -> None:
    body = {"strategy": "sma_cross", "symbol": "GOOG"}
    denied = await v1.http.post("/api/v1/backtests", json=body, headers=v1.auth("read"))
    assert denied.status_code == 403
    missing = await v1.get("/api/v1/backtests/backtest-0000")
    assert missing.status_code == 404
    assert "no backtest 'backtest-0000'" in missing.json()["error"]["message"]
