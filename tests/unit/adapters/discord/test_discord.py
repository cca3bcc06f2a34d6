"""The Discord notifier against the fake Discord (real replies, limits and rate limits)."""

from __future__ import annotations

import httpx
import pytest

from freeride.adapters.discord import DiscordConfig, DiscordNotifier
from freeride.adapters.discord.client import BAN_PAUSE_S, DiscordClient
from freeride.adapters.discord.pack import pack
from freeride.core.clock import ManualClock
from freeride.core.errors import AuthError, InvalidInput, RateLimited
from freeride.core.notify import ChannelGone, Notification
from freeride.testing.fakes.discord import FakeDiscord, form_errors


def note(i: int, text: str = "") -> Notification:
    return Notification(
        channel="discord",
        title=f"🔔 SYM{i % 500}",
        text=text or f"SYM{i % 500} above {100 + i:.2f} — price {101 + i:.2f}",
        fields={"price": f"{101 + i:.2f}", "alert": f"al_{i:05d}"},
        ts_event=i,
        ts_init=i,
    )


def notifier(fake: FakeDiscord, **kw: object) -> DiscordNotifier:
    config = DiscordConfig(channel="discord", url=fake.url(), **kw)  # type: ignore[arg-type]
    return DiscordNotifier(config, transport=httpx.ASGITransport(fake.app))


async def test_a_few_notifications_are_one_message_of_cards_answered_204() -> None:
    fake = FakeDiscord(clock=ManualClock())
    n = notifier(fake)
    packets = n.pack([(i, note(i)) for i in range(3)])
    assert len(packets) == 1
    assert packets[0].ids == (0, 1, 2)
    delivered = await n.deliver(packets[0])
    assert delivered.pause_s == 0
    assert fake.replies == [204]
    body = fake.received[0].body
    assert len(body["embeds"]) == 3
    assert body["embeds"][0]["fields"][0] == {"name": "price", "value": "101.00", "inline": True}
    assert body["allowed_mentions"] == {"parse": []}
    assert body["username"] == "freeride"


async def test_wait_true_gets_200_with_the_message() -> None:
    fake = FakeDiscord(clock=ManualClock())
    n = notifier(fake, wait=True)
    await n.deliver(n.pack([(1, note(1))])[0])
    assert fake.replies == [200]
    assert fake.received[0].wait


async def test_burst_of_500_is_coalesced_into_few_messages_within_limits() -> None:
    items = [(i, note(i)) for i in range(500)]
    for style, most in (("embeds", 8), ("text", 25)):
        messages = pack(items, style)
        assert len(messages) <= most, style
        assert [i for ids, _ in messages for i in ids] == list(range(500))  # each once, in order
        for _, body in messages:
            assert form_errors(body) == {}
            if style == "text":
                assert len(body["content"]) < 2_000
                assert all(line in {n.line() for _, n in items} for line in body["content"].split("\n"))


async def test_burst_reaches_the_fake_as_few_messages() -> None:
    fake = FakeDiscord(clock=ManualClock(), bucket_size=50)
    n = notifier(fake)
    for packet in n.pack([(i, note(i)) for i in range(500)]):
        await n.deliver(packet)
    assert set(fake.replies) == {204}
    assert len(fake.received) <= 8
    lines = [line for r in fake.received for e in r.body["embeds"] for line in e["description"].split("\n")]
    assert len(lines) == 500


def test_long_texts_are_cut_not_refused() -> None:
    huge = note(0, text="x" * 10_000)
    for style in ("embeds", "text"):
        for _, body in pack([(0, huge), (1, note(1))], style):
            assert form_errors(body) == {}


async def test_rate_limit_reply_carries_retry_after_and_remaining_zero_pauses() -> None:
    clock = ManualClock()
    fake = FakeDiscord(clock=clock, bucket_size=2, bucket_window_s=2.0)
    n = notifier(fake)
    packet = n.pack([(1, note(1))])[0]
    assert (await n.deliver(packet)).pause_s == 0
    assert (await n.deliver(packet)).pause_s == pytest.approx(2.0)  # X-RateLimit-Remaining: 0
    with pytest.raises(RateLimited) as info:
        await n.deliver(packet)
    assert info.value.retry_after == pytest.approx(2.0)
    assert fake.replies[-1] == 429
    clock.advance(2.0)
    await n.deliver(packet)
    assert fake.replies[-1] == 204


async def test_429_without_via_is_cloudflare_and_waits_long() -> None:
    fake = FakeDiscord(clock=ManualClock())
    fake.fail("cloudflare")
    n = notifier(fake)
    with pytest.raises(RateLimited) as info:
        await n.deliver(n.pack([(1, note(1))])[0])
    assert info.value.retry_after is not None
    assert info.value.retry_after >= BAN_PAUSE_S


async def test_400_invalid_form_body_names_the_field() -> None:
    fake = FakeDiscord(clock=ManualClock())
    client = DiscordClient(fake.url(), transport=httpx.ASGITransport(fake.app))
    with pytest.raises(InvalidInput, match=r"code 50035 Invalid Form Body: content: Must be 2000 or fewer"):
        await client.execute({"content": "y" * 2_001})
    assert fake.replies == [400]


async def test_deleted_webhook_and_wrong_token() -> None:
    fake = FakeDiscord(clock=ManualClock())
    bad = DiscordClient(fake.url().replace("/tok", "/nope"), transport=httpx.ASGITransport(fake.app))
    with pytest.raises(AuthError, match="50027"):
        await bad.execute({"content": "hi"})
    fake.delete()
    with pytest.raises(ChannelGone, match="10015"):
        await notifier(fake).deliver(notifier(fake).pack([(1, note(1))])[0])
    assert fake.replies == [401, 404]


def test_config_repr_hides_the_url() -> None:
    config = DiscordConfig(channel="d", url="https://discord.com/api/webhooks/1/secret-token")
    assert "secret-token" not in repr(config)
