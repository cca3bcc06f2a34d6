"""The firing write on the driver's own ``executemany``: states, history and outbox rows.

A burst of firings is thousands of rows in three tables. Through SQLAlchemy each row costs its
parameter processing (the JSON columns encoded one by one, ~100 µs a firing on SQLite); here the
JSON is encoded once with msgspec and the rows go to the driver as tuples, in the caller's
transaction, like the bar writer in ``storage.writes``. Full durability is kept: these rows are
the outbox, which must survive what it reports.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from functools import cache
from typing import Any

import msgspec
from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncConnection

from freeride.core.alerts import AlertFired
from freeride.core.notify import Notification, OutboxStatus

_encode = msgspec.json.Encoder().encode

STATE_SQL = (
    "UPDATE alerts SET active = {0}, cooldown_until = {1}, fired_count = {2}, last_fired_at = {3} "
    "WHERE id = {4}"
)
HISTORY_COLUMNS = ("alert_id", "symbol", "price", "latency_ns", "event", "ts_event", "ts_init")
OUTBOX_COLUMNS = (
    "channel", "status", "attempts", "next_attempt_at", "created_at", "sent_at", "error", "notification"
)  # fmt: skip


@cache
def _sql(template: str, n: int, dialect: str) -> str:
    marks = ["?"] * n if dialect == "sqlite" else [f"${i}" for i in range(1, n + 1)]
    return template.format(*marks)


@cache
def _insert(table: str, columns: tuple[str, ...], dialect: str) -> str:
    return _sql(
        f"INSERT INTO {table} ({', '.join(columns)}) VALUES ({', '.join('{}' for _ in columns)})",
        len(columns),
        dialect,
    )


def state_rows(firings: Sequence[AlertFired]) -> list[tuple[Any, ...]]:
    latest: dict[str, AlertFired] = {}
    for f in firings:
        latest[f.alert_id] = f  # in firing order: the last one is the rule's current state
    return [(f.active, f.cooldown_until, f.fired_count, f.ts_init, f.alert_id) for f in latest.values()]


def history_rows(firings: Sequence[AlertFired]) -> list[tuple[Any, ...]]:
    return [
        (
            f.alert_id,
            f.symbol,
            None if math.isnan(f.price) else f.price,
            f.latency_ns,
            _encode(f).decode(),  # msgspec writes a NaN price as null
            f.ts_event,
            f.ts_init,
        )
        for f in firings
    ]


def outbox_tuples(notifications: Sequence[Notification]) -> list[tuple[Any, ...]]:
    pending = OutboxStatus.PENDING.value
    return [
        (n.channel, pending, 0, n.ts_init, n.ts_init, None, None, _encode(n).decode()) for n in notifications
    ]


async def write_firings(
    conn: AsyncConnection, firings: Sequence[AlertFired], notifications: Sequence[Notification]
) -> None:
    """All three groups inside the caller's transaction."""
    dialect = conn.dialect.name
    await conn.execute(text("SELECT 1"))  # through SQLAlchemy first: it opens the transaction we join
    driver = (await conn.get_raw_connection()).driver_connection
    assert driver is not None
    if firings:
        await driver.executemany(_sql(STATE_SQL, 5, dialect), state_rows(firings))
        await driver.executemany(_insert("alert_firings", HISTORY_COLUMNS, dialect), history_rows(firings))
    if notifications:
        await driver.executemany(
            _insert("notify_outbox", OUTBOX_COLUMNS, dialect), outbox_tuples(notifications)
        )
