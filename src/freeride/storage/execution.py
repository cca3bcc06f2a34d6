"""SQL implementations of the execution ports: orders, fills and positions in batches; controls.

``SqlExecutionStore`` is what the order manager persists through. Its ``save_orders`` is the
persist-before-send write: one transaction for every intent of a batch, committed before any of
them is sent. On SQLite (WAL, ``synchronous=NORMAL``) a commit survives the process being killed
the moment after, which is the failure this rule is about; on PostgreSQL it is fully durable.
The first write of a run creates its ``runs`` row, so a live account needs no set-up.
"""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Sequence
from contextlib import asynccontextmanager
from functools import cache
from typing import Any

import msgspec
import sqlalchemy as sa
from sqlalchemy.ext.asyncio import AsyncEngine

from freeride.core.orders import Fill, Order, OrderStatus, Position
from freeride.ports.execution import Approval, ApprovalState, FlattenRequest, FlattenState, Halt, HaltKind
from freeride.storage import rows, writes
from freeride.storage.leases import Fence
from freeride.storage.repositories._base import dialect_insert, upsert_row
from freeride.storage.tables import (
    execution_halts,
    fills,
    flatten_requests,
    order_approvals,
    orders,
    positions,
)

_OPEN = [s.value for s in OrderStatus if s.is_open]


_BEHIND_CHUNK = 25  # order updates per write-behind transaction (about 1 ms on SQLite)
_CHUNK = 500  # rows per INSERT: 18 columns each stay far below SQLite's 32,766 parameters


@cache
def _add_sql(n: int, dialect: str) -> str:
    """``INSERT … VALUES (…), (…) ON CONFLICT DO NOTHING RETURNING client_order_id`` for ``n`` rows.

    One statement for the whole batch, in the driver's own placeholder style: SQLAlchemy would
    compile a multi-row insert anew for every batch, which costs more than the write itself.
    """
    columns = ("run_id", *rows.ORDER_FIELDS)
    width = len(columns)
    if dialect == "sqlite":
        one = "(" + ", ".join("?" * width) + ")"
        values = ", ".join([one] * n)
    else:
        values = ", ".join(
            "(" + ", ".join(f"${r * width + c + 1}" for c in range(width)) + ")" for r in range(n)
        )
    return (
        f"INSERT INTO orders ({', '.join(columns)}) VALUES {values} "
        "ON CONFLICT (run_id, client_order_id) DO NOTHING RETURNING client_order_id"
    )


class WriteLock:
    """One writer at a time, and intents before write-behind updates.

    ``first`` (the persist-before-send write) queues as any lock does; ``behind`` (updates after
    the fact) also waits while any ``first`` is waiting, so an intent never queues behind more
    than the one update transaction already running.
    """

    def __init__(self) -> None:
        self._lock = asyncio.Lock()
        self._waiting_first = 0
        self._no_first = asyncio.Event()
        self._no_first.set()

    @asynccontextmanager
    async def first(self) -> AsyncIterator[None]:
        self._waiting_first += 1
        self._no_first.clear()
        try:
            await self._lock.acquire()
        finally:
            self._waiting_first -= 1
            if not self._waiting_first:
                self._no_first.set()
        try:
            yield
        finally:
            self._lock.release()

    @asynccontextmanager
    async def behind(self) -> AsyncIterator[None]:
        while True:
            await self._no_first.wait()
            await self._lock.acquire()
            if not self._waiting_first:
                break
            self._lock.release()  # an intent arrived while this waited: it goes first
        try:
            yield
        finally:
            self._lock.release()


