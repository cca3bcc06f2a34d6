"""Robinhood's login against the fake: every challenge branch, MFA, and the ways it fails."""

from __future__ import annotations

import asyncio

import pytest
from robinhood_setup import DEVICE, T0, Code, auth

from freeride.adapters.robinhood import Headless
from freeride.adapters.robinhood.totp import totp
from freeride.core.clock import ManualClock
from freeride.core.errors import AuthError, RateLimited, TemporaryError
from freeride.testing.fakes.robinhood import FakeRobinhood
from freeride.testing.fakes.waiting import until

TOTP_SECRET = "JBSWY3DPEHPK3PXP"


async def test_plain_login_returns_tokens_that_expire() -> None:
    clock = ManualClock(T0)
    fake = FakeRobinhood(clock=clock)
    tokens = await auth(fake, clock).login(fake.username, fake.password, DEVICE, Headless())
    assert tokens.access_token in fake.access
    assert tokens.refresh_token in fake.refresh_tokens
    assert tokens.expires_at_ns == T0 + 86_400 * 1_000_000_000
    assert tokens.device_token == DEVICE
    assert "access_token=***" in repr(tokens)
    assert tokens.access_token not in repr(tokens)


async def test_bad_credentials_are_an_auth_error_with_robinhoods_words() -> None:
    clock = ManualClock(T0)
    fake = FakeRobinhood(clock=clock)
    with pytest.raises(AuthError, match="Unable to log in with provided credentials"):
        await auth(fake, clock).login(fake.username, "wrong", DEVICE, Headless())


@pytest.mark.parametrize("channel", ["sms", "email"])
async def test_code_challenge_then_the_device_is_trusted(channel: str) -> None:
    clock = ManualClock(T0)
    fake = FakeRobinhood(challenge=channel, clock=clock)
    person = Code(fake, wrong_first=True)
    client = auth(fake, clock)
    tokens = await client.login(fake.username, fake.password, DEVICE, person)
    assert tokens.access_token in fake.access
    assert person.asked == [channel, channel]  # a wrong code is asked again
    assert client.challenges == [channel]
    assert DEVICE in fake.approved_devices
    again = auth(fake, clock)  # the next login from this device meets no challenge
    await again.login(fake.username, fake.password, DEVICE, Headless())
    assert again.challenges == []


async def test_app_prompt_is_polled_on_the_clock_until_approved() -> None:
    clock = ManualClock(T0)
    fake = FakeRobinhood(challenge="prompt", clock=clock)
    fake.prompt_polls = 3
    person = Code(fake)
    login = asyncio.create_task(auth(fake, clock).login(fake.username, fake.password, DEVICE, person))
    for _ in range(2):  # two polls say "issued", each followed by a 5 s wait
        await until(lambda: clock.sleepers == 1)
        clock.advance(5)
    tokens = await login
    assert person.prompts == 1
    assert fake.calls["prompt_status"] == 3
    assert tokens.access_token in fake.access


async def test_prompt_never_approved_gives_up_after_two_minutes() -> None:
    clock = ManualClock(T0)
    fake = FakeRobinhood(challenge="prompt", clock=clock)
    fake.prompt_polls = 10_000
    login = asyncio.create_task(auth(fake, clock).login(fake.username, fake.password, DEVICE, Code(fake)))
    while not login.done():
        await until(lambda: clock.sleepers == 1 or login.done())
        clock.advance(5)
    with pytest.raises(AuthError, match="gave up waiting for the approval"):
        await login


async def test_a_headless_engine_cannot_pass_a_challenge() -> None:
    clock = ManualClock(T0)
    fake = FakeRobinhood(challenge="sms", clock=clock)
    with pytest.raises(AuthError, match="freeride broker login robinhood"):
        await auth(fake, clock).login(fake.username, fake.password, DEVICE, Headless())


async def test_mfa_with_a_totp_code_from_the_stored_secret() -> None:
    clock = ManualClock(T0)
    fake = FakeRobinhood(mfa_secret=TOTP_SECRET, clock=clock)
    client = auth(fake, clock)
    tokens = await client.login(fake.username, fake.password, DEVICE, Headless(), totp_secret=TOTP_SECRET)
    assert client.challenges == ["mfa"]
    assert tokens.access_token in fake.access
    with pytest.raises(AuthError, match="no robinhood_totp_secret"):
        await auth(fake, clock).login(fake.username, fake.password, DEVICE, Headless())
    wrong = "GEZDGNBVGY3TQOJQ"
    assert totp(wrong, T0 / 1e9) != totp(TOTP_SECRET, T0 / 1e9)
    with pytest.raises(AuthError, match="valid code"):
        await auth(fake, clock).login(fake.username, fake.password, DEVICE, Headless(), totp_secret=wrong)


async def test_refresh_rotates_and_a_spent_refresh_token_is_refused() -> None:
    clock = ManualClock(T0)
    fake = FakeRobinhood(clock=clock)
    client = auth(fake, clock)
    first = await client.login(fake.username, fake.password, DEVICE, Headless())
    second = await client.refresh(first)
    assert second.refresh_token != first.refresh_token
    assert second.access_token != first.access_token
    with pytest.raises(AuthError, match="invalid_grant"):
        await client.refresh(first)  # single use
    assert (await client.refresh(second)).access_token in fake.access


async def test_throttling_and_outages_are_not_auth_failures() -> None:
    clock = ManualClock(T0)
    fake = FakeRobinhood(clock=clock)
    fake.fail("rate_limited")
    with pytest.raises(RateLimited) as limited:
        await auth(fake, clock).login(fake.username, fake.password, DEVICE, Headless())
    assert limited.value.retry_after == 5.0
    fake.fail("down")
    with pytest.raises(TemporaryError):
        await auth(fake, clock).login(fake.username, fake.password, DEVICE, Headless())
