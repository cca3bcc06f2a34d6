"""The bot's REST client against the fake Discord API: per-route buckets learnt from the
``X-RateLimit-*`` headers, 429s waited out (``retry_after``, scope user or global), the global
limit, multipart files, and Discord's refusals mapped to ``core.errors``. No real time passes."""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable
from typing import Any

import httpx
import pytest

from freeride.adapters.discord.rest import DiscordRestClient
from freeride.core.clock import NS_PER_SECOND, ManualClock
from freeride.core.errors import AuthError, InvalidInput, RateLimited
from freeride.core.notify import ChannelGone
from freeride.ports.discord import Attachment
from freeride.testing.fakes.discord_api import FakeDiscordApi

CHANNEL = "645027906669510667"


def client(fake: FakeDiscordApi, clock: ManualClock, **kw: Any) -> DiscordRestClient:
    return DiscordRestClient(
        fake.url(), "1000", clock, bot_token="bot-token", transport=httpx.ASGITransport(fake.app), **kw
    )


async def drive(clock: ManualClock, work: Awaitable[Any], step_s: float = 0.5) -> Any:
    """Run ``work``, moving the clock whenever every task waits on it."""
    task = asyncio.ensure_future(work)
    while not task.done():
        for _ in range(50):
            await asyncio.sleep(0)
        if not task.done() and clock.sleepers:
            clock.advance(step_s)
    return task.result()


async def test_a_burst_waits_for_its_bucket_instead_of_earning_429s() -> None:
    clock = ManualClock(1_700_000_000 * NS_PER_SECOND)
    fake = FakeDiscordApi(bucket_size=5, bucket_window_s=5.0, clock=clock)
    rest = client(fake, clock)
    sent = await drive(
        clock, asyncio.gather(*(rest.create_message(CHANNEL, {"content": f"m{i}"}) for i in range(23)))
    )
    assert len(sent) == 23
    assert [s.body["content"] for s in fake.to("channel")] == [f"m{i}" for i in range(23)]
    assert fake.rate_limited == 0
    assert rest.limits.waits == 4  # one per bucket reset after the first five
    first, last = fake.to("channel")[0].at_ns, fake.to("channel")[-1].at_ns
    assert (last - first) / NS_PER_SECOND >= 20  # 23 messages at 5 per 5 s
    await rest.aclose()


async def test_a_429_is_waited_out_and_retried_once_per_reset() -> None:
    clock = ManualClock(1_700_000_000 * NS_PER_SECOND)
    fake = FakeDiscordApi(bucket_size=2, bucket_window_s=5.0, clock=clock)
    other = client(fake, clock)
    await other.create_message(CHANNEL, {"content": "a"})
    await other.create_message(CHANNEL, {"content": "b"})  # the bucket is empty now; ours does not know
    rest = client(fake, clock)
    await drive(clock, rest.create_message(CHANNEL, {"content": "c"}))
    assert fake.rate_limited == 1
    assert rest.rate_limited == 1
    assert fake.to("channel")[-1].body["content"] == "c"
    assert fake.to("channel")[-1].at_ns - fake.to("channel")[0].at_ns >= 5 * NS_PER_SECOND
    await rest.aclose()
    await other.aclose()


async def test_the_global_limit_pauses_every_route() -> None:
    clock = ManualClock(1_700_000_000 * NS_PER_SECOND)
    fake = FakeDiscordApi(bucket_size=1_000, global_per_s=3, clock=clock, channels={CHANNEL, "42"})
    rest = client(fake, clock, global_per_s=50)  # believes Discord's usual 50/s; the fake allows 3
    calls = [rest.create_message(CHANNEL if i % 2 else "42", {"content": str(i)}) for i in range(8)]
    await drive(clock, asyncio.gather(*calls), step_s=0.25)
    assert len(fake.to("channel")) == 8
    assert fake.global_limited >= 1
    assert fake.global_limited <= 3  # each global 429 pauses everything until the next second
    await rest.aclose()


async def test_files_go_as_multipart_and_errors_map() -> None:
    clock = ManualClock()
    fake = FakeDiscordApi(clock=clock)
    rest = client(fake, clock)
    png = b"\x89PNG\r\n\x1a\nfake"
    message = await rest.create_message(
        CHANNEL, {"content": "chart"}, [Attachment(filename="c.png", content=png)]
    )
    assert message["attachments"][0]["filename"] == "c.png"
    assert fake.to("channel")[0].files == {"c.png": png}
    assert fake.to("channel")[0].body["attachments"] == [{"id": 0, "filename": "c.png"}]
    with pytest.raises(ChannelGone, match="10003"):
        await rest.create_message("1", {"content": "x"})
    with pytest.raises(InvalidInput, match="content: Must be 2000 or fewer"):
        await rest.create_message(CHANNEL, {"content": "x" * 2_001})
    wrong = DiscordRestClient(
        fake.url(), "1000", clock, bot_token="nope", transport=httpx.ASGITransport(fake.app)
    )
    with pytest.raises(AuthError, match="401"):
        await wrong.create_message(CHANNEL, {"content": "x"})
    with pytest.raises(AuthError, match="no bot token"):
        await DiscordRestClient(fake.url(), "1000", clock).create_message(CHANNEL, {"content": "x"})
    await rest.aclose()


async def test_retries_run_out_as_rate_limited() -> None:
    clock = ManualClock(1_700_000_000 * NS_PER_SECOND)
    fake = FakeDiscordApi(bucket_size=1, bucket_window_s=60.0, clock=clock)
    first = client(fake, clock)
    await first.create_message(CHANNEL, {"content": "a"})
    rest = client(fake, clock, max_retries=0)
    with pytest.raises(RateLimited) as caught:
        await rest.create_message(CHANNEL, {"content": "b"})
    assert caught.value.retry_after == pytest.approx(60.0)
    await rest.aclose()
    await first.aclose()
