"""Runs and their system events.

A run id is deterministic for a backtest (same inputs, same id), so re-running it must replace
what it stored rather than add a second copy: ``reset`` clears the run's rows, ``begin`` restarts
its record. Bars are market data, shared by every run, and are never touched here.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import sqlalchemy as sa

from freeride.core.errors import InvalidInput
from freeride.core.system import Level, SystemEvent
from freeride.ports.repositories import RunInfo
from freeride.storage import rows, writes
from freeride.storage.repositories._base import Repository, upsert_row
from freeride.storage.tables import (
    equity_marks,
    fills,
    order_approvals,
    orders,
    positions,
    runs,
    system_events,
)

_SEVERITY = list(Level)  # declared from least to most severe


class RunRepository(Repository):
    async def begin(self, run_id: str, *, name: str, config: Mapping[str, Any], started_at: int) -> RunInfo:
        values = {
            "run_id": run_id,
            "name": name,
            "config": dict(config),
            "started_at": started_at,
            "finished_at": None,
            "summary": None,
        }
        async with self._engine.begin() as conn:
            await upsert_row(conn, runs, values, "run_id")
        return RunInfo(run_id=run_id, name=name, config=dict(config), started_at=started_at)

    async def finish(self, run_id: str, *, summary: Mapping[str, Any], finished_at: int) -> None:
        stmt = (
            sa.update(runs)
            .where(runs.c.run_id == run_id)
            .values(summary=dict(summary), finished_at=finished_at)
        )
        async with self._engine.begin() as conn:
            result = await conn.execute(stmt)
        if result.rowcount == 0:
            raise InvalidInput(f"cannot finish run {run_id!r}: no such run (begin it first)")

    async def reset(self, run_id: str) -> int:
        deleted = 0
        async with self._engine.begin() as conn:
            for table in (fills, orders, positions, system_events, equity_marks):
                result = await conn.execute(sa.delete(table).where(table.c.run_id == run_id))
                deleted += result.rowcount
        return deleted

    async def archive(self, run_id: str, archived_id: str) -> None:
        """Move a run's ledger (orders, fills, positions, approvals) under ``archived_id``, in one
        transaction, keeping everything; the run record stays for the run's next life."""
        async with self._engine.begin() as conn:
            row = (await conn.execute(sa.select(runs).where(runs.c.run_id == run_id))).first()
            if row is None:
                raise InvalidInput(f"cannot archive run {run_id!r}: no such run")
            values = {**row._mapping, "run_id": archived_id, "name": f"{row.name} (archived)"}
            await conn.execute(sa.insert(runs).values(values))
            for table in (orders, fills, positions, order_approvals):
                await conn.execute(
                    sa.update(table).where(table.c.run_id == run_id).values(run_id=archived_id)
                )

    async def get(self, run_id: str) -> RunInfo | None:
        async with self._engine.connect() as conn:
            row = (await conn.execute(sa.select(runs).where(runs.c.run_id == run_id))).first()
        return None if row is None else rows.to_run(row._mapping)

    async def list_runs(self, limit: int | None = None) -> list[RunInfo]:
        stmt = sa.select(runs).order_by(runs.c.started_at.desc(), runs.c.run_id).limit(limit)
        async with self._engine.connect() as conn:
            result = await conn.execute(stmt)
            return [rows.to_run(r) for r in result.mappings()]


class SystemEventRepository(Repository):
    async def append(self, run_id: str, event: SystemEvent) -> None:
        async with self._engine.begin() as conn:
            await writes.write_system_events(conn, run_id, [event])

    async def query(
        self,
        run_id: str | None = None,
        *,
        level: Level | None = None,
        min_level: Level | None = None,
        source: str | None = None,
        start_ns: int | None = None,
        end_ns: int | None = None,
        limit: int = 1_000,
        newest_first: bool = False,
    ) -> list[SystemEvent]:
        t = system_events
        stmt = sa.select(t)
        if run_id is not None:
            stmt = stmt.where(t.c.run_id == run_id)
        if level is not None:
            stmt = stmt.where(t.c.level == level.value)
        if min_level is not None:
            worse = [lv.value for lv in _SEVERITY[_SEVERITY.index(min_level) :]]
            stmt = stmt.where(t.c.level.in_(worse))
        if source is not None:
            stmt = stmt.where(t.c.source == source)
        if start_ns is not None:
            stmt = stmt.where(t.c.ts_event >= start_ns)
        if end_ns is not None:
            stmt = stmt.where(t.c.ts_event < end_ns)
        order = (t.c.ts_event.desc(), t.c.id.desc()) if newest_first else (t.c.ts_event, t.c.id)
        stmt = stmt.order_by(*order).limit(limit)
        async with self._engine.connect() as conn:
            result = await conn.execute(stmt)
            return [rows.to_event(r) for r in result.mappings()]
