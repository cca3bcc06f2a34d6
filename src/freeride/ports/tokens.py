"""API tokens as stored: only a hash of the secret is ever kept.

Scopes are ordered: ``admin`` includes ``trade``, which includes ``read``. A token may carry an
expiry (``expires_at``): a run's login token does, so a run that dies without revoking it leaves
nothing valid behind for long.
"""

from __future__ import annotations

from enum import StrEnum
from typing import Protocol

import msgspec


class Scope(StrEnum):
    READ = "read"
    TRADE = "trade"
    ADMIN = "admin"


SCOPE_RANK = {Scope.READ: 0, Scope.TRADE: 1, Scope.ADMIN: 2}


class ApiToken(msgspec.Struct, frozen=True, kw_only=True):
    id: int
    name: str
    scope: Scope
    prefix: str  # the first characters of the token, to recognise it in a list
    created_at: int
    revoked_at: int | None = None
    last_used_at: int | None = None
    expires_at: int | None = None

    def allows(self, needed: Scope) -> bool:
        return self.revoked_at is None and SCOPE_RANK[self.scope] >= SCOPE_RANK[needed]

    def valid_at(self, now_ns: int) -> bool:
        """Neither revoked nor expired at ``now_ns``."""
        return self.revoked_at is None and (self.expires_at is None or now_ns < self.expires_at)


class TokenRepository(Protocol):
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
        """Store a token's hash; ``InvalidInput`` when an active token already has ``name``."""
        ...

    async def by_hash(self, secret_hash: str) -> ApiToken | None: ...

    async def list(self, *, include_revoked: bool = False) -> list[ApiToken]: ...

    async def revoke(self, token_id_or_name: str, now_ns: int) -> ApiToken | None:
        """Revoke by id or name; ``None`` when no active token matches."""
        ...

    async def touch(self, token_id: int, now_ns: int) -> None:
        """Record a use (best effort)."""
        ...
