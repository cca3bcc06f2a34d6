"""Every repository on both backends: what goes in comes out, exactly, and keys stay unique."""

from __future__ import annotations

import asyncio
from decimal import Decimal
from typing import Any

import pytest
import sqlalchemy as sa
from sqlalchemy.ext.asyncio import AsyncEngine
from storage_builders import MINUTE, bar, bars, fill, order, position, system_event

from freeride.core.errors import InvalidInput
from freeride.core.instruments import forex, stock
from freeride.core.orders import OrderStatus
from freeride.core.system import Level
from freeride.ports import repositories as ports
from freeride.storage import series, writes
from freeride.storage.repositories import BarRepository, Repositories

# Values a float cannot hold, with trailing zeros that must survive too.
AWKWARD = [
    Decimal("0.1"),
    Decimal("1.10"),
    Decimal("123456789012345678.123456789012345678"),
    Decimal("-0.000000000000000001"),
    Decimal("0E-8"),
]


def test_repositories_satisfy_the_ports(repos: Repositories) -> None:
    checks: list[tuple[object, type]] = [
        (repos.instruments, ports.InstrumentRepository),
        (repos.bars, ports.BarRepository),
        (repos.orders, ports.OrderRepository),
        (repos.fills, ports.FillRepository),
        (repos.positions, ports.PositionRepository),
        (repos.system_events, ports.SystemEventRepository),
        (repos.runs, ports.RunRepository),
    ]
    for impl, port in checks:
        missing = [n for n in dir(port) if not n.startswith("_") and not hasattr(impl, n)]
        assert missing == [], f"{type(impl).__name__} lacks {missing}"


async def test_instruments_upsert_get_list(repos: Repositories) -> None:
    await repos.instruments.upsert(stock("GOOG"))
    await repos.instruments.upsert(forex("EUR/USD"))
    await repos.instruments.upsert(stock("GOOG", tick_size="0.0001"))  # replaces

    goog = await repos.instruments.get("GOOG")
    assert goog == stock("GOOG", tick_size="0.0001")
    assert goog is not None
    assert str(goog.tick_size) == "0.0001"
    assert await repos.instruments.get("MSFT") is None
    assert [i.symbol for i in await repos.instruments.list_all()] == ["EUR/USD", "GOOG"]
    assert (await repos.instruments.list_all())[0] == forex("EUR/USD")


async def test_bars_round_trip_in_time_order(repos: Repositories) -> None:
    series = bars(10)
    assert await repos.bars.upsert_many(list(reversed(series))) == 10
    await repos.bars.upsert_many(bars(3, symbol="EUR/USD", interval="1h"))

    assert await repos.bars.query("GOOG", "1m") == series
    assert await repos.bars.query("GOOG", "1m", 2 * MINUTE, 5 * MINUTE) == series[2:5]
    assert await repos.bars.query("GOOG", "1m", start_ns=8 * MINUTE) == series[8:]
    assert await repos.bars.query("GOOG", "1m", end_ns=2 * MINUTE) == series[:2]
    assert await repos.bars.query("GOOG", "1m", limit=4) == series[:4]
    assert await repos.bars.query("GOOG", "1h") == []
    assert await repos.bars.latest("GOOG", "1m") == series[-1]
    assert await repos.bars.latest("MSFT", "1m") is None
    assert await repos.bars.count() == 13
    assert await repos.bars.count("GOOG") == 10
    assert await repos.bars.count("EUR/USD", "1h") == 3
    assert await repos.bars.count(interval="1h") == 3


async def test_bar_upsert_is_idempotent(repos: Repositories) -> None:
    assert await repos.bars.upsert_many(bars(100)) == 100
    assert await repos.bars.upsert_many(bars(100)) == 0  # all stored already
    assert await repos.bars.upsert_many(bars(100, start=50)) == 50  # half overlap
    # the same bar twice in one batch, and a changed copy of a stored one: the stored one stays
    assert await repos.bars.upsert_many([bar(500), bar(500), bar(0, close=-1.0)]) == 1
    assert await repos.bars.count() == 151
    assert (await repos.bars.query("GOOG", "1m", limit=1))[0].close == bar(0).close


async def test_bars_of_many_series_in_one_batch(repos: Repositories) -> None:
    mixed = [bar(i, symbol=s) for i in range(20) for s in ("A", "B", "C")]
    assert await repos.bars.upsert_many(mixed) == 60
    assert await repos.bars.upsert_many([*mixed, bar(99, symbol="B")]) == 1
    assert await repos.bars.count("B") == 21


