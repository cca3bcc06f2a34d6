"""Operations: the journal, the detectors, tracing, the self-audit and the anomaly rules.

Measured in one run, each beside what a user would otherwise do:

* ``journal``: 200,000 system events through the recorder's batch write into SQLite (the
  journal's real table and indexes, batches of 20,000), beside Python's ``logging`` writing the
  same events as JSON lines to a file (the log a user reads by hand today). Target ≥ 100,000/s.
* ``detectors``: 1,000 series × 2,000 steps through ``DetectorBank`` (EWMA z, median/MAD z,
  Page-Hinkley, vectorised across series), beside the scalar detectors (``Ewma`` + ``Shift``, one
  observation at a time) and a naive numpy peer recomputing mean and standard deviation over a
  64-value window each step. Target ≥ 500,000 observations/s.
* ``tracing``: the tick → alert path (``AlertEngine`` on the bus with the journal and the
  metrics observer, 1,000 rules over 50 symbols, 200,000 ticks of which about one in a hundred
  fires) with OpenTelemetry spans off and on (``ChainSpans`` with the SDK's batching processor and
  an in-memory exporter). Target: overhead < 15 %. Best of three each.
* ``audit``: ``measure`` + ``write`` (Markdown, JSON, charts) over 1,000,000 journal entries
  spread over 14 days in SQLite (4,032 of them metrics snapshots). Target < 10 s.
* ``anomalies``: the clean replay of the shipped data (``freeride run``) and a simulated 24-hour
  live session (``testing.anomaly_scenarios``) must open nothing; each of five injected faults
  must be detected, and its detection delay is reported.
"""

from __future__ import annotations

import asyncio
import json
import logging
import os
import random
import sys
import tempfile
import time
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parent))
from _util import peak_mib
from freeride.alerts.engine import AlertEngine
from freeride.app.embedded import run_embedded
from freeride.bus import topics
from freeride.bus.memory import InMemoryBus
from freeride.bus.queues import EventQueue, Overflow
from freeride.config.settings import load_settings
from freeride.core.alerts import AlertKind, AlertRule
from freeride.core.clock import NS_PER_SECOND, LiveClock
from freeride.core.latency import LatencyHistogram
from freeride.core.market import Quote
from freeride.core.system import Level, SystemEvent
from freeride.journal.component import Journal
from freeride.ops.anomaly.bank import DetectorBank
from freeride.ops.anomaly.detectors import Ewma, Shift
from freeride.ops.audit.build import measure, write
from freeride.ops.metrics import Metrics
from freeride.ops.observer import Observer
from freeride.ops.snapshots import KIND as SNAPSHOT
from freeride.ops.snapshots import encode
from freeride.ops.tracing import ChainSpans, build_provider
from freeride.ports.journal import JournalQuery
from freeride.storage.engine import create_engine
from freeride.storage.migrate import upgrade_engine
from freeride.storage.recorder import Recorder
from freeride.storage.repositories import JournalRepository
from freeride.testing.anomaly_scenarios import FAULTS, run_session

JOURNAL_EVENTS = 200_000
SERIES, STEPS = 1_000, 2_000
TICKS, RULES, SYMBOLS = 200_000, 1_000, 50
AUDIT_EVENTS, AUDIT_DAYS = 1_000_000, 14


# A mix like a trading day's journal: mostly market roots, signals, orders and fills; a few
# failovers, deliveries and errors.
MIX: list[tuple[str, str, Level, int]] = [
    ("market", "bar", Level.DEBUG, 60),
    ("strategy", "signal", Level.INFO, 30),
    ("strategy", "order_intent", Level.INFO, 20),
    ("execution", "order_accepted", Level.INFO, 25),
    ("execution", "order_filled", Level.INFO, 25),
    ("execution", "fill", Level.INFO, 25),
    ("gateway", "failover", Level.WARNING, 6),
    ("notify", "notification_delivered", Level.INFO, 4),
    ("process", "process_started", Level.INFO, 2),
    ("gateway", "no_provider", Level.ERROR, 2),
    ("execution", "order_rejected", Level.WARNING, 1),
]
CYCLE = [(s, k, lv) for s, k, lv, w in MIX for _ in range(w)]


