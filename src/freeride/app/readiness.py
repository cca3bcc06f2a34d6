"""Readiness: can this process do its job right now? One check per dependency, each with a reason.

Liveness (``/healthz``) touches nothing; readiness asks the database for ``SELECT 1`` (bounded in
time), looks at the bus, the market-data providers and the broker sessions. A part that is not
configured in this process is reported as such and does not make the process unready.
"""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable, Mapping, Sequence
from dataclasses import dataclass

import sqlalchemy as sa
from sqlalchemy.ext.asyncio import AsyncEngine

from freeride.bus.redis import RedisBus
from freeride.exchange.portfolio import Portfolio
from freeride.gateway.providers import ProviderStatus
from freeride.ports.bus import Bus

DB_TIMEOUT_S = 2.0


@dataclass(frozen=True, slots=True)
class Check:
    name: str
    ok: bool
    detail: str


ProviderCheck = Callable[[], Awaitable[Check]]


async def check_database(engine: AsyncEngine | None) -> Check:
    if engine is None:
        return Check("database", False, "no database configured in this process")
    try:
        async with asyncio.timeout(DB_TIMEOUT_S):
            async with engine.connect() as conn:
                await conn.execute(sa.text("SELECT 1"))
    except TimeoutError:
        return Check("database", False, f"no answer within {DB_TIMEOUT_S:g} s")
    except Exception as exc:  # any driver error means not ready; the reason is what matters
        return Check("database", False, f"{type(exc).__name__}: {exc}"[:200])
    return Check("database", True, f"{engine.dialect.name} answers")


def check_bus(bus: Bus | None) -> Check:
    if bus is None:
        return Check("bus", False, "no event bus in this process")
    if isinstance(bus, RedisBus):
        if bus.failure is not None:
            return Check("bus", False, bus.failure)
        if not bus.healthy:
            return Check("bus", False, f"Redis unreachable; {bus.unwritten} event(s) waiting to be written")
        pending = sum(bus.pending.values())
        return Check(
            "bus", True, f"Redis Streams, group {bus.group}: lag {sum(bus.lag.values())}, pending {pending}"
        )
    return Check("bus", True, f"{type(bus).__name__} running")


def check_brokers(
    accounts: Mapping[str, Portfolio], broker: str | None = None, dead: Mapping[str, str] | None = None
) -> Check:
    """The broker session: a real broker by name (``dead``: sessions the health watch found dead,
    with why), else the in-process paper accounts."""
    why = (dead or {}).get(broker or "")
    if broker is not None and why is not None:
        return Check("broker", False, f"{broker} session dead: {why}")
    if broker is not None and broker != "paper":
        return Check("broker", True, f"{broker} session alive")
    if not accounts:
        return Check("broker", True, "no broker session in this process")
    names = ", ".join(sorted(accounts))
    return Check("broker", True, f"paper account{'s' if len(accounts) > 1 else ''} {names}, in process")


CIRCUIT_WORDS = {"closed": "answering", "half_open": "trying again", "open": "failing"}


def check_providers(statuses: Sequence[ProviderStatus], feed: str | None = None) -> Check:
    """The market-data chain in order, each provider with its circuit: ready while one answers.
    ``feed`` names what drives the run besides (a replay's files)."""
    parts = [feed] if feed else []
    for p in statuses:
        # the breaker's words ("closed" circuit) read like a closed market on a status card
        state = CIRCUIT_WORDS.get(p.circuit, p.circuit)
        if p.circuit == "open":
            state += f", retry in {p.retry_in_s:.0f} s"
        key = "" if p.key_present else ", no key"
        error = f", last error: {p.last_error[:60]}" if p.last_error and p.circuit != "closed" else ""
        parts.append(f"{p.name} ({state}{key}, {p.calls} calls{error})")
    if not statuses:
        return Check("providers", True, feed or "replay feed only (no live providers)")
    ok = any(p.circuit != "open" for p in statuses)
    return Check("providers", ok, "; ".join(parts))


async def readiness(
    engine: AsyncEngine | None,
    bus: Bus | None,
    accounts: Mapping[str, Portfolio],
    providers: ProviderCheck | None = None,
    broker: str | None = None,
    dead: Mapping[str, str] | None = None,
) -> list[Check]:
    checks = [await check_database(engine), check_bus(bus)]
    checks.append(
        await providers() if providers else Check("providers", True, "replay feed only (no live providers)")
    )
    checks.append(check_brokers(accounts, broker, dead))
    return checks
