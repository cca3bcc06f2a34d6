"""Per-run trading repositories: orders, fills and positions."""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa

from freeride.core.orders import Fill, Order, OrderStatus, Position
from freeride.core.slices import convert_in_slices
from freeride.storage import rows, writes
from freeride.storage.repositories._base import Repository, dialect_insert
from freeride.storage.tables import fills, orders, positions

_OPEN_STATUSES = [s.value for s in OrderStatus if s.is_open]


class OrderRepository(Repository):
    async def upsert(self, run_id: str, order: Order) -> None:
        async with self._engine.begin() as conn:
            await writes.write_orders(conn, run_id, [order])

    async def get(self, run_id: str, client_order_id: str) -> Order | None:
        stmt = sa.select(orders).where(orders.c.run_id == run_id, orders.c.client_order_id == client_order_id)
        async with self._engine.connect() as conn:
            row = (await conn.execute(stmt)).first()
        return None if row is None else rows.to_order(row._mapping)

    async def list_open(self, run_id: str) -> list[Order]:
        return await self._list(run_id, orders.c.status.in_(_OPEN_STATUSES))

    async def list_by_run(self, run_id: str) -> list[Order]:
        return await self._list(run_id)

    async def _list(self, run_id: str, *where: sa.ColumnElement[bool]) -> list[Order]:
        stmt = (
            sa.select(orders)
            .where(orders.c.run_id == run_id, *where)
            .order_by(orders.c.ts_event, orders.c.client_order_id)
        )
        async with self._engine.connect() as conn:
            result = await conn.execute(stmt)
            return await convert_in_slices(result.mappings(), rows.to_order)


class FillRepository(Repository):
    async def insert(self, run_id: str, fill: Fill) -> bool:
        values = {"run_id": run_id, **{f: getattr(fill, f) for f in rows.FILL_FIELDS}}
        async with self._engine.begin() as conn:
            stmt = dialect_insert(conn, fills).values(**values)
            result = await conn.execute(stmt.on_conflict_do_nothing(index_elements=["run_id", "fill_id"]))
        return bool(result.rowcount)

    async def insert_many(self, run_id: str, many: Sequence[Fill]) -> int:
        """All in one transaction (a backtest's tens of thousands of fills: one commit, not one each);
        a ``fill_id`` already stored for the run is skipped. Returns the rows handed over."""
        async with self._engine.begin() as conn:
            return await writes.write_fills(conn, run_id, many)

    async def list_by_run(self, run_id: str, symbol: str | None = None) -> list[Fill]:
        stmt = sa.select(fills).where(fills.c.run_id == run_id)
        if symbol is not None:
            stmt = stmt.where(fills.c.symbol == symbol)
        stmt = stmt.order_by(fills.c.ts_event, fills.c.fill_id)
        async with self._engine.connect() as conn:
            result = await conn.execute(stmt)
            return await convert_in_slices(result.mappings(), rows.to_fill)


class PositionRepository(Repository):
    async def upsert(self, run_id: str, position: Position) -> None:
        await self.upsert_many(run_id, [position])

    async def upsert_many(self, run_id: str, many: Sequence[Position]) -> None:
        async with self._engine.begin() as conn:
            await writes.write_positions(conn, run_id, many)

    async def get(self, run_id: str, symbol: str) -> Position | None:
        stmt = sa.select(positions).where(positions.c.run_id == run_id, positions.c.symbol == symbol)
        async with self._engine.connect() as conn:
            row = (await conn.execute(stmt)).first()
        return None if row is None else rows.to_position(row._mapping)

    async def list_by_run(self, run_id: str) -> list[Position]:
        stmt = sa.select(positions).where(positions.c.run_id == run_id).order_by(positions.c.symbol)
        async with self._engine.connect() as conn:
            result = await conn.execute(stmt)
            return await convert_in_slices(result.mappings(), rows.to_position)
