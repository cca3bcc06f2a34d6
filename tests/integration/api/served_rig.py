"""The API served for real: ``ApiServer`` (uvicorn, as ``freeride run`` serves it) on a free
loopback port, over a temp SQLite database, an in-memory bus, a webhook intake and a manual clock.

The server's start-up poll and the slow-client sweep both run on the manual clock, so tests move
time with ``advance`` instead of waiting for it.
"""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Callable
from contextlib import asynccontextmanager
from dataclasses import dataclass
from pathlib import Path

from freeride.alerts.intake import IntakeConfig, WebhookIntake
from freeride.alerts.service import AlertService
from freeride.api import create_app
from freeride.app.api import ApiServer, ApiState, TokenAuth, create_token
from freeride.bus.memory import InMemoryBus
from freeride.config.api import ApiSettings
from freeride.core.clock import NS_PER_SECOND, ManualClock
from freeride.ports.tokens import Scope
from freeride.storage.engine import create_engine
from freeride.storage.migrate import upgrade_engine
from freeride.storage.repositories import AlertRepository, TokenRepository

PASSPHRASE = "correct horse battery staple"
T0 = 1_700_000_000 * NS_PER_SECOND


@dataclass
class Served:
    url: str
    host: str
    port: int
    server: ApiServer
    state: ApiState
    intake: WebhookIntake
    clock: ManualClock
    tokens: dict[str, str]

    def auth(self, scope: str = "read") -> dict[str, str]:
        return {"Authorization": f"Bearer {self.tokens[scope]}"}


async def _pump(clock: ManualClock, done: Callable[[], bool]) -> None:
    while not done():
        clock.advance(0.01)
        await asyncio.sleep(0.001)


@asynccontextmanager
async def served(
    tmp_path: Path,
    *,
    api: ApiSettings | None = None,
    allow_ips: tuple[str, ...] = (),
    trusted_proxies: tuple[str, ...] = (),
) -> AsyncIterator[Served]:
    db = create_engine(f"sqlite+aiosqlite:///{tmp_path / 'served.db'}")
    await upgrade_engine(db)
    clock = ManualClock(T0)
    bus = InMemoryBus(clock)
    intake = WebhookIntake(IntakeConfig(passphrase=PASSPHRASE, allow_ips=allow_ips), bus, clock)
    await intake.start()
    repo = TokenRepository(db)
    tokens = {s.value: (await create_token(repo, s.value, s, clock))[0] for s in Scope}
    settings = (api or ApiSettings()).model_copy(update={"port": 0})
    state = ApiState(
        settings=settings,
        clock=clock,
        tokens=TokenAuth(repo, clock, cache_s=0),
        bus=bus,
        alerts=AlertService(AlertRepository(db), clock),
        intake=intake,
    )
    server = ApiServer(create_app(state), settings, clock, trusted_proxies=trusted_proxies)
    starting = asyncio.create_task(server.start())
    await _pump(clock, starting.done)
    await starting
    host, port = server.server.servers[0].sockets[0].getsockname()[:2]
    try:
        yield Served(server.url, host, port, server, state, intake, clock, tokens)
    finally:
        await server.stop()
        await intake.stop()
        await db.dispose()
