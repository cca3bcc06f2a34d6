"""Batch writes on an open connection: the fast path shared by the recorder and the repositories.

Each function writes one group of events inside the caller's transaction, so a caller can put
several groups in one commit. Rows go to the driver as tuples, never through ORM objects:

* bars are stored under their series id (``storage.series``: resolved once per new series, not
  per row, and checked in the writing transaction), so a row is the id and the bar's numbers;
* bars on SQLite: one ``executemany`` of ``INSERT … ON CONFLICT DO NOTHING`` on the raw driver
  connection (SQLAlchemy's per-statement work is skipped, the transaction is still its own);
* bars on PostgreSQL: ``COPY`` (asyncpg's binary ``copy_records_to_table``). When no stored bar
  can collide with the batch (one index probe per series checks the batch's time span, in the
  same round trip that checks the series ids), the rows are copied straight into ``bars``, the
  fastest way in; otherwise, or when a concurrent writer won the race, they are copied into a
  temporary staging table and moved with ``INSERT … SELECT … ON CONFLICT DO NOTHING``. Either
  way a bar stored twice is stored once;
* orders and positions: upsert, where an older ``ts_event`` never overwrites a newer one;
* fills: insert, de-duplicated by ``(run_id, fill_id)``; system events: append;
* equity marks: insert, one per account and time (the first kept).
"""

from __future__ import annotations

from collections.abc import Sequence
from functools import cache
from typing import Any

from sqlalchemy.ext.asyncio import AsyncConnection

from freeride.core.market import Bar
from freeride.core.orders import AccountState, Fill, Order, Position
from freeride.core.system import SystemEvent
from freeride.storage import rows as R
from freeride.storage import series
from freeride.storage.series import SeriesKey

_UNIQUE_VIOLATION = "23505"
_STAGE = "_freeride_bars_stage"
_BEFORE_COPY = "_freeride_before_copy"
# Per series in a batch: its id as read back, and whether a stored bar falls in the batch's span.
# The integers travel as text[]: asyncpg has no built-in codec for int[] or bigint[] and looks
# those types up on each new connection (~10 ms, charged to its first batch); text[] it knows.
_PROBE = (
    "SELECT s.symbol, s.interval, s.id, EXISTS (SELECT 1 FROM bars b WHERE b.series_id = s.id "
    "AND b.ts_event BETWEEN x.lo::bigint AND x.hi::bigint) AS collides "
    "FROM unnest($1::text[], $2::text[], $3::text[]) AS x(id, lo, hi) JOIN series s ON s.id = x.id::int"
)
_Spans = dict[SeriesKey, tuple[int, int]]  # (symbol, interval) -> (earliest, latest) ts_event in a batch


@cache
def _insert_sql(table: str, columns: tuple[str, ...], dialect: str, tail: str = "") -> str:
    if dialect == "sqlite":
        marks = ", ".join("?" for _ in columns)
    else:
        marks = ", ".join(f"${i}" for i in range(1, len(columns) + 1))
    sql = f"INSERT INTO {table} ({', '.join(columns)}) VALUES ({marks})"
    return f"{sql} {tail}" if tail else sql


def _upsert_tail(table: str, key: tuple[str, ...], fields: tuple[str, ...]) -> str:
    updates = ", ".join(f"{f} = excluded.{f}" for f in fields if f not in key)
    return (
        f"ON CONFLICT ({', '.join(key)}) DO UPDATE SET {updates} WHERE excluded.ts_event >= {table}.ts_event"
    )


def _to_db(conn: AsyncConnection) -> R.ToDb:
    return R.decimal_as_text if conn.dialect.name == "sqlite" else R.as_is


async def _driver(conn: AsyncConnection) -> Any:
    """The driver's own connection (aiosqlite or asyncpg), inside the caller's transaction."""
    raw = await conn.get_raw_connection()
    return raw.driver_connection


