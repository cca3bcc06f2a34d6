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
* the outbox itself failing (the database away): logged, and the channel looks again after a
  backoff; one failed read never ends a channel's delivery;
* ``AuthError`` / ``ChannelGone`` (a deleted Discord webhook): the channel is disabled, its items
  stay pending for when it is fixed, and the operator is alerted on the bus and on the operator
  channel.

A disabled channel is stored (``ChannelStateRepository``) with a fingerprint of its target, so a
restart neither hammers the dead target nor alerts again: on start, a channel whose target is
unchanged stays disabled (one warning event says so and why), a channel whose target changed (the
operator pasted a new webhook URL) is re-enabled and its pending items go out. While disabled, the
channel looks in the database every ``recheck_s``: ``freeride notify enable`` deletes the record,
and the running relay delivers again without a restart.

Every wait is on the injected clock; the relay wakes at once when the firing writer announces new
items (``outbox_ready``), otherwise when the next retry is due.
"""

from __future__ import annotations

import asyncio
from collections.abc import Mapping
from functools import partial
from typing import Any

import msgspec
import structlog

from freeride.bus import topics
from freeride.bus.system_events import SystemEvents
from freeride.core.clock import NS_PER_SECOND, Clock, ns_to_datetime
from freeride.core.component import Component, ComponentState
from freeride.core.errors import AuthError, InvalidInput, RateLimited
from freeride.core.notify import ChannelGone, Delivery, DeliveryStatus, Notification, OutboxItem, OutboxReady
from freeride.core.system import Level
from freeride.net.retry import Backoff
from freeride.ports.bus import Bus, Subscription
from freeride.ports.notify import ChannelStateRepository, DisabledChannel, Notifier, OutboxRepository, Packet

log = structlog.get_logger(__name__)


class RelayConfig(msgspec.Struct, frozen=True, kw_only=True):
    batch: int = 500
    retry_base_s: float = 1.0
    retry_cap_s: float = 300.0
    operator_channel: str | None = None
    recheck_s: float = 30.0  # how often a disabled channel looks whether the operator enabled it


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
        *,
        states: ChannelStateRepository | None = None,
    ) -> None:
        """``states`` keeps disabled channels across restarts; without it they are forgotten on exit."""
        super().__init__()
        self._repo = repo
        self.notifiers = dict(notifiers)
        self._bus = bus
        self._clock = clock
        self.events = SystemEvents(bus, clock, "notify")
        self.config = config or RelayConfig()
        self._wake = {name: asyncio.Event() for name in self.notifiers}
        self._tasks: list[asyncio.Task[None]] = []
        self._sub: Subscription | None = None
        self._states = states
        self._unsaved: dict[str, DisabledChannel] = {}  # disabled, but the database write failed
        self.disabled: dict[str, str] = {}  # channel -> why
        self.sent = 0
        self.messages = 0
        self.failures = 0
        self.outbox_failures = 0  # reads or writes of the outbox that failed (the database away)

    async def _on_start(self) -> None:
        await self._restore()
        self._sub = self._bus.subscribe(topics.outbox_ready(), self._on_ready)
        for name in self.notifiers:
            self._tasks.append(self.spawn(partial(self._channel_loop, name), f"{self.name}:{name}"))

    async def _on_stop(self) -> None:
        if self._sub is not None:
            self._sub.cancel()
        for task in self._tasks:
            task.cancel()
        await asyncio.gather(*self._tasks, return_exceptions=True)
        self._tasks = []
        for notifier in self.notifiers.values():
            await notifier.aclose()

    def add_notifier(self, notifier: Notifier) -> bool:
        """Deliver to one more channel from now on (a Discord channel ``/subscribe`` named while
        running); its loop starts at once when the relay runs. ``False`` when it was there already."""
        name = notifier.channel
        if name in self.notifiers:
            return False
        self.notifiers[name] = notifier
        self._wake[name] = asyncio.Event()
        if self.state is ComponentState.RUNNING:
            self._tasks.append(self.spawn(partial(self._channel_loop, name), f"{self.name}:{name}"))
        return True

    def _on_ready(self, event: object) -> None:
        """New items wait: wake the channels they are for (every channel when not said)."""
        channels = event.channels if isinstance(event, OutboxReady) else ()
        for name in channels or self._wake:
            wake = self._wake.get(name)
            if wake is not None:
                wake.set()

    def wake(self) -> None:
        for event in self._wake.values():
            event.set()

    async def _restore(self) -> None:
        """Apply the stored disabled states: unchanged target stays disabled, a changed one is enabled."""
        if self._states is None:
            return
        try:
            stored = await self._states.disabled()
        except Exception as exc:  # the outbox is in the same database: nothing goes out meanwhile
            log.error("notify.channel_states_unreadable", error=repr(exc))
            return
        for channel, state in stored.items():
            notifier = self.notifiers.get(channel)
            if notifier is None:
                continue  # no longer configured: kept for ``freeride notify status`` to show
            if state.fingerprint == notifier.target_fingerprint:
                self.disabled[channel] = state.reason
                since = f"{ns_to_datetime(state.disabled_at):%Y-%m-%d %H:%M:%S} UTC"
                self._system(
                    Level.WARNING,
                    "channel_still_disabled",
                    f"notification channel {channel!r} is still disabled (since {since}): {state.reason}; "
                    f"its messages are kept: fix its target or run `freeride notify enable {channel}`",
                    channel,
                )
                continue
            try:
                await self._states.enable(channel)
            except Exception as exc:  # harmless: the stale record's fingerprint no longer matches
                log.warning("notify.channel_state_not_cleared", channel=channel, error=repr(exc))
            self._system(
                Level.INFO,
                "channel_reenabled",
                f"notification channel {channel!r} re-enabled: its target changed since it was disabled "
                f"({state.reason}); its pending messages go out now",
                channel,
            )

    # -- one channel -------------------------------------------------------------------------
    async def _channel_loop(self, channel: str) -> None:
        wake = self._wake[channel]
        backoff = Backoff(self.config.retry_base_s, self.config.retry_cap_s)
        while True:
            if channel in self.disabled:
                await self._until_enabled(channel)
                continue
            wake.clear()
            try:
                worked = await self.deliver_due(channel)
                if worked or channel in self.disabled:
                    backoff.reset()
                    continue
                next_due = await self._repo.next_due(channel)
            except Exception as exc:  # the outbox itself is unreachable: wait and look again
                self.outbox_failures += 1
                wait = backoff.next_delay()
                log.error("notify.outbox_failed", channel=channel, error=repr(exc), retry_in_s=wait)
                await self._wait(wake, wait)
                continue
            backoff.reset()
            delay = None if next_due is None else (next_due - self._clock.now_ns()) / NS_PER_SECOND
            await self._wait(wake, delay)

    async def _until_enabled(self, channel: str) -> None:
        """Return once the operator enabled ``channel`` (its stored record is gone).

        Polls the database on the clock every ``recheck_s``, since ``freeride notify enable`` runs
        in another process; a record that could not be written yet is written first, so its
        absence is never mistaken for the operator's decision. Without a store: until stopped.
        """
        if self._states is None:
            await asyncio.Event().wait()
            return
        while True:
            await self._clock.sleep(self.config.recheck_s)
            try:
                if channel in self._unsaved:
                    await self._states.disable(self._unsaved[channel])
                    del self._unsaved[channel]
                    continue
                if channel in await self._states.disabled():
                    continue
            except Exception as exc:
                log.warning("notify.channel_states_unreachable", channel=channel, error=repr(exc))
                continue
            self.disabled.pop(channel, None)
            self._system(
                Level.INFO,
                "channel_enabled",
                f"notification channel {channel!r} enabled by the operator; its pending messages go out now",
                channel,
            )
            return

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
        by_id = {item.id: item for item in items}
        sent: list[int] = []
        try:
            for i, packet in enumerate(packets):
                rest = [pid for p in packets[i:] for pid in p.ids]
                outcome = await self._send(channel, notifier, packet, rest, by_id)
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
        self, channel: str, notifier: Notifier, packet: Packet, rest: list[int], by_id: dict[int, OutboxItem]
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
            self._report(by_id, packet.ids, DeliveryStatus.RETRYING, str(exc))
            return None
        except InvalidInput as exc:
            self.failures += 1
            await repo.mark_dead(packet.ids, str(exc))
            self._system(
                Level.ERROR, "message_refused", f"{channel}: a message was refused for good: {exc}", channel
            )
            self._report(by_id, packet.ids, DeliveryStatus.DEAD, str(exc))
            return _Outcome(ids=[])
        except Exception as exc:
            self.failures += 1
            first = by_id.get(rest[0])
            tries = min(first.attempts if first is not None else 0, 30)
            wait = min(self.config.retry_cap_s, self.config.retry_base_s * 2.0**tries)
            await repo.reschedule(
                rest, clock.now_ns() + int(wait * NS_PER_SECOND), repr(exc), count_attempt=True
            )
            log.warning("notify.delivery_failed", channel=channel, error=repr(exc), retry_in_s=wait)
            self._report(by_id, packet.ids, DeliveryStatus.RETRYING, repr(exc))
            return None
        self.messages += 1
        self._report(by_id, packet.ids, DeliveryStatus.DELIVERED, None)
        return _Outcome(ids=list(packet.ids), pause_s=delivered.pause_s)

    def _report(
        self, by_id: dict[int, OutboxItem], ids: tuple[int, ...], status: DeliveryStatus, error: str | None
    ) -> None:
        """One ``Delivery`` per notification of a message, for the journal, metrics and traces."""
        now = self._clock.now_ns()
        for item_id in ids:
            item = by_id.get(item_id)
            if item is None:
                continue
            n = item.notification
            self._bus.publish(
                topics.delivery(n.channel),
                Delivery(
                    channel=n.channel,
                    source=n.source,
                    key=n.key,
                    title=n.title,
                    status=status,
                    attempts=item.attempts + 1,
                    created_ns=n.ts_init,
                    error=error,
                    ts_event=now,
                    ts_init=now,
                ),
            )

    async def _disable(self, channel: str, why: str) -> None:
        await self._save(channel, why)  # first: a stop right after this must not lose the record
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

    async def _save(self, channel: str, why: str) -> None:
        """Store the disabled state; on failure it is kept in memory and written by the wait loop."""
        if self._states is None:
            return
        state = DisabledChannel(
            channel=channel,
            reason=why,
            disabled_at=self._clock.now_ns(),
            fingerprint=self.notifiers[channel].target_fingerprint,
        )
        try:
            await self._states.disable(state)
        except Exception as exc:
            self._unsaved[channel] = state
            log.error("notify.channel_state_unsaved", channel=channel, error=repr(exc))

    def _system(self, level: Level, kind: str, message: str, channel: str) -> None:
        self.events.emit(level, kind, message, channel=channel)

    def status(self) -> dict[str, Any]:
        return {
            "channels": sorted(self.notifiers),
            "disabled": dict(self.disabled),
            "sent": self.sent,
            "messages": self.messages,
            "failures": self.failures,
        }
