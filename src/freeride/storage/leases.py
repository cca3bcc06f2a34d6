"""Execution leases: one worker per broker account may send, proven by a fencing token.

``acquire`` takes the account's row when it is free or expired (the token goes up by one),
``renew`` extends it while the row still names this holder and token, ``release`` gives it up at
a clean stop. ``Fence.check`` runs first in every order write's transaction: it reads the row
``FOR SHARE`` on PostgreSQL, so a takeover (an ``UPDATE`` of that row) waits for the write in
flight and every write after it sees the new token and is refused (``FencedOut``). A worker that
stalled past its lease therefore cannot store, hence cannot send, anything once another took over.
Expiry times come from each worker's clock: keep the lease's time to live well above the skew.
"""

from __future__ import annotations

from dataclasses import dataclass

import sqlalchemy as sa
from sqlalchemy.ext.asyncio import AsyncConnection, AsyncEngine

from freeride.core.errors import FencedOut
from freeride.storage.repositories._base import dialect_insert
from freeride.storage.tables import execution_leases as leases


@dataclass(frozen=True)
class Fence:
    """What this worker holds: checked at the start of each order write's transaction."""

    account: str
    holder: str
    token: int

    async def check(self, conn: AsyncConnection) -> None:
        query = sa.select(leases.c.holder, leases.c.token).where(leases.c.account == self.account)
        if conn.dialect.name == "postgresql":
            query = query.with_for_update(read=True)
        row = (await conn.execute(query)).first()
        if row is None or (row.holder, row.token) != (self.holder, self.token):
            now = f"{row.holder} with token {row.token}" if row is not None else "nobody"
            raise FencedOut(
                f"execution lease of account {self.account!r} lost: held by {now}, this worker has token "
                f"{self.token}; the write is refused"
            )


class LeaseRepository:
    def __init__(self, engine: AsyncEngine) -> None:
        self._engine = engine

    async def acquire(self, account: str, holder: str, now_ns: int, ttl_ns: int) -> Fence | None:
        """The lease when free, expired or already ours (a new token each time it changes hands)."""
        async with self._engine.begin() as conn:
            row = (
                await conn.execute(
                    sa.select(leases.c.holder, leases.c.token, leases.c.expires_at).where(
                        leases.c.account == account
                    )
                )
            ).first()
            if row is None:
                first = {"account": account, "holder": holder, "token": 1, "expires_at": now_ns + ttl_ns}
                insert = dialect_insert(conn, leases).values(first)
                inserted = await conn.execute(insert.on_conflict_do_nothing(index_elements=["account"]))
                return Fence(account, holder, 1) if inserted.rowcount == 1 else None
            if row.holder == holder:
                return (
                    Fence(account, holder, row.token)
                    if await self._extend(conn, account, holder, row.token, now_ns + ttl_ns)
                    else None
                )
            if row.expires_at > now_ns:
                return None
            taken = await conn.execute(
                sa.update(leases)
                .where(
                    leases.c.account == account, leases.c.token == row.token, leases.c.expires_at <= now_ns
                )
                .values(holder=holder, token=row.token + 1, expires_at=now_ns + ttl_ns)
            )
            return Fence(account, holder, row.token + 1) if taken.rowcount == 1 else None

    async def renew(self, fence: Fence, now_ns: int, ttl_ns: int) -> bool:
        """Extend the lease; ``False`` when it is no longer ours (stop sending at once)."""
        async with self._engine.begin() as conn:
            return await self._extend(conn, fence.account, fence.holder, fence.token, now_ns + ttl_ns)

    async def release(self, fence: Fence) -> None:
        """Let the next worker take over at once instead of after the lease's time to live."""
        async with self._engine.begin() as conn:
            await conn.execute(
                sa.update(leases)
                .where(
                    leases.c.account == fence.account,
                    leases.c.holder == fence.holder,
                    leases.c.token == fence.token,
                )
                .values(expires_at=0)
            )

    async def holder(self, account: str) -> tuple[str, int] | None:
        async with self._engine.connect() as conn:
            row = (
                await conn.execute(
                    sa.select(leases.c.holder, leases.c.token).where(leases.c.account == account)
                )
            ).first()
        return (row.holder, row.token) if row is not None else None

    @staticmethod
    async def _extend(conn: AsyncConnection, account: str, holder: str, token: int, until: int) -> bool:
        done = await conn.execute(
            sa.update(leases)
            .where(leases.c.account == account, leases.c.holder == holder, leases.c.token == token)
            .values(expires_at=until)
        )
        return done.rowcount == 1
