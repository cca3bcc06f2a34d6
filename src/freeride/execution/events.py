"""System events of execution: every one is logged and put on the bus for the journal and alerts.

Errors and criticals are operator alerts: the notification relay routes ``system.error.>`` and
``system.critical.>`` to the operator's channels, so a halt or a dead session is heard, not just
written down. ``data["alert"]`` is set on those for consumers that filter on one field.
"""

from __future__ import annotations

import structlog

from freeride.bus import topics
from freeride.core.clock import Clock
from freeride.core.system import Detail, Level, SystemEvent
from freeride.ports.bus import Bus

log = structlog.get_logger(__name__)

_LOG_LEVEL = {
    Level.DEBUG: "debug",
    Level.INFO: "info",
    Level.WARNING: "warning",
    Level.ERROR: "error",
    Level.CRITICAL: "critical",
}


class SystemEvents:
    def __init__(self, bus: Bus, clock: Clock, source: str) -> None:
        self._bus = bus
        self._clock = clock
        self.source = source
        self.sent: list[SystemEvent] = []  # the last few, for status views and tests
        self._keep = 200

    def emit(self, level: Level, kind: str, message: str, **data: Detail) -> SystemEvent:
        if level in (Level.ERROR, Level.CRITICAL):
            data.setdefault("alert", True)
        now = self._clock.now_ns()
        event = SystemEvent(
            source=self.source, kind=kind, level=level, message=message, data=data, ts_event=now, ts_init=now
        )
        getattr(log, _LOG_LEVEL[level])(f"execution.{kind}", message=message, source=self.source)
        self._bus.publish(topics.system(level, self.source), event)
        self.sent.append(event)
        if len(self.sent) > self._keep:
            del self.sent[: -self._keep // 2]
        return event
