"""The journal on both backends: entries round-trip exactly, every filter narrows, retention purges
by level and age, and a follower reads only what is new."""

from __future__ import annotations

import pytest
from storage_builders import system_event

from freeride.core.system import Level, SystemEvent
from freeride.ports import journal as port
from freeride.ports.journal import JournalQuery
from freeride.storage.repositories import Repositories
from freeride.storage.repositories import journal as journal_module

DAY = 86_400 * 1_000_000_000


def entry(i: int, **kw: object) -> SystemEvent:
    fields: dict[str, object] = {
        "source": "execution",
        "kind": "order_filled",
        "level": Level.INFO,
        "message": f"fact {i} — naïve ünïcode",
        "data": {"n": i, "price": "101.25", "ok": True, "none": None},
        "ts_event": i * DAY,
        "ts_init": i * DAY + 7,
        "symbol": "GOOG",
        "correlation_id": f"c-{i}",
    }
    fields.update(kw)
    return SystemEvent(**fields)  # type: ignore[arg-type]


def test_the_repository_satisfies_the_port(repos: Repositories) -> None:
    missing = [
        n for n in dir(port.JournalRepository) if not n.startswith("_") and not hasattr(repos.journal, n)
    ]
    assert missing == []


async def test_entries_round_trip_exactly_with_and_without_a_run(repos: Repositories, run_id: str) -> None:
    events = [
        entry(1),
        entry(2, symbol=None, correlation_id=None),
        entry(3, source="gateway", kind="failover"),
    ]
    assert await repos.journal.append(events[:2], run_id) == 2
    assert await repos.journal.append(events[2:]) == 1  # a fact of no run

    records = await repos.journal.query(JournalQuery())
    assert [r.event for r in records] == events
    assert [r.run_id for r in records] == [run_id, run_id, None]
    assert records[0].id < records[1].id < records[2].id


async def test_every_filter_narrows(repos: Repositories, run_id: str) -> None:
    await repos.journal.append(
        [
            entry(1),
            entry(2, level=Level.WARNING, kind="order_rejected"),
            entry(3, source="gateway", kind="failover", symbol=None, level=Level.ERROR),
            entry(4, symbol="EUR/USD", correlation_id="c-1"),
        ],
        run_id,
    )
    await repos.journal.append([entry(5, source="process", kind="process_started", symbol=None)])

    async def kinds(**kw: object) -> list[str]:
        return [
            r.event.kind + str(r.event.ts_event // DAY) for r in await repos.journal.query(JournalQuery(**kw))
        ]  # type: ignore[arg-type]

    assert await kinds(kinds=("failover", "order_rejected")) == ["order_rejected2", "failover3"]
    assert await kinds(components=("gateway", "process")) == ["failover3", "process_started5"]
    assert await kinds(min_level=Level.WARNING) == ["order_rejected2", "failover3"]
    assert await kinds(level=Level.ERROR) == ["failover3"]
    assert await kinds(symbol="EUR/USD") == ["order_filled4"]
    assert await kinds(correlation_id="c-1") == ["order_filled1", "order_filled4"]
    assert await kinds(run_id=run_id, start_ns=2 * DAY, end_ns=4 * DAY) == ["order_rejected2", "failover3"]
    assert await kinds(newest_first=True, limit=2) == ["process_started5", "order_filled4"]
    assert await kinds(newest_first=True, limit=2, offset=2) == ["failover3", "order_rejected2"]
    assert await repos.journal.count(JournalQuery(min_level=Level.WARNING, limit=1)) == 2

    counts = await repos.journal.kind_counts(0, 10 * DAY)
    assert {(c.source, c.kind, c.level, c.count) for c in counts} == {
        ("execution", "order_filled", Level.INFO, 2),
        ("execution", "order_rejected", Level.WARNING, 1),
        ("gateway", "failover", Level.ERROR, 1),
        ("process", "process_started", Level.INFO, 1),
    }


async def test_a_follower_reads_only_what_is_new_in_insertion_order(repos: Repositories) -> None:
    await repos.journal.append([entry(5), entry(1)])
    seen = await repos.journal.query(JournalQuery(after_id=0))
    assert [r.event.ts_event // DAY for r in seen] == [5, 1]  # as written, not by time
    await repos.journal.append([entry(3)])
    new = await repos.journal.query(JournalQuery(after_id=seen[-1].id))
    assert [r.event.ts_event // DAY for r in new] == [3]
    assert await repos.journal.query(JournalQuery(after_id=new[-1].id)) == []


async def test_retention_deletes_by_level_and_age_and_keeps_the_rest(
    repos: Repositories, run_id: str
) -> None:
    await repos.journal.append(
        [
            entry(1, level=Level.DEBUG),
            entry(9, level=Level.DEBUG),
            entry(1, level=Level.INFO),
            entry(5, level=Level.INFO),
            entry(1, level=Level.ERROR),
        ],
        run_id,
    )
    deleted = await repos.journal.purge({Level.DEBUG: 8 * DAY, Level.INFO: 3 * DAY, Level.ERROR: 0})
    assert deleted == 2
    left = [(r.event.level, r.event.ts_event // DAY) for r in await repos.journal.query(JournalQuery())]
    assert left == [(Level.ERROR, 1), (Level.INFO, 5), (Level.DEBUG, 9)]


async def test_purging_more_than_a_chunk_deletes_everything_due(
    repos: Repositories, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(journal_module, "PURGE_CHUNK", 7)
    await repos.journal.append([entry(i % 3, level=Level.DEBUG) for i in range(30)])
    await repos.journal.append([entry(9, level=Level.DEBUG)])
    assert await repos.journal.purge({Level.DEBUG: 5 * DAY}) == 30
    assert [r.event.ts_event // DAY for r in await repos.journal.query(JournalQuery())] == [9]


async def test_system_events_written_by_the_recorder_path_keep_old_callers_working(
    repos: Repositories, run_id: str
) -> None:
    await repos.system_events.append(run_id, system_event())
    [record] = await repos.journal.query(JournalQuery(run_id=run_id))
    assert record.event == system_event()
    assert record.event.symbol is None
    assert record.event.correlation_id is None
