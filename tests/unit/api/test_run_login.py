"""A served run's login token: it expires unless its run renews it, and the next start revokes
the tokens of runs that died without revoking their own (and only those)."""

from __future__ import annotations

import os
import socket
from collections.abc import AsyncIterator
from pathlib import Path

import pytest
from sqlalchemy.ext.asyncio import AsyncEngine

from freeride.app.api import TokenAuth, create_token
from freeride.app.run_login import LEASE_S, RENEW_S, RunLogin, login_name
from freeride.app.serving import Serving
from freeride.core.clock import ManualClock
from freeride.ports.tokens import Scope
from freeride.storage.engine import create_engine
from freeride.storage.migrate import upgrade_engine
from freeride.storage.repositories import TokenRepository
from freeride.testing.fakes.waiting import until

T0 = 1_700_000_000_000_000_000
GONE_PID = 2**22 + 17  # above Linux's largest pid_max: no such process can exist


@pytest.fixture
async def db(tmp_path: Path) -> AsyncIterator[AsyncEngine]:
    engine = create_engine(f"sqlite+aiosqlite:///{tmp_path / 'login.db'}")
    await upgrade_engine(engine)
    yield engine
    await engine.dispose()


async def test_the_login_token_expires_unless_the_run_renews_it(db: AsyncEngine) -> None:
    clock = ManualClock(T0)
    repo = TokenRepository(db)
    auth = TokenAuth(repo, clock, cache_s=0)
    login = await RunLogin.open(repo, clock)
    assert login.token.expires_at == T0 + LEASE_S * 1_000_000_000
    await until(lambda: clock.sleepers == 1)  # the renewal waits
    for _ in range(12 * 4):  # four hours of renewals
        clock.advance(RENEW_S)
        await until_extended(repo, login, clock)
        await until(lambda: clock.sleepers == 1)
    assert await auth.check(login.secret) is not None
    assert login._renewer is not None
    login._renewer.cancel()  # the run dies: nobody renews any more
    clock.advance(LEASE_S - 1)
    assert await auth.check(login.secret) is not None
    clock.advance(1)
    assert await auth.check(login.secret) is None  # expired, though never revoked
    await login.close()


async def until_extended(repo: TokenRepository, login: RunLogin, clock: ManualClock) -> None:
    for _ in range(1_000):
        [stored] = [t for t in await repo.list() if t.id == login.token.id]
        if stored.expires_at == clock.now_ns() + LEASE_S * 1_000_000_000:
            return
    raise AssertionError("the lease was not renewed")


async def test_a_cached_token_stops_at_its_expiry(db: AsyncEngine) -> None:
    clock = ManualClock(T0)
    repo = TokenRepository(db)
    auth = TokenAuth(repo, clock, cache_s=60)
    secret, _ = await create_token(repo, "brief", Scope.READ, clock, expires_in_s=10)
    assert await auth.check(secret) is not None
    clock.advance(10)
    assert await auth.check(secret) is None  # the cache holds the record, not the verdict


async def test_the_next_start_revokes_only_the_logins_of_runs_that_are_gone(db: AsyncEngine) -> None:
    clock = ManualClock(T0)
    repo = TokenRepository(db)
    host = socket.gethostname()[:64]

    async def leftover(pid: int, on: str = host, expires_in_s: float = LEASE_S) -> str:
        name = login_name(clock, pid, on)
        secret, _ = await create_token(repo, name, Scope.ADMIN, clock, expires_in_s=expires_in_s)
        clock.advance(0.001)  # names carry the time: keep them apart
        return secret

    crashed = await leftover(GONE_PID)
    same_pid = await leftover(os.getpid())  # a container restarts its main process as the same pid
    alive = await leftover(os.getppid())  # another run, still serving on this database
    elsewhere = await leftover(GONE_PID, on="another-host")  # cannot tell: its lease decides
    lapsed = await leftover(os.getppid(), on="another-host", expires_in_s=1)
    legacy, _ = await create_token(repo, "run-login-20240101T000000.000000", Scope.ADMIN, clock)
    manual, _ = await create_token(repo, "dashboard", Scope.ADMIN, clock)
    clock.advance(2)
    serving = Serving(announce=lambda *_: None)
    await serving.opened(db, clock, "http://127.0.0.1:1")
    auth = TokenAuth(repo, clock, cache_s=0)
    verdicts = {
        name: await auth.check(secret) is not None
        for name, secret in [
            ("crashed", crashed),
            ("same_pid", same_pid),
            ("alive", alive),
            ("elsewhere", elsewhere),
            ("lapsed", lapsed),
            ("legacy", legacy),
            ("manual", manual),
        ]
    }
    assert verdicts == {
        "crashed": False,
        "same_pid": False,
        "alive": True,
        "elsewhere": True,
        "lapsed": False,
        "legacy": False,
        "manual": True,
    }
    active = [t.name for t in await repo.list() if t.name.startswith("run-login-")]
    assert len(active) == 3  # alive, elsewhere and this run's own
    await serving.closed(clock)
    assert len([t for t in await repo.list() if t.name.startswith("run-login-")]) == 2
