"""The outbox relay on a real outbox (SQLite), fake receivers and a manual clock."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from pathlib import Path

import httpx
import msgspec
import pytest
from structlog.testing import capture_logs

from freeride.adapters.discord import DiscordConfig, DiscordNotifier
from freeride.adapters.webhook import WebhookConfig, WebhookNotifier
from freeride.bus import topics
from freeride.bus.memory import InMemoryBus
from freeride.core.clock import NS_PER_SECOND, ManualClock
from freeride.core.events import EVENT_TYPES
from freeride.core.notify import Notification, OutboxReady, OutboxStatus, outbox_ready
from freeride.core.system import SystemEvent
from freeride.notify.relay import OutboxRelay, RelayConfig
from freeride.ports.notify import Notifier
from freeride.storage.engine import create_engine
from freeride.storage.migrate import upgrade_engine
from freeride.storage.repositories import OutboxRepository
from freeride.testing.fakes.discord import FakeDiscord
from freeride.testing.fakes.waiting import until
from freeride.testing.fakes.webhook_receiver import FakeWebhookReceiver

T0 = 1_700_000_000 * NS_PER_SECOND
SECRET = "whsec-0123456789abcdef"


class FlakyOutbox(OutboxRepository):
    """The outbox whose ``next_due`` fails the next ``broken`` times (the database went away)."""

    broken = 0

    async def next_due(self, channel: str) -> int | None:
        if self.broken:
            self.broken -= 1
            raise OSError("database is locked")
        return await super().next_due(channel)


class Rig:
    def __init__(self, outbox: OutboxRepository) -> None:
        self.clock = ManualClock(T0)
        self.bus = InMemoryBus(self.clock)
        self.outbox = outbox
        self.discord = FakeDiscord(clock=self.clock)
        self.hook = FakeWebhookReceiver(SECRET, clock=self.clock)
        self.system: list[SystemEvent] = []
        self.bus.subscribe(topics.ALL_SYSTEM, self.system.append)
        notifiers: dict[str, Notifier] = {
            "discord": DiscordNotifier(
                DiscordConfig(channel="discord", url=self.discord.url()),
                transport=httpx.ASGITransport(self.discord.app),
            ),
            "ops": WebhookNotifier(
                WebhookConfig(channel="ops", url="http://hook.test/x", secret=SECRET),
                self.clock,
                transport=httpx.ASGITransport(self.hook.app),
            ),
        }
        config = RelayConfig(retry_base_s=1.0, retry_cap_s=8.0, operator_channel="ops")
        self.relay = OutboxRelay(outbox, notifiers, self.bus, self.clock, config)

    async def enqueue(self, channel: str, n: int) -> list[int]:
        now = self.clock.now_ns()
        notes = [
            Notification(channel=channel, title=f"N{i}", text=f"text {i}", ts_event=now, ts_init=now)
            for i in range(n)
        ]
        ids = await self.outbox.enqueue(notes)
        self.bus.publish(topics.outbox_ready(), outbox_ready(n, "test", now, (channel,)))
        return ids

    async def status(self, ids: list[int]) -> set[OutboxStatus]:
        items = {i.id: i.status for i in await self.outbox.items(limit=10_000)}
        return {items[i] for i in ids}


@pytest.fixture
async def rig(tmp_path: Path) -> AsyncIterator[Rig]:
    engine = create_engine(f"sqlite+aiosqlite:///{tmp_path / 'outbox.db'}")
    await upgrade_engine(engine)
    rig = Rig(FlakyOutbox(engine))
    await rig.relay.start()
    yield rig
    await rig.relay.stop()
    await engine.dispose()


async def test_delivers_and_marks_sent(rig: Rig) -> None:
    ids = await rig.enqueue("discord", 3)
    await until(lambda: rig.relay.sent == 3)
    assert await rig.status(ids) == {OutboxStatus.SENT}
    assert len(rig.discord.received) == 1


async def test_an_empty_bucket_pauses_before_the_next_message(rig: Rig) -> None:
    rig.discord.bucket_size = 1
    await rig.enqueue("discord", 1)
    await until(lambda: rig.relay.sent == 1 and rig.clock.sleepers > 0)  # X-RateLimit-Remaining: 0
    second = await rig.enqueue("discord", 1)
    for _ in range(100):
        await asyncio.sleep(0)
    assert await rig.status(second) == {OutboxStatus.PENDING}
    rig.clock.advance(2.0)  # X-RateLimit-Reset-After
    await until(lambda: rig.relay.sent == 2)
    assert 429 not in rig.discord.replies


async def test_a_429_is_retried_after_retry_after_without_counting_an_attempt(rig: Rig) -> None:
    rig.discord.fail("rate_limited")
    ids = await rig.enqueue("discord", 2)
    await until(lambda: rig.discord.replies == [429] and rig.clock.sleepers > 0)
    assert await rig.status(ids) == {OutboxStatus.PENDING}
    rig.clock.advance(1.9)
    for _ in range(100):
        await asyncio.sleep(0)
    assert rig.relay.sent == 0
    rig.clock.advance(0.1)  # retry_after was 2.0 s
    await until(lambda: rig.relay.sent == 2)
    assert rig.discord.replies == [429, 204]
    assert all(i.attempts == 0 for i in await rig.outbox.items())


async def test_a_dead_receiver_delays_only_its_own_channel_and_loses_nothing(rig: Rig) -> None:
    rig.hook.always("down")
    hook_ids = await rig.enqueue("ops", 2)
    discord_ids = await rig.enqueue("discord", 2)
    await until(lambda: rig.relay.sent == 2)
    assert await rig.status(discord_ids) == {OutboxStatus.SENT}
    for _ in range(4):  # backoff 1, 2, 4, 8 s on the manual clock
        await until(lambda: rig.clock.sleepers > 0)
        rig.clock.advance(8.0)
    assert await rig.status(hook_ids) == {OutboxStatus.PENDING}
    assert max(i.attempts for i in await rig.outbox.items()) >= 3
    rig.hook.always(None)
    rig.clock.advance(8.0)
    await until(lambda: rig.relay.sent == 4)
    assert [n["text"] for n in rig.hook.notifications] == ["text 0", "text 1"]


async def test_a_refused_message_is_dead_not_retried(rig: Rig) -> None:
    rig.hook.fail("bad")
    ids = await rig.enqueue("ops", 1)
    await until(lambda: rig.relay.failures == 1)
    await until(lambda: any(e.kind == "message_refused" for e in rig.system))
    assert await rig.status(ids) == {OutboxStatus.DEAD}
    assert (await rig.outbox.counts())["dead"] == 1


async def test_deleted_discord_webhook_disables_the_channel_and_alerts_the_operator(rig: Rig) -> None:
    rig.discord.delete()
    ids = await rig.enqueue("discord", 2)
    await until(lambda: "discord" in rig.relay.disabled)
    assert "10015" in rig.relay.disabled["discord"]
    assert [e.kind for e in rig.system] == ["channel_disabled"]
    await until(lambda: len(rig.hook.notifications) == 1)
    assert "discord" in rig.hook.notifications[0]["text"]
    assert await rig.status(ids) == {OutboxStatus.PENDING}  # kept for when it is fixed
    calls = rig.discord.total_calls
    await rig.enqueue("discord", 1)
    rig.clock.advance(60)
    await until(lambda: rig.relay.sent == 1)
    assert rig.discord.total_calls == calls  # never retried


async def test_one_failed_outbox_read_does_not_end_a_channels_delivery(rig: Rig) -> None:
    outbox = rig.outbox
    assert isinstance(outbox, FlakyOutbox)
    outbox.broken = 2
    with capture_logs() as logs:
        rig.relay.wake()  # both channels look at once; each finds nothing due and asks when next
        await until(lambda: outbox.broken == 0)
    failed = [e for e in logs if e["event"] == "notify.outbox_failed"]
    assert len(failed) == 2
    assert rig.relay.outbox_failures == 2
    assert all("database is locked" in e["error"] for e in failed)
    rig.clock.advance(1.0)  # retry_base_s: each channel looks again
    ids = await rig.enqueue("discord", 2)
    hook_ids = await rig.enqueue("ops", 1)
    await until(lambda: rig.relay.sent == 3)
    assert await rig.status([*ids, *hook_ids]) == {OutboxStatus.SENT}


async def test_outbox_ready_is_an_event_that_wakes_the_channels_it_names(rig: Rig) -> None:
    now = rig.clock.now_ns()
    ready = outbox_ready(1, "alerts", now, ("discord",))
    assert OutboxReady in EVENT_TYPES  # it crosses processes like every other event
    assert msgspec.msgpack.decode(msgspec.msgpack.encode(ready), type=OutboxReady) == ready
    wake = rig.relay._wake
    for event in wake.values():
        event.clear()
    rig.bus.publish(topics.outbox_ready(), ready)  # handled at once, in publish order
    assert (wake["discord"].is_set(), wake["ops"].is_set()) == (True, False)
    for event in wake.values():
        event.clear()
    rig.bus.publish(topics.outbox_ready(), outbox_ready(1, "execution", now))  # no channels: every one
    assert (wake["discord"].is_set(), wake["ops"].is_set()) == (True, True)
    ids = await rig.enqueue("discord", 1)
    await until(lambda: rig.relay.sent == 1)
    assert await rig.status(ids) == {OutboxStatus.SENT}
