"""Signed outbound webhooks against the fake receiver."""

from __future__ import annotations

import httpx
import pytest

from freeride.adapters.webhook import WebhookConfig, WebhookNotifier, sign, verify
from freeride.core.clock import NS_PER_SECOND, ManualClock
from freeride.core.errors import AuthError, InvalidInput, RateLimited, TemporaryError
from freeride.core.notify import ChannelGone, Notification
from freeride.testing.fakes.webhook_receiver import FakeWebhookReceiver

SECRET = "whsec-0123456789abcdef"


def note(i: int) -> Notification:
    return Notification(channel="ops", title=f"T{i}", text=f"text {i}", ts_event=i, ts_init=i)


def make(fake: FakeWebhookReceiver, clock: ManualClock, secret: str = SECRET) -> WebhookNotifier:
    config = WebhookConfig(channel="ops", url="http://receiver.test/hooks/freeride", secret=secret, batch=2)
    return WebhookNotifier(config, clock, transport=httpx.ASGITransport(fake.app))


async def test_batches_are_signed_over_timestamp_and_body() -> None:
    clock = ManualClock(1_700_000_000 * NS_PER_SECOND)
    fake = FakeWebhookReceiver(SECRET, clock=clock)
    n = make(fake, clock)
    packets = n.pack([(i, note(i)) for i in range(5)])
    assert [p.ids for p in packets] == [(0, 1), (2, 3), (4,)]
    for packet in packets:
        await n.deliver(packet)
    assert [x["id"] for x in fake.notifications] == [0, 1, 2, 3, 4]
    assert fake.deliveries[0].signature.startswith("t=1700000000,v1=")
    assert fake.deliveries[0].path == "/hooks/freeride"


def test_verify_rejects_tampering_and_old_timestamps() -> None:
    header = sign(SECRET, 1_000, b'{"a":1}')
    assert verify(SECRET, header, b'{"a":1}', now_s=1_010)
    assert not verify(SECRET, header, b'{"a":2}', now_s=1_010)
    assert not verify("other-secret-0000", header, b'{"a":1}', now_s=1_010)
    assert not verify(SECRET, header, b'{"a":1}', now_s=2_000)
    assert not verify(SECRET, "garbage", b"", now_s=0)


async def test_replies_map_to_what_the_relay_does() -> None:
    clock = ManualClock(1_700_000_000 * NS_PER_SECOND)
    fake = FakeWebhookReceiver(SECRET, clock=clock)
    n = make(fake, clock)
    packet = n.pack([(1, note(1))])[0]
    for fault, error in (
        ("down", TemporaryError),
        ("rate_limited", RateLimited),
        ("gone", ChannelGone),
        ("bad", InvalidInput),
    ):
        fake.fail(fault)
        with pytest.raises(error):
            await n.deliver(packet)
    with pytest.raises(AuthError):  # the receiver does not accept our signature
        await make(fake, clock, secret="wrong-secret-000000").deliver(packet)
    assert fake.rejected == 1


def test_config_repr_hides_the_secret() -> None:
    assert SECRET not in repr(WebhookConfig(channel="x", url="http://h", secret=SECRET))
