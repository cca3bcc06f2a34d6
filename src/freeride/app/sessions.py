"""Dashboard sessions: sign in once with an API token, then a cookie carries the login.

A browser that pasted a token (or followed the run's ``/login?token=`` link) gets a random
session secret (``frs_`` + 256 random bits) in an HttpOnly cookie; the database keeps only its
SHA-256, the token it came from and its expiry (``api.session_ttl_s``, 30 days by default). The
session acts with its token's scope and lives only as long as that token: revoking the token
(``freeride api token revoke``) or its expiry ends every session made from it, and signing out
ends one. So a login with a long-lived token outlasts restarts of the service, while a login with
a run's one-time token ends with that run, as the token does.

Checks are cached for ``token_cache_s`` like bearer tokens (``app.api.TokenAuth``), so a revoked
token's sessions stop working within that time without a database read per request.
"""

from __future__ import annotations

import hashlib
import secrets
from collections.abc import Awaitable, Callable

from freeride.core.clock import NS_PER_SECOND, Clock
from freeride.ports.tokens import ApiToken
from freeride.storage.repositories import SessionRepository
from freeride.storage.repositories.sessions import Session

SESSION_PREFIX = "frs_"
COOKIE = "freeride_session"


TokenCheck = Callable[[str], Awaitable[ApiToken | None]]
"""How a pasted API token is checked (``app.api.TokenAuth.check``)."""


def new_secret() -> str:
    return SESSION_PREFIX + secrets.token_urlsafe(32)


def hash_secret(secret: str) -> str:
    return hashlib.sha256(secret.encode()).hexdigest()


class SessionAuth:
    """Opens, checks and ends dashboard sessions."""

    def __init__(
        self,
        repo: SessionRepository,
        check_token: TokenCheck,
        clock: Clock,
        ttl_s: float,
        cache_s: float = 5.0,
    ) -> None:
        self.repo = repo
        self.ttl_s = ttl_s
        self._check_token = check_token
        self._clock = clock
        self._cache_ns = int(cache_s * NS_PER_SECOND)
        self._cache: dict[str, tuple[Session | None, int]] = {}
        # signed out in this process: a check that read the session before the sign-out was
        # stored must not put it back in the cache (it would be good again for ``cache_s``)
        self._ended: set[str] = set()

    async def open(self, token: str) -> tuple[str, Session] | None:
        """A new session for a valid API token: its secret (for the cookie) and record; else ``None``."""
        record = await self._check_token(token)
        if record is None:
            return None
        secret = new_secret()
        now = self._clock.now_ns()
        session = await self.repo.create(
            token_id=record.id,
            secret_hash=hash_secret(secret),
            now_ns=now,
            expires_at=now + round(self.ttl_s * NS_PER_SECOND),
        )
        return secret, session

    async def check(self, secret: str | None) -> ApiToken | None:
        """The token a valid session acts for, else ``None`` (unknown, signed out, expired, or its
        token revoked or expired)."""
        if not secret or not secret.startswith(SESSION_PREFIX) or len(secret) > 200:
            return None
        digest = hash_secret(secret)
        if digest in self._ended:
            return None
        now = self._clock.now_ns()
        hit = self._cache.get(digest)
        if hit is not None and hit[1] > now:
            session = hit[0]
        else:
            session = await self.repo.by_hash(digest)
            if digest in self._ended:  # signed out while this read was on its way
                return None
            if self._cache_ns > 0:
                if len(self._cache) > 10_000:  # bounded: a flood of made-up cookies cannot grow it
                    self._cache.clear()
                self._cache[digest] = (session, now + self._cache_ns)
        return session.token if session is not None and session.valid_at(now) else None

    async def close(self, secret: str | None) -> bool:
        """Sign the session out; ``False`` when there was none to end."""
        if not secret or not secret.startswith(SESSION_PREFIX):
            return False
        digest = hash_secret(secret)
        if len(self._ended) > 10_000:  # bounded; the stored revocation answers for older ones
            self._ended.clear()
        self._ended.add(digest)
        self._cache.pop(digest, None)
        return await self.repo.revoke(digest, self._clock.now_ns())