def events(n: int, start_ns: int, span_ns: int) -> list[SystemEvent]:
    out = []
    step = max(1, span_ns // n)
    for i in range(n):
        source, kind, level = CYCLE[i % len(CYCLE)]
        ts = start_ns + i * step
        data: dict[str, object] = {
            "n": i,
            "price": "101.25",
            "commission": "0.10",
            "channel": "discord",
            "key": f"a{i % 50}",
        }
        out.append(
            SystemEvent(
                source=source,
                kind=kind,
                level=level,
                message=f"{kind} {i}",
                data=data,  # type: ignore[arg-type]
                ts_event=ts,
                ts_init=ts,
                symbol="GOOG" if i % 2 else "EUR/USD",
                correlation_id=f"c-{i // 5}",
            )
        )
    return out


async def bench_journal(folder: Path) -> tuple[float, float]:
    engine = create_engine(f"sqlite+aiosqlite:///{folder / 'journal.db'}")
    await upgrade_engine(engine)
    recorder = Recorder(engine, EventQueue("bench", 10, Overflow.PAUSE_SOURCE), "bench", clock=LiveClock())
    async with engine.begin() as conn:
        from freeride.storage import writes

        await writes.ensure_run(conn, "bench", 0)
    batch = events(JOURNAL_EVENTS, 1_700_000_000 * NS_PER_SECOND, 3_600 * NS_PER_SECOND)
    started = time.perf_counter()
    for i in range(0, len(batch), 20_000):
        await recorder.write_batch(batch[i : i + 20_000])
    ours = len(batch) / (time.perf_counter() - started)
    await engine.dispose()

    log = logging.getLogger("bench.peer")
    log.propagate = False
    handler = logging.FileHandler(folder / "peer.log")
    log.addHandler(handler)
    log.setLevel(logging.INFO)
    started = time.perf_counter()
    for e in batch:
        log.info(
            json.dumps(
                {
                    "ts": e.ts_event,
                    "source": e.source,
                    "kind": e.kind,
                    "level": e.level.value,
                    "message": e.message,
                    "data": e.data,
                    "symbol": e.symbol,
                    "cid": e.correlation_id,
                }
            )
        )
    handler.flush()
    peer = len(batch) / (time.perf_counter() - started)
    log.removeHandler(handler)
    handler.close()
    return ours, peer


def bench_detectors() -> tuple[float, float, float]:
    rng = np.random.default_rng(1)
    data = rng.normal(100, 5, (STEPS, SERIES))
    bank = DetectorBank(SERIES)
    started = time.perf_counter()
    for row in data:
        bank.update(row)
    bank_rate = STEPS * SERIES / (time.perf_counter() - started)

    scalar = [(Ewma(), Shift()) for _ in range(SERIES)]
    values = data[:200].tolist()
    started = time.perf_counter()
    for row in values:
        for (ewma, shift), v in zip(scalar, row, strict=True):
            ewma.update(v)
            shift.update(v)
    scalar_rate = 200 * SERIES / (time.perf_counter() - started)

    ring = np.zeros((64, SERIES))
    started = time.perf_counter()
    for i, row in enumerate(data):
        window = ring[: min(i, 64)] if i else ring[:1]
        mean, std = window.mean(axis=0), window.std(axis=0) + 1e-9
        _ = np.abs(row - mean) / std > 6
        ring[i % 64] = row
    naive_rate = STEPS * SERIES / (time.perf_counter() - started)
    return bank_rate, scalar_rate, naive_rate


async def tick_path(traced: bool) -> tuple[float, int]:
    clock = LiveClock()
    bus = InMemoryBus(clock)
    engine = AlertEngine(bus, clock)
    journal = Journal(bus, clock)
    observer = Observer(bus, Metrics())
    components = [engine, journal, observer]
    spans = None
    if traced:
        from opentelemetry.sdk.trace.export import BatchSpanProcessor
        from opentelemetry.sdk.trace.export.in_memory_span_exporter import InMemorySpanExporter

        spans = ChainSpans(
            bus, build_provider(BatchSpanProcessor(InMemorySpanExporter(), max_queue_size=100_000))
        )
        components.append(spans)
    for c in components:
        await c.start()
    rng = random.Random(3)
    symbols = [f"S{i}" for i in range(SYMBOLS)]
    engine.load(
        (
            AlertRule(
                id=f"r{i}",
                symbol=symbols[i % SYMBOLS],
                kind=AlertKind.CROSSES,
                threshold=100 + rng.uniform(-1.5, 1.5),
                repeat=True,
                cooldown_s=60.0,
            ),
            None,
        )
        for i in range(RULES)
    )
    last = dict.fromkeys(symbols, 100.0)
    ticks = []
    for _ in range(TICKS):
        s = symbols[rng.randrange(SYMBOLS)]
        p = last[s] = last[s] * (1 + rng.gauss(0, 0.0005))
        ticks.append((topics.quote(s), s, p))
    bus.subscribe(topics.ALL_ALERTS, lambda _e: None)
    publish = bus.publish
    started = time.perf_counter()
    for topic, s, p in ticks:
        now = clock.now_ns()
        publish(topic, Quote(symbol=s, bid=p, ask=p, ts_event=now, ts_init=now))
    elapsed = time.perf_counter() - started
    fired = int(engine.stats()["fired"])
    for c in reversed(components):
        await c.stop()
    return TICKS / elapsed, int(fired)


async def bench_tracing() -> tuple[float, float, int]:
    off = max([(await tick_path(False)) for _ in range(3)])
    on = max([(await tick_path(True)) for _ in range(3)])
    return off[0], on[0], on[1]


def snapshot(day: float) -> dict[str, object]:
    h = LatencyHistogram()
    for v in (0.002, 0.003, 0.004, 0.02):
        h.observe(v)
    p = LatencyHistogram()
    for v in (0.05, 0.06, 0.4):
        p.observe(v)
    return {
        "handler.Strategy.on_bar": encode(h, None),
        "provider.finnhub": encode(p, None),
        "db.recorder": encode(h, None),
        "bus.data.bar": 300,
        "bus.sample_every": 256,
        "gateway.cache_hits": 3,
        "gateway.upstream_calls": 10,
        "queue.recorder.high_water": 10,
        "queue.recorder.capacity": 50_000,
        "queue.recorder.dropped": 0,
        "interval_s": 300.0,
    }


async def bench_audit(folder: Path) -> tuple[float, int]:
    engine = create_engine(f"sqlite+aiosqlite:///{folder / 'audit.db'}")
    await upgrade_engine(engine)
    repo = JournalRepository(engine)
    end = 1_780_000_000 * NS_PER_SECOND
    start = end - AUDIT_DAYS * 86_400 * NS_PER_SECOND
    n_snap = AUDIT_DAYS * 288
    chunk = 50_000
    for i in range(0, AUDIT_EVENTS - n_snap, chunk):
        await repo.append(
            events(
                min(chunk, AUDIT_EVENTS - n_snap - i),
                start + i * ((end - start) // AUDIT_EVENTS),
                chunk * ((end - start) // AUDIT_EVENTS),
            )
        )
    step = (end - start) // n_snap
    await repo.append(
        [
            SystemEvent(
                source="ops",
                kind=SNAPSHOT,
                message="m",
                data=snapshot(i),
                ts_event=start + i * step,  # type: ignore[arg-type]
                ts_init=start + i * step,
            )
            for i in range(n_snap)
        ]
    )
    total = await repo.count(JournalQuery(start_ns=start, end_ns=end))
    started = time.perf_counter()
    figures = await measure(repo, start, end)
    await write(figures, folder / "audits")
    seconds = time.perf_counter() - started
    assert figures.events == total, (figures.events, total)
    await engine.dispose()
    return seconds, total


async def clean_replay(folder: Path) -> int:
    os.environ["FREERIDE_DATABASE_URL"] = f"sqlite+aiosqlite:///{folder / 'replay.db'}"
    for key in [k for k in os.environ if k.startswith("FREERIDE_") and k != "FREERIDE_DATABASE_URL"]:
        del os.environ[key]
    await run_embedded(load_settings(), LiveClock())
    engine = create_engine(os.environ["FREERIDE_DATABASE_URL"])
    count = await JournalRepository(engine).count(JournalQuery(kinds=("anomaly",)))
    await engine.dispose()
    return count


async def main() -> None:
    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp)
        journal, journal_peer = await bench_journal(folder)
        print(f"journal: {journal:,.0f} events/s into SQLite (logging JSON lines: {journal_peer:,.0f}/s)")
        bank, scalar, naive = bench_detectors()
        print(f"detectors: bank {bank:,.0f} obs/s; scalar {scalar:,.0f}; naive numpy window z {naive:,.0f}")
        off, on, fired = await bench_tracing()
        overhead = (off - on) / off * 100
        print(
            f"tick → alert: {off:,.0f} ticks/s untraced, {on:,.0f} traced "
            f"({overhead:.1f} %; {fired:,} firings)"
        )
        audit_s, audited = await bench_audit(folder)
        print(f"audit: {audited:,} journal entries over {AUDIT_DAYS} days in {audit_s:.2f} s")
        replay = await clean_replay(folder)
        session = run_session(None, hours=24)
        false_alarms = replay + len(session.opened)
        print(
            f"false alarms: {replay} on the clean replay, {len(session.opened)} in a simulated 24 h session"
        )
        delays = {}
        for fault in FAULTS:
            outcome = run_session(fault, hours=8, fault_at_s=4 * 3_600)
            delays[fault] = outcome.delay_s if outcome.detected else None
            said = f"detected after {outcome.delay_s:.0f} s" if outcome.detected else "MISSED"
            print(f"  {fault}: {said}")
    figures = {
        "journal_events_per_s": round(journal),
        "journal_peer_logging_per_s": round(journal_peer),
        "detector_obs_per_s": round(bank),
        "detector_scalar_obs_per_s": round(scalar),
        "detector_naive_numpy_obs_per_s": round(naive),
        "trace_overhead_pct": round(overhead, 1),
        "ticks_per_s_untraced": round(off),
        "ticks_per_s_traced": round(on),
        "audit_seconds": round(audit_s, 2),
        "false_alarms_clean": false_alarms,
        "faults_detected": sum(d is not None for d in delays.values()),
        "faults_injected": len(FAULTS),
        "detection_delay_s": delays,
        "peak_mib": round(peak_mib(), 1),
    }
    print(json.dumps(figures))


if __name__ == "__main__":
    asyncio.run(main())
