"""Property tests from the app's own OpenAPI schema (schemathesis): no 500s, and every response
has a documented status, content type and body shape.

The app runs on a loopback port in its own thread and event loop (the database engine belongs to
that loop); each operation gets a bounded number of generated requests so this stays fast. The
TradingView webhook is left out: it is passphrase-authenticated text, covered by its own tests.
"""

from __future__ import annotations

import asyncio
import threading
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import uvicorn
from hypothesis import HealthCheck, given, settings
from v1_rig import T0, seed

from freeride.alerts.service import AlertService
from freeride.api import create_app
from freeride.app.api import ApiState, TokenAuth, create_token
from freeride.app.backtest_jobs import BacktestJobs
from freeride.app.backtest_reports import BacktestReports
from freeride.app.live import LiveViews
from freeride.app.research import build_research
from freeride.app.watchlists import build_watchlists
from freeride.bus.memory import InMemoryBus
from freeride.config.api import ApiSettings
from freeride.config.settings import load_settings
from freeride.core.clock import ManualClock
from freeride.execution.control import ExecutionControl
from freeride.ports.tokens import Scope
from freeride.storage.engine import create_engine
from freeride.storage.execution import SqlControlStore
from freeride.storage.migrate import upgrade_engine
from freeride.storage.repositories import Repositories

schemathesis = pytest.importorskip("schemathesis")
from schemathesis import checks  # noqa: E402

CHECKS = [
    checks.not_a_server_error,
    checks.status_code_conformance,
    checks.content_type_conformance,
    checks.response_schema_conformance,
]


class Server:
    """The seeded API served by uvicorn on 127.0.0.1, in a thread with its own loop."""

    def __init__(self, db_path: Path) -> None:
        self.db_path = db_path
        self.ready = threading.Event()
        self.url = ""
        self.token = ""
        self._server: uvicorn.Server | None = None
        self._thread = threading.Thread(target=lambda: asyncio.run(self._main()), daemon=True)

    def start(self) -> None:
        self._thread.start()
        if not self.ready.wait(30):
            raise AssertionError("the API did not start")

    def stop(self) -> None:
        if self._server is not None:
            self._server.should_exit = True
        self._thread.join(10)

    async def _main(self) -> None:
        db = create_engine(f"sqlite+aiosqlite:///{self.db_path}")
        await upgrade_engine(db)
        clock = ManualClock(T0)
        bus = InMemoryBus(clock)
        repos = Repositories.from_engine(db)
        live = LiveViews(bus)
        await seed(repos, bus)
        self.token, _ = await create_token(repos.tokens, "schema", Scope.ADMIN, clock)
        settings = load_settings(_env_file=None, database_url=f"sqlite+aiosqlite:///{self.db_path}")
        state = ApiState(
            settings=ApiSettings(),
            clock=clock,
            tokens=TokenAuth(repos.tokens, clock),
            bus=bus,
            alerts=AlertService(repos.alerts, clock),
            repos=repos,
            run_id="run-0123456789abcdef",
            live=live,
            full_settings=settings,
            db=db,
            backtests=BacktestJobs(settings, bus, clock),
            reports=BacktestReports(repos.runs),
            control=ExecutionControl(SqlControlStore(db), clock),
            research=await build_research(settings, bus, db, clock, None),
            watchlists=build_watchlists(settings, db, clock),
        )
        app = create_app(state)
        config = uvicorn.Config(app, host="127.0.0.1", port=0, log_level="warning", lifespan="off")
        self._server = server = uvicorn.Server(config)
        task = asyncio.create_task(server.serve())
        while not server.started:  # noqa: ASYNC110  (uvicorn offers a flag, not an event)
            await asyncio.sleep(0.01)
        host, port = server.servers[0].sockets[0].getsockname()[:2]
        self.url = f"http://{host}:{port}"
        self.ready.set()
        await task
        await db.dispose()


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Server]:
    running = Server(tmp_path_factory.mktemp("schema") / "api.db")
    running.start()
    yield running
    running.stop()


def _operations() -> dict[str, Any]:
    """Every operation of the app's schema by label (the schema does not depend on the state)."""
    app = create_app(
        ApiState(settings=ApiSettings(), clock=ManualClock(0), tokens=TokenAuth(None, ManualClock(0)))
    )  # type: ignore[arg-type]
    loaded = schemathesis.openapi.from_dict(app.openapi()).exclude(path_regex="^/webhooks/")
    ops = [result.ok() for result in loaded.get_all_operations()]
    # POST /api/v1/flatten waits on the clock for an engine's answer, and nothing advances this
    # rig's manual clock; its bodies, statuses and 4xx are checked in test_api_flatten.
    return {op.label: op for op in ops if op.label != "POST /api/v1/flatten"}


OPERATIONS = _operations()


@pytest.mark.parametrize("label", sorted(OPERATIONS))
def test_the_api_keeps_to_its_own_schema(label: str, server: Server) -> None:
    headers = {"Authorization": f"Bearer {server.token}"}

    @given(case=OPERATIONS[label].as_strategy())
    @settings(max_examples=12, deadline=None, suppress_health_check=list(HealthCheck), database=None)
    def check(case: Any) -> None:
        case.call_and_validate(base_url=server.url, headers=headers, checks=CHECKS)

    check()
