"""System events: what the system did or suffered, for the journal, the dashboard and alerts."""

from __future__ import annotations

from enum import StrEnum

import msgspec

Detail = str | int | float | bool | None


class Level(StrEnum):
    DEBUG = "debug"
    INFO = "info"
    WARNING = "warning"
    ERROR = "error"
    CRITICAL = "critical"


class SystemEvent(msgspec.Struct, frozen=True, kw_only=True):
    """Something worth remembering: a failover, a handler crash, a run finishing."""

    source: str
    kind: str
    level: Level = Level.INFO
    message: str
    data: dict[str, Detail] = msgspec.field(default_factory=dict)
    ts_event: int
    ts_init: int
