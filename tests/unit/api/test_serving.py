"""How a served run announces its login token and revokes it; token checks share one lookup."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from pathlib import Path

import pytest
from sqlalchemy.ext.asyncio import AsyncEngine

from freeride.app.api import TokenAuth, create_token, hash_token
from freeride.app.serving import Serving
from freeride.core.clock import ManualClock
from freeride.ports.tokens import ApiToken, Scope
from freeride.storage.engine import create_engine
from freeride.storage.migrate import upgrade_engine
from freeride.storage.repositories import TokenRepository


@pytest.fixture
async def db(tmp_path: Path) -> AsyncIterator[AsyncEngine]:
    engine = create_engine(f"sqlite+aiosqlite:///{tmp_path / 's.db'}")
    await upgrade_engine(engine)
    yield engine
    await engine.dispose()


async def test_the_login_token_is_announced_once_and_revoked_at_the_end(db: AsyncEngine) -> None:
    told: list[tuple[str, str]] = []
    clock = ManualClock(1_700_000_000_000_000_000)
    serving = Serving(announce=lambda url, token: told.append((url, token)))
    await serving.opened(db, clock, "http://127.0.0.1:8123")
    [(url, token)] = told
    assert url == "http://127.0.0.1:8123/"
    repo = TokenRepository(db)
    stored = await repo.by_hash(hash_token(token))
    assert stored is not None
    assert stored.scope.value == "admin"
    assert stored.revoked_at is None
    await serving.closed(clock)
    revoked = await repo.by_hash(hash_token(token))
    assert revoked is not None
    assert revoked.revoked_at == clock.now_ns()


async def test_concurrent_checks_of_one_token_share_one_lookup(db: AsyncEngine) -> None:
    clock = ManualClock(1_700_000_000_000_000_000)
    repo = TokenRepository(db)
    token, _ = await create_token(repo, "dash", Scope.READ, clock)
    lookups: list[str] = []

    class Counting:
        async def by_hash(self, digest: str) -> ApiToken | None:
            lookups.append(digest)
            return await repo.by_hash(digest)

    auth = TokenAuth(Counting(), clock)  # type: ignore[arg-type]
    records = await asyncio.gather(*(auth.check(token) for _ in range(50)))
    assert len(lookups) == 1
    assert {r.name for r in records if r is not None} == {"dash"}
    clock.advance(6)  # past the 5 s cache: asked again, once
    await asyncio.gather(*(auth.check(token) for _ in range(10)))
    assert len(lookups) == 2
