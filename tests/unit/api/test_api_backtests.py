"""``/api/v1/backtests``: start one on this process's data, see its progress on the bus, read its
figures and find it stored; bad requests start nothing."""

from __future__ import annotations

from typing import Any

import pytest
from v1_rig import V1

from freeride.api.routers.backtests import BacktestOut
from freeride.app.backtest import DataFile, load_bars, run_id_for, store_result
from freeride.app.backtest_jobs import Job
from freeride.app.backtest_reports import inputs_config
from freeride.backtest.spec import BacktestSpec
from freeride.backtest.vector import run_vector
from freeride.bus import topics
from freeride.config.run import default_feeds


async def test_a_backtest_runs_reports_progress_and_is_stored(v1: V1) -> None:
    progress: list[Any] = []
    v1.bus.subscribe(topics.ALL_BACKTEST_PROGRESS, progress.append)
    body = {"strategy": "sma_cross", "symbol": "GOOG", "params": {"fast": 10, "slow": 30, "size": 50}}
    started = await v1.http.post("/api/v1/backtests", json=body, headers=v1.auth("trade"))
    assert started.status_code == 202, started.text
    run_id = started.json()["run_id"]
    assert started.json()["progress_topic"] == topics.backtest_progress(run_id)
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


async def test_a_backtest_over_chosen_days_uses_only_those_and_has_its_report(v1: V1) -> None:
    body = {"strategy": "sma_cross", "symbol": "GOOG", "start": "2010-01-01", "end": "2010-12-31"}
    started = await v1.http.post("/api/v1/backtests", json=body, headers=v1.auth("trade"))
    assert started.status_code == 202, started.text
    run_id = started.json()["run_id"]
    assert v1.state.backtests is not None
    job = await v1.state.backtests.wait(run_id)
    assert job.status == "done", job.error
    summary = job.summary or {}
    assert 240 <= summary["bars"] <= 260  # one year of trading days
    assert summary["start"] >= 1_262_304_000 * 10**9  # 2010-01-01 UTC
    assert summary["end"] < 1_293_840_000 * 10**9  # 2011-01-01 UTC
    whole = await v1.http.post(
        "/api/v1/backtests", json={"strategy": "sma_cross", "symbol": "GOOG"}, headers=v1.auth("trade")
    )
    assert whole.json()["run_id"] != run_id  # a different period is a different run
    report = await v1.http.get(f"/api/v1/backtests/{run_id}/report", headers=v1.auth("read"))
    assert report.status_code == 200, report.text
    assert "2010" in report.text


async def test_days_with_no_bars_fail_the_backtest_saying_so(v1: V1) -> None:
    body = {"strategy": "sma_cross", "symbol": "GOOG", "start": "2030-01-01"}
    started = await v1.http.post("/api/v1/backtests", json=body, headers=v1.auth("trade"))
    assert v1.state.backtests is not None
    job = await v1.state.backtests.wait(started.json()["run_id"])
    assert job.status == "failed"
    assert job.error == "GOOG: no bars in the period asked for (its data is of other dates)"


