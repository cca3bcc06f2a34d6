"""What components need from a bus, whichever carries the events."""

from __future__ import annotations

from collections.abc import Callable
from enum import StrEnum
from typing import Any, Protocol

Handler = Callable[[Any], None]


class Overflow(StrEnum):
    """What a bounded inbox does when its consumer falls behind (see ``bus.queues``)."""

    DROP_OLDEST = "drop_oldest"
    DROP_NEWEST = "drop_newest"
    PAUSE_SOURCE = "pause_source"


class Subscription(Protocol):
    def cancel(self) -> None: ...


class Inbox(Protocol):
    """A bounded queue of events an I/O component drains in its own task."""

    name: str
    dropped: int

    @property
    def pending(self) -> int: ...

    async def get_batch(self, max_items: int = 1_000) -> list[Any]: ...

    def done(self, n: int = 1) -> None: ...

    async def wait_idle(self) -> None: ...

    def close(self) -> None: ...


class Bus(Protocol):
    def publish(self, topic: str, event: Any) -> None:
        """Deliver ``event`` to every subscriber whose pattern matches ``topic``."""
        ...

    def subscribe(self, pattern: str, handler: Handler, *, priority: int = 0) -> Subscription:
        """Call ``handler`` synchronously for each matching event (hot path: no I/O in there)."""
        ...

    def subscribe_queue(
        self,
        pattern: str | list[str],
        *,
        name: str,
        maxsize: int = 10_000,
        overflow: Overflow = Overflow.DROP_OLDEST,
    ) -> Inbox:
        """A bounded inbox for an I/O component, with a stated overflow policy."""
        ...


class CausalBus(Bus, Protocol):
    """A bus that names the chain of events being delivered (see ``bus.memory``)."""

    @property
    def correlation_id(self) -> str | None:
        """The chain of the event being delivered; ``None`` outside a dispatch."""
        ...

    @property
    def root(self) -> Any:
        """The event that started the current dispatch."""
        ...

    def adopt(self, correlation_id: str) -> None:
        """The rest of the current dispatch belongs to chain ``correlation_id``."""
        ...