# -- bars --------------------------------------------------------------------------------------
async def write_bars(conn: AsyncConnection, bars: Sequence[Bar]) -> int:
    """Insert ``bars``, ignoring those already stored; returns how many were new."""
    if not bars:
        return 0
    keys = R.bar_series(bars)
    if conn.dialect.name == "sqlite":
        ids = await series.checked(conn, keys)
        sql = _insert_sql("bars", R.BAR_COLUMNS, "sqlite", "ON CONFLICT DO NOTHING")
        cursor = await (await _driver(conn)).executemany(sql, R.bar_rows(bars, ids))
        return int(cursor.rowcount)
    return await _copy_bars(conn, bars, R.bar_spans(bars, keys))


async def _copy_bars(conn: AsyncConnection, bars: Sequence[Bar], spans: _Spans) -> int:
    # Any statement through SQLAlchemy first (the probe): it opens the transaction the COPY joins.
    ids, may_collide = await _probe(conn, spans)
    driver = await _driver(conn)
    if not may_collide:
        # The savepoint goes straight to the driver: SQLAlchemy's ``begin_nested`` adds about a
        # third of a millisecond of its own per batch. Released at once, so many batches in one
        # transaction never pile up subtransactions.
        await driver.execute(f"SAVEPOINT {_BEFORE_COPY}")
        try:
            await driver.copy_records_to_table("bars", records=R.bar_rows(bars, ids), columns=R.BAR_COLUMNS)
        except Exception as exc:  # a concurrent writer stored some of these bars first
            if _sqlstate(exc) != _UNIQUE_VIOLATION:
                raise
            await driver.execute(f"ROLLBACK TO SAVEPOINT {_BEFORE_COPY}; RELEASE SAVEPOINT {_BEFORE_COPY}")
        else:
            await driver.execute(f"RELEASE SAVEPOINT {_BEFORE_COPY}")
            return len(bars)
    await conn.exec_driver_sql(
        f"CREATE TEMP TABLE IF NOT EXISTS {_STAGE} (LIKE bars INCLUDING DEFAULTS) ON COMMIT DELETE ROWS"
    )
    await driver.copy_records_to_table(_STAGE, records=R.bar_rows(bars, ids), columns=R.BAR_COLUMNS)
    columns = ", ".join(R.BAR_COLUMNS)
    result = await conn.exec_driver_sql(
        f"INSERT INTO bars ({columns}) SELECT {columns} FROM {_STAGE} ON CONFLICT DO NOTHING"
    )
    await conn.exec_driver_sql(f"DELETE FROM {_STAGE}")  # a second batch in this transaction starts empty
    return int(result.rowcount)


async def _probe(conn: AsyncConnection, spans: _Spans) -> tuple[dict[SeriesKey, int], bool]:
    """The batch's series ids, checked, and whether a stored bar falls in the batch's span of one.

    One round trip does both: each id is read back from ``series`` (a cached id that no longer
    names its series is forgotten and resolved again), and one index probe per series looks for
    a stored bar between the batch's earliest and latest time for it.
    """
    known = series.cache(conn)
    ids = {k: known[k] for k in spans if k in known}
    unknown = [k for k in spans if k not in ids]
    for _ in range(2):  # the second round resolves only what the first found stale, from the database
        if unknown:
            ids.update(await series.resolve(conn, unknown))
        keys = list(ids)
        result = await conn.exec_driver_sql(
            _PROBE,
            (
                [str(ids[k]) for k in keys],
                [str(spans[k][0]) for k in keys],
                [str(spans[k][1]) for k in keys],
            ),
        )
        stored: dict[SeriesKey, int] = {}
        may_collide = False
        for row in result:
            stored[row.symbol, row.interval] = row.id
            may_collide = may_collide or row.collides
        stale = [k for k in keys if stored.get(k) != ids[k]]
        if not stale:
            return ids, may_collide
        series.forget(conn, stale)
        unknown = stale
    raise RuntimeError(f"series ids for {stale} changed while being resolved")


def _sqlstate(exc: BaseException) -> str | None:
    for err in (exc, getattr(exc, "orig", None), exc.__cause__):
        state = getattr(err, "sqlstate", None)
        if isinstance(state, str):
            return state
    return None


