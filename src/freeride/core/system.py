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


SEVERITY: tuple[Level, ...] = tuple(Level)  # least to most severe


def at_least(level: Level) -> tuple[Level, ...]:
    """``level`` and every level worse than it."""
    return SEVERITY[SEVERITY.index(level) :]


class SystemEvent(msgspec.Struct, frozen=True, kw_only=True):
    """Something worth remembering: a failover, a handler crash, a run finishing, an order filled.

    It is the journal's one record type. ``source`` is the component that reports it; ``symbol``
    the instrument it concerns, if any; ``correlation_id`` ties it to the chain of events it
    belongs to (the bar that led to a signal, an order and its fills; the tick behind an alert and
    its notification), stamped by the bus for events published while another is being handled.
    """

    source: str
    kind: str
    level: Level = Level.INFO
    message: str
    data: dict[str, Detail] = msgspec.field(default_factory=dict)
    ts_event: int
    ts_init: int
    symbol: str | None = None
    correlation_id: str | None = None
