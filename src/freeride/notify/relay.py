"""The outbox relay: delivers stored notifications, one independent task per channel.

Notifications reach the outbox in the transaction of the fact they report (a firing); the relay
only reads and marks them, so a crash at any point re-sends from the outbox after restart (at
least once: a crash between the receiver's reply and ``mark_sent`` repeats that one message).

Per channel, each round takes the due items (a burst comes out of the outbox whole, so it is
coalesced into as few messages as the channel's limits allow), sends them message by message
and marks each message's items as it goes. What a failure does:

* ``RateLimited``: wait what the receiver asked; the attempt does not count against the items;
* ``TemporaryError`` or anything unexpected: exponential backoff, capped, retried indefinitely:
  a receiver that is down delays its own channel and nothing else;
* ``InvalidInput`` (HTTP 400): that message is refused for good; its items are marked dead
  (kept, readable, never retried) and the operator is told;
* ``AuthError`` / ``ChannelGone`` (a deleted Discord webhook): the channel is disabled, its items
  stay pending for when it is fixed, and the operator is alerted on the bus and on the operator
  channel.

Every wait is on the injected clock; the relay wakes at once when the firing writer announces new
items (``outbox_ready``), otherwise when the next retry is due.
"""

from __future__ import annotations

import asyncio
from collections.abc import Mapping
from typing import Any

import msgspec
import structlog

from freeride.bus import topics
from freeride.core.clock import NS_PER_SECOND, Clock
from freeride.core.component import Component
from freeride.core.errors import AuthError, InvalidInput, RateLimited
from freeride.core.notify import ChannelGone, Notification
from freeride.core.system import Level, SystemEvent
from freeride.ports.bus import Bus, Subscription
from freeride.ports.notify import Notifier, OutboxRepository, Packet

log = structlog.get_logger(__name__)


class RelayConfig(msgspec.Struct, frozen=True, kw_only=True):
    batch: int = 500
    retry_base_s: float = 1.0
    retry_cap_s: float = 300.0
    operator_channel: str | None = None


class _Outcome(msgspec.Struct, frozen=True, kw_only=True):
    ids: list[int]
    pause_s: float = 0.0


