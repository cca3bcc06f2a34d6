"""The event loop's lag while a Robinhood token refresh writes to a slow secret store.

What is measured: a 1 ms ticker on the event loop records how late each of its wake-ups comes
(the loop's lag) while ``TokenDaemon.refresh_now`` rotates the tokens and writes them back through
the secret chain, whose store takes ``--latency-ms`` per call (a keyring over D-Bus, Azure Key
Vault over HTTPS: a write-back reads, then writes). Beside it, the same store called on the loop,
as the vault did before it went through the chain's own thread: the peer a plain synchronous
secret store amounts to. The refresh itself is a local coroutine, so only the store costs time.

    python benchmarks/secret_refresh.py [--latency-ms 250] [--refreshes 5]

The last line is one JSON object: ``max_loop_lag_ms`` (ours), ``sync_store_max_loop_lag_ms`` and
``idle_max_loop_lag_ms`` (the ticker alone for as long: what the machine itself adds).
"""

from __future__ import annotations

import argparse
import asyncio
import json
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from _util import peak_mib
from freeride.adapters.robinhood.tokens import TOKENS_SECRET, TokenDaemon, Tokens, TokenVault
from freeride.config.secrets import ChainedSecretStore
from freeride.core.clock import NS_PER_SECOND, LiveClock

TICK_S = 0.001


class SlowStore:
    """A writable secret store whose every call takes ``latency_s`` (a real wait, off or on the loop)."""

    name = "keyring"
    writable = True

    def __init__(self, latency_s: float) -> None:
        self.latency_s = latency_s
        self.values: dict[str, str] = {}

    def get(self, name: str) -> str | None:
        time.sleep(self.latency_s)
        return self.values.get(name)

    def set(self, name: str, value: str) -> None:
        time.sleep(self.latency_s)
        self.values[name] = value

    def check(self) -> None:
        return None


class OnTheLoop:
    """The chain called synchronously from async code: what the vault did before."""

    def __init__(self, chain: ChainedSecretStore) -> None:
        self._chain = chain

    async def get_async(self, name: str) -> str | None:
        return self._chain.get(name)

    async def write_back_async(self, name: str, value: str) -> list[str]:
        return self._chain.write_back(name, value)


def tokens(n: int, now_ns: int) -> Tokens:
    return Tokens(
        access_token=f"access-{n}",
        refresh_token=f"refresh-{n}",
        expires_at_ns=now_ns + 86_400 * NS_PER_SECOND,
        device_token="device",
    )


async def max_lag_ms(vault: TokenVault | None, store: SlowStore, refreshes: int) -> float:
    """The largest lateness of a 1 ms ticker over ``refreshes`` refreshes, in milliseconds
    (``vault=None``: the ticker alone for as long as the off-loop refreshes take, the baseline)."""
    clock = LiveClock()
    store.values[TOKENS_SECRET] = "{}"
    counter = iter(range(2, 10**9))

    async def refresh(old: Tokens) -> Tokens:
        return tokens(next(counter), clock.now_ns())

    worst = 0.0
    done = asyncio.Event()

    async def tick() -> None:
        nonlocal worst
        while not done.is_set():
            due = time.perf_counter() + TICK_S
            await asyncio.sleep(TICK_S)
            worst = max(worst, time.perf_counter() - due)

    ticker = asyncio.create_task(tick())
    await asyncio.sleep(0.05)  # the ticker settles
    for _ in range(refreshes):
        if vault is None:
            await asyncio.sleep(2 * store.latency_s)  # what a write-back takes: a read, a write
        else:
            await TokenDaemon(tokens(1, clock.now_ns()), refresh, vault, clock).refresh_now()
        await asyncio.sleep(0.02)  # apart, so each figure is one refresh's
    done.set()
    await ticker
    return worst * 1000


async def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--latency-ms", type=float, default=250.0)
    parser.add_argument("--refreshes", type=int, default=5)
    args = parser.parse_args()
    latency_s = args.latency_ms / 1000

    idle = await max_lag_ms(None, SlowStore(latency_s), args.refreshes)
    ours_store = SlowStore(latency_s)
    ours = await max_lag_ms(TokenVault(ChainedSecretStore([ours_store])), ours_store, args.refreshes)
    sync_store = SlowStore(latency_s)
    sync = await max_lag_ms(
        TokenVault(OnTheLoop(ChainedSecretStore([sync_store]))), sync_store, args.refreshes
    )
    print(f"secret store latency {args.latency_ms:.0f} ms per call, {args.refreshes} refreshes")
    print(f"  no refresh (the loop's own lag here):     max loop lag {idle:8.1f} ms")
    print(f"  tokens written off the loop (freeride):  max loop lag {ours:8.1f} ms")
    print(f"  the same store called on the loop:       max loop lag {sync:8.1f} ms")
    figures = {
        "max_loop_lag_ms": round(ours, 1),
        "sync_store_max_loop_lag_ms": round(sync, 1),
        "idle_max_loop_lag_ms": round(idle, 1),
        "store_latency_ms": args.latency_ms,
        "refreshes": args.refreshes,
        "peak_mib": round(peak_mib(), 1),
    }
    print(json.dumps(figures))


if __name__ == "__main__":
    asyncio.run(main())
