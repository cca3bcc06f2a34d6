"""A token refresh against a slow secret store (a keyring over D-Bus, Azure Key Vault over HTTPS)
must not stop the event loop: the engine trades on while the new tokens are written."""

from __future__ import annotations

import asyncio
import threading

import msgspec

from freeride.adapters.robinhood.tokens import TOKENS_SECRET, TokenDaemon, Tokens, TokenVault
from freeride.config.secrets import ChainedSecretStore
from freeride.core.clock import NS_PER_SECOND, ManualClock
from freeride.testing.fakes.waiting import until

T0 = 1_717_430_400 * NS_PER_SECOND
LOOP_TURNS = 200  # turns the loop must take while the store is busy


class Ticker:
    """Counts the event loop's turns: a frozen loop does not count."""

    def __init__(self) -> None:
        self.turns = 0

    async def run(self) -> None:
        while True:
            self.turns += 1
            await asyncio.sleep(0)


class SlowStore:
    """A writable store whose write blocks until released (at most ``limit_s``, so a store called
    on the loop fails the test instead of hanging it)."""

    name = "keyring"
    writable = True

    def __init__(self, ticker: Ticker, limit_s: float = 5.0) -> None:
        self.values: dict[str, str] = {}
        self.writing = threading.Event()
        self.release = threading.Event()
        self.turns_while_writing: int | None = None
        self._ticker = ticker
        self._limit_s = limit_s

    def get(self, name: str) -> str | None:
        return self.values.get(name)

    def set(self, name: str, value: str) -> None:
        before = self._ticker.turns
        self.writing.set()
        self.release.wait(self._limit_s)
        self.turns_while_writing = self._ticker.turns - before
        self.values[name] = value

    def check(self) -> None:
        return None


def tokens(n: int) -> Tokens:
    return Tokens(
        access_token=f"access-{n}",
        refresh_token=f"refresh-{n}",
        expires_at_ns=T0 + 86_400 * NS_PER_SECOND,
        device_token="device",
    )


async def test_the_loop_keeps_turning_while_a_slow_store_writes_the_refreshed_tokens() -> None:
    ticker = Ticker()
    slow = SlowStore(ticker)
    vault = TokenVault(ChainedSecretStore([slow]))
    slow.values[TOKENS_SECRET] = msgspec.json.encode(tokens(1)).decode()

    async def refresh(old: Tokens) -> Tokens:
        return tokens(2)

    daemon = TokenDaemon(tokens(1), refresh, vault, ManualClock(T0))
    ticking = asyncio.create_task(ticker.run())
    refreshing = asyncio.create_task(daemon.refresh_now())
    await until(slow.writing.is_set)
    start = ticker.turns
    await until(lambda: ticker.turns >= start + LOOP_TURNS)  # the loop runs during the write
    slow.release.set()
    fresh = await refreshing
    ticking.cancel()

    assert slow.turns_while_writing is not None
    assert slow.turns_while_writing >= LOOP_TURNS
    assert fresh.access_token == "access-2"
    assert daemon.tokens.access_token == "access-2"  # used only once it was stored
    assert "refresh-2" in slow.values[TOKENS_SECRET]
    assert (await vault.load()) == tokens(2)
