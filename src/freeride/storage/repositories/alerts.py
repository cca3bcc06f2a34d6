"""Alert rules, their firing history, and the batched write that records a group of firings."""

from __future__ import annotations

import math
from collections.abc import Sequence
from typing import Any

import msgspec
import sqlalchemy as sa
from sqlalchemy.exc import IntegrityError

from freeride.core.alerts import AlertFired, AlertRule, AlertState
from freeride.core.errors import InvalidInput
from freeride.core.notify import Notification
from freeride.ports.alerts import StoredAlert
from freeride.storage.alert_writes import write_firings
from freeride.storage.repositories._base import Repository
from freeride.storage.tables import alert_firings, alerts


def _tags(tags: Sequence[str]) -> str:
    return "," + ",".join(tags) + "," if tags else ""


def _rule_values(rule: AlertRule) -> dict[str, Any]:
    return {
        "symbol": rule.symbol,
        "kind": rule.kind.value,
        "user_name": rule.user,
        "tags": _tags(rule.tags),
        "rule": msgspec.to_builtins(rule),
    }


def _stored(row: Any) -> StoredAlert:
    rule = msgspec.convert(row["rule"], AlertRule)
    state = AlertState(
        alert_id=rule.id,
        active=bool(row["active"]),
        cooldown_until=int(row["cooldown_until"]),
        fired_count=int(row["fired_count"]),
        last_fired_at=row["last_fired_at"],
    )
    return StoredAlert(
        rule=rule, state=state, updated_at=int(row["updated_at"]), deleted=bool(row["deleted"])
    )


class AlertRepository(Repository):
    async def add(self, rule: AlertRule, now_ns: int) -> StoredAlert:
        values = {
            "id": rule.id,
            **_rule_values(rule),
            "active": True,
            "deleted": False,
            "cooldown_until": 0,
            "fired_count": 0,
            "last_fired_at": None,
            "created_at": rule.created_at or now_ns,
            "updated_at": now_ns,
        }
        try:
            async with self._engine.begin() as conn:
                await conn.execute(sa.insert(alerts).values(**values))
        except IntegrityError:
            raise InvalidInput(f"an alert with id {rule.id!r} already exists") from None
        return StoredAlert(rule=rule, state=AlertState(alert_id=rule.id), updated_at=now_ns)

    async def replace(self, rule: AlertRule, now_ns: int) -> StoredAlert | None:
        stmt = (
            sa.update(alerts)
            .where(alerts.c.id == rule.id, alerts.c.deleted.is_(False))
            .values(
                **_rule_values(rule),
                active=True,
                cooldown_until=0,
                fired_count=0,
                last_fired_at=None,
                updated_at=now_ns,
            )
        )
        async with self._engine.begin() as conn:
            result = await conn.execute(stmt)
        if result.rowcount == 0:
            return None
        return StoredAlert(rule=rule, state=AlertState(alert_id=rule.id), updated_at=now_ns)

    async def get(self, alert_id: str) -> StoredAlert | None:
        stmt = sa.select(alerts).where(alerts.c.id == alert_id, alerts.c.deleted.is_(False))
        async with self._engine.connect() as conn:
            row = (await conn.execute(stmt)).mappings().first()
        return None if row is None else _stored(row)

    def _filtered(self, stmt: Any, user: str | None, tag: str | None) -> Any:
        if user is not None:
            stmt = stmt.where(alerts.c.user_name == user)
        if tag is not None:
            stmt = stmt.where(alerts.c.tags.contains(f",{tag},", autoescape=True))
        return stmt

    async def find(
        self, *, user: str | None = None, tag: str | None = None, active: bool | None = None
    ) -> list[StoredAlert]:
        stmt = self._filtered(sa.select(alerts).where(alerts.c.deleted.is_(False)), user, tag)
        if active is not None:
            stmt = stmt.where(alerts.c.active.is_(active))
        stmt = stmt.order_by(alerts.c.created_at, alerts.c.id)
        async with self._engine.connect() as conn:
            return [_stored(r) for r in (await conn.execute(stmt)).mappings()]

    async def remove(self, alert_id: str, now_ns: int) -> bool:
        stmt = (
            sa.update(alerts)
            .where(alerts.c.id == alert_id, alerts.c.deleted.is_(False))
            .values(deleted=True, active=False, updated_at=now_ns)
        )
        async with self._engine.begin() as conn:
            return (await conn.execute(stmt)).rowcount > 0

    async def remove_where(self, *, now_ns: int, user: str | None = None, tag: str | None = None) -> int:
        stmt = self._filtered(sa.update(alerts).where(alerts.c.deleted.is_(False)), user, tag)
        async with self._engine.begin() as conn:
            result = await conn.execute(stmt.values(deleted=True, active=False, updated_at=now_ns))
        return int(result.rowcount)

    async def changed_since(self, ts_ns: int) -> list[StoredAlert]:
        stmt = sa.select(alerts).where(alerts.c.updated_at >= ts_ns).order_by(alerts.c.updated_at)
        async with self._engine.connect() as conn:
            return [_stored(r) for r in (await conn.execute(stmt)).mappings()]

    async def record_firings(
        self, firings: Sequence[AlertFired], notifications: Sequence[Notification]
    ) -> None:
        if not firings and not notifications:
            return
        async with self._engine.begin() as conn:
            await write_firings(conn, firings, notifications)

    async def history(self, alert_id: str | None = None, limit: int = 100) -> list[AlertFired]:
        stmt = sa.select(alert_firings.c.event).order_by(alert_firings.c.id.desc()).limit(limit)
        if alert_id is not None:
            stmt = stmt.where(alert_firings.c.alert_id == alert_id)
        async with self._engine.connect() as conn:
            rows = (await conn.execute(stmt)).scalars().all()
        return [_fired(r) for r in rows]


def _fired(data: dict[str, Any]) -> AlertFired:
    if data.get("price") is None:
        data = {**data, "price": math.nan}
    return msgspec.convert(data, AlertFired)
