"""The ``Notifier`` contract: Discord and signed webhooks answer the outbox relay the same way.

What the relay relies on: ``pack`` accounts for every outbox id exactly once, in order, in as few
messages as the receiver allows; every text reaches the receiver; a receiver that is down is a
``TemporaryError``, one that asks to wait is ``RateLimited`` with the wait, a message refused for
good is ``InvalidInput``, a deleted target is ``ChannelGone``, wrong credentials an ``AuthError``;
the target's fingerprint is stable, differs between targets and never contains the URL or secret.
"""

from __future__ import annotations

from collections.abc import AsyncIterator

import pytest
from notifier_subjects import FACTORIES, T0, NotifierSubject

from freeride.core.clock import ManualClock
from freeride.core.errors import AuthError, InvalidInput, RateLimited, TemporaryError
from freeride.core.notify import ChannelGone, Notification


@pytest.fixture(params=list(FACTORIES))
async def subject(request: pytest.FixtureRequest) -> AsyncIterator[NotifierSubject]:
    made = FACTORIES[request.param](ManualClock(T0))
    yield made
    await made.notifier.aclose()


def notes(n: int) -> list[tuple[int, Notification]]:
    return [
        (
            100 + i,
            Notification(
                channel="alerts", title=f"AAPL {i}", text=f"alert-{i:03d} fired", ts_event=T0, ts_init=T0
            ),
        )
        for i in range(n)
    ]


@pytest.mark.parametrize("n", [1, 3, 60])
async def test_pack_carries_every_id_once_in_order(subject: NotifierSubject, n: int) -> None:
    items = notes(n)
    packets = subject.notifier.pack(items)
    assert [i for p in packets for i in p.ids] == [i for i, _ in items]
    assert all(p.ids for p in packets)
    assert len(packets) < max(2, n)  # coalesced: a burst is never one message per notification


async def test_every_text_reaches_the_receiver(subject: NotifierSubject) -> None:
    items = notes(12)
    for packet in subject.notifier.pack(items):
        delivered = await subject.notifier.deliver(packet)
        assert delivered.pause_s >= 0
    received = "\n".join(subject.texts())
    assert all(n.text in received for _, n in items)


@pytest.mark.parametrize(
    ("fault", "error"),
    [("down", TemporaryError), ("rate_limited", RateLimited), ("bad", InvalidInput)],
)
async def test_a_receivers_refusal_says_what_the_relay_should_do(
    subject: NotifierSubject, fault: str, error: type[Exception]
) -> None:
    (packet,) = subject.notifier.pack(notes(1))
    subject.fail(fault)
    with pytest.raises(error) as caught:
        await subject.notifier.deliver(packet)
    if isinstance(caught.value, RateLimited):
        assert caught.value.retry_after is not None
        assert caught.value.retry_after > 0
    await subject.notifier.deliver(packet)  # the fault was one answer: the next goes through
    assert "alert-000 fired" in "\n".join(subject.texts())


async def test_a_deleted_target_is_gone_and_wrong_credentials_are_an_auth_error(
    subject: NotifierSubject,
) -> None:
    (packet,) = subject.notifier.pack(notes(1))
    impostor = subject.impostor()
    with pytest.raises(AuthError):
        await impostor.deliver(packet)
    await impostor.aclose()
    subject.gone()
    with pytest.raises(ChannelGone):
        await subject.notifier.deliver(packet)
    assert subject.texts() == []


async def test_the_fingerprint_is_stable_distinct_and_keeps_no_secret(subject: NotifierSubject) -> None:
    first = subject.notifier.target_fingerprint
    assert first == subject.notifier.target_fingerprint
    other = subject.elsewhere()
    assert other.target_fingerprint != first
    await other.aclose()
    assert all(secret not in first for secret in subject.secrets)
