"""The bot's channel posting: subscribed topics become outbox notifications, coalesced into few
messages posted with the bot token to the fake Discord API, within its buckets; channels added
while running (``/subscribe``) start receiving at once. A manual clock; no real time passes."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Sequence
from dataclasses import dataclass
from pathlib import Path

import httpx
import pytest

from freeride.adapters.discord.channel import channel_name
from freeride.app.discord import DiscordPosting, build_posting, routes
from freeride.app.notify import channel_status
from freeride.bus import topics
from freeride.bus.memory import InMemoryBus
from freeride.config.discord import TOPIC_KINDS
from freeride.config.settings import load_settings
from freeride.core.alerts import AlertFired, AlertKind
from freeride.core.clock import NS_PER_SECOND, ManualClock
from freeride.core.notify import Notification
from freeride.core.orders import Fill
from freeride.notify.channel_posts import ChannelPoster
from freeride.notify.relay import OutboxRelay
from freeride.notify.subscriptions import ChannelTopics
from freeride.storage.engine import create_engine
from freeride.storage.migrate import upgrade_engine
from freeride.storage.repositories import OutboxRepository
from freeride.testing.builders import fill as build_fill
from freeride.testing.fakes.discord_api import FakeDiscordApi
from freeride.testing.fakes.waiting import until

T0 = 1_700_000_000 * NS_PER_SECOND
CHANNEL, OTHER = "645027906669510667", "42"


@dataclass
class Posting:
    clock: ManualClock
    bus: InMemoryBus
    fake: FakeDiscordApi
    relay: OutboxRelay
    posting: DiscordPosting

    async def settle(self, done: object) -> None:
        """Move the clock past every bucket pause until ``done()`` holds."""
        for _ in range(400):
            try:
                await until(done, max_turns=2_000)  # type: ignore[arg-type]
                return
            except AssertionError:
                self.clock.advance(1.0)
        raise AssertionError("never settled")


def fill(i: int) -> Fill:
    return build_fill(i, T0 + i)


@pytest.fixture
async def posting(tmp_path: Path) -> AsyncIterator[Posting]:
    engine = create_engine(f"sqlite+aiosqlite:///{tmp_path / 'outbox.db'}")
    await upgrade_engine(engine)
    clock = ManualClock(T0)
    bus = InMemoryBus(clock)
    fake = FakeDiscordApi(channels={CHANNEL, OTHER}, bucket_size=5, bucket_window_s=5.0, clock=clock)
    settings = load_settings(
        _env_file=None,
        discord={
            "application_id": "1000",
            "public_key": "a" * 64,
            "bot_token": "bot-token",
            "api_url": fake.url(),
            "subscriptions": {CHANNEL: ["fills", "alerts"]},
        },
    )
    outbox = OutboxRepository(engine)
    relay = OutboxRelay(outbox, {}, bus, clock)
    built = await build_posting(settings, bus, clock, outbox, relay, transport=httpx.ASGITransport(fake.app))
    assert built is not None
    await relay.start()
    await built.poster.start()
    yield Posting(clock, bus, fake, relay, built)
    await built.poster.stop()
    await relay.stop()
    await engine.dispose()


async def test_a_burst_of_fills_is_coalesced_into_few_messages(posting: Posting) -> None:
    for i in range(1_000):
        posting.bus.publish(topics.fill("GOOG"), fill(i))
    await posting.settle(lambda: posting.relay.sent == 1_000)
    sent = posting.fake.to("channel")
    assert 1 < len(sent) <= 20  # instead of 1,000 messages
    lines = [
        line
        for s in sent
        for embed in s.body.get("embeds", [])
        for line in embed.get("description", "").split("\n")
        if line
    ]
    assert len(lines) == 1_000
    assert all("GOOG @ 100.25" in line for line in lines)
    for s in sent:
        assert sum(len(e.get("description", "")) for e in s.body["embeds"]) <= 6_000
        assert len(s.body["embeds"]) <= 10
        assert s.target == CHANNEL
    assert posting.fake.rate_limited == 0  # the client waited for each bucket reset instead
    assert posting.posting.poster.writes < 10  # the outbox written in batches


async def test_alerts_and_a_channel_subscribed_while_running(posting: Posting) -> None:
    topics_ = posting.posting.topics
    assert topics_.add(OTHER, "alerts")
    fired = AlertFired(
        alert_id="al_1",
        symbol="AAPL",
        kind=AlertKind.ABOVE,
        price=201.5,
        threshold=200.0,
        description="AAPL above 200",
        message=None,
        user="default",
        tags=(),
        notify=(),
        quiet=False,
        fired_count=1,
        active=True,
        cooldown_until=0,
        latency_ns=0,
        ts_event=T0,
        ts_init=T0,
    )
    posting.bus.publish(topics.alert_fired("AAPL"), fired)
    await posting.settle(lambda: len(posting.fake.to("channel")) == 2)
    assert {s.target for s in posting.fake.to("channel")} == {CHANNEL, OTHER}
    for s in posting.fake.to("channel"):
        assert s.body["embeds"][0]["title"] == "🔔 AAPL"
        assert s.body["allowed_mentions"] == {"parse": []}
    assert "discord:42" in posting.relay.notifiers
    assert topics_.remove(CHANNEL, "fills")
    posting.bus.publish(topics.fill("GOOG"), fill(1))
    for _ in range(200):
        await asyncio.sleep(0)
    assert posting.posting.poster.notifications == 2  # nobody is subscribed to fills now


class FlakyOutbox(OutboxRepository):
    """An outbox whose next ``broken`` writes fail (the database went away)."""

    broken = 0

    async def enqueue(self, notifications: Sequence[Notification]) -> list[int]:
        if self.broken:
            self.broken -= 1
            raise OSError("database is locked")
        return await super().enqueue(notifications)


async def test_posts_wait_for_the_outbox_instead_of_being_lost(tmp_path: Path) -> None:
    engine = create_engine(f"sqlite+aiosqlite:///{tmp_path / 'outbox.db'}")
    await upgrade_engine(engine)
    clock = ManualClock(T0)
    bus = InMemoryBus(clock)
    outbox = FlakyOutbox(engine)
    outbox.broken = 2
    subscriptions = ChannelTopics({CHANNEL: ["fills"]}, TOPIC_KINDS)
    poster = ChannelPoster(bus, clock, outbox, subscriptions, routes(clock), channel_name=channel_name)
    await poster.start()
    for i in range(3):
        bus.publish(topics.fill("GOOG"), fill(i))
    await until(lambda: poster.outbox_failures == 1 and clock.sleepers == 1)
    clock.advance(1.0)
    await until(lambda: poster.outbox_failures == 2 and clock.sleepers == 1)
    clock.advance(2.0)
    await until(lambda: poster.notifications == 3)
    assert [i.notification.channel for i in await outbox.due("discord:" + CHANNEL, clock.now_ns(), 10)] == [
        "discord:" + CHANNEL
    ] * 3
    await poster.stop()
    await engine.dispose()


async def test_notify_status_lists_the_bots_channels(tmp_path: Path) -> None:
    db_url = f"sqlite+aiosqlite:///{tmp_path / 'status.db'}"
    engine = create_engine(db_url)
    await upgrade_engine(engine)
    await engine.dispose()
    settings = load_settings(
        _env_file=None,
        database_url=db_url,
        discord={"application_id": "1000", "public_key": "a" * 64, "subscriptions": {CHANNEL: ["fills"]}},
    )
    [row] = await channel_status(settings, ManualClock(T0))
    assert row.channel == "discord:" + CHANNEL
    assert row.kind == "discord bot"
    assert row.disabled is None
