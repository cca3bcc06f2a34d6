"""Disabled channels survive a restart: the relay remembers them by target fingerprint, never by URL.

Each test runs one or two relays in turn over the same SQLite file (a restart), a fake Discord
and a fake operator webhook, on a manual clock.
"""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from pathlib import Path

import httpx
import pytest
import sqlalchemy as sa
from sqlalchemy.ext.asyncio import AsyncEngine

from freeride.adapters.discord import DiscordConfig, DiscordNotifier
from freeride.adapters.webhook import WebhookConfig, WebhookNotifier
from freeride.bus import topics
from freeride.bus.memory import InMemoryBus
from freeride.core.clock import NS_PER_SECOND, ManualClock
from freeride.core.notify import Notification, OutboxStatus
from freeride.core.system import Level, SystemEvent
from freeride.notify.relay import OutboxRelay, RelayConfig
from freeride.ports.notify import ChannelStateRepository as ChannelStatePort
from freeride.ports.notify import DisabledChannel, Notifier
from freeride.storage.engine import create_engine
from freeride.storage.migrate import upgrade_engine
from freeride.storage.repositories import ChannelStateRepository, OutboxRepository
from freeride.storage.tables import notify_channels
from freeride.testing.fakes.discord import FakeDiscord
from freeride.testing.fakes.waiting import until
from freeride.testing.fakes.webhook_receiver import FakeWebhookReceiver

T0 = 1_700_000_000 * NS_PER_SECOND
SECRET = "whsec-0123456789abcdef"
RECHECK_S = 30.0


class Watched:
    """The real store, counting its calls (tests wait on them) and failing ``disable`` on demand."""

    def __init__(self, inner: ChannelStateRepository) -> None:
        self.inner = inner
        self.reads = 0
        self.writes = 0
        self.fail_writes = 0

    async def disabled(self) -> dict[str, DisabledChannel]:
        found = await self.inner.disabled()
        self.reads += 1
        return found

    async def disable(self, state: DisabledChannel) -> None:
        if self.fail_writes:
            self.fail_writes -= 1
            raise ConnectionError("database unreachable")
        await self.inner.disable(state)
        self.writes += 1

    async def enable(self, channel: str) -> DisabledChannel | None:
        return await self.inner.enable(channel)


class World:
    """What outlives a relay: the database, the clock and the receivers."""

    def __init__(self, engine: AsyncEngine) -> None:
        self.engine = engine
        self.clock = ManualClock(T0)
        self.outbox = OutboxRepository(engine)
        self.states = ChannelStateRepository(engine)
        self.watched = Watched(self.states)
        self.discord = FakeDiscord({"123": "tok-old", "456": "tok-new"}, clock=self.clock)
        self.hook = FakeWebhookReceiver(SECRET, clock=self.clock)

    def relay(self, webhook_id: str = "123") -> Relay:
        return Relay(self, self.discord.url(webhook_id), self.watched)

    async def look(self) -> None:
        """Move the clock to the relay's next look at the store and wait until it has looked."""
        await until(lambda: self.clock.sleepers > 0)  # the disabled channel is waiting on the clock
        reads = self.watched.reads
        self.clock.advance(RECHECK_S)
        await until(lambda: self.watched.reads > reads)
        await settle()

    async def enqueue(self, n: int) -> list[int]:
        now = self.clock.now_ns()
        notes = [
            Notification(channel="discord", title=f"N{i}", text=f"text {i}", ts_event=now, ts_init=now)
            for i in range(n)
        ]
        return await self.outbox.enqueue(notes)

    async def statuses(self, ids: list[int]) -> set[OutboxStatus]:
        items = {i.id: i.status for i in await self.outbox.items(limit=10_000)}
        return {items[i] for i in ids}


class Relay:
    """One process's relay: its own bus, notifiers and system events."""

    def __init__(self, world: World, discord_url: str, states: ChannelStatePort) -> None:
        self.bus = InMemoryBus(world.clock)
        self.system: list[SystemEvent] = []
        self.bus.subscribe(topics.ALL_SYSTEM, self.system.append)
        self.discord = DiscordNotifier(
            DiscordConfig(channel="discord", url=discord_url),
            transport=httpx.ASGITransport(world.discord.app),
        )
        notifiers: dict[str, Notifier] = {
            "discord": self.discord,
            "ops": WebhookNotifier(
                WebhookConfig(channel="ops", url="http://hook.test/x", secret=SECRET),
                world.clock,
                transport=httpx.ASGITransport(world.hook.app),
            ),
        }
        config = RelayConfig(operator_channel="ops", recheck_s=RECHECK_S)
        self.relay = OutboxRelay(world.outbox, notifiers, self.bus, world.clock, config, states=states)

    def kinds(self) -> list[str]:
        return [e.kind for e in self.system]


@pytest.fixture
async def world(tmp_path: Path) -> AsyncIterator[World]:
    engine = create_engine(f"sqlite+aiosqlite:///{tmp_path / 'outbox.db'}")
    await upgrade_engine(engine)
    yield World(engine)
    await engine.dispose()


