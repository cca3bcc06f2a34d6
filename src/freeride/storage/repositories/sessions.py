"""Dashboard sessions: a hash of each session's secret, the token it came from, its expiry.

A session is only as good as its token: ``by_hash`` returns the session with its token's record,
so the caller checks both (a revoked or expired token ends every session made from it).
"""

from __future__ import annotations

from typing import Any

import msgspec
import sqlalchemy as sa
from sqlalchemy.ext.asyncio import AsyncEngine

from freeride.ports.tokens import ApiToken
from freeride.storage.repositories._base import Repository
from freeride.storage.repositories.tokens import token_of_row
from freeride.storage.tables import api_sessions as s
from freeride.storage.tables import api_tokens as t


class Session(msgspec.Struct, frozen=True, kw_only=True):
    """A signed-in browser: ``token`` is the API token it signed in with, as stored now."""

    id: int
    token: ApiToken
    created_at: int
    expires_at: int
    revoked_at: int | None = None

    def valid_at(self, now_ns: int) -> bool:
        """Neither signed out nor expired, and its token still valid."""
        return self.revoked_at is None and now_ns < self.expires_at and self.token.valid_at(now_ns)


def _session(row: Any) -> Session:
    token = token_of_row({c.name: row[f"tok_{c.name}"] for c in t.c})
    return Session(
        id=int(row["id"]),
        token=token,
        created_at=int(row["created_at"]),
        expires_at=int(row["expires_at"]),
        revoked_at=row["revoked_at"],
    )


class SessionRepository(Repository):
    def __init__(self, engine: AsyncEngine) -> None:
        super().__init__(engine)
        self._select = sa.select(s, *(c.label(f"tok_{c.name}") for c in t.c)).join(t, t.c.id == s.c.token_id)

    async def create(self, *, token_id: int, secret_hash: str, now_ns: int, expires_at: int) -> Session:
        """Store a new session; sessions ended more than a day ago are swept out on the way."""
        async with self._engine.begin() as conn:
            day_ago = now_ns - 86_400 * 1_000_000_000
            await conn.execute(sa.delete(s).where(sa.or_(s.c.expires_at < day_ago, s.c.revoked_at < day_ago)))
            new_id = (
                await conn.execute(
                    sa.insert(s)
                    .values(
                        token_id=token_id, secret_hash=secret_hash, created_at=now_ns, expires_at=expires_at
                    )
                    .returning(s.c.id)
                )
            ).scalar_one()
            row = (await conn.execute(self._select.where(s.c.id == new_id))).mappings().one()
        return _session(row)

    async def by_hash(self, secret_hash: str) -> Session | None:
        async with self._engine.connect() as conn:
            row = (await conn.execute(self._select.where(s.c.secret_hash == secret_hash))).mappings().first()
        return None if row is None else _session(row)

    async def revoke(self, secret_hash: str, now_ns: int) -> bool:
        """Sign a session out; ``False`` when no active session has that hash."""
        async with self._engine.begin() as conn:
            result = await conn.execute(
                sa.update(s)
                .where(s.c.secret_hash == secret_hash, s.c.revoked_at.is_(None))
                .values(revoked_at=now_ns)
            )
        return bool(result.rowcount)
