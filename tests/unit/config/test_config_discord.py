"""``discord.*`` settings: ids, the public key, scopes and topics checked, each problem named."""

from __future__ import annotations

import pytest

from freeride.config.settings import InvalidSettings, load_settings

KEY = "ab" * 32


def problem(**discord: object) -> str:
    with pytest.raises(InvalidSettings) as caught:
        load_settings(_env_file=None, discord=discord)
    [line] = caught.value.lines
    return line


def test_a_configured_bot() -> None:
    s = load_settings(
        _env_file=None,
        discord={
            "application_id": "1000",
            "public_key": KEY.upper(),
            "users": {"53908232506183680": "admin"},
            "roles": {"539082325061836999": "trade"},
            "subscriptions": {"645027906669510667": ["fills", "alerts"]},
        },
    )
    assert s.discord.enabled
    assert s.discord.public_key == KEY
    assert not load_settings(_env_file=None).discord.enabled


@pytest.mark.parametrize(
    ("discord", "expected"),
    [
        (
            {"application_id": "1000"},
            "discord.public_key / FREERIDE_DISCORD__PUBLIC_KEY: public_key is not set",
        ),
        ({"public_key": KEY}, "application_id is not set"),
        ({"application_id": "abc", "public_key": KEY}, "is not a Discord application id"),
        ({"application_id": "1000", "public_key": "xyz"}, "not 64 hexadecimal characters"),
        (
            {"application_id": "1000", "public_key": KEY, "users": {"me": "admin"}},
            "user id 'me' is not a Discord id",
        ),
        ({"application_id": "1000", "public_key": KEY, "users": {"1": "god"}}, "discord.users.1"),
        (
            {"application_id": "1000", "public_key": KEY, "subscriptions": {"1": ["gossip"]}},
            "discord.subscriptions.1",
        ),
        ({"application_id": "1000", "public_key": KEY, "inline_budget_s": 3}, "Discord waits 3 s"),
        ({"application_id": "1000", "public_key": KEY, "api_url": "discord.com"}, "not an http(s):// URL"),
    ],
)
def test_problems_are_named(discord: dict[str, object], expected: str) -> None:
    assert expected in problem(**discord)