async def test_orders_keep_the_latest_state(repos: Repositories, run_id: str) -> None:
    await repos.orders.upsert(run_id, order("a", OrderStatus.PENDING_NEW, ts=1))
    await repos.orders.upsert(run_id, order("a", OrderStatus.ACCEPTED, ts=2, broker_order_id="b-1"))
    await repos.orders.upsert(run_id, order("a", OrderStatus.SUBMITTED, ts=1))  # late and stale
    await repos.orders.upsert(run_id, order("b", OrderStatus.SUBMITTED, ts=3))
    filled = order(
        "c",
        OrderStatus.FILLED,
        ts=4,
        filled_quantity=Decimal("10"),
        avg_fill_price=Decimal("101.2500"),
        limit_price=None,
        reason="done",
    )
    await repos.orders.upsert(run_id, filled)

    a = await repos.orders.get(run_id, "a")
    assert a == order("a", OrderStatus.ACCEPTED, ts=2, broker_order_id="b-1")
    assert await repos.orders.get(run_id, "c") == filled
    assert await repos.orders.get(run_id, "zzz") is None
    assert [o.client_order_id for o in await repos.orders.list_open(run_id)] == ["a", "b"]
    assert [o.client_order_id for o in await repos.orders.list_by_run(run_id)] == ["a", "b", "c"]
    assert await repos.orders.list_open("other-run") == []


async def test_order_status_ties_go_to_the_later_write(repos: Repositories, run_id: str) -> None:
    await repos.orders.upsert(run_id, order("a", OrderStatus.SUBMITTED, ts=5))
    await repos.orders.upsert(run_id, order("a", OrderStatus.FILLED, ts=5))
    got = await repos.orders.get(run_id, "a")
    assert got is not None
    assert got.status is OrderStatus.FILLED


async def test_fills_are_stored_once(repos: Repositories, run_id: str) -> None:
    assert await repos.fills.insert(run_id, fill("f1", ts=1)) is True
    assert await repos.fills.insert(run_id, fill("f1", ts=1)) is False
    assert await repos.fills.insert(run_id, fill("f2", symbol="EUR/USD", ts=2)) is True
    assert await repos.fills.insert(run_id, fill("f3", ts=3)) is True

    assert [f.fill_id for f in await repos.fills.list_by_run(run_id)] == ["f1", "f2", "f3"]
    assert await repos.fills.list_by_run(run_id, "GOOG") == [fill("f1", ts=1), fill("f3", ts=3)]
    await repos.runs.begin("run-2", name="other", config={}, started_at=2)
    assert await repos.fills.insert("run-2", fill("f1", ts=1)) is True  # another run, another key


async def test_many_fills_go_in_one_call_each_stored_once(repos: Repositories, run_id: str) -> None:
    await repos.fills.insert(run_id, fill("f0", ts=0))
    batch = [fill(f"f{i}", ts=i) for i in range(500)] + [fill("f7", ts=7)]  # f0 stored, f7 twice
    await repos.fills.insert_many(run_id, batch)
    stored = await repos.fills.list_by_run(run_id)
    assert [f.fill_id for f in stored] == [f"f{i}" for i in range(500)]
    assert stored[7] == fill("f7", ts=7)
    assert await repos.fills.insert_many(run_id, []) == 0


async def test_many_positions_keep_the_latest_per_symbol(repos: Repositories, run_id: str) -> None:
    await repos.positions.upsert(run_id, position("GOOG", "10", ts=5))
    await repos.positions.upsert_many(
        run_id,
        [position("GOOG", "99", ts=2), position("EUR/USD", "100000", ts=1)],  # GOOG stale
    )
    assert await repos.positions.get(run_id, "GOOG") == position("GOOG", "10", ts=5)
    assert await repos.positions.get(run_id, "EUR/USD") == position("EUR/USD", "100000", ts=1)


async def test_positions_latest_per_symbol(repos: Repositories, run_id: str) -> None:
    await repos.positions.upsert(run_id, position("GOOG", "10", ts=1))
    await repos.positions.upsert(run_id, position("GOOG", "-5", ts=3))
    await repos.positions.upsert(run_id, position("GOOG", "99", ts=2))  # stale
    await repos.positions.upsert(run_id, position("EUR/USD", "100000", ts=1))

    assert await repos.positions.get(run_id, "GOOG") == position("GOOG", "-5", ts=3)
    assert await repos.positions.get(run_id, "MSFT") is None
    assert [p.symbol for p in await repos.positions.list_by_run(run_id)] == ["EUR/USD", "GOOG"]


