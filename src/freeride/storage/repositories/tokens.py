"""API tokens: hashes, scopes, revocation."""

from __future__ import annotations

from typing import Any

import sqlalchemy as sa

from freeride.core.errors import InvalidInput
from freeride.ports.tokens import ApiToken, Scope
from freeride.storage.repositories._base import Repository
from freeride.storage.tables import api_tokens as t


def token_of_row(row: Any) -> ApiToken:
    return ApiToken(
        id=int(row["id"]),
        name=row["name"],
        scope=Scope(row["scope"]),
        prefix=row["prefix"],
        created_at=int(row["created_at"]),
        revoked_at=row["revoked_at"],
        last_used_at=row["last_used_at"],
        expires_at=row["expires_at"],
    )


class TokenRepository(Repository):
    async def create(
        self,
        *,
        name: str,
        scope: Scope,
        secret_hash: str,
        prefix: str,
        now_ns: int,
        expires_at: int | None = None,
    ) -> ApiToken:
        async with self._engine.begin() as conn:
            taken = await conn.execute(sa.select(t.c.id).where(t.c.name == name, t.c.revoked_at.is_(None)))
            if taken.first() is not None:
                raise InvalidInput(f"an active token named {name!r} exists; revoke it or pick another name")
            stmt = (
                sa.insert(t)
                .values(
                    name=name,
                    scope=scope.value,
                    secret_hash=secret_hash,
                    prefix=prefix,
                    created_at=now_ns,
                    expires_at=expires_at,
                )
                .returning(*t.c)
            )
            row = (await conn.execute(stmt)).mappings().one()
        return token_of_row(row)

    async def by_hash(self, secret_hash: str) -> ApiToken | None:
        async with self._engine.connect() as conn:
            row = (await conn.execute(sa.select(t).where(t.c.secret_hash == secret_hash))).mappings().first()
        return None if row is None else token_of_row(row)

    async def list(self, *, include_revoked: bool = False) -> list[ApiToken]:
        stmt = sa.select(t).order_by(t.c.id)
        if not include_revoked:
            stmt = stmt.where(t.c.revoked_at.is_(None))
        async with self._engine.connect() as conn:
            return [token_of_row(r) for r in (await conn.execute(stmt)).mappings()]

    async def revoke(self, token_id_or_name: str, now_ns: int) -> ApiToken | None:
        match = t.c.name == token_id_or_name
        if token_id_or_name.isdigit():
            match = sa.or_(match, t.c.id == int(token_id_or_name))
        async with self._engine.begin() as conn:
            row = (
                (
                    await conn.execute(
                        sa.update(t)
                        .where(match, t.c.revoked_at.is_(None))
                        .values(revoked_at=now_ns)
                        .returning(*t.c)
                    )
                )
                .mappings()
                .first()
            )
        return None if row is None else token_of_row(row)

    async def touch(self, token_id: int, now_ns: int) -> None:
        async with self._engine.begin() as conn:
            await conn.execute(sa.update(t).where(t.c.id == token_id).values(last_used_at=now_ns))

    async def extend(self, token_id: int, expires_at: int) -> None:
        """Move an active token's expiry (a served run renews its login token's lease)."""
        async with self._engine.begin() as conn:
            await conn.execute(
                sa.update(t).where(t.c.id == token_id, t.c.revoked_at.is_(None)).values(expires_at=expires_at)
            )

    async def active_named(self, prefix: str) -> tuple[ApiToken, ...]:
        """Active (not revoked) tokens whose name starts with ``prefix``."""
        stmt = sa.select(t).where(t.c.name.startswith(prefix, autoescape=True), t.c.revoked_at.is_(None))
        async with self._engine.connect() as conn:
            return tuple(token_of_row(r) for r in (await conn.execute(stmt.order_by(t.c.id))).mappings())
