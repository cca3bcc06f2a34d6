"""Reports of stored backtests: rebuilt from the recorded inputs, refused with the reason when they
cannot be (another kind of run, unfinished, stored by an older version, data gone or changed)."""

from __future__ import annotations

import asyncio
import shutil
import threading
from decimal import Decimal
from pathlib import Path

import pytest

from freeride.app.backtest import DataFile, Period, load_bars, run_id_for, store_result
from freeride.app.backtest_reports import BacktestReports, NoReport, NoSuchRun, inputs_config, stored_inputs
from freeride.backtest.engine import run_event
from freeride.backtest.spec import BacktestSpec
from freeride.config.run import default_feeds
from freeride.exchange.costs import PerUnitCommission
from freeride.ports.repositories import RunInfo
from freeride.storage.engine import create_engine
from freeride.storage.repositories import RunRepository

SPEC = BacktestSpec(
    strategy="sma_cross",
    params={"fast": 10, "slow": 30, "size": 50},
    commission=PerUnitCommission(Decimal("0.005")),
)


@pytest.fixture
def goog(tmp_path: Path) -> DataFile:
    shipped = next(f for f in default_feeds() if f.symbol == "GOOG")
    path = tmp_path / "goog.csv"
    shutil.copyfile(shipped.resolve_path(), path)
    return DataFile(path, "GOOG", "1d")


def stored(files: list[DataFile], engine: str = "event", **changes: object) -> RunInfo:
    run_id = run_id_for("backtest", SPEC, files, {"engine": engine})
    fields: dict[str, object] = {
        "run_id": run_id,
        "name": "backtest:sma_cross",
        "config": inputs_config(SPEC, files, engine),
        "started_at": 1,
        "finished_at": 2,
        **changes,
    }
    return RunInfo(**fields)  # type: ignore[arg-type]


def test_the_recorded_inputs_read_back_as_they_were(goog: DataFile) -> None:
    spec, files, engine, period = stored_inputs(stored([goog], "vector"))
    assert spec == SPEC  # the tagged commission model too
    assert files == [DataFile(goog.path.resolve(), "GOOG", "1d")]
    assert engine == "vector"
    assert period.whole  # the whole file: stored before periods existed, read the same


@pytest.mark.parametrize(
    ("change", "reason"),
    [
        ({"run_id": "sweep-0123456789abcdef", "name": "sweep:sma_cross"}, "is a sweep run"),
        ({"finished_at": None}, "has not finished"),
        ({"config": {"spec": SPEC.to_json(), "data": ["goog.csv"], "engine": "event"}}, "older version"),
        (
            {"config": {"spec": {"strategy": 3}, "files": [{"path": "x", "symbol": "GOOG"}]}},
            "do not read back",
        ),
    ],
)
def test_runs_whose_report_cannot_be_rebuilt_say_why(
    goog: DataFile, change: dict[str, object], reason: str
) -> None:
    with pytest.raises(NoReport, match=reason):
        stored_inputs(stored([goog], **change))


def test_a_gone_or_changed_data_file_is_named(goog: DataFile) -> None:
    run = stored([goog])
    goog.path.write_bytes(goog.path.read_bytes().replace(b"\n", b"\r\n", 1))
    with pytest.raises(NoReport, match=r"data changed since the run \(.*goog.csv\)"):
        stored_inputs(run)
    goog.path.unlink()
    with pytest.raises(NoReport, match=r"data file .*goog.csv is gone"):
        stored_inputs(run)


async def test_a_stored_run_gets_its_own_figures_back_once_for_concurrent_asks(
    goog: DataFile, tmp_path: Path
) -> None:
    url = f"sqlite+aiosqlite:///{tmp_path / 'runs.db'}"
    run = stored([goog])
    result = run_event(SPEC, load_bars([goog]))
    summary = result.summary()
    await store_result(
        url, run.run_id, name=run.name, config=run.config, summary=summary, started_at=1, finished_at=2
    )
    engine = create_engine(url)
    try:
        reports = BacktestReports(RunRepository(engine))
        pages = await asyncio.gather(*(reports.html(run.run_id) for _ in range(3)))
        assert reports.rendered == 1
        assert pages[0] == pages[1] == pages[2]
        assert f"{float(summary['final_equity']):,.2f}" in pages[0]
        assert run.run_id in pages[0]
        assert await reports.html(run.run_id) is pages[0]  # kept
        with pytest.raises(NoSuchRun):
            await reports.html("backtest-ffffffffffffffff")
    finally:
        await engine.dispose()


async def test_a_reader_going_away_neither_fails_the_others_nor_lets_two_render(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    import freeride.app.backtest_reports as reports_module

    class Runs:
        async def get(self, run_id: str) -> RunInfo:
            return RunInfo(run_id=run_id, name="backtest:x", config={}, started_at=1, finished_at=2)

    release, started = threading.Event(), threading.Event()
    running: list[str] = []
    peak = 0

    def slow_render(run_id: str, *_: object) -> str:
        nonlocal peak
        running.append(run_id)
        peak = max(peak, len(running))
        started.set()
        release.wait(5)
        running.remove(run_id)
        return f"page of {run_id}"

    monkeypatch.setattr(reports_module, "stored_inputs", lambda run: (SPEC, [], "event", Period()))
    monkeypatch.setattr(reports_module, "render", slow_render)
    reports = BacktestReports(Runs())  # type: ignore[arg-type]
    first = asyncio.create_task(reports.html("backtest-a"))
    second = asyncio.create_task(reports.html("backtest-a"))  # shares the rendering
    assert await asyncio.to_thread(started.wait, 5)
    first.cancel()  # the first reader closed the tab
    other = asyncio.create_task(reports.html("backtest-b"))  # another run asked meanwhile
    await asyncio.sleep(0.01)
    release.set()
    assert await second == "page of backtest-a"
    assert await other == "page of backtest-b"
    assert first.cancelled()
    assert peak == 1
    assert reports.rendered == 2