async def test_system_events_query_filters(repos: Repositories, run_id: str) -> None:
    await repos.runs.begin("run-2", name="other", config={}, started_at=2)
    events = [
        system_event("a", Level.DEBUG, "bus", ts=1),
        system_event("b", Level.INFO, "gateway", ts=2),
        system_event("c", Level.WARNING, "gateway", ts=3),
        system_event("d", Level.ERROR, "bus", ts=4),
        system_event("e", Level.CRITICAL, "run", ts=5),
    ]
    for e in events:
        await repos.system_events.append(run_id, e)
    await repos.system_events.append("run-2", system_event("z", ts=9))

    q = repos.system_events.query
    assert await q(run_id) == events
    assert len(await q()) == 6
    assert [e.kind for e in await q(run_id, level=Level.WARNING)] == ["c"]
    assert [e.kind for e in await q(run_id, min_level=Level.WARNING)] == ["c", "d", "e"]
    assert [e.kind for e in await q(run_id, source="gateway")] == ["b", "c"]
    assert [e.kind for e in await q(run_id, start_ns=2, end_ns=4)] == ["b", "c"]
    assert [e.kind for e in await q(run_id, limit=2)] == ["a", "b"]
    assert [e.kind for e in await q(run_id, limit=2, newest_first=True)] == ["e", "d"]
    assert [e.kind for e in await q("run-2")] == ["z"]


async def test_runs_begin_finish_list(repos: Repositories) -> None:
    info = await repos.runs.begin("r1", name="first", config={"fast": 5, "cash": "1000.50"}, started_at=10)
    await repos.runs.begin("r2", name="second", config={}, started_at=20)
    await repos.runs.finish("r1", summary={"pnl": "12.50", "trades": 3}, finished_at=15)

    r1 = await repos.runs.get("r1")
    assert r1 is not None
    assert info.run_id == "r1"
    assert r1.finished
    assert r1.finished_at == 15
    assert r1.config == {"fast": 5, "cash": "1000.50"}
    assert r1.summary == {"pnl": "12.50", "trades": 3}
    assert [r.run_id for r in await repos.runs.list_runs()] == ["r2", "r1"]
    assert [r.run_id for r in await repos.runs.list_runs(limit=1)] == ["r2"]
    assert await repos.runs.get("nope") is None
    with pytest.raises(InvalidInput, match="nope"):
        await repos.runs.finish("nope", summary={}, finished_at=1)

    await repos.runs.begin("r1", name="again", config={"fast": 6}, started_at=30)  # restart the record
    again = await repos.runs.get("r1")
    assert again is not None
    assert not again.finished
    assert again.summary is None
    assert again.name == "again"
    assert again.config == {"fast": 6}


async def test_run_reset_replaces_rather_than_duplicates(repos: Repositories, run_id: str) -> None:
    await repos.runs.begin("keep", name="other run", config={}, started_at=2)

    async def record(run: str) -> None:
        await repos.orders.upsert(run, order("a", ts=1))
        await repos.fills.insert(run, fill("f1"))
        await repos.positions.upsert(run, position())
        await repos.system_events.append(run, system_event())

    await repos.bars.upsert_many(bars(5))
    await record(run_id)
    await record("keep")

    assert await repos.runs.reset(run_id) == 4
    assert await repos.orders.list_by_run(run_id) == []
    assert await repos.fills.list_by_run(run_id) == []
    assert await repos.positions.list_by_run(run_id) == []
    assert await repos.system_events.query(run_id) == []
    assert await repos.bars.count() == 5  # market data is shared and stays
    assert await repos.runs.get(run_id) is not None
    assert len(await repos.system_events.query("keep")) == 1  # other runs untouched

    await record(run_id)  # the re-run
    assert len(await repos.system_events.query(run_id)) == 1
    assert await repos.runs.reset("never-ran") == 0


