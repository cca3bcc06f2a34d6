"""``freeride notify status|enable`` over a database in which a relay disabled a deleted Discord webhook."""

from __future__ import annotations

import asyncio
import json
from pathlib import Path

import httpx
import pytest
import typer
from typer.testing import CliRunner

from freeride.adapters.discord import DiscordConfig, DiscordNotifier
from freeride.bus.memory import InMemoryBus
from freeride.core.clock import NS_PER_SECOND, ManualClock
from freeride.core.notify import Notification
from freeride.notify.relay import OutboxRelay
from freeride.storage.engine import create_engine
from freeride.storage.migrate import upgrade_engine
from freeride.storage.repositories import ChannelStateRepository, OutboxRepository
from freeride.testing.fakes.discord import FakeDiscord
from freeride.testing.fakes.waiting import until

runner = CliRunner()
T0 = 1_700_000_000 * NS_PER_SECOND  # 2023-11-14 22:13:20 UTC
HOOK = "http://discord.test/api/webhooks/123/tok-old"
OPS = {"ops": {"url": "https://example.com/hooks/freeride", "secret": "whsec-0123456789abcdef"}}


async def _disable_discord(db_url: str) -> None:
    """What a run of the engine leaves behind: the webhook was deleted, two items pending, one dead."""
    engine = create_engine(db_url)
    await upgrade_engine(engine)
    clock = ManualClock(T0)
    fake = FakeDiscord({"123": "tok-old"}, clock=clock)
    fake.delete("123")
    outbox = OutboxRepository(engine)
    notifier = DiscordNotifier(
        DiscordConfig(channel="discord", url=HOOK), transport=httpx.ASGITransport(fake.app)
    )
    relay = OutboxRelay(
        outbox, {"discord": notifier}, InMemoryBus(clock), clock, states=ChannelStateRepository(engine)
    )
    notes = [
        Notification(channel="discord", title=f"N{i}", text="", ts_event=T0, ts_init=T0) for i in range(3)
    ]
    ids = await outbox.enqueue(notes)
    await outbox.mark_dead(ids[:1], "refused")
    await relay.start()
    await until(lambda: "discord" in relay.disabled)
    await relay.stop()
    assert fake.replies == [404]
    await engine.dispose()


@pytest.fixture
def db_url(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> str:
    url = f"sqlite+aiosqlite:///{tmp_path / 'cli.db'}"
    monkeypatch.chdir(tmp_path)
    monkeypatch.setenv("FREERIDE_DATABASE_URL", url)
    monkeypatch.setenv("FREERIDE_SECRETS__ORDER", "env")
    monkeypatch.setenv("FREERIDE_NOTIFY__DISCORD", json.dumps({"discord": HOOK}))
    monkeypatch.setenv("FREERIDE_NOTIFY__WEBHOOKS", json.dumps(OPS))
    asyncio.run(_disable_discord(url))
    return url


@pytest.fixture
def cli() -> typer.Typer:
    from freeride.cli.notify import register

    app = typer.Typer()
    register(app)
    return app


def _status(cli: typer.Typer) -> dict[str, dict[str, object]]:
    result = runner.invoke(cli, ["notify", "status", "--json"])
    assert result.exit_code == 0, result.output
    return {row["channel"]: row for row in map(json.loads, result.stdout.splitlines())}


def test_status_shows_the_disabled_channel_why_since_when_and_its_items(
    cli: typer.Typer, db_url: str
) -> None:
    result = runner.invoke(cli, ["notify", "status"])

    assert result.exit_code == 0, result.output
    discord_line = next(line for line in result.stdout.splitlines() if "│ discord " in line)
    assert "disabled" in discord_line
    assert "10015" in result.stdout
    assert "2023-11-14 22:13:20" in discord_line
    assert "target changed" not in result.stdout  # same URL: stays disabled on the next start
    ops_line = next(line for line in result.stdout.splitlines() if "│ ops " in line)
    assert "enabled" in ops_line
    assert "webhook" in ops_line
    assert "tok-old" not in result.stdout
    rows = _status(cli)
    assert rows["discord"] == {
        "channel": "discord",
        "kind": "discord",
        "enabled": False,
        "reason": rows["discord"]["reason"],
        "disabled_at": T0,
        "target_changed": False,
        "pending": 2,
        "dead": 1,
    }
    assert "Unknown Webhook" in str(rows["discord"]["reason"])
    assert rows["ops"]["enabled"] is True
    assert rows["ops"]["pending"] == 0


def test_status_says_when_a_new_url_will_re_enable_the_channel(
    cli: typer.Typer, db_url: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("FREERIDE_NOTIFY__DISCORD", json.dumps({"discord": HOOK.replace("123", "456")}))

    assert _status(cli)["discord"]["target_changed"] is True
    result = runner.invoke(cli, ["notify", "status"])
    assert "target changed: re-enabled at the next start" in result.stdout.replace("\n", " ")


def test_enable_clears_the_disabled_state(cli: typer.Typer, db_url: str) -> None:
    result = runner.invoke(cli, ["notify", "enable", "discord"])

    assert result.exit_code == 0, result.output
    assert "channel 'discord' enabled" in result.stdout
    assert "10015" in result.stdout
    assert _status(cli)["discord"]["enabled"] is True
    assert _status(cli)["discord"]["pending"] == 2  # still waiting: delivered by the relay, not here

    again = runner.invoke(cli, ["notify", "enable", "discord"])
    assert again.exit_code == 0, again.output
    assert "is not disabled" in again.stdout


def test_enable_names_the_channels_when_the_name_is_unknown(cli: typer.Typer, db_url: str) -> None:
    result = runner.invoke(cli, ["notify", "enable", "slack"])

    assert result.exit_code == 1
    assert "no disabled channel named 'slack'" in result.output
    assert "discord, ops" in result.output
    assert _status(cli)["discord"]["enabled"] is False
