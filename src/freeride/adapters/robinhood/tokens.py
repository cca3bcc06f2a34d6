"""Robinhood tokens: kept in the secret store (never a pickle), refreshed ahead of expiry.

``Tokens`` is stored as one JSON secret (``robinhood_tokens``); its ``repr`` shows no token.
``TokenVault`` reads and writes it through the secret chain's write-back, so whichever writable
store holds it (file, OS keyring, Azure Key Vault) gets the new value.

``TokenDaemon`` refreshes ``refresh_ahead_s`` before the access token expires, on the injected
clock. Robinhood's refresh tokens are single-use: the new pair is persisted **before** it is used,
so a crash right after a refresh cannot leave only a spent refresh token behind. A refresh that
is refused (``invalid_grant``) is final: ``on_failure`` hears an ``AuthError`` at once (the
composition root turns it into a system event, an operator alert and, if configured, the kill
switch). Passing faults are retried with growing pauses until the access token has expired.
"""

from __future__ import annotations

import asyncio
import json
from collections.abc import Awaitable, Callable
from typing import Protocol

import msgspec
import structlog

from freeride.core.clock import NS_PER_SECOND, Clock
from freeride.core.errors import AuthError, TemporaryError
from freeride.net.retry import Backoff

log = structlog.get_logger(__name__)

TOKENS_SECRET = "robinhood_tokens"
DEVICE_SECRET = "robinhood_device_token"


class Tokens(msgspec.Struct, frozen=True, kw_only=True):
    access_token: str
    refresh_token: str
    expires_at_ns: int
    device_token: str
    token_type: str = "Bearer"
    scope: str = "internal"

    def __repr__(self) -> str:
        return f"Tokens(expires_at_ns={self.expires_at_ns}, access_token=***, refresh_token=***)"

    __str__ = __repr__

    def expired(self, now_ns: int) -> bool:
        return now_ns >= self.expires_at_ns


class SecretWriter(Protocol):
    """The secret chain as async code must use it: every call off the event loop."""

    async def get_async(self, name: str) -> str | None: ...

    async def write_back_async(self, name: str, value: str) -> list[str]: ...


class TokenVault:
    """The tokens in a secret store, as one JSON value.

    Every read and write is awaited off the event loop (``SecretWriter``): with the OS keyring or
    Azure Key Vault a write takes a round trip, and the refresh happens while the engine trades.
    """

    def __init__(self, store: SecretWriter) -> None:
        self._store = store

    async def load(self) -> Tokens | None:
        raw = await self._store.get_async(TOKENS_SECRET)
        if not raw:
            return None
        try:
            return msgspec.json.decode(raw, type=Tokens)
        except (msgspec.DecodeError, msgspec.ValidationError):
            log.warning("robinhood.tokens_unreadable", secret=TOKENS_SECRET)
            return None

    async def save(self, tokens: Tokens) -> list[str]:
        """Write the tokens back; returns the stores that now hold them."""
        return await self._store.write_back_async(TOKENS_SECRET, json.dumps(msgspec.to_builtins(tokens)))

    async def device_token(self) -> str | None:
        return await self._store.get_async(DEVICE_SECRET)

    async def save_device_token(self, token: str) -> None:
        await self._store.write_back_async(DEVICE_SECRET, token)


Refresher = Callable[[Tokens], Awaitable[Tokens]]
OnFailure = Callable[[AuthError], Awaitable[None]]


class TokenDaemon:
    def __init__(
        self,
        tokens: Tokens,
        refresh: Refresher,
        vault: TokenVault,
        clock: Clock,
        *,
        refresh_ahead_s: float = 3_600.0,
        on_failure: OnFailure | None = None,
    ) -> None:
        self.tokens = tokens
        self._refresh = refresh
        self._vault = vault
        self._clock = clock
        self.refresh_ahead_s = refresh_ahead_s
        self.on_failure = on_failure
        self.failure: AuthError | None = None
        self.refreshes = 0
        self._task: asyncio.Task[None] | None = None
        self._lock = asyncio.Lock()

    def start(self) -> None:
        if self._task is None:
            self._task = asyncio.create_task(self._run(), name="robinhood:tokens")

    async def stop(self) -> None:
        if self._task is not None:
            self._task.cancel()
            await asyncio.gather(self._task, return_exceptions=True)
            self._task = None

    async def _run(self) -> None:
        while self.failure is None:
            due_ns = self.tokens.expires_at_ns - round(self.refresh_ahead_s * NS_PER_SECOND)
            wait_s = (due_ns - self._clock.now_ns()) / NS_PER_SECOND
            if wait_s > 0:
                await self._clock.sleep(wait_s)
            await self.refresh_now()

    async def refresh_now(self, *, seen: str | None = None) -> Tokens:
        """Refresh (once, even if several callers ask together); ``seen`` is the access token a
        caller found rejected: if another caller already replaced it, nothing is refreshed again."""
        async with self._lock:
            if seen is not None and seen != self.tokens.access_token:
                return self.tokens
            if self.failure is not None:
                raise self.failure
            backoff = Backoff(1.0, 60.0)
            while True:
                try:
                    fresh = await self._refresh(self.tokens)
                    break
                except AuthError as exc:
                    await self._fail(exc)
                    raise
                except TemporaryError as exc:
                    if self.tokens.expired(self._clock.now_ns()):
                        failure = AuthError(f"robinhood: token expired and refresh failed: {exc}")
                        await self._fail(failure)
                        raise failure from exc
                    log.warning("robinhood.refresh_retry", problem=str(exc))
                    await self._clock.sleep(backoff.next_delay())
            await self._vault.save(fresh)  # persisted before use: the old refresh token is spent now
            self.tokens = fresh
            self.refreshes += 1
            return fresh

    async def _fail(self, exc: AuthError) -> None:
        self.failure = exc
        log.error("robinhood.refresh_failed", problem=str(exc))
        if self.on_failure is not None:
            await self.on_failure(exc)
