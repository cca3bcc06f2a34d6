"""Rows → storage: the recorder's batch write path beside one commit per row, SQLite and PostgreSQL.

Each backend gets a fresh database (SQLite: a temp file; PostgreSQL: a throw-away schema in the
``test`` database at 127.0.0.1:5432), migrated with ``freeride.storage.migrate``. Measured on the
same bars, through the same SQLAlchemy async engine:

* recorder batches: ``Recorder.write_bars`` over ``--rows`` bars in chunks of ``--batch-size``
  (by default the recorder's own default batch), one transaction each, insert-or-ignore on the
  bar key;
* the same bars again: every one a duplicate, so nothing may be added (idempotency, and its cost);
* end to end: the bars published on an ``InMemoryBus`` to a lossless queue drained by a running
  ``Recorder``;
* one commit per row: an ``INSERT … ON CONFLICT DO NOTHING`` in its own transaction per bar, on
  fewer rows (it is slow), reported as rows/s;
* the raw driver alone (sqlite3 ``executemany`` / asyncpg ``COPY``) into an identical table with
  the same (series id, time) key, the floor under everything above; on PostgreSQL also ``COPY``
  into the same table without the key, which shows what maintaining the unique index costs the
  server, and with a foreign key to a series table, which shows why ``bars`` has none.

The last line printed is one JSON object with the headline figures and ``peak_mib`` (the peak
resident memory of this process). Run: ``.venv/bin/python benchmarks/storage.py``.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import resource
import sqlite3
import tempfile
import time
import uuid
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from rich.console import Console
from rich.table import Table
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.ext.asyncio import AsyncEngine

from freeride.bus import topics
from freeride.bus.memory import InMemoryBus
from freeride.bus.queues import EventQueue, Overflow
from freeride.core.clock import LiveClock
from freeride.core.market import Bar
from freeride.storage import rows, series
from freeride.storage.engine import create_engine
from freeride.storage.migrate import upgrade_engine
from freeride.storage.recorder import DEFAULT_BATCH_SIZE, RECORDED_TOPICS, Recorder
from freeride.storage.repositories import BarRepository
from freeride.storage.tables import bars as bars_table

PG_DSN = "postgresql://postgres@127.0.0.1:5432/test"
PG_URL = "postgresql+asyncpg://postgres@127.0.0.1:5432/test"
MINUTE = 60_000_000_000


@dataclass
class Result:
    backend: str
    rows: dict[str, tuple[int, float]] = field(default_factory=dict)  # case -> (rows, seconds)
    note: str = ""

    def rate(self, case: str) -> float | None:
        if case not in self.rows:
            return None
        n, seconds = self.rows[case]
        return n / seconds if seconds > 0 else None


def make_bars(n: int, symbol: str) -> list[Bar]:
    return [
        Bar(
            symbol=symbol,
            interval="1m",
            open=100.0 + i * 0.01,
            high=100.5 + i * 0.01,
            low=99.5 + i * 0.01,
            close=100.25 + i * 0.01,
            volume=float(1_000 + i % 97),
            ts_event=1_700_000_000_000_000_000 + i * MINUTE,
            ts_init=1_700_000_000_000_000_000 + i * MINUTE + 1,
        )
        for i in range(n)
    ]


async def timed(fn: Callable[[], Awaitable[Any]]) -> float:
    start = time.perf_counter()
    await fn()
    return time.perf_counter() - start


async def measure(engine: AsyncEngine, result: Result, args: argparse.Namespace) -> None:
    """Every case on one migrated engine; each case writes its own symbol."""
    repo = BarRepository(engine)
    recorder = Recorder(
        engine,
        EventQueue("bench", 1, Overflow.PAUSE_SOURCE),
        "bench",
        clock=LiveClock(),
        batch_size=args.batch_size,
    )
    size = args.batch_size

    async def batches(bars: list[Bar]) -> None:
        for i in range(0, len(bars), size):
            await recorder.write_bars(bars[i : i + size])

    data = make_bars(args.rows, "BATCH")
    result.rows["recorder batches"] = (args.rows, await timed(lambda: batches(data)))
    result.rows["same bars again (all duplicates)"] = (args.rows, await timed(lambda: batches(data)))
    stored = await repo.count("BATCH")
    if stored != args.rows:
        raise SystemExit(f"{result.backend}: expected {args.rows} bars stored once, found {stored}")

    result.rows["end to end: bus → queue → recorder"] = (
        args.rows,
        await timed(lambda: end_to_end(engine, args)),
    )
    if await repo.count("E2E") != args.rows:
        raise SystemExit(f"{result.backend}: the end-to-end run did not store every bar")

    per_row = args.per_row_sqlite if result.backend == "sqlite" else args.per_row_pg
    singles = make_bars(per_row, "SINGLE")
    result.rows[f"one commit per row ({per_row:,} rows)"] = (
        per_row,
        await timed(lambda: one_by_one(engine, singles)),
    )


async def end_to_end(engine: AsyncEngine, args: argparse.Namespace) -> None:
    clock = LiveClock()
    bus = InMemoryBus(clock)
    queue = bus.subscribe_queue(
        RECORDED_TOPICS, name="recorder", maxsize=4 * args.batch_size, overflow=Overflow.PAUSE_SOURCE
    )
    recorder = Recorder(
        engine, queue, "bench-e2e", clock=clock, batch_size=args.batch_size, flush_interval_s=0.0
    )
    await recorder.start()
    publish, ready = bus.publish, bus.ready
    topic = topics.bar("E2E", "1m")
    for i, bar in enumerate(make_bars(args.rows, "E2E")):
        publish(topic, bar)
        if i % 1_000 == 0:
            await ready()
    await bus.idle()
    await recorder.stop()


async def one_by_one(engine: AsyncEngine, bars: list[Bar]) -> None:
    """What a user without a batch writer does: one ``INSERT … ON CONFLICT DO NOTHING`` and commit per bar."""
    insert = postgresql.insert if engine.dialect.name == "postgresql" else sqlite.insert
    stmt = insert(bars_table).on_conflict_do_nothing()
    async with engine.begin() as conn:  # the series id, looked up once like any caller would
        ids = await series.resolve(conn, {(b.symbol, b.interval) for b in bars})
    for bar in bars:
        async with engine.begin() as conn:
            await conn.execute(stmt, [dict(zip(rows.BAR_COLUMNS, *rows.bar_rows([bar], ids), strict=True))])


# The same shape and key as ``bars`` (series id and time), on the driver alone.
_REF_TABLE = (
    "CREATE TABLE {name} (series_id INTEGER NOT NULL{fk}, ts_event BIGINT NOT NULL, open {f} NOT NULL, "
    "high {f} NOT NULL, low {f} NOT NULL, close {f} NOT NULL, volume {f} NOT NULL, "
    "ts_init BIGINT NOT NULL{key})"
)
_REF_KEY = ", PRIMARY KEY (series_id, ts_event)"


def raw_rows(args: argparse.Namespace) -> list[tuple[Any, ...]]:
    return list(rows.bar_rows(make_bars(args.rows, "RAW"), {("RAW", "1m"): 1}))


def raw_sqlite(path: Path, args: argparse.Namespace) -> float:
    records = raw_rows(args)
    conn = sqlite3.connect(path)
    conn.execute("PRAGMA journal_mode=WAL")
    conn.execute("PRAGMA synchronous=NORMAL")
    conn.execute(_REF_TABLE.format(name="ref_bars", fk="", f="REAL", key=_REF_KEY) + " WITHOUT ROWID")
    sql = f"INSERT OR IGNORE INTO ref_bars ({', '.join(rows.BAR_COLUMNS)}) VALUES (?,?,?,?,?,?,?,?)"
    start = time.perf_counter()
    for i in range(0, len(records), args.batch_size):
        conn.executemany(sql, records[i : i + args.batch_size])
        conn.commit()
    seconds = time.perf_counter() - start
    conn.close()
    return seconds


async def raw_postgres(schema: str, args: argparse.Namespace, *, keyed: bool, fk: bool = False) -> float:
    """``COPY`` alone, ``synchronous_commit = off`` as the recorder has it, into a fresh table."""
    import asyncpg

    records = raw_rows(args)
    table = f"ref_{'keyed' if keyed else 'heap'}{'_fk' if fk else ''}"
    conn = await asyncpg.connect(PG_DSN, server_settings={"search_path": schema})
    try:
        if fk:
            await conn.execute(
                "CREATE TABLE ref_series (id INTEGER PRIMARY KEY); INSERT INTO ref_series VALUES (1)"
            )
        ddl = _REF_TABLE.format(
            name=table,
            fk=" REFERENCES ref_series (id)" if fk else "",
            f="DOUBLE PRECISION",
            key=_REF_KEY if keyed else "",
        )
        await conn.execute(ddl)
        start = time.perf_counter()
        for i in range(0, len(records), args.batch_size):
            async with conn.transaction():
                await conn.execute("SET LOCAL synchronous_commit = off")
                await conn.copy_records_to_table(
                    table, records=records[i : i + args.batch_size], columns=rows.BAR_COLUMNS
                )
        return time.perf_counter() - start
    finally:
        await conn.close()


async def bench_sqlite(args: argparse.Namespace) -> Result:
    result = Result("sqlite")
    with tempfile.TemporaryDirectory(prefix="freeride-bench-") as tmp:
        engine = create_engine(f"sqlite+aiosqlite:///{Path(tmp) / 'bench.db'}")
        try:
            await upgrade_engine(engine)
            await measure(engine, result, args)
        finally:
            await engine.dispose()
        result.rows["raw sqlite3 executemany, same key (reference)"] = (
            args.rows,
            raw_sqlite(Path(tmp) / "raw.db", args),
        )
    return result


async def bench_postgres(args: argparse.Namespace) -> Result:
    result = Result("postgres")
    try:
        import asyncpg

        admin = await asyncpg.connect(PG_DSN, timeout=5)
    except Exception as exc:
        result.note = f"PostgreSQL not reachable at 127.0.0.1:5432: {type(exc).__name__}: {exc}"
        return result
    schema = f"bench_{uuid.uuid4().hex[:10]}"
    await admin.execute(f"CREATE SCHEMA {schema}")
    engine = create_engine(PG_URL, connect_args={"server_settings": {"search_path": schema}})
    try:
        await upgrade_engine(engine)
        await measure(engine, result, args)
        keyed = await raw_postgres(schema, args, keyed=True)
        result.rows["raw asyncpg COPY, same key (reference)"] = (args.rows, keyed)
        heap = await raw_postgres(schema, args, keyed=False)
        result.rows["raw asyncpg COPY, no unique key (reference)"] = (args.rows, heap)
        with_fk = await raw_postgres(schema, args, keyed=True, fk=True)
        result.rows["raw asyncpg COPY, same key + foreign key (reference)"] = (args.rows, with_fk)
    finally:
        await engine.dispose()
        await admin.execute(f"DROP SCHEMA {schema} CASCADE")
        await admin.close()
    return result


def report(results: list[Result], args: argparse.Namespace) -> dict[str, Any]:
    console = Console()
    table = Table(title=f"storage: {args.rows:,} bar rows, batches of {args.batch_size:,}")
    for column in ("backend", "path", "rows", "seconds", "rows/s"):
        table.add_column(column, justify="left" if column in ("backend", "path") else "right")
    for r in results:
        if r.note:
            table.add_row(r.backend, f"skipped: {r.note}", "", "", "")
        for case, (n, seconds) in r.rows.items():
            table.add_row(r.backend, case, f"{n:,}", f"{seconds:.3f}", f"{n / seconds:,.0f}")
    console.print(table)
    lite, pg = results
    per_row = f"one commit per row ({args.per_row_sqlite:,} rows)"
    per_row_pg = f"one commit per row ({args.per_row_pg:,} rows)"
    figures = {
        "sqlite_rows_per_s": _round(lite.rate("recorder batches")),
        "sqlite_per_row_commit_rows_per_s": _round(lite.rate(per_row)),
        "postgres_rows_per_s": _round(pg.rate("recorder batches")),
        "postgres_per_row_commit_rows_per_s": _round(pg.rate(per_row_pg)),
        "peak_mib": round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024, 1),
    }
    if pg.note:
        console.print(f"postgres figures are null: {pg.note}")
    console.print(
        f"one-commit-per-row rates come from {args.per_row_sqlite:,} rows on SQLite and "
        f"{args.per_row_pg:,} on PostgreSQL; peak_mib is this whole process's peak resident memory."
    )
    return figures


def _round(rate: float | None) -> int | None:
    return None if rate is None else round(rate)


async def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument("--rows", type=int, default=100_000)
    parser.add_argument("--batch-size", type=int, default=DEFAULT_BATCH_SIZE)
    parser.add_argument("--per-row-sqlite", type=int, default=5_000)
    parser.add_argument("--per-row-pg", type=int, default=5_000)
    args = parser.parse_args()
    results = [await bench_sqlite(args), await bench_postgres(args)]
    print(json.dumps(report(results, args)))


if __name__ == "__main__":
    asyncio.run(main())
