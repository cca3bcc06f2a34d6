"""Alerts: 100,000 threshold alerts over 500 symbols, 1,000,000 random-walk ticks.

Measured in one run, on the same rules and ticks:

* ``index``: the engine's sorted index alone (``alerts.book.Book``), one book per symbol;
* ``naive``: the loop a user writes first: every alert of the tick's symbol checked on every tick;
  both fire each alert once, and ``fired_match`` says whether they fired the same alerts on the
  same ticks;
* ``engine``: ``AlertEngine`` on the in-memory bus, ticks published as ``Trade`` events, every
  firing an ``AlertFired`` event delivered to a subscriber;
* ``fired`` latency: tick (its ``ts_init``, stamped as it is published) → ``AlertFired``;
* ``discord`` latency: tick → the fake Discord server received the message carrying the alert,
  through the firing writer (SQLite), the outbox relay and the Discord adapter (the fake adds no
  delay of its own and no rate limit), with ticks fed at ``PACED_RATE`` per second.

Throughput figures are the best of ``REPEATS`` runs (the least disturbed by other load on the
machine). The last line is one JSON object.
"""

from __future__ import annotations

import asyncio
import json
import random
import statistics
import sys
import tempfile
import time
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import httpx
import sqlalchemy as sa

sys.path.insert(0, str(Path(__file__).parent))
from _util import peak_mib
from freeride.alerts.book import Book, Side
from freeride.alerts.engine import AlertEngine
from freeride.app.alerts import build_alerts
from freeride.bus import topics
from freeride.bus.memory import InMemoryBus
from freeride.config.settings import load_settings
from freeride.core.alerts import AlertFired, AlertKind, AlertRule
from freeride.core.clock import LiveClock
from freeride.core.market import Trade
from freeride.core.notify import Notification
from freeride.ports.notify import Delivered, Notifier, Packet
from freeride.storage.engine import create_engine
from freeride.storage.migrate import upgrade_engine
from freeride.storage.tables import alerts as alerts_table
from freeride.testing.fakes.discord import FakeDiscord

N_ALERTS = 100_000
N_SYMBOLS = 500
N_TICKS = 1_000_000
REPEATS = 3
CHUNK = 100_000
PACED_TICKS = 150_000
PACED_RATE = 50_000  # ticks per second for the Discord latency pass (500 symbols × 100/s)
WARMUP_TICKS = 20_000
SEED = 7
ENGINE_OPTIONS: dict[str, Any] = {}


def make_rules(rng: random.Random) -> tuple[list[str], list[AlertRule]]:
    """200 alerts per symbol, half above and half below the start price, within ±8 %."""
    symbols = [f"S{i:03d}" for i in range(N_SYMBOLS)]
    rules = []
    for n in range(N_ALERTS):
        sym = symbols[n % N_SYMBOLS]
        above = n % 2 == 0
        move = rng.uniform(0.002, 0.08)
        threshold = round(100.0 * (1 + move if above else 1 - move), 4)
        kind = AlertKind.ABOVE if above else AlertKind.BELOW
        rules.append(AlertRule(id=f"a{n}", symbol=sym, kind=kind, threshold=threshold, notify=("discord",)))
    return symbols, rules


def make_ticks(rng: random.Random, symbols: list[str], n: int) -> tuple[list[str], list[float]]:
    """A random walk per symbol (σ 0.1 % a tick) from 100, ticks spread over symbols at random."""
    last = dict.fromkeys(symbols, 100.0)
    syms = [symbols[rng.randrange(N_SYMBOLS)] for _ in range(n)]
    prices = []
    gauss = rng.gauss
    for s in syms:
        p = last[s] = round(last[s] * (1 + gauss(0, 0.001)), 4)
        prices.append(p)
    return syms, prices


def run_naive(
    rules: list[AlertRule], syms: list[str], prices: list[float]
) -> tuple[float, list[tuple[int, str]]]:
    by_symbol: dict[str, list[list[Any]]] = {}
    for r in rules:
        by_symbol.setdefault(r.symbol, []).append([r.id, r.kind is AlertKind.ABOVE, r.threshold, True])
    fired: list[tuple[int, str]] = []
    start = time.perf_counter()
    for i, (s, p) in enumerate(zip(syms, prices, strict=True)):
        for a in by_symbol[s]:
            if a[3] and (p >= a[2] if a[1] else p <= a[2]):
                a[3] = False
                fired.append((i, a[0]))
    return time.perf_counter() - start, fired


