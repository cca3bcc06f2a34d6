"""What the alert service needs from persistence, in domain types only.

``record_firings`` is the one write a group of firings costs: the rules' new state, the firing
history and the notifications they cause, in one transaction, so the outbox never reports a firing
that was not stored and no stored firing lacks its notifications.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Protocol

import msgspec

from freeride.core.alerts import AlertFired, AlertRule, AlertState
from freeride.core.notify import Notification


class StoredAlert(msgspec.Struct, frozen=True, kw_only=True):
    """A rule as stored: its definition, its state and when either last changed."""

    rule: AlertRule
    state: AlertState
    updated_at: int
    deleted: bool = False


class AlertRepository(Protocol):
    async def add(self, rule: AlertRule, now_ns: int) -> StoredAlert:
        """Store a new rule, active; ``InvalidInput`` when its id is taken."""
        ...

    async def replace(self, rule: AlertRule, now_ns: int) -> StoredAlert | None:
        """A new definition for a stored rule, active again with a fresh state; ``None`` if none."""
        ...

    async def get(self, alert_id: str) -> StoredAlert | None:
        """The rule, unless it was removed."""
        ...

    async def find(
        self, *, user: str | None = None, tag: str | None = None, active: bool | None = None
    ) -> list[StoredAlert]:
        """Rules (not removed) matching every filter given, oldest first."""
        ...

    async def remove(self, alert_id: str, now_ns: int) -> bool:
        """Mark removed (kept so a running engine learns of it); ``False`` if there was none."""
        ...

    async def remove_where(self, *, now_ns: int, user: str | None = None, tag: str | None = None) -> int:
        """Remove every rule of a user and/or tag; returns how many."""
        ...

    async def changed_since(self, ts_ns: int) -> list[StoredAlert]:
        """Rules added, changed or removed at or after ``ts_ns`` (removed ones included)."""
        ...

    async def record_firings(
        self, firings: Sequence[AlertFired], notifications: Sequence[Notification]
    ) -> None:
        """In one transaction: each fired rule's new state, the firing history, the outbox rows."""
        ...

    async def history(self, alert_id: str | None = None, limit: int = 100) -> list[AlertFired]:
        """Firings, newest first."""
        ...
