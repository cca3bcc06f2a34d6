"""Every failover, circuit change, quota exhaustion and stream drop becomes a ``SystemEvent``.

One place builds them so their ``kind`` names and ``data`` keys stay the same for the journal,
the dashboard and alert rules that look for them.
"""

from __future__ import annotations

from collections.abc import Mapping

from freeride.bus.system_events import SystemEvents
from freeride.core.clock import Clock
from freeride.core.system import Detail, Level, SystemEvent
from freeride.ports.bus import Bus

SOURCE = "gateway"


class Reporter:
    def __init__(self, bus: Bus, clock: Clock) -> None:
        self.events = SystemEvents(bus, clock, SOURCE, keep=1_000, logged=False)

    @property
    def published(self) -> list[SystemEvent]:
        return self.events.recent

    def _emit(self, kind: str, level: Level, message: str, data: Mapping[str, Detail]) -> None:
        self.events.emit(level, kind, message, **data)

    def failover(self, what: str, answered_by: str, reasons: Mapping[str, str]) -> None:
        skipped = ", ".join(f"{name} ({why})" for name, why in reasons.items())
        data: dict[str, Detail] = {"request": what, "answered_by": answered_by, "skipped": ",".join(reasons)}
        data.update({f"reason.{name}": why for name, why in reasons.items()})
        self._emit("failover", Level.WARNING, f"{what} answered by {answered_by} after {skipped}", data)

    def circuit(self, provider: str, old: str, new: str, reason: str) -> None:
        level = Level.WARNING if new == "open" else Level.INFO
        message = f"{provider} circuit {old} → {new}: {reason}"
        self._emit(
            "circuit", level, message, {"provider": provider, "from": old, "to": new, "reason": reason}
        )

    def quota(self, provider: str, reset_in_s: float, reason: str) -> None:
        message = f"{provider} quota exhausted ({reason}); no calls for {reset_in_s:,.0f} s, until it resets"
        data: dict[str, Detail] = {"provider": provider, "reset_in_s": round(reset_in_s, 3), "reason": reason}
        self._emit("quota_exhausted", Level.WARNING, message, data)

    def auth(self, provider: str, reason: str) -> None:
        message = f"{provider} refused our key: {reason}; fix the key (freeride doctor)"
        self._emit("auth_failed", Level.ERROR, message, {"provider": provider, "reason": reason})

    def unanswered(self, what: str, reasons: Mapping[str, str]) -> None:
        data: dict[str, Detail] = {"request": what}
        data.update({f"reason.{name}": why for name, why in reasons.items()})
        self._emit("no_provider", Level.ERROR, f"no provider could answer {what}", data)

    def stream_down(self, provider: str, reason: str, retry_in_s: float) -> None:
        message = f"{provider} stream dropped ({reason}); reconnecting in {retry_in_s:g} s"
        data: dict[str, Detail] = {"provider": provider, "reason": reason, "retry_in_s": retry_in_s}
        self._emit("stream_down", Level.WARNING, message, data)

    def stream_up(self, provider: str, after_drops: int) -> None:
        message = f"{provider} stream flowing again after {after_drops} drop(s), subscriptions restored"
        self._emit("stream_up", Level.INFO, message, {"provider": provider, "drops": after_drops})

    def stream_stopped(self, provider: str, reason: str) -> None:
        self._emit(
            "stream_stopped", Level.ERROR, f"{provider} stream stopped: {reason}", {"provider": provider}
        )
