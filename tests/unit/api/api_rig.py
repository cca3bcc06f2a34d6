"""An API over a temp SQLite database, a manual clock and an in-memory bus, with one token per scope."""

from __future__ import annotations

from collections.abc import AsyncIterator
from dataclasses import dataclass
from pathlib import Path

import httpx
import pytest

from freeride.alerts.engine import AlertEngine
from freeride.alerts.intake import IntakeConfig, WebhookIntake
from freeride.alerts.service import AlertService
from freeride.api import create_app
from freeride.app.api import ApiState, TokenAuth, create_token
from freeride.app.sessions import SessionAuth
from freeride.bus.memory import InMemoryBus
from freeride.config.api import ApiSettings
from freeride.core.clock import NS_PER_SECOND, ManualClock
from freeride.ports.tokens import Scope
from freeride.storage.engine import create_engine
from freeride.storage.migrate import upgrade_engine
from freeride.storage.repositories import AlertRepository, SessionRepository, TokenRepository

PASSPHRASE = "correct horse battery staple"
T0 = 1_700_000_000 * NS_PER_SECOND


@dataclass
class Api:
    http: httpx.AsyncClient
    state: ApiState
    engine: AlertEngine
    intake: WebhookIntake
    bus: InMemoryBus
    clock: ManualClock
    tokens: dict[str, str]

    def auth(self, scope: str) -> dict[str, str]:
        return {"Authorization": f"Bearer {self.tokens[scope]}"}


@pytest.fixture
async def api(tmp_path: Path) -> AsyncIterator[Api]:
    db = create_engine(f"sqlite+aiosqlite:///{tmp_path / 'api.db'}")
    await upgrade_engine(db)
    clock = ManualClock(T0)
    bus = InMemoryBus(clock)
    engine = AlertEngine(bus, clock)
    await engine.start()
    intake = WebhookIntake(
        IntakeConfig(passphrase=PASSPHRASE, max_body_bytes=2_048, dedupe_window_s=300), bus, clock
    )
    await intake.start()
    repo = TokenRepository(db)
    tokens = {s.value: (await create_token(repo, s.value, s, clock))[0] for s in Scope}
    auth = TokenAuth(repo, clock, cache_s=0)
    state = ApiState(
        settings=ApiSettings(),
        clock=clock,
        tokens=auth,
        sessions=SessionAuth(SessionRepository(db), auth.check, clock, ttl_s=30 * 86_400, cache_s=0),
        bus=bus,
        alerts=AlertService(AlertRepository(db), clock, engine),
        intake=intake,
    )
    transport = httpx.ASGITransport(create_app(state), client=("52.89.214.238", 4321))
    async with httpx.AsyncClient(transport=transport, base_url="http://api.test") as http:
        yield Api(http=http, state=state, engine=engine, intake=intake, bus=bus, clock=clock, tokens=tokens)
    await intake.stop()
    await engine.stop()
    await db.dispose()
