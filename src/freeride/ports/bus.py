"""What components need from a bus, whichever carries the events."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, Protocol

Handler = Callable[[Any], None]


class Subscription(Protocol):
    def cancel(self) -> None: ...


class Bus(Protocol):
    def publish(self, topic: str, event: Any) -> None:
        """Deliver ``event`` to every subscriber whose pattern matches ``topic``."""
        ...

    def subscribe(self, pattern: str, handler: Handler, *, priority: int = 0) -> Subscription:
        """Call ``handler`` synchronously for each matching event (hot path: no I/O in there)."""
        ...
