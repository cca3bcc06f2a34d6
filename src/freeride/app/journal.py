"""What ``freeride events`` and ``freeride trace`` do, as async functions over ``Settings``.

They read the journal from the database alone, so they work beside a running engine (in another
shell) or after it stopped. ``follow`` polls for entries newer than the last one it returned:
the journal's ids increase in insertion order, whichever process wrote them.
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Iterable
from contextlib import asynccontextmanager

import msgspec

from freeride.app.database import open_database
from freeride.config.settings import Settings
from freeride.core.clock import Clock
from freeride.ports.journal import JournalQuery, JournalRecord
from freeride.storage.repositories import JournalRepository


@asynccontextmanager
async def journal_of(settings: Settings) -> AsyncIterator[JournalRepository]:
    async with open_database(settings.database_url) as engine:
        yield JournalRepository(engine)


async def read_events(settings: Settings, query: JournalQuery) -> list[JournalRecord]:
    """The newest ``query.limit`` matching entries, oldest first (as a log reads)."""
    async with journal_of(settings) as repo:
        newest = await repo.query(msgspec.structs.replace(query, newest_first=True))
    return newest[::-1]


async def follow_events(
    settings: Settings, query: JournalQuery, clock: Clock, every_s: float = 1.0
) -> AsyncIterator[list[JournalRecord]]:
    """First the newest ``query.limit`` entries, then every new one as it is written, until cancelled."""
    async with journal_of(settings) as repo:
        first = (await repo.query(msgspec.structs.replace(query, newest_first=True)))[::-1]
        yield first
        last = first[-1].id if first else await _last_id(repo)
        while True:
            await clock.sleep(every_s)
            batch = await repo.query(msgspec.structs.replace(query, after_id=last, limit=1_000))
            if batch:
                last = batch[-1].id
                yield batch


async def _last_id(repo: JournalRepository) -> int:
    newest = await repo.query(JournalQuery(limit=1, newest_first=True, after_id=0))
    return newest[0].id if newest else 0


async def read_chain(settings: Settings, correlation_id: str) -> list[JournalRecord]:
    async with journal_of(settings) as repo:
        return await repo.query(JournalQuery(correlation_id=correlation_id, limit=10_000))


ANOMALY_KINDS = ("anomaly", "anomaly_resolved")


def anomaly_rows(records: Iterable[JournalRecord]) -> list[dict[str, object]]:
    """Each anomaly in the journal (oldest first) with when it opened and, if so, resolved.

    ``records`` are the journal's ``anomaly`` and ``anomaly_resolved`` entries in time order; an
    anomaly is keyed by its detector's ``key``, so a resolution closes the one it names.
    """
    rows: dict[str, dict[str, object]] = {}
    for r in records:
        e = r.event
        key = str(e.data.get("key"))
        if e.kind == "anomaly":
            rows[key] = {
                "key": key,
                "opened": e.ts_event,
                "resolved": None,
                "why": e.message,
                "symbol": e.symbol,
                "value": e.data.get("value"),
                "baseline": e.data.get("baseline"),
            }
        elif key in rows:
            rows[key]["resolved"] = e.ts_event
    return list(rows.values())