class OutboxRelay(Component):
    name = "notify-relay"

    def __init__(
        self,
        repo: OutboxRepository,
        notifiers: Mapping[str, Notifier],
        bus: Bus,
        clock: Clock,
        config: RelayConfig | None = None,
    ) -> None:
        super().__init__()
        self._repo = repo
        self.notifiers = dict(notifiers)
        self._bus = bus
        self._clock = clock
        self.config = config or RelayConfig()
        self._wake = {name: asyncio.Event() for name in self.notifiers}
        self._tasks: list[asyncio.Task[None]] = []
        self._sub: Subscription | None = None
        self.disabled: dict[str, str] = {}  # channel -> why
        self.sent = 0
        self.messages = 0
        self.failures = 0

    async def _on_start(self) -> None:
        self._sub = self._bus.subscribe(topics.outbox_ready(), self._on_ready)
        for name in self.notifiers:
            self._tasks.append(asyncio.create_task(self._channel_loop(name), name=f"{self.name}:{name}"))

    async def _on_stop(self) -> None:
        if self._sub is not None:
            self._sub.cancel()
        for task in self._tasks:
            task.cancel()
        await asyncio.gather(*self._tasks, return_exceptions=True)
        self._tasks = []
        for notifier in self.notifiers.values():
            await notifier.aclose()

    def _on_ready(self, _event: Any) -> None:
        for event in self._wake.values():
            event.set()

    def wake(self) -> None:
        self._on_ready(None)

    # -- one channel -------------------------------------------------------------------------
    async def _channel_loop(self, channel: str) -> None:
        wake = self._wake[channel]
        while channel not in self.disabled:
            wake.clear()
            try:
                worked = await self.deliver_due(channel)
            except Exception as exc:  # the outbox itself is unreachable: wait and look again
                log.error("notify.outbox_failed", channel=channel, error=repr(exc))
                await self._wait(wake, self.config.retry_base_s)
                continue
            if worked:
                continue
            next_due = await self._repo.next_due(channel)
            delay = None if next_due is None else (next_due - self._clock.now_ns()) / NS_PER_SECOND
            await self._wait(wake, delay)

    async def _wait(self, wake: asyncio.Event, delay_s: float | None) -> None:
        """Until woken, or ``delay_s`` passes on the clock (``None``: only when woken)."""
        if delay_s is None:
            await wake.wait()
            return
        waiter = asyncio.ensure_future(wake.wait())
        sleeper = asyncio.ensure_future(self._clock.sleep(max(0.0, delay_s)))
        try:
            await asyncio.wait((waiter, sleeper), return_when=asyncio.FIRST_COMPLETED)
        finally:
            waiter.cancel()
            sleeper.cancel()

    async def deliver_due(self, channel: str) -> bool:
        """One round for ``channel``; ``True`` when something was due (look again at once).

        The items of the messages that went out are marked sent in one write at the end of the
        round (or before the round stops on a failure): a crash inside a round re-sends at most
        that round's messages, which at-least-once delivery allows anyway.
        """
        now = self._clock.now_ns()
        items = await self._repo.due(channel, now, self.config.batch)
        if not items:
            return False
        notifier = self.notifiers[channel]
        packets = notifier.pack([(item.id, item.notification) for item in items])
        attempts = {item.id: item.attempts for item in items}
        sent: list[int] = []
        try:
            for i, packet in enumerate(packets):
                rest = [pid for p in packets[i:] for pid in p.ids]
                outcome = await self._send(channel, notifier, packet, rest, attempts)
                if outcome is None:
                    return False
                sent.extend(outcome.ids)
                if outcome.pause_s > 0:  # the receiver's bucket is empty: record, then wait
                    await self._mark_sent(sent)
                    await self._clock.sleep(outcome.pause_s)
        finally:
            await self._mark_sent(sent)
        return True

    async def _mark_sent(self, sent: list[int]) -> None:
        if sent:
            await self._repo.mark_sent(sent, self._clock.now_ns())
            self.sent += len(sent)
            sent.clear()

    async def _send(
        self, channel: str, notifier: Notifier, packet: Packet, rest: list[int], attempts: dict[int, int]
    ) -> _Outcome | None:
        """Send one message: the ids it delivered, or ``None`` to stop the round (rest rescheduled)."""
        repo, clock = self._repo, self._clock
        try:
            delivered = await notifier.deliver(packet)
        except RateLimited as exc:
            wait = exc.retry_after if exc.retry_after is not None else self.config.retry_base_s
            await repo.reschedule(
                rest, clock.now_ns() + int(wait * NS_PER_SECOND), str(exc), count_attempt=False
            )
            log.warning("notify.rate_limited", channel=channel, retry_after_s=wait)
            return None
        except (ChannelGone, AuthError) as exc:
            await self._disable(channel, str(exc))
            return None
        except InvalidInput as exc:
            self.failures += 1
            await repo.mark_dead(packet.ids, str(exc))
            self._system(
                Level.ERROR, "message_refused", f"{channel}: a message was refused for good: {exc}", channel
            )
            return _Outcome(ids=[])
        except Exception as exc:
            self.failures += 1
            tries = min(attempts.get(rest[0], 0), 30)
            wait = min(self.config.retry_cap_s, self.config.retry_base_s * 2.0**tries)
            await repo.reschedule(
                rest, clock.now_ns() + int(wait * NS_PER_SECOND), repr(exc), count_attempt=True
            )
            log.warning("notify.delivery_failed", channel=channel, error=repr(exc), retry_in_s=wait)
            return None
        self.messages += 1
        return _Outcome(ids=list(packet.ids), pause_s=delivered.pause_s)

    async def _disable(self, channel: str, why: str) -> None:
        self.disabled[channel] = why
        message = f"notification channel {channel!r} disabled: {why}; its messages are kept until it is fixed"
        self._system(Level.ERROR, "channel_disabled", message, channel)
        operator = self.config.operator_channel
        if operator and operator != channel and operator not in self.disabled:
            now = self._clock.now_ns()
            note = Notification(
                channel=operator,
                title="⚠️ freeride: channel disabled",
                text=message,
                level=Level.ERROR,
                source="notify",
                key=f"disabled:{channel}",
                ts_event=now,
                ts_init=now,
            )
            await self._repo.enqueue([note])
            self.wake()

    def _system(self, level: Level, kind: str, message: str, channel: str) -> None:
        log.error(f"notify.{kind}", channel=channel, message=message)
        now = self._clock.now_ns()
        self._bus.publish(
            topics.system(level, "notify"),
            SystemEvent(
                source="notify",
                kind=kind,
                level=level,
                message=message,
                data={"channel": channel},
                ts_event=now,
                ts_init=now,
            ),
        )

    def status(self) -> dict[str, Any]:
        return {
            "channels": sorted(self.notifiers),
            "disabled": dict(self.disabled),
            "sent": self.sent,
            "messages": self.messages,
            "failures": self.failures,
        }
