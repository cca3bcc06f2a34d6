"""``freeride doctor --online`` for the Discord bot, against the fake Discord API."""

from __future__ import annotations

from pathlib import Path

import httpx
import pytest

from freeride.app.doctor_discord import probe_discord_bot
from freeride.config.settings import Settings
from freeride.core.clock import ManualClock
from freeride.testing.fakes.discord_api import FakeDiscordApi

KEY = "ab" * 32


@pytest.fixture(autouse=True)
def isolated(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    monkeypatch.chdir(tmp_path)
    monkeypatch.setenv("HOME", str(tmp_path / "home"))


def settings(tmp_path: Path, **discord: object) -> Settings:
    secrets = {"order": ["env"], "file": str(tmp_path / "secrets.json")}
    base = {"application_id": "1000", "public_key": KEY, "api_url": "http://discord.test/api/v10"}
    return Settings(_env_file=None, secrets=secrets, discord={**base, **discord})


async def probe(s: Settings, fake: FakeDiscordApi) -> tuple[bool, str, bool]:
    [row] = await probe_discord_bot(s, ManualClock(), 5.0, httpx.ASGITransport(fake.app))
    assert row.name == "online: discord bot"
    return row.ok, row.message, row.warning


@pytest.mark.parametrize(
    ("fake_app", "fake_key", "token", "ok", "says"),
    [
        ("1000", KEY, "bot-token", True, "bot token and public key match"),
        ("1000", KEY, "wrong", False, "bot token rejected"),
        ("2000", KEY, "bot-token", False, "application 2000's"),
        ("1000", "cd" * 32, "bot-token", False, "every interaction would be refused"),
    ],
)
async def test_the_token_opens_the_configured_application(
    tmp_path: Path, fake_app: str, fake_key: str, token: str, ok: bool, says: str
) -> None:
    fake = FakeDiscordApi(fake_app, "bot-token", verify_key=fake_key, clock=ManualClock())
    result = await probe(settings(tmp_path, bot_token=token), fake)
    assert result[0] is ok
    assert says in result[1]
    assert fake.to("channel") == []  # nothing posted


async def test_no_token_warns_and_no_bot_adds_no_row(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("FREERIDE_SECRET_DISCORD_BOT_TOKEN", raising=False)
    fake = FakeDiscordApi(verify_key=KEY, clock=ManualClock())
    ok, message, warning = await probe(settings(tmp_path), fake)
    assert ok
    assert warning
    assert "no bot token" in message
    bare = Settings(_env_file=None, secrets={"order": ["env"], "file": str(tmp_path / "s.json")})
    assert await probe_discord_bot(bare, ManualClock(), 5.0) == []
