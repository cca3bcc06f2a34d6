"""``freeride watch add|rm|list`` on a temp database, with a configured list beside the stored ones."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
import typer
from typer.testing import CliRunner

from freeride.cli.watch import register

runner = CliRunner()


@pytest.fixture
def cli(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> typer.Typer:
    monkeypatch.chdir(tmp_path)
    monkeypatch.setenv("FREERIDE_DATABASE_URL", f"sqlite+aiosqlite:///{tmp_path / 'cli.db'}")
    monkeypatch.setenv("FREERIDE_SECRETS__ORDER", "env")
    monkeypatch.setenv("FREERIDE_WATCHLISTS", json.dumps({"fx": ["EUR/USD"]}))
    app = typer.Typer()
    register(app)
    return app


def test_add_list_rm(cli: typer.Typer) -> None:
    added = runner.invoke(cli, ["watch", "add", "nvda", "AMD"])
    assert added.exit_code == 0, added.output
    assert "added default: NVDA" in added.output
    assert "added default: AMD" in added.output
    assert "already on default: NVDA" in runner.invoke(cli, ["watch", "add", "NVDA"]).output
    fx = runner.invoke(cli, ["watch", "add", "gbp/usd", "--list", "fx"])
    assert fx.exit_code == 0, fx.output
    listed = runner.invoke(cli, ["watch", "list", "--json"])
    lists = {w["name"]: w for w in map(json.loads, listed.stdout.splitlines())}
    assert [(e["symbol"], e["source"]) for e in lists["fx"]["entries"]] == [
        ("EUR/USD", "settings"),
        ("GBP/USD", "stored"),
    ]
    assert [e["symbol"] for e in lists["default"]["entries"]] == ["NVDA", "AMD"]
    table = runner.invoke(cli, ["watch", "list", "--list", "fx"])
    assert "GBP/USD" in table.output
    assert "NVDA" not in table.output
    removed = runner.invoke(cli, ["watch", "rm", "NVDA"])
    assert (removed.exit_code, "removed default: NVDA" in removed.output) == (0, True)
    missing = runner.invoke(cli, ["watch", "rm", "NVDA"])
    assert missing.exit_code == 1
    assert "has no symbol NVDA" in missing.output
    configured = runner.invoke(cli, ["watch", "rm", "EUR/USD", "--list", "fx"])
    assert configured.exit_code == 2
    assert "freeride.toml" in configured.output


def test_unknown_symbols_are_refused_with_suggestions(cli: typer.Typer) -> None:
    for typed, meant in (("EURUSD", "EUR/USD"), ("AAPLL", "AAPL")):
        refused = runner.invoke(cli, ["watch", "add", typed])
        assert refused.exit_code == 2, refused.output
        assert f"did you mean {meant}" in refused.output
    bad_name = runner.invoke(cli, ["watch", "add", "AAPL", "--list", "my list"])
    assert bad_name.exit_code == 2
    assert "watchlist name" in bad_name.output
    listed = runner.invoke(cli, ["watch", "list", "--json"])
    assert [json.loads(line)["name"] for line in listed.stdout.splitlines()] == ["fx"]
