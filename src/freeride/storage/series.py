"""Series ids: the small integer a bar is stored under in place of its (symbol, interval).

A batch of bars costs one lookup per series it has not met before, never one per row: each engine
keeps a map of the ids it has resolved, and only keys missing from it go to the database, all in
one insert-or-ignore and one read back. Two writers creating the same series at once both end
with the one row: the second insert waits on the first, finds it stored and reads its id.

A cached id is a hint, not a fact. It may have been created in a transaction that then rolled
back, and SQLite hands a rolled-back id out again, possibly to another series. So a writer checks
the cached ids it is about to store against ``series`` inside its own transaction (``checked``,
or on PostgreSQL the probe that also looks for stored bars) and re-resolves any that do not
match. Nothing deletes or renames a series, so an id that checked out stays good for the
transaction. This check is what ``bars.series_id`` relies on in place of a foreign key.
"""

from __future__ import annotations

from collections.abc import Collection, Iterable
from weakref import WeakKeyDictionary

import sqlalchemy as sa
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.engine import Engine
from sqlalchemy.ext.asyncio import AsyncConnection

from freeride.storage.tables import series

SeriesKey = tuple[str, str]  # (symbol, interval)

# Keyed by engine, so the map lives exactly as long as the engine and two databases never share one.
_CACHES: WeakKeyDictionary[Engine, dict[SeriesKey, int]] = WeakKeyDictionary()


def cache(conn: AsyncConnection) -> dict[SeriesKey, int]:
    """The ids this connection's engine has resolved so far (unchecked: see the module docstring)."""
    engine = conn.sync_engine
    known = _CACHES.get(engine)
    if known is None:
        known = _CACHES[engine] = {}
    return known


def forget(conn: AsyncConnection, keys: Iterable[SeriesKey]) -> None:
    known = cache(conn)
    for key in keys:
        known.pop(key, None)


async def resolve(conn: AsyncConnection, keys: Collection[SeriesKey]) -> dict[SeriesKey, int]:
    """The ids of ``keys`` as stored now, creating the series not stored yet; cached on the way."""
    # Sorted, so writers creating several series at once lock them in the same order.
    wanted = sorted(set(keys))
    if not wanted:
        return {}
    insert = postgresql.insert if conn.dialect.name == "postgresql" else sqlite.insert
    await conn.execute(
        insert(series).on_conflict_do_nothing(), [{"symbol": s, "interval": i} for s, i in wanted]
    )
    found = await _stored(conn, sa.tuple_(series.c.symbol, series.c.interval).in_(wanted))
    missing = [k for k in wanted if k not in found]
    if missing:  # only an isolation level above READ COMMITTED can hide a row the insert ran into
        raise RuntimeError(f"series {missing} are stored but not visible to this transaction")
    cache(conn).update(found)
    return found


async def checked(conn: AsyncConnection, keys: Collection[SeriesKey]) -> dict[SeriesKey, int]:
    """Ids of ``keys`` that hold in this transaction: cached ones checked in one query, others resolved."""
    known = cache(conn)
    ids = {k: known[k] for k in keys if k in known}
    if ids:
        stored = await _stored(conn, series.c.id.in_(list(ids.values())))
        stale = [k for k, i in ids.items() if stored.get(k) != i]
        forget(conn, stale)
        for key in stale:
            del ids[key]
    if len(ids) < len(keys):
        ids.update(await resolve(conn, [k for k in keys if k not in ids]))
    return ids


async def _stored(conn: AsyncConnection, where: sa.ColumnElement[bool]) -> dict[SeriesKey, int]:
    result = await conn.execute(sa.select(series.c.symbol, series.c.interval, series.c.id).where(where))
    return {(symbol, interval): id_ for symbol, interval, id_ in result}
