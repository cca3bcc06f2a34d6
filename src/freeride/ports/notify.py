"""What the notification service needs: channels that deliver, and a persisted outbox.

A ``Notifier`` packs notifications into its channel's messages (``pack``, pure) and sends one
message at a time (``deliver``), so the relay knows exactly which notifications went out when a
later message of the same burst fails. ``deliver`` raises the ``core.errors`` tree:
``RateLimited`` (wait ``retry_after``), ``TemporaryError`` (back off), ``InvalidInput`` (the
receiver refused this message: never retried), ``AuthError`` / ``ChannelGone`` (the channel is
unusable: disable it and alert the operator).

A disabled channel is remembered in a ``ChannelStateRepository`` with its notifier's
``target_fingerprint``: after a restart the relay keeps it disabled while the target is the same
(no hammering a deleted webhook, no repeated alert) and re-enables it once the target changed.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any, Protocol

import msgspec

from freeride.core.notify import Notification, OutboxItem


class Packet(msgspec.Struct, frozen=True, kw_only=True):
    """One wire message: the outbox ids it carries and the channel's own payload."""

    ids: tuple[int, ...]
    payload: Any


class Delivered(msgspec.Struct, frozen=True, kw_only=True):
    """A message went out; ``pause_s`` > 0 when the receiver said to wait before the next one."""

    pause_s: float = 0.0


class Notifier(Protocol):
    channel: str

    @property
    def target_fingerprint(self) -> str:
        """A digest of where messages go (``core.notify.target_fingerprint``), never the URL itself.

        Stored when the channel is disabled; a different value after a restart means the operator
        fixed the target, so the channel is re-enabled.
        """
        ...

    def pack(self, items: Sequence[tuple[int, Notification]]) -> list[Packet]:
        """Coalesce ``(outbox id, notification)`` pairs into as few messages as the limits allow."""
        ...

    async def deliver(self, packet: Packet) -> Delivered: ...

    async def aclose(self) -> None: ...


class OutboxRepository(Protocol):
    async def enqueue(self, notifications: Sequence[Notification]) -> list[int]:
        """Store notifications for delivery (due now); returns their ids."""
        ...

    async def due(self, channel: str, now_ns: int, limit: int) -> list[OutboxItem]:
        """Pending items of ``channel`` whose next attempt is due, oldest first."""
        ...

    async def next_due(self, channel: str) -> int | None:
        """When the channel's earliest pending item is due; ``None`` when nothing is pending."""
        ...

    async def mark_sent(self, ids: Sequence[int], now_ns: int) -> None: ...

    async def reschedule(self, ids: Sequence[int], at_ns: int, error: str, *, count_attempt: bool) -> None:
        """Try again at ``at_ns``; ``count_attempt`` false for a rate limit (not the message's fault)."""
        ...

    async def mark_dead(self, ids: Sequence[int], error: str) -> None:
        """Never retry these (kept for the operator to read)."""
        ...

    async def counts(self) -> dict[str, int]:
        """Items per status, e.g. ``{"pending": 3, "sent": 120, "dead": 1}``."""
        ...


class DisabledChannel(msgspec.Struct, frozen=True, kw_only=True):
    """A channel the relay stopped delivering to, why, since when (ns), and for which target."""

    channel: str
    reason: str
    disabled_at: int
    fingerprint: str


class ChannelStateRepository(Protocol):
    """Disabled channels, kept across restarts and shared with the operator's commands."""

    async def disabled(self) -> dict[str, DisabledChannel]:
        """Every disabled channel, by name."""
        ...

    async def disable(self, state: DisabledChannel) -> None:
        """Record ``state``, replacing an earlier record of the same channel."""
        ...

    async def enable(self, channel: str) -> DisabledChannel | None:
        """Forget the channel's disabled state; what was stored, ``None`` when it was not disabled."""
        ...
