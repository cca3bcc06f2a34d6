"""Every ``Notifier``, against its fake receiver."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

import httpx

from freeride.adapters.discord import DiscordConfig, DiscordNotifier
from freeride.adapters.webhook import WebhookConfig, WebhookNotifier
from freeride.core.clock import NS_PER_SECOND, ManualClock
from freeride.ports.notify import Notifier
from freeride.testing.fakes.discord import FakeDiscord
from freeride.testing.fakes.webhook_receiver import FakeWebhookReceiver

T0 = 1_700_000_000 * NS_PER_SECOND
SECRET = "whsec-0123456789abcdef"


@dataclass
class NotifierSubject:
    name: str
    notifier: Notifier
    texts: Callable[[], list[str]]  # what the receiver got, in order
    fail: Callable[[str], None]  # the receiver's next answer: "down", "rate_limited", "bad"
    gone: Callable[[], None]  # the target is deleted for good
    impostor: Callable[[], Notifier]  # the same target with wrong credentials
    elsewhere: Callable[[], Notifier]  # another target of the same kind
    secrets: tuple[str, ...]  # what must never show in a fingerprint


def discord(clock: ManualClock) -> NotifierSubject:
    fake = FakeDiscord(clock=clock)

    def make(url: str) -> Notifier:
        config = DiscordConfig(channel="alerts", url=url)
        return DiscordNotifier(config, transport=httpx.ASGITransport(fake.app))

    def texts() -> list[str]:
        found: list[str] = []
        for message in fake.received:
            body = message.body
            found += [e.get("description", "") for e in body.get("embeds") or []]
            if body.get("content"):
                found.append(body["content"])
        return found

    url = fake.url()
    token = url.rsplit("/", 1)[1]
    fake.webhooks["456"] = "another-token"
    return NotifierSubject(
        "discord",
        make(url),
        texts,
        fake.fail,
        fake.delete,
        lambda: make(url.replace(token, "not-the-token")),
        lambda: make(fake.url("456")),
        (url, token),
    )


def webhook(clock: ManualClock) -> NotifierSubject:
    fake = FakeWebhookReceiver(SECRET, clock=clock)
    url = "http://receiver.test/hooks/freeride"

    def make(target: str, secret: str = SECRET) -> Notifier:
        config = WebhookConfig(channel="alerts", url=target, secret=secret)
        return WebhookNotifier(config, clock, transport=httpx.ASGITransport(fake.app))

    return NotifierSubject(
        "webhook",
        make(url),
        lambda: [str(n["text"]) for n in fake.notifications],
        fake.fail,
        lambda: fake.always("gone"),
        lambda: make(url, "wrong-secret-000000"),
        lambda: make("http://receiver.test/hooks/other"),
        (url, SECRET),
    )


FACTORIES: dict[str, Callable[[ManualClock], NotifierSubject]] = {"discord": discord, "webhook": webhook}