# -- trading events ----------------------------------------------------------------------------
async def write_orders(conn: AsyncConnection, run_id: str, orders: Sequence[Order]) -> int:
    """Upsert each order's latest state; returns how many distinct orders were written."""
    latest = R.latest_per_key(orders, lambda o: o.client_order_id, lambda o: o.ts_event)
    key = ("run_id", "client_order_id")
    return await _upsert(
        conn, "orders", key, R.ORDER_FIELDS, R.run_rows(run_id, latest, R.ORDER_FIELDS, _to_db(conn))
    )


async def write_positions(conn: AsyncConnection, run_id: str, positions: Sequence[Position]) -> int:
    """Upsert the latest position per symbol; returns how many symbols were written."""
    latest = R.latest_per_key(positions, lambda p: p.symbol, lambda p: p.ts_event)
    rows = R.run_rows(run_id, latest, R.POSITION_FIELDS, _to_db(conn))
    return await _upsert(conn, "positions", ("run_id", "symbol"), R.POSITION_FIELDS, rows)


async def _upsert(
    conn: AsyncConnection,
    table: str,
    key: tuple[str, ...],
    fields: tuple[str, ...],
    rows: list[tuple[Any, ...]],
) -> int:
    if rows:
        columns = ("run_id", *fields)
        tail = _upsert_tail(table, key, columns)
        await conn.exec_driver_sql(_insert_sql(table, columns, conn.dialect.name, tail), rows)
    return len(rows)


async def write_fills(conn: AsyncConnection, run_id: str, fills: Sequence[Fill]) -> int:
    """Insert fills; a ``fill_id`` already stored for the run is skipped. Returns rows handed over."""
    if not fills:
        return 0
    rows = R.run_rows(run_id, fills, R.FILL_FIELDS, _to_db(conn))
    sql = _insert_sql(
        "fills", ("run_id", *R.FILL_FIELDS), conn.dialect.name, "ON CONFLICT (run_id, fill_id) DO NOTHING"
    )
    await conn.exec_driver_sql(sql, rows)
    return len(rows)


async def write_system_events(
    conn: AsyncConnection, run_id: str | None, events: Sequence[SystemEvent]
) -> int:
    """Append system events (the journal) under ``run_id`` (``None``: of no run); returns how many.

    On SQLite the rows go to the driver's ``executemany`` directly, as bars do: SQLAlchemy's own
    per-statement work would be most of the cost of a journal batch.
    """
    if not events:
        return 0
    dialect = conn.dialect.name
    sql = _insert_sql("system_events", ("run_id", *R.EVENT_FIELDS), dialect)
    rows = R.event_rows(run_id, events)
    if dialect == "sqlite":
        await (await _driver(conn)).executemany(sql, rows)
    else:
        await conn.exec_driver_sql(sql, rows)
    return len(events)


async def ensure_run(conn: AsyncConnection, run_id: str, started_at: int) -> None:
    """Create a bare run record unless one exists, so events of the run have a run to belong to."""
    sql = _insert_sql(
        "runs",
        ("run_id", "name", "config", "started_at"),
        conn.dialect.name,
        "ON CONFLICT (run_id) DO NOTHING",
    )
    await conn.exec_driver_sql(sql, (run_id, run_id, "{}", started_at))


async def write_account_states(conn: AsyncConnection, run_id: str, states: Sequence[AccountState]) -> int:
    """Store accounts' cash and equity as equity marks; a mark already stored for the account at
    that time is kept. Returns how many were handed over."""
    if not states:
        return 0
    to_db = _to_db(conn)
    rows = [(run_id, a.account, a.ts_event, a.currency, to_db(a.cash), to_db(a.equity)) for a in states]
    columns = ("run_id", "account", "ts_event", "currency", "cash", "equity")
    sql = _insert_sql(
        "equity_marks", columns, conn.dialect.name, "ON CONFLICT (run_id, account, ts_event) DO NOTHING"
    )
    await conn.exec_driver_sql(sql, rows)
    return len(rows)
