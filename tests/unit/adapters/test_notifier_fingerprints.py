"""Each notifier's ``target_fingerprint``: stable per target, changes with it, a slow KDF of it."""

from __future__ import annotations

import hashlib
from typing import Literal

import httpx

from freeride.adapters.discord import DiscordConfig, DiscordNotifier
from freeride.adapters.webhook import WebhookConfig, WebhookNotifier
from freeride.core.clock import ManualClock
from freeride.core.notify import FINGERPRINT_SALT

URL = "https://discord.com/api/webhooks/123/tok-secret-part"
SECRET = "whsec-0123456789abcdef"


def _refuse(request: httpx.Request) -> httpx.Response:
    raise AssertionError(f"a fingerprint must not touch the network: {request.url}")


NO_NET = httpx.MockTransport(_refuse)


def discord(url: str, style: Literal["embeds", "text"] = "embeds") -> str:
    config = DiscordConfig(channel="d", url=url, style=style)
    return DiscordNotifier(config, transport=NO_NET).target_fingerprint


def webhook(url: str, secret: str) -> str:
    config = WebhookConfig(channel="w", url=url, secret=secret)
    return WebhookNotifier(config, ManualClock(), transport=NO_NET).target_fingerprint


def test_discord_fingerprint_follows_the_url_only() -> None:
    fp = discord(URL)

    assert fp == hashlib.scrypt(URL.encode(), salt=FINGERPRINT_SALT, n=2**14, r=8, p=1, dklen=32).hex()
    assert discord(URL) == fp  # the same after a restart
    assert discord(URL, style="text") == fp  # the look of messages is not the target
    assert discord(URL.replace("123", "456")) != fp


def test_webhook_fingerprint_follows_url_and_signing_secret() -> None:
    fp = webhook("https://example.com/hook", SECRET)

    assert webhook("https://example.com/hook", SECRET) == fp
    assert webhook("https://example.com/other", SECRET) != fp
    assert webhook("https://example.com/hook", SECRET + "-rotated") != fp  # a 401 fixed by a new secret
    joined = f"https://example.com/hook\0{SECRET}".encode()
    # memory-hard, not a fast hash: a short signing secret cannot be guessed at speed from the digest
    assert fp == hashlib.scrypt(joined, salt=FINGERPRINT_SALT, n=2**14, r=8, p=1, dklen=32).hex()