def run_index(
    rules: list[AlertRule], syms: list[str], prices: list[float]
) -> tuple[float, list[tuple[int, str]]]:
    books: dict[str, Book[AlertRule]] = {}
    for r in rules:
        assert r.threshold is not None
        book = books.get(r.symbol) or books.setdefault(r.symbol, Book())
        book.add(Side.ABOVE if r.kind is AlertKind.ABOVE else Side.BELOW, r.threshold, r)
    fired: list[tuple[int, str]] = []
    start = time.perf_counter()
    for i, (s, p) in enumerate(zip(syms, prices, strict=True)):
        got = books[s].update(p)
        if got:
            fired.extend((i, r.id) for r in got)
    return time.perf_counter() - start, fired


async def run_engine(rules: list[AlertRule], syms: list[str], prices: list[float]) -> tuple[float, int]:
    """Ticks as pre-built ``Trade`` events through the bus (built per chunk, outside the timing)."""
    clock = LiveClock()
    bus = InMemoryBus(clock)
    engine = AlertEngine(bus, clock)
    await engine.start()
    engine.load((r, None) for r in rules)
    count = [0]

    def on_fired(_event: AlertFired) -> None:
        count[0] += 1

    bus.subscribe(topics.ALL_ALERTS, on_fired)
    names = {s: topics.trade(s) for s in set(syms)}
    publish = bus.publish
    elapsed = 0.0
    for lo in range(0, len(syms), CHUNK):
        now = clock.now_ns()
        chunk = [
            (names[s], Trade(symbol=s, price=p, size=1.0, ts_event=now, ts_init=now))
            for s, p in zip(syms[lo : lo + CHUNK], prices[lo : lo + CHUNK], strict=True)
        ]
        start = time.perf_counter()
        for topic, event in chunk:
            publish(topic, event)
        elapsed += time.perf_counter() - start
    await engine.stop()
    return elapsed, count[0]


async def fired_latency(rules: list[AlertRule], syms: list[str], prices: list[float]) -> list[int]:
    """Each tick stamped as it is published; each firing reports its latency from that stamp."""
    clock = LiveClock()
    bus = InMemoryBus(clock)
    engine = AlertEngine(bus, clock)
    await engine.start()
    engine.load((r, None) for r in rules)
    latencies: list[int] = []
    bus.subscribe(topics.ALL_ALERTS, lambda f: latencies.append(f.latency_ns))
    names = {s: topics.trade(s) for s in set(syms)}
    now_ns = time.time_ns
    for s, p in zip(syms, prices, strict=True):
        ts = now_ns()
        bus.publish(names[s], Trade(symbol=s, price=p, size=1.0, ts_event=ts, ts_init=ts))
    await engine.stop()
    return latencies


class Timed:
    """Wraps the Discord notifier: which tick each outbox id reports, and when the fake got it."""

    def __init__(self, inner: Notifier, fake: FakeDiscord) -> None:
        self.channel = inner.channel
        self._inner = inner
        self._fake = fake
        self._tick_ns: dict[int, int] = {}
        self.latencies: list[tuple[int, int]] = []  # (tick ns, tick → received ns)

    def pack(self, items: Sequence[tuple[int, Notification]]) -> list[Packet]:
        for oid, note in items:
            self._tick_ns[oid] = note.ts_event
        return self._inner.pack(items)

    async def deliver(self, packet: Packet) -> Delivered:
        delivered = await self._inner.deliver(packet)
        received = self._fake.received[-1].at_ns
        for oid in packet.ids:
            tick = self._tick_ns.pop(oid)
            self.latencies.append((tick, received - tick))
        return delivered

    async def aclose(self) -> None:
        await self._inner.aclose()


async def discord_latency(
    rules: list[AlertRule], syms: list[str], prices: list[float]
) -> tuple[list[int], list[int], int]:
    """Latencies of the opening ``WARMUP_TICKS`` (alerts set close to the start price all fire at
    once: a burst of thousands in the first tenth of a second) and of the ticks after them."""
    clock = LiveClock()
    fake = FakeDiscord(clock=clock, bucket_size=10**9)
    with tempfile.TemporaryDirectory() as tmp:
        url = f"sqlite+aiosqlite:///{tmp}/bench.db"
        settings = load_settings(
            database_url=url,
            notify={"discord": {"discord": fake.url()}},
            secrets={"order": ["env"]},
            _env_file=None,
        )
        db = create_engine(url, **ENGINE_OPTIONS)
        await upgrade_engine(db)
        async with db.begin() as conn:  # the rules as stored rows, so each firing updates a real row
            await conn.execute(
                sa.insert(alerts_table),
                [
                    {
                        "id": r.id,
                        "symbol": r.symbol,
                        "kind": r.kind.value,
                        "user_name": "bench",
                        "tags": "",
                        "rule": {},
                        "active": True,
                        "deleted": False,
                        "cooldown_until": 0,
                        "fired_count": 0,
                        "last_fired_at": None,
                        "created_at": 0,
                        "updated_at": 0,
                    }
                    for r in rules
                ],
            )
        bus = InMemoryBus(clock)
        setup = build_alerts(
            settings,
            bus,
            db,
            clock,
            transports={"discord": httpx.ASGITransport(fake.app)},
            passphrase="x" * 12,
        )
        timed = Timed(setup.relay.notifiers["discord"], fake)
        setup.relay.notifiers["discord"] = timed
        for component in (setup.writer, setup.engine, setup.relay):
            await component.start()
        setup.engine.load((r, None) for r in rules)
        names = {s: topics.trade(s) for s in set(syms)}
        batch = 1_000
        started = time.perf_counter()
        steady_from = 0
        for lo in range(0, len(syms), batch):
            if lo == WARMUP_TICKS:
                steady_from = time.time_ns()
            for s, p in zip(syms[lo : lo + batch], prices[lo : lo + batch], strict=True):
                ts = time.time_ns()
                bus.publish(names[s], Trade(symbol=s, price=p, size=1.0, ts_event=ts, ts_init=ts))
            due = started + (lo + batch) / PACED_RATE
            await asyncio.sleep(max(0.0, due - time.perf_counter()))
        await bus.idle()
        for _ in range(6_000):  # at most a minute for the relay to catch up
            if setup.relay.sent >= setup.engine.fired:
                break
            await asyncio.sleep(0.01)
        fired = setup.engine.fired
        for component in (setup.relay, setup.engine, setup.writer):
            await component.stop()
        await db.dispose()
    opening = [lat for tick, lat in timed.latencies if tick < steady_from]
    steady = [lat for tick, lat in timed.latencies if tick >= steady_from]
    return opening, steady, fired


