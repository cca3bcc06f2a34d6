"""Notifications and the outbox entries that carry them to their channels.

A ``Notification`` is channel-neutral (a title, a line of text, a few fields); each channel's
adapter renders it in its own wire format. It is written to the outbox in the same transaction as
the fact it reports and delivered from there, so a crash between the two loses nothing.
"""

from __future__ import annotations

import hashlib
from enum import StrEnum

import msgspec

from freeride.core.errors import FreerideError
from freeride.core.system import Level


class Notification(msgspec.Struct, frozen=True, kw_only=True):
    """One message for one channel; ``key`` names what it reports (an alert id, ``test``)."""

    channel: str
    title: str
    text: str
    fields: dict[str, str] = msgspec.field(default_factory=dict)
    level: Level = Level.INFO
    source: str = "alerts"
    key: str = ""
    ts_event: int
    ts_init: int

    def line(self) -> str:
        """The notification as one line, for coalesced messages."""
        return f"{self.title}: {self.text}" if self.text else self.title


class OutboxReady(msgspec.Struct, frozen=True, kw_only=True):
    """New notifications wait in the outbox: the relay wakes at once instead of at its next due time.

    ``count`` is how many were written, ``source`` who wrote them (``alerts``, ``execution``,
    ``research``); ``channels`` the channels they are for (empty: not said, every channel looks).
    """

    count: int
    source: str
    channels: tuple[str, ...] = ()
    ts_event: int
    ts_init: int


def outbox_ready(count: int, source: str, now_ns: int, channels: tuple[str, ...] = ()) -> OutboxReady:
    return OutboxReady(count=count, source=source, channels=channels, ts_event=now_ns, ts_init=now_ns)


class OutboxStatus(StrEnum):
    PENDING = "pending"  # waiting for its next attempt
    SENT = "sent"
    DEAD = "dead"  # refused for good (bad request, channel deleted): kept, never retried


class OutboxItem(msgspec.Struct, frozen=True, kw_only=True):
    """A notification in the outbox with its delivery bookkeeping."""

    id: int
    notification: Notification
    attempts: int = 0
    next_attempt_at: int = 0
    status: OutboxStatus = OutboxStatus.PENDING
    error: str | None = None


class ChannelGone(FreerideError):
    """The receiver says the channel no longer exists (Discord 404 code 10015): disable it, alert."""


def target_fingerprint(*parts: str) -> str:
    """A digest of what a channel delivers to, so a fixed target can be told from the old one.

    Only this digest is ever stored, never the URL (which carries the webhook's token) or a signing
    secret. It is scrypt (memory-hard, about 50 ms each), not a fast hash: whoever reads the
    database cannot test guesses of a short signing secret at billions a second. The parts are
    joined with NUL, which no URL or secret contains.
    """
    joined = "\0".join(parts).encode()
    digest = hashlib.scrypt(joined, salt=FINGERPRINT_SALT, n=2**14, r=8, p=1, dklen=32)
    return digest.hex()


FINGERPRINT_SALT = b"freeride-notify-target"


class DeliveryStatus(StrEnum):
    DELIVERED = "delivered"
    RETRYING = "retrying"  # failed for now, will be tried again
    DEAD = "dead"  # refused for good


class Delivery(msgspec.Struct, frozen=True, kw_only=True):
    """What became of one notification on one attempt: for the journal, metrics and traces.

    ``source`` and ``key`` are the notification's (an alert's id); ``created_ns`` is when it was
    made (for an alert, its firing's ``ts_init``), so ``ts_event - created_ns`` is how long the
    operator waited for it.
    """

    channel: str
    source: str
    key: str
    title: str
    status: DeliveryStatus
    attempts: int
    created_ns: int
    error: str | None = None
    ts_event: int
    ts_init: int
