"""What the notification service needs: channels that deliver, and a persisted outbox.

A ``Notifier`` packs notifications into its channel's messages (``pack``, pure) and sends one
message at a time (``deliver``), so the relay knows exactly which notifications went out when a
later message of the same burst fails. ``deliver`` raises the ``core.errors`` tree:
``RateLimited`` (wait ``retry_after``), ``TemporaryError`` (back off), ``InvalidInput`` (the
receiver refused this message: never retried), ``AuthError`` / ``ChannelGone`` (the channel is
unusable: disable it and alert the operator).
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