async def test_decimals_round_trip_exactly(repos: Repositories, run_id: str) -> None:
    for i, value in enumerate(AWKWARD):
        await repos.orders.upsert(
            run_id,
            order(f"o{i}", quantity=value, limit_price=value, filled_quantity=value, avg_fill_price=value),
        )
        await repos.fills.insert(run_id, fill(f"f{i}", quantity=value, price=value, commission=value))
        await repos.positions.upsert(
            run_id, position(f"S{i}", avg_price=value, realized_pnl=value, quantity=value)
        )

    for i, value in enumerate(AWKWARD):
        o = await repos.orders.get(run_id, f"o{i}")
        p = await repos.positions.get(run_id, f"S{i}")
        assert o is not None
        assert p is not None
        got = [o.quantity, o.limit_price, o.filled_quantity, o.avg_fill_price, p.quantity, p.avg_price]
        for d in got:
            assert isinstance(d, Decimal)
            assert d == value
            assert str(d) == str(value), (d, value)
    fills = {f.fill_id: f for f in await repos.fills.list_by_run(run_id)}
    for i, value in enumerate(AWKWARD):
        f = fills[f"f{i}"]
        assert (str(f.quantity), str(f.price), str(f.commission)) == (str(value),) * 3


async def test_bars_of_several_intervals_are_separate_series(repos: Repositories) -> None:
    await repos.bars.upsert_many([*bars(4), *bars(2, interval="1h"), *bars(3, symbol="MSFT", interval="1h")])
    assert await repos.bars.query("GOOG", "1h") == bars(2, interval="1h")
    assert await repos.bars.latest("MSFT", "1h") == bar(2, symbol="MSFT", interval="1h")
    assert await repos.bars.count("GOOG") == 6
    assert await repos.bars.count(interval="1h") == 5


async def test_a_new_series_costs_one_lookup_not_one_per_batch(engine: AsyncEngine) -> None:
    repo = BarRepository(engine)
    inserts: list[str] = []

    def spy(_conn: Any, _cursor: Any, statement: str, *_args: Any) -> None:
        if statement.startswith("INSERT INTO series"):
            inserts.append(statement)

    sa.event.listen(engine.sync_engine, "before_cursor_execute", spy)
    try:
        for start in range(0, 50, 10):
            await repo.upsert_many(bars(10, start=start))
        await repo.upsert_many([bar(60), bar(60, symbol="MSFT"), bar(60, interval="1h")])
    finally:
        sa.event.remove(engine.sync_engine, "before_cursor_execute", spy)
    assert len(inserts) == 2  # GOOG/1m once, then MSFT/1m and GOOG/1h together
    assert await repo.count() == 53


async def test_a_series_id_from_a_rolled_back_write_is_not_trusted(engine: AsyncEngine) -> None:
    """The engine remembers the id a rolled-back write created; the next write must notice it is gone."""
    repo = BarRepository(engine)
    async with engine.connect() as conn:
        await conn.begin()
        await writes.write_bars(conn, bars(3, symbol="GONE"))
        await conn.rollback()
    await repo.upsert_many(bars(2, symbol="NEW"))  # SQLite may hand NEW the id GONE had
    assert await repo.upsert_many(bars(3, symbol="GONE")) == 3
    assert await repo.query("GONE", "1m") == bars(3, symbol="GONE")
    assert await repo.query("NEW", "1m") == bars(2, symbol="NEW")
    assert await repo.count() == 5


@pytest.mark.postgres
@pytest.mark.parametrize("backend", ["postgres"])  # SQLite has one writer at a time: no race to lose
@pytest.mark.parametrize("series_stored", [True, False], ids=["bars-race", "series-race-too"])
async def test_bars_racing_a_concurrent_writer_are_stored_once(
    engine: AsyncEngine, series_stored: bool
) -> None:
    """A writer that commits the same bar mid-write: the batch falls back to the staging path.

    With the series stored beforehand the race is on the bars (the COPY meets the other writer's
    row); without, the other writer's series is not committed yet either, so the batch first
    waits on the series row, then sees the bar and stages.
    """
    repo = BarRepository(engine)
    if series_stored:
        async with engine.begin() as conn:
            await series.resolve(conn, [("GOOG", "1m")])
    async with engine.connect() as other:
        await other.begin()
        await writes.write_bars(other, [bar(5)])  # uncommitted: invisible to the overlap check
        racing = asyncio.create_task(repo.upsert_many(bars(10)))
        async with engine.connect() as probe:
            for _ in range(2_000):  # until the write waits on the other writer's row lock
                waiting = await probe.execute(
                    sa.text("SELECT count(*) FROM pg_locks WHERE NOT granted AND locktype = 'transactionid'")
                )
                if waiting.scalar() or racing.done():
                    break
        await other.commit()
    assert await racing == 9
    assert await repo.query("GOOG", "1m") == bars(10)
