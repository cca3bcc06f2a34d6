"""The journal on SQL: the ``system_events`` table, read by filters, counted, and purged by age.

Appends go through ``storage.writes`` (the recorder's fast path). Purging deletes in chunks of
``PURGE_CHUNK`` rows, each its own transaction, so a large purge never holds SQLite's single
writer lock for long while the recorder waits.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

import sqlalchemy as sa

from freeride.core.slices import convert_in_slices
from freeride.core.system import Level, SystemEvent, at_least
from freeride.ports.journal import DayCount, JournalQuery, JournalRecord, KindCount
from freeride.storage import rows, writes
from freeride.storage.repositories._base import Repository
from freeride.storage.tables import system_events as t

PURGE_CHUNK = 20_000
DAY_NS = 86_400 * 1_000_000_000


def _filtered(stmt: Any, q: JournalQuery) -> Any:
    if q.run_id is not None:
        stmt = stmt.where(t.c.run_id == q.run_id)
    if q.start_ns is not None:
        stmt = stmt.where(t.c.ts_event >= q.start_ns)
    if q.end_ns is not None:
        stmt = stmt.where(t.c.ts_event < q.end_ns)
    if q.kinds:
        stmt = stmt.where(t.c.kind.in_(q.kinds))
    if q.components:
        stmt = stmt.where(t.c.source.in_(q.components))
    if q.level is not None:
        stmt = stmt.where(t.c.level == q.level.value)
    if q.min_level is not None:
        stmt = stmt.where(t.c.level.in_([lv.value for lv in at_least(q.min_level)]))
    if q.symbol is not None:
        stmt = stmt.where(t.c.symbol == q.symbol)
    if q.correlation_id is not None:
        stmt = stmt.where(t.c.correlation_id == q.correlation_id)
    if q.after_id is not None:
        stmt = stmt.where(t.c.id > q.after_id)
    return stmt


def _record(row: Mapping[Any, Any]) -> JournalRecord:
    return JournalRecord(id=int(row["id"]), run_id=row["run_id"], event=rows.to_event(row))


class JournalRepository(Repository):
    async def append(self, events: Sequence[SystemEvent], run_id: str | None = None) -> int:
        async with self._engine.begin() as conn:
            return await writes.write_system_events(conn, run_id, events)

    async def query(self, query: JournalQuery) -> list[JournalRecord]:
        if query.after_id is not None:  # a follower reads in insertion order
            order: tuple[Any, ...] = (t.c.id.desc(),) if query.newest_first else (t.c.id,)
        elif query.newest_first:
            order = (t.c.ts_event.desc(), t.c.id.desc())
        else:
            order = (t.c.ts_event, t.c.id)
        stmt = _filtered(sa.select(t), query).order_by(*order).limit(query.limit).offset(query.offset)
        async with self._engine.connect() as conn:
            return await convert_in_slices((await conn.execute(stmt)).mappings(), _record)

    async def count(self, query: JournalQuery) -> int:
        stmt = _filtered(sa.select(sa.func.count()).select_from(t), query)
        async with self._engine.connect() as conn:
            return int((await conn.execute(stmt)).scalar_one())

    async def kind_counts(self, start_ns: int, end_ns: int) -> list[KindCount]:
        stmt = (
            sa.select(
                t.c.source,
                t.c.kind,
                t.c.level,
                sa.func.count(),
                sa.func.min(t.c.ts_event),
                sa.func.max(t.c.ts_event),
            )
            .where(t.c.ts_event >= start_ns, t.c.ts_event < end_ns)
            .group_by(t.c.source, t.c.kind, t.c.level)
            .order_by(t.c.source, t.c.kind, t.c.level)
        )
        async with self._engine.connect() as conn:
            result = (await conn.execute(stmt)).all()
        return [
            KindCount(source=s, kind=k, level=Level(lv), count=int(n), first_ns=int(a), last_ns=int(b))
            for s, k, lv, n, a, b in result
        ]

    async def day_counts(self, start_ns: int, end_ns: int) -> list[DayCount]:
        day = t.c.ts_event // DAY_NS
        stmt = (
            sa.select(day.label("day"), t.c.source, t.c.kind, t.c.level, sa.func.count())
            .where(t.c.ts_event >= start_ns, t.c.ts_event < end_ns)
            .group_by("day", t.c.source, t.c.kind, t.c.level)
            .order_by("day", t.c.source, t.c.kind, t.c.level)
        )
        async with self._engine.connect() as conn:
            result = (await conn.execute(stmt)).all()
        return [DayCount(int(d) * DAY_NS, s, k, Level(lv), int(n)) for d, s, k, lv, n in result]

    async def fields(
        self, kind: str, names: Sequence[str], start_ns: int, end_ns: int
    ) -> list[tuple[int, tuple[str | None, ...]]]:
        columns = [t.c.data[name].as_string() for name in names]
        stmt = (
            sa.select(t.c.ts_event, *columns)
            .where(t.c.kind == kind, t.c.ts_event >= start_ns, t.c.ts_event < end_ns)
            .order_by(t.c.ts_event, t.c.id)
        )
        async with self._engine.connect() as conn:
            result = (await conn.execute(stmt)).all()
        return [(int(row[0]), tuple(row[1:])) for row in result]

    async def purge(self, cutoffs: Mapping[Level, int]) -> int:
        deleted = 0
        for level, before_ns in cutoffs.items():
            while True:
                chunk = (
                    sa.select(t.c.id)
                    .where(t.c.level == level.value, t.c.ts_event < before_ns)
                    .limit(PURGE_CHUNK)
                    .scalar_subquery()
                )
                async with self._engine.begin() as conn:
                    n = (await conn.execute(sa.delete(t).where(t.c.id.in_(chunk)))).rowcount
                deleted += n
                if n < PURGE_CHUNK:
                    break
        return deleted