@pytest.mark.parametrize(
    ("body", "status", "field"),
    [
        ({"strategy": "sma_cross", "symbol": "GOOG", "start": "2012-01-01", "end": "2011-01-01"}, 422, "end"),
        ({"strategy": "sma_cross", "symbol": "GOOG", "start": "1900-01-01"}, 422, "start"),
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


async def test_a_finished_backtest_serves_its_html_report(v1: V1) -> None:
    body = {"strategy": "sma_cross", "symbol": "GOOG", "params": {"fast": 10, "slow": 30, "size": 50}}
    started = await v1.http.post("/api/v1/backtests", json=body, headers=v1.auth("trade"))
    run_id = started.json()["run_id"]
    assert v1.state.backtests is not None
    job = await v1.state.backtests.wait(run_id)
    assert job.status == "done", job.error
    assert job.summary is not None
    response = await v1.get(f"/api/v1/backtests/{run_id}/report")
    assert response.status_code == 200, response.text
    assert response.headers["content-type"].startswith("text/html")
    page = response.text
    assert page.lstrip().lower().startswith("<!doctype html")
    assert run_id in page
    assert page.count("data:image/png;base64,") >= 4  # the charts are inlined: nothing to fetch
    assert f"{float(job.summary['final_equity']):,.2f}" in page  # the job's own figures
    assert "Sharpe" in page
    assert "<h2>Trades</h2>" in page
    assert "http://" not in page.replace("http://www.w3.org", "")
    assert "https://" not in page
    again = await v1.get(f"/api/v1/backtests/{run_id}/report")
    assert again.text == page  # kept, not rendered again


async def test_report_of_an_unknown_or_unfinished_backtest(v1: V1) -> None:
    missing = await v1.get("/api/v1/backtests/backtest-0000/report")
    assert missing.status_code == 404
    assert missing.json()["error"]["code"] == "not_found"
    assert "no backtest 'backtest-0000'" in missing.json()["error"]["message"]
    body = {"strategy": "sma_cross", "symbol": "GOOG"}
    started = await v1.http.post("/api/v1/backtests", json=body, headers=v1.auth("trade"))
    run_id = started.json()["run_id"]
    early = await v1.get(f"/api/v1/backtests/{run_id}/report")
    assert early.status_code == 409
    assert early.json()["error"]["code"] == "conflict"
    assert v1.state.backtests is not None
    await v1.state.backtests.wait(run_id)


async def test_the_report_needs_a_token(v1: V1) -> None:
    response = await v1.http.get("/api/v1/backtests/backtest-0000/report")
    assert response.status_code == 401
    assert response.json()["error"]["code"] == "unauthorized"


async def test_the_dashboard_links_finished_backtests_to_their_report(v1: V1) -> None:
    script = (await v1.http.get("/static/app.js")).text
    assert "open.href = r.report" in script  # the link the runs list gives for every finished backtest


async def test_a_backtest_stored_from_the_command_line_has_its_report_too(v1: V1) -> None:
    feed = next(f for f in default_feeds() if f.symbol == "GOOG")
    files = [DataFile(feed.resolve_path(), "GOOG", "1d")]
    spec = BacktestSpec(strategy="sma_cross", params={"fast": 5, "slow": 20, "size": 10})
    run_id = run_id_for("backtest", spec, files, {"engine": "vector"})
    result = run_vector(spec, load_bars(files))
    assert v1.state.full_settings is not None
    await store_result(
        v1.state.full_settings.database_url,
        run_id,
        name="backtest:sma_cross",
        config=inputs_config(spec, files, "vector"),
        summary=result.summary(),
        started_at=1,
        finished_at=2,
    )
    listed = {r["run_id"]: r for r in (await v1.get("/api/v1/runs")).json()["items"]}
    assert listed[run_id]["report"] == f"/api/v1/backtests/{run_id}/report"
    assert all(r["report"] is None for k, r in listed.items() if k != run_id)  # the embedded run: none
    page = await v1.get(f"/api/v1/backtests/{run_id}/report")
    assert page.status_code == 200, page.text
    assert f"{float(result.summary()['final_equity']):,.2f}" in page.text
    assert "vector-driven" in page.text


async def test_a_stored_run_without_a_report_says_why(v1: V1) -> None:
    await v1.repos.runs.begin("sweep-0123456789abcdef", name="sweep:sma_cross", config={}, started_at=1)
    await v1.repos.runs.finish("sweep-0123456789abcdef", summary={}, finished_at=2)
    response = await v1.get("/api/v1/backtests/sweep-0123456789abcdef/report")
    assert response.status_code == 409
    assert "is a sweep run; reports are rebuilt for backtests" in response.json()["error"]["message"]


def test_the_advertised_progress_topic_is_the_one_progress_is_published_on() -> None:
    """The topic a client is told to subscribe to is built where the publisher builds it: a run id
    with a dot (a segment separator on the bus) is escaped the same way on both sides."""
    job = Job(run_id="bt-1.5x", strategy="sma_cross", symbol="GOOG")
    assert (
        BacktestOut.of(job).progress_topic
        == topics.backtest_progress("bt-1.5x")
        == "backtest.progress.bt-1_5x"
    )