def pct(values: list[int], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(q * len(ordered)))] / 1e6


async def main() -> None:
    rng = random.Random(SEED)
    symbols, rules = make_rules(rng)
    syms, prices = make_ticks(rng, symbols, N_TICKS)
    naive_s, naive_fired = run_naive(rules, syms, prices)
    index_best, engine_best = float("inf"), float("inf")
    index_fired: list[tuple[int, str]] = []
    engine_count = 0
    for _ in range(REPEATS):
        index_s, index_fired = run_index(rules, syms, prices)
        index_best = min(index_best, index_s)
        engine_s, engine_count = await run_engine(rules, syms, prices)
        engine_best = min(engine_best, engine_s)
    fired_match = sorted(index_fired) == sorted(naive_fired) and engine_count == len(naive_fired)
    latencies = await fired_latency(rules, syms, prices)
    paced_syms, paced_prices = make_ticks(random.Random(SEED + 1), symbols, WARMUP_TICKS + PACED_TICKS)
    opening, discord, discord_fired = await discord_latency(rules, paced_syms, paced_prices)
    print(f"rules {N_ALERTS:,} over {N_SYMBOLS} symbols, ticks {N_TICKS:,}, fired {len(naive_fired):,}")
    print(f"naive loop          {N_TICKS / naive_s:>12,.0f} ticks/s (one run)")
    print(f"index alone         {N_TICKS / index_best:>12,.0f} ticks/s (best of {REPEATS})")
    engine_rate = N_TICKS / engine_best
    print(
        f"engine through bus  {engine_rate:>12,.0f} ticks/s (best of {REPEATS}), {engine_count:,} AlertFired"
    )
    p50, p99 = pct(latencies, 0.5), pct(latencies, 0.99)
    print(f"tick → AlertFired   p50 {p50:.4f} ms  p99 {p99:.4f} ms  ({len(latencies):,})")
    print(
        f"tick → Discord fake p50 {pct(discord, 0.5):.2f} ms  p99 {pct(discord, 0.99):.2f} ms  "
        f"({len(discord):,} firings over {PACED_TICKS:,} ticks at {PACED_RATE:,}/s)"
    )
    print(
        f"  opening burst     p50 {pct(opening, 0.5):.2f} ms  p99 {pct(opening, 0.99):.2f} ms  "
        f"({len(opening):,} firings in the first {WARMUP_TICKS:,} ticks; {discord_fired:,} in all)"
    )
    print(f"fired match: {fired_match}; mean AlertFired latency {statistics.fmean(latencies) / 1e3:.1f} µs")
    result = {
        "index_ticks_per_s": round(N_TICKS / index_best),
        "naive_ticks_per_s": round(N_TICKS / naive_s),
        "engine_ticks_per_s": round(N_TICKS / engine_best),
        "fired_match": fired_match,
        "fired_p50_ms": round(pct(latencies, 0.5), 4),
        "fired_p99_ms": round(pct(latencies, 0.99), 4),
        "discord_p50_ms": round(pct(discord, 0.5), 2),
        "discord_p99_ms": round(pct(discord, 0.99), 2),
        "discord_opening_p99_ms": round(pct(opening, 0.99), 2),
        "peak_mib": round(peak_mib(), 1),
    }
    print(json.dumps(result))


if __name__ == "__main__":
    asyncio.run(main())
