"""``freeride bot sync-commands``: the command table as Discord stores it, global or per server."""

from __future__ import annotations

import httpx
import pytest

from freeride.api.discord.sync import sync_commands
from freeride.config.settings import load_settings
from freeride.core.clock import ManualClock
from freeride.core.errors import AuthError, InvalidInput
from freeride.testing.fakes.discord_api import FakeDiscordApi

KEY = "a" * 64


def settings(**discord: object) -> object:
    return load_settings(_env_file=None, discord={"application_id": "1000", "public_key": KEY, **discord})


async def test_registers_every_built_command_with_sub_commands_grouped() -> None:
    fake = FakeDiscordApi("1000", "bot-token", clock=ManualClock())
    s = settings(bot_token="bot-token", api_url=fake.url())
    stored = await sync_commands(s, ManualClock(), transport=httpx.ASGITransport(fake.app))  # type: ignore[arg-type]
    names = [c["name"] for c in stored]
    assert names == [c["name"] for c in fake.commands["global"]]
    built = {"quote", "chart", "alerts", "kill", "resume", "flatten", "backtest", "subscribe", "news", "plan"}
    assert built <= set(names)
    assert not {"leads", "devlog", "ask"} & set(names)  # not built: not registered
    alerts = next(c for c in stored if c["name"] == "alerts")
    assert [o["name"] for o in alerts["options"]] == ["add", "list", "remove"]
    assert all(o["type"] == 1 for o in alerts["options"])
    quote = next(c for c in stored if c["name"] == "quote")
    assert quote["options"][0]["autocomplete"] is True
    assert all(c["id"] and c["application_id"] == "1000" for c in stored)
    for command in stored:  # Discord's rules: required options first, names 1-32, descriptions 1-100
        flags = [o.get("required", False) for o in command["options"] if o["type"] != 1]
        assert flags == sorted(flags, reverse=True), command["name"]
        assert 1 <= len(command["description"]) <= 100


async def test_guild_registration_and_research_off() -> None:
    fake = FakeDiscordApi("1000", "bot-token", clock=ManualClock())
    s = load_settings(
        _env_file=None,
        research={"enabled": False},
        discord={
            "application_id": "1000",
            "public_key": KEY,
            "bot_token": "bot-token",
            "api_url": fake.url(),
        },
    )
    stored = await sync_commands(
        s, ManualClock(), "290926798626357999", transport=httpx.ASGITransport(fake.app)
    )
    assert "global" not in fake.commands
    assert [c["name"] for c in fake.commands["290926798626357999"]] == [c["name"] for c in stored]
    assert not {"news", "plan"} & {c["name"] for c in stored}


async def test_refusals_name_the_problem() -> None:
    fake = FakeDiscordApi("1000", "bot-token", clock=ManualClock())
    transport = httpx.ASGITransport(fake.app)
    with pytest.raises(AuthError, match="401"):
        await sync_commands(
            settings(bot_token="wrong", api_url=fake.url()), ManualClock(), transport=transport
        )  # type: ignore[arg-type]
    with pytest.raises(InvalidInput, match="not a Discord server id"):
        await sync_commands(settings(bot_token="bot-token"), ManualClock(), "abc", transport=transport)  # type: ignore[arg-type]
    with pytest.raises(InvalidInput, match="application_id"):
        await sync_commands(load_settings(_env_file=None), ManualClock(), transport=transport)