class SqlExecutionStore:
    def __init__(self, engine: AsyncEngine, clock_ns: int = 0, *, fence: Fence | None = None) -> None:
        self._engine = engine
        self._fence = fence  # a leased execution worker's: checked first in every write
        self._ready: set[str] = set()
        self._started_at = clock_ns
        # One writer at a time from this process (SQLite would otherwise park the second in its
        # busy handler, which sleeps in steps of milliseconds), and intents first.
        self._lock = WriteLock()

    async def add_orders(self, run_id: str, items: Sequence[Order]) -> set[str]:
        if not items:
            return set()
        new: set[str] = set()
        async with self._lock.first(), self._engine.begin() as conn:
            if self._fence is not None:
                await self._fence.check(conn)
            if run_id not in self._ready:
                await writes.ensure_run(conn, run_id, self._started_at)
            dialect = conn.dialect.name
            to_db = rows.decimal_as_text if dialect == "sqlite" else rows.as_is
            for start in range(0, len(items), _CHUNK):
                chunk = items[start : start + _CHUNK]
                flat = [v for row in rows.run_rows(run_id, chunk, rows.ORDER_FIELDS, to_db) for v in row]
                result = await conn.exec_driver_sql(_add_sql(len(chunk), dialect), tuple(flat))
                new.update(r[0] for r in result)
        self._ready.add(run_id)
        return new

    async def save_orders(self, run_id: str, items: Sequence[Order]) -> None:
        for start in range(0, len(items), _BEHIND_CHUNK):  # short transactions: intents wait less
            async with self._lock.behind(), self._engine.begin() as conn:
                if self._fence is not None:
                    await self._fence.check(conn)
                if run_id not in self._ready:
                    await writes.ensure_run(conn, run_id, self._started_at)
                await writes.write_orders(conn, run_id, items[start : start + _BEHIND_CHUNK])
            self._ready.add(run_id)

    async def save_fills(self, run_id: str, items: Sequence[Fill]) -> list[Fill]:
        if not items:
            return []
        values = [{"run_id": run_id, **{f: getattr(fill, f) for f in rows.FILL_FIELDS}} for fill in items]
        async with self._lock.behind(), self._engine.begin() as conn:
            if self._fence is not None:
                await self._fence.check(conn)
            if run_id not in self._ready:
                await writes.ensure_run(conn, run_id, self._started_at)
            stmt = dialect_insert(conn, fills).values(values)
            stmt = stmt.on_conflict_do_nothing(index_elements=["run_id", "fill_id"]).returning(
                fills.c.fill_id
            )
            new = {r[0] for r in await conn.execute(stmt)}
        self._ready.add(run_id)
        return [f for f in items if f.fill_id in new]

    async def save_positions(self, run_id: str, items: Sequence[Position]) -> None:
        if not items:
            return
        async with self._lock.behind(), self._engine.begin() as conn:
            if self._fence is not None:
                await self._fence.check(conn)
            if run_id not in self._ready:
                await writes.ensure_run(conn, run_id, self._started_at)
            await writes.write_positions(conn, run_id, items)
        self._ready.add(run_id)

    async def get_order(self, run_id: str, client_order_id: str) -> Order | None:
        found = await self._orders(run_id, orders.c.client_order_id == client_order_id)
        return found[0] if found else None

    async def has_orders(self, run_id: str) -> bool:
        stmt = sa.select(orders.c.client_order_id).where(orders.c.run_id == run_id).limit(1)
        async with self._engine.connect() as conn:
            return (await conn.execute(stmt)).first() is not None

    async def open_orders(self, run_id: str) -> list[Order]:
        return await self._orders(run_id, orders.c.status.in_(_OPEN))

    async def recent_orders(self, run_id: str, limit: int = 100) -> list[Order]:
        """The newest orders of a run, newest first (``freeride orders``)."""
        stmt = (
            sa.select(orders).where(orders.c.run_id == run_id).order_by(orders.c.ts_event.desc()).limit(limit)
        )
        async with self._engine.connect() as conn:
            return [rows.to_order(r) for r in (await conn.execute(stmt)).mappings()]

    async def existing(self, run_id: str, ids: Sequence[str]) -> set[str]:
        """Which client order ids the run already has (an intent delivered again after a restart)."""
        if not ids:
            return set()
        stmt = sa.select(orders.c.client_order_id).where(
            orders.c.run_id == run_id, orders.c.client_order_id.in_(list(ids))
        )
        async with self._engine.connect() as conn:
            return {r[0] for r in await conn.execute(stmt)}

    async def _orders(self, run_id: str, *where: sa.ColumnElement[bool]) -> list[Order]:
        stmt = sa.select(orders).where(orders.c.run_id == run_id, *where).order_by(orders.c.ts_event)
        async with self._engine.connect() as conn:
            return [rows.to_order(r) for r in (await conn.execute(stmt)).mappings()]

    async def fills_of(self, run_id: str, client_order_id: str) -> list[Fill]:
        stmt = (
            sa.select(fills)
            .where(fills.c.run_id == run_id, fills.c.client_order_id == client_order_id)
            .order_by(fills.c.ts_event, fills.c.fill_id)
        )
        async with self._engine.connect() as conn:
            return [rows.to_fill(r) for r in (await conn.execute(stmt)).mappings()]

    async def all_fills(self, run_id: str) -> list[Fill]:
        """Every fill of the run in the order they happened (what rebuilds a paper account)."""
        stmt = sa.select(fills).where(fills.c.run_id == run_id).order_by(fills.c.ts_event, fills.c.fill_id)
        async with self._engine.connect() as conn:
            return [rows.to_fill(r) for r in (await conn.execute(stmt)).mappings()]

    async def positions(self, run_id: str) -> list[Position]:
        stmt = sa.select(positions).where(positions.c.run_id == run_id).order_by(positions.c.symbol)
        async with self._engine.connect() as conn:
            return [rows.to_position(r) for r in (await conn.execute(stmt)).mappings()]


