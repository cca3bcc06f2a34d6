"""Reporting what a component did or suffered: one system event, logged and put on the bus.

Every service reports through ``SystemEvents`` (execution, notifications, the gateway, the journal's
process facts), so each report is built, logged and routed the same way:

- the event is a ``SystemEvent`` on ``system.<level>.<source>``, for the journal, the dashboard
  and the alerts;
- it is logged once, at the matching log level, as ``<source>.<kind>`` with its message and data
  (unless the source's events are routine enough to live on the bus alone);
- errors and criticals are operator alerts: the notification relay routes ``system.error.>`` and
  ``system.critical.>`` to the operator's channels, and ``data["alert"]`` is set on them for
  consumers that filter on one field;
- the last few are kept (``recent``) for status views.
"""

from __future__ import annotations

import structlog

from freeride.bus import topics
from freeride.core.clock import Clock
from freeride.core.system import Detail, Level, SystemEvent
from freeride.ports.bus import Bus

log = structlog.get_logger(__name__)

# The one map from a system event's level to the standard logging level.
LOG_LEVELS = {Level.DEBUG: 10, Level.INFO: 20, Level.WARNING: 30, Level.ERROR: 40, Level.CRITICAL: 50}
KEPT = 200


def system_event(
    source: str, kind: str, level: Level, message: str, now_ns: int, /, **data: Detail
) -> SystemEvent:
    """The event itself (errors and criticals marked as operator alerts), without publishing it."""
    if level in (Level.ERROR, Level.CRITICAL):
        data.setdefault("alert", True)
    return SystemEvent(
        source=source, kind=kind, level=level, message=message, data=data, ts_event=now_ns, ts_init=now_ns
    )


class SystemEvents:
    """The system events of one ``source`` (``execution``, ``notify``, ``gateway``, …)."""

    def __init__(self, bus: Bus, clock: Clock, source: str, *, keep: int = KEPT, logged: bool = True) -> None:
        """``logged=False`` for a source whose events are frequent and routine (the gateway's
        failovers, a news feed's rejects): the bus, the journal and the dashboard still have them."""
        self._bus = bus
        self._clock = clock
        self.source = source
        self.logged = logged
        self.recent: list[SystemEvent] = []  # the last few, for status views and tests
        self._keep = keep

    def emit(self, level: Level, kind: str, message: str, /, **data: Detail) -> SystemEvent:
        event = system_event(self.source, kind, level, message, self._clock.now_ns(), **data)
        if self.logged:
            log.log(LOG_LEVELS[level], f"{self.source}.{kind}", **{**data, "message": message})
        self._bus.publish(topics.system(level, self.source), event)
        self.recent.append(event)
        if len(self.recent) > self._keep:
            del self.recent[: -self._keep // 2]
        return event
