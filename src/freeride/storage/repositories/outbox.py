"""The notification outbox: pending items per channel, due times, and what became of each."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import msgspec
import sqlalchemy as sa

from freeride.core.notify import Notification, OutboxItem, OutboxStatus
from freeride.storage.repositories._base import Repository
from freeride.storage.tables import notify_outbox as t


def outbox_rows(notifications: Sequence[Notification]) -> list[dict[str, Any]]:
    """Rows for new items, due at once (shared with the firing write, which adds them itself)."""
    return [
        {
            "channel": n.channel,
            "status": OutboxStatus.PENDING.value,
            "attempts": 0,
            "next_attempt_at": n.ts_init,
            "created_at": n.ts_init,
            "sent_at": None,
            "error": None,
            "notification": msgspec.to_builtins(n),
        }
        for n in notifications
    ]


def _item(row: Any) -> OutboxItem:
    return OutboxItem(
        id=int(row["id"]),
        notification=msgspec.convert(row["notification"], Notification),
        attempts=int(row["attempts"]),
        next_attempt_at=int(row["next_attempt_at"]),
        status=OutboxStatus(row["status"]),
        error=row["error"],
    )


class OutboxRepository(Repository):
    async def enqueue(self, notifications: Sequence[Notification]) -> list[int]:
        ids: list[int] = []
        async with self._engine.begin() as conn:
            for row in outbox_rows(notifications):  # one by one: ids come back on every backend
                result = await conn.execute(sa.insert(t).values(**row).returning(t.c.id))
                ids.append(int(result.scalar_one()))
        return ids

    async def due(self, channel: str, now_ns: int, limit: int) -> list[OutboxItem]:
        stmt = (
            sa.select(t)
            .where(
                t.c.channel == channel,
                t.c.status == OutboxStatus.PENDING.value,
                t.c.next_attempt_at <= now_ns,
            )
            .order_by(t.c.id)
            .limit(limit)
        )
        async with self._engine.connect() as conn:
            return [_item(r) for r in (await conn.execute(stmt)).mappings()]

    async def next_due(self, channel: str) -> int | None:
        stmt = sa.select(sa.func.min(t.c.next_attempt_at)).where(
            t.c.channel == channel, t.c.status == OutboxStatus.PENDING.value
        )
        async with self._engine.connect() as conn:
            value = (await conn.execute(stmt)).scalar()
        return None if value is None else int(value)

    async def pending_channels(self) -> list[str]:
        stmt = sa.select(t.c.channel).where(t.c.status == OutboxStatus.PENDING.value).distinct()
        async with self._engine.connect() as conn:
            return [str(c) for c in (await conn.execute(stmt)).scalars()]

    async def mark_sent(self, ids: Sequence[int], now_ns: int) -> None:
        await self._set(ids, status=OutboxStatus.SENT.value, sent_at=now_ns, error=None)

    async def reschedule(self, ids: Sequence[int], at_ns: int, error: str, *, count_attempt: bool) -> None:
        values: dict[str, Any] = {"next_attempt_at": at_ns, "error": error[:1000]}
        if count_attempt:
            values["attempts"] = t.c.attempts + 1
        await self._set(ids, **values)

    async def mark_dead(self, ids: Sequence[int], error: str) -> None:
        await self._set(ids, status=OutboxStatus.DEAD.value, error=error[:1000], attempts=t.c.attempts + 1)

    async def _set(self, ids: Sequence[int], **values: Any) -> None:
        if not ids:
            return
        async with self._engine.begin() as conn:
            await conn.execute(sa.update(t).where(t.c.id.in_(list(ids))).values(**values))

    async def counts(self) -> dict[str, int]:
        stmt = sa.select(t.c.status, sa.func.count()).group_by(t.c.status)
        async with self._engine.connect() as conn:
            return {str(s): int(n) for s, n in (await conn.execute(stmt)).all()}

    async def counts_by_channel(self) -> dict[str, dict[str, int]]:
        """Items per channel and status, e.g. ``{"discord": {"pending": 2, "dead": 1}}``."""
        stmt = sa.select(t.c.channel, t.c.status, sa.func.count()).group_by(t.c.channel, t.c.status)
        out: dict[str, dict[str, int]] = {}
        async with self._engine.connect() as conn:
            for channel, status, n in (await conn.execute(stmt)).all():
                out.setdefault(str(channel), {})[str(status)] = int(n)
        return out

    async def items(self, status: OutboxStatus | None = None, limit: int = 100) -> list[OutboxItem]:
        stmt = sa.select(t).order_by(t.c.id.desc()).limit(limit)
        if status is not None:
            stmt = stmt.where(t.c.status == status.value)
        async with self._engine.connect() as conn:
            return [_item(r) for r in (await conn.execute(stmt)).mappings()]
