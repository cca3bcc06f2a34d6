"""Market data repositories: instruments and bars, shared by every run."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import sqlalchemy as sa

from freeride.core.instruments import Instrument
from freeride.core.market import Bar
from freeride.core.slices import convert_in_slices
from freeride.storage import rows, writes
from freeride.storage.repositories._base import Repository, upsert_row
from freeride.storage.tables import bars, instruments, series


class InstrumentRepository(Repository):
    async def upsert(self, instrument: Instrument) -> None:
        values = rows.instrument_values(instrument)
        async with self._engine.begin() as conn:
            await upsert_row(conn, instruments, values, "symbol")

    async def get(self, symbol: str) -> Instrument | None:
        async with self._engine.connect() as conn:
            row = (await conn.execute(sa.select(instruments).where(instruments.c.symbol == symbol))).first()
        return None if row is None else rows.to_instrument(row._mapping)

    async def list_all(self) -> list[Instrument]:
        async with self._engine.connect() as conn:
            result = await conn.execute(sa.select(instruments).order_by(instruments.c.symbol))
            return [rows.to_instrument(r) for r in result.mappings()]


# Bars are read by series id, looked up in a scalar subquery: with ``series_id = <one value>``
# PostgreSQL walks the (series_id, ts_event) key in time order and stops at the limit, where a
# join to ``series`` would make it sort every bar of the series first.
_BAR_VALUES = tuple(bars.c[f] for f in rows.BAR_VALUES)


def _in_range(
    stmt: sa.Select[Any], symbol: str, interval: str, start_ns: int | None, end_ns: int | None
) -> sa.Select[Any]:
    stmt = stmt.where(bars.c.series_id == _series_id(symbol, interval))
    if start_ns is not None:
        stmt = stmt.where(bars.c.ts_event >= start_ns)
    if end_ns is not None:
        stmt = stmt.where(bars.c.ts_event < end_ns)
    return stmt


def _series_id(symbol: str, interval: str) -> sa.ScalarSelect[int]:
    return (
        sa.select(series.c.id)
        .where(series.c.symbol == symbol, series.c.interval == interval)
        .scalar_subquery()
    )


class BarRepository(Repository):
    async def upsert_many(self, items: Sequence[Bar]) -> int:
        async with self._engine.begin() as conn:
            return await writes.write_bars(conn, items)

    async def query(
        self,
        symbol: str,
        interval: str,
        start_ns: int | None = None,
        end_ns: int | None = None,
        *,
        limit: int | None = None,
        offset: int = 0,
    ) -> list[Bar]:
        stmt = _in_range(sa.select(*_BAR_VALUES), symbol, interval, start_ns, end_ns)
        stmt = stmt.order_by(bars.c.ts_event).limit(limit).offset(offset or None)
        async with self._engine.connect() as conn:
            result = await conn.execute(stmt)
            return await convert_in_slices(result.mappings(), lambda r: rows.to_bar(r, symbol, interval))

    async def count_range(
        self, symbol: str, interval: str, start_ns: int | None = None, end_ns: int | None = None
    ) -> int:
        """How many bars ``query`` would return without a limit (a page's ``total``)."""
        stmt = _in_range(sa.select(sa.func.count()).select_from(bars), symbol, interval, start_ns, end_ns)
        async with self._engine.connect() as conn:
            return int((await conn.execute(stmt)).scalar_one())

    async def latest(self, symbol: str, interval: str) -> Bar | None:
        stmt = (
            sa.select(*_BAR_VALUES)
            .where(bars.c.series_id == _series_id(symbol, interval))
            .order_by(bars.c.ts_event.desc())
            .limit(1)
        )
        async with self._engine.connect() as conn:
            row = (await conn.execute(stmt)).first()
        return None if row is None else rows.to_bar(row._mapping, symbol, interval)

    async def count(self, symbol: str | None = None, interval: str | None = None) -> int:
        stmt = sa.select(sa.func.count()).select_from(bars)
        if symbol is not None or interval is not None:
            ids = sa.select(series.c.id)
            if symbol is not None:
                ids = ids.where(series.c.symbol == symbol)
            if interval is not None:
                ids = ids.where(series.c.interval == interval)
            stmt = stmt.where(bars.c.series_id.in_(ids))
        async with self._engine.connect() as conn:
            return int((await conn.execute(stmt)).scalar_one())