async def settle() -> None:
    """Let every task run as far as it can without the clock moving."""
    for _ in range(200):
        await asyncio.sleep(0)


async def disable_by_deleting(world: World) -> tuple[list[int], Relay]:
    """A first run: the webhook is deleted, the channel disabled and stored, the operator alerted."""
    world.discord.delete("123")
    first = world.relay()
    await first.relay.start()
    ids = await world.enqueue(2)
    first.relay.wake()
    await until(lambda: "discord" in first.relay.disabled)
    await until(lambda: first.relay.sent == 1)  # the operator alert went out and is marked sent
    assert len(world.hook.notifications) == 1
    await first.relay.stop()
    return ids, first


async def test_a_deleted_webhook_is_stored_disabled_by_fingerprint_never_by_url(world: World) -> None:
    _, first = await disable_by_deleting(world)

    stored = await world.states.disabled()
    assert list(stored) == ["discord"]
    assert "10015" in stored["discord"].reason
    assert stored["discord"].disabled_at == T0
    assert stored["discord"].fingerprint == first.discord.target_fingerprint
    async with world.engine.connect() as conn:
        rows = [dict(r) for r in (await conn.execute(sa.select(notify_channels))).mappings()]
    assert len(rows) == 1
    assert "tok-old" not in repr(rows)  # the webhook token is a secret
    assert world.discord.url("123") not in repr(rows)


async def test_a_restart_with_the_same_url_stays_disabled_sends_nothing_and_alerts_nobody(
    world: World,
) -> None:
    ids, _ = await disable_by_deleting(world)
    requests_before = list(world.discord.replies)
    assert requests_before == [404]

    second = world.relay("123")
    await second.relay.start()
    more = await world.enqueue(3)
    second.relay.wake()
    await settle()
    for _ in range(3):  # each look finds the record still there
        await world.look()

    assert second.relay.disabled["discord"].startswith("discord: HTTP 404")
    assert world.discord.replies == requests_before  # not one more request to the dead webhook
    assert second.kinds() == ["channel_still_disabled"]
    assert second.system[0].level == Level.WARNING
    assert "freeride notify enable discord" in second.system[0].message
    assert len(world.hook.notifications) == 1  # no second operator alert
    assert await world.statuses(ids + more) == {OutboxStatus.PENDING}
    await second.relay.stop()


async def test_a_changed_url_re_enables_the_channel_and_delivers_what_waited(world: World) -> None:
    ids, _ = await disable_by_deleting(world)

    second = world.relay("456")  # the operator created a new webhook and configured its URL
    await second.relay.start()
    await until(lambda: second.relay.sent == 2)

    assert await world.statuses(ids) == {OutboxStatus.SENT}
    assert [r.webhook_id for r in world.discord.received] == ["456"]
    assert second.kinds() == ["channel_reenabled"]
    assert second.relay.disabled == {}
    assert await world.states.disabled() == {}
    await second.relay.stop()


async def test_enable_from_another_process_reaches_the_running_relay_at_its_next_look(world: World) -> None:
    ids, _ = await disable_by_deleting(world)
    second = world.relay("123")
    await second.relay.start()
    await until(lambda: world.clock.sleepers > 0)  # the disabled channel waits for its next look
    world.discord.deleted.clear()  # the receiver was fixed in place: same URL

    reads = world.watched.reads
    assert await ChannelStateRepository(world.engine).enable("discord") is not None  # `notify enable`
    world.clock.advance(RECHECK_S - 1)
    await settle()
    assert second.relay.sent == 0
    assert world.watched.reads == reads  # the relay has not looked yet
    world.clock.advance(1)
    await until(lambda: second.relay.sent == 2)

    assert await world.statuses(ids) == {OutboxStatus.SENT}
    assert second.kinds() == ["channel_still_disabled", "channel_enabled"]
    assert "discord" not in second.relay.disabled
    await second.relay.stop()


async def test_a_state_that_could_not_be_stored_is_written_later_not_taken_for_an_enable(
    world: World,
) -> None:
    world.discord.delete("123")
    world.watched.fail_writes = 1
    run = world.relay()
    await run.relay.start()
    await world.enqueue(1)
    run.relay.wake()
    await until(lambda: "discord" in run.relay.disabled and world.watched.fail_writes == 0)
    await until(lambda: world.clock.sleepers > 0)  # the channel waits for its first look
    assert await world.states.disabled() == {}

    world.clock.advance(RECHECK_S)  # the first look writes the record instead of reading it
    await until(lambda: world.watched.writes == 1)
    assert list(await world.states.disabled()) == ["discord"]
    await world.look()  # and the next look finds it: still disabled
    assert "discord" in run.relay.disabled
    assert world.discord.replies == [404]
    assert run.kinds() == ["channel_disabled"]
    await run.relay.stop()
