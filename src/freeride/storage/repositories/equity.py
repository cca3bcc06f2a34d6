"""Equity marks of a run: each account's cash and equity over time, thinned to a chart's worth."""

from __future__ import annotations

from decimal import Decimal

import msgspec
import sqlalchemy as sa

from freeride.storage.repositories._base import Repository
from freeride.storage.tables import equity_marks as e
from freeride.storage.tables import runs


class EquityMark(msgspec.Struct, frozen=True, kw_only=True):
    account: str
    currency: str
    cash: Decimal
    equity: Decimal
    ts_event: int


class EquityRepository(Repository):
    async def history(
        self,
        *,
        run_id: str | None = None,
        run_name: str | None = None,
        start_ns: int | None = None,
        points: int = 1_000,
    ) -> list[EquityMark]:
        """Marks of one run, or of every run named ``run_name`` (a live service's account goes on
        across restarts, each start a new run), oldest first, at most about ``points`` per account:
        thinned evenly in the database (every k-th mark, the newest always kept)."""
        where: list[sa.ColumnElement[bool]] = []
        if run_id is not None:
            where.append(e.c.run_id == run_id)
        if run_name is not None:
            where.append(e.c.run_id.in_(sa.select(runs.c.run_id).where(runs.c.name == run_name)))
        if start_ns is not None:
            where.append(e.c.ts_event >= start_ns)
        numbered = (
            sa.select(
                e,
                sa.func.row_number().over(partition_by=e.c.account, order_by=e.c.ts_event.desc()).label("n"),
                sa.func.count().over(partition_by=e.c.account).label("total"),
            )
            .where(*where)
            .subquery()
        )
        step = sa.case((numbered.c.total > points, (numbered.c.total + points - 1) / points), else_=1)
        stmt = (
            sa.select(numbered)
            .where((numbered.c.n - 1) % step == 0)
            .order_by(numbered.c.ts_event, numbered.c.account)
        )
        async with self._engine.connect() as conn:
            rows = (await conn.execute(stmt)).mappings().all()
        return [
            EquityMark(
                account=r["account"],
                currency=r["currency"],
                cash=Decimal(str(r["cash"])),
                equity=Decimal(str(r["equity"])),
                ts_event=int(r["ts_event"]),
            )
            for r in rows
        ]