class SqlControlStore:
    def __init__(self, engine: AsyncEngine) -> None:
        self._engine = engine

    async def halts(self) -> list[Halt]:
        async with self._engine.connect() as conn:
            result = await conn.execute(sa.select(execution_halts).order_by(execution_halts.c.since_ns))
            return [_halt(r) for r in result.mappings()]

    async def engage(self, halt: Halt) -> None:
        values = {
            "kind": halt.kind.value,
            "reason": halt.reason,
            "source": halt.source,
            "since_ns": halt.since_ns,
            "until_ns": halt.until_ns,
        }
        async with self._engine.begin() as conn:
            await upsert_row(conn, execution_halts, values, "kind")

    async def release(self, kinds: Sequence[HaltKind] | None = None) -> list[Halt]:
        where = [] if kinds is None else [execution_halts.c.kind.in_([k.value for k in kinds])]
        async with self._engine.begin() as conn:
            found = [
                _halt(r) for r in (await conn.execute(sa.select(execution_halts).where(*where))).mappings()
            ]
            await conn.execute(sa.delete(execution_halts).where(*where))
        return found

    async def request_approval(self, approval: Approval) -> None:
        values = msgspec.structs.asdict(approval)
        values["state"] = approval.state.value
        async with self._engine.begin() as conn:
            stmt = dialect_insert(conn, order_approvals).values(**values)
            await conn.execute(stmt.on_conflict_do_nothing(index_elements=["run_id", "client_order_id"]))

    async def approvals(
        self, run_id: str | None = None, state: ApprovalState | None = None
    ) -> list[Approval]:
        stmt = sa.select(order_approvals).order_by(order_approvals.c.requested_at)
        if run_id is not None:
            stmt = stmt.where(order_approvals.c.run_id == run_id)
        if state is not None:
            stmt = stmt.where(order_approvals.c.state == state.value)
        async with self._engine.connect() as conn:
            return [_approval(r) for r in (await conn.execute(stmt)).mappings()]

    async def decide(self, run_id: str, client_order_id: str, state: ApprovalState, by: str, at: int) -> bool:
        t = order_approvals
        stmt = (
            sa.update(t)
            .where(
                t.c.run_id == run_id,
                t.c.client_order_id == client_order_id,
                t.c.state == ApprovalState.PENDING.value,
            )
            .values(state=state.value, decided_by=by, decided_at=at)
        )
        async with self._engine.begin() as conn:
            result = await conn.execute(stmt)
        return bool(result.rowcount)

    async def request_flatten(self, request: FlattenRequest) -> None:
        async with self._engine.begin() as conn:
            stmt = dialect_insert(conn, flatten_requests).values(**_flatten_values(request))
            await conn.execute(stmt.on_conflict_do_nothing(index_elements=["request_id"]))

    async def flatten_requests(
        self, state: FlattenState | None = None, request_id: str | None = None
    ) -> list[FlattenRequest]:
        t = flatten_requests
        stmt = sa.select(t).order_by(t.c.requested_at)
        if state is not None:
            stmt = stmt.where(t.c.state == state.value)
        if request_id is not None:
            stmt = stmt.where(t.c.request_id == request_id)
        async with self._engine.connect() as conn:
            return [_flatten(r) for r in (await conn.execute(stmt)).mappings()]

    async def finish_flatten(self, request: FlattenRequest) -> bool:
        t = flatten_requests
        values = _flatten_values(request)
        stmt = (
            sa.update(t)
            .where(t.c.request_id == request.request_id, t.c.state == FlattenState.PENDING.value)
            .values(state=values["state"], done_at=values["done_at"], outcome=values["outcome"])
        )
        async with self._engine.begin() as conn:
            result = await conn.execute(stmt)
        return bool(result.rowcount)


class _Outcome(msgspec.Struct, frozen=True, kw_only=True):
    cancelled: int = 0
    orders: list[Any] = msgspec.field(default_factory=list)
    note: str = ""


def _flatten_values(r: FlattenRequest) -> dict[str, Any]:
    outcome = msgspec.json.encode(_Outcome(cancelled=r.cancelled, orders=list(r.orders), note=r.note))
    return {
        "request_id": r.request_id,
        "run_id": r.run_id,
        "requested_by": r.requested_by,
        "requested_at": r.requested_at,
        "state": r.state.value,
        "done_at": r.done_at,
        "outcome": outcome.decode(),
    }


def _flatten(row: Any) -> FlattenRequest:
    values = {str(k): v for k, v in row.items()}
    values.update(msgspec.json.decode(values.pop("outcome")))
    return msgspec.convert(values, FlattenRequest)


def _halt(row: Any) -> Halt:
    return msgspec.convert({str(k): v for k, v in row.items()}, Halt)


def _approval(row: Any) -> Approval:
    return msgspec.convert({str(k): v for k, v in row.items()}, Approval)
