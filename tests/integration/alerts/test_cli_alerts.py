"""``freeride alerts …`` and ``freeride api token …`` on a temp database."""

from __future__ import annotations

import json
from pathlib import Path

import httpx
import pytest
import typer
from typer.testing import CliRunner

from freeride.app.alerts import send_test
from freeride.cli.alerts import register as register_alerts
from freeride.cli.api_tokens import register as register_tokens
from freeride.config.settings import load_settings
from freeride.core.clock import ManualClock
from freeride.core.errors import InvalidInput
from freeride.testing.fakes.discord import FakeDiscord

runner = CliRunner()


@pytest.fixture
def cli(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> typer.Typer:
    monkeypatch.chdir(tmp_path)
    monkeypatch.setenv("FREERIDE_DATABASE_URL", f"sqlite+aiosqlite:///{tmp_path / 'cli.db'}")
    monkeypatch.setenv("FREERIDE_SECRETS__ORDER", "env")
    app = typer.Typer()
    register_alerts(app)
    register_tokens(app)
    return app


def test_add_list_rm(cli: typer.Typer) -> None:
    added = runner.invoke(cli, ["alerts", "add", "AAPL", "above", "200", "--tag", "swing"])
    assert added.exit_code == 0, added.output
    assert "AAPL above 200" in added.output
    fx = runner.invoke(cli, ["alerts", "add", "eur/usd", "crosses", "1.1", "--repeat", "--cooldown", "15m"])
    assert fx.exit_code == 0, fx.output
    listed = runner.invoke(cli, ["alerts", "list", "--json"])
    rows = [json.loads(line) for line in listed.stdout.splitlines()]
    assert [(r["rule"]["symbol"], r["rule"]["kind"]) for r in rows] == [
        ("AAPL", "above"),
        ("EUR/USD", "crosses"),
    ]
    assert rows[1]["rule"]["cooldown_s"] == 900
    removed = runner.invoke(cli, ["alerts", "rm", "--tag", "swing"])
    assert "removed 1" in removed.output
    gone = runner.invoke(cli, ["alerts", "rm", rows[0]["rule"]["id"]])
    assert gone.exit_code == 1
    assert "no alert with id" in gone.output


def test_unknown_symbols_and_channels_are_refused(cli: typer.Typer, monkeypatch: pytest.MonkeyPatch) -> None:
    none = runner.invoke(cli, ["alerts", "add", "AAPL", "above", "200", "--notify", "discord"])
    assert none.exit_code == 2
    assert "channel 'discord' is not configured, and no channel is" in none.output
    assert "[notify] in freeride.toml" in none.output
    monkeypatch.setenv(
        "FREERIDE_NOTIFY__DISCORD", json.dumps({"alerts": "https://discord.test/api/webhooks/1/t"})
    )
    telegram = runner.invoke(cli, ["alerts", "add", "AAPL", "above", "200", "--notify", "telegram"])
    assert telegram.exit_code == 2
    assert "channel 'telegram' is not configured; use one of alerts" in telegram.output
    for typed, meant in (("AAPLL", "AAPL"), ("EURUSD", "EUR/USD"), ("eur_usd", "EUR/USD")):
        refused = runner.invoke(cli, ["alerts", "add", typed, "above", "1"])
        assert refused.exit_code == 2, refused.output
        assert f"did you mean {meant}" in refused.output
    ok = runner.invoke(cli, ["alerts", "add", "EUR/USD", "above", "1.2", "--notify", "alerts"])
    assert ok.exit_code == 0, ok.output
    listed = runner.invoke(cli, ["alerts", "list", "--json"])
    assert [json.loads(line)["rule"]["symbol"] for line in listed.stdout.splitlines()] == ["EUR/USD"]


def test_bad_rules_are_refused_naming_the_option(cli: typer.Typer) -> None:
    cases = [
        (["AAPL", "sideways", "1"], "kind 'sideways' is unknown"),
        (["AAPL", "above"], "threshold: a above alert needs a threshold"),
        (["TSLA", "move_up", "3"], "window_s: a percent move needs a window"),
        (["TSLA", "move_up", "3", "--window", "soon"], "--window: 'soon' is not a duration"),
        (["AAPL", "above", "1", "--quiet", "22:00"], "--quiet"),
        (["A B", "above", "1"], "neither a stock ticker"),
    ]
    for args, message in cases:
        result = runner.invoke(cli, ["alerts", "add", *args])
        assert result.exit_code == 2, args
        assert message in result.output, (args, result.output)
    assert runner.invoke(cli, ["alerts", "list", "--json"]).stdout == ""


def test_tokens_create_list_revoke(cli: typer.Typer) -> None:
    created = runner.invoke(cli, ["api", "token", "create", "--name", "dashboard", "--scope", "trade"])
    assert created.exit_code == 0, created.output
    token = created.stdout.strip().splitlines()[-1]
    assert token.startswith("fr_")
    assert len(token) > 40
    listed = runner.invoke(cli, ["api", "token", "list"])
    assert "dashboard" in listed.output
    assert token not in listed.output
    assert runner.invoke(cli, ["api", "token", "revoke", "dashboard"]).exit_code == 0
    assert runner.invoke(cli, ["api", "token", "revoke", "dashboard"]).exit_code == 1
    bad = runner.invoke(cli, ["api", "token", "create", "--name", "x", "--scope", "root"])
    assert bad.exit_code == 2


async def test_send_test_reaches_the_channel_or_names_the_known_ones() -> None:
    fake = FakeDiscord(clock=ManualClock())
    settings = load_settings(notify={"discord": {"alerts": fake.url()}}, _env_file=None)
    said = await send_test(settings, ManualClock(), "alerts", {"alerts": httpx.ASGITransport(fake.app)})
    assert said == "test notification delivered to 'alerts'"
    assert fake.received[0].body["embeds"][0]["title"] == "freeride test"
    with pytest.raises(InvalidInput, match="channels: alerts"):
        await send_test(settings, ManualClock(), "nope")
