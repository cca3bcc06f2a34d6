"""``freeride quote``, ``history`` and ``providers`` with no keys: the simulator answers, and says so."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
import typer
from typer.testing import CliRunner

from freeride.adapters.replay.parquet import read_parquet
from freeride.adapters.replay.parse import read_csv
from freeride.cli.market import register


@pytest.fixture
def app(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> typer.Typer:
    monkeypatch.chdir(tmp_path)
    monkeypatch.setenv("FREERIDE_SECRETS__ORDER", "env")
    made = typer.Typer()
    register(made)
    return made


def test_quote_table_names_the_simulator(app: typer.Typer) -> None:
    result = CliRunner().invoke(app, ["quote", "AAPL", "EUR/USD"])
    assert result.exit_code == 0, result.output
    assert "prices come from the simulator" in result.output
    assert "AAPL" in result.output
    assert "EUR/USD" in result.output
    assert "simulator" in result.output


def test_quote_json_and_a_bad_symbol(app: typer.Typer) -> None:
    result = CliRunner().invoke(app, ["quote", "GOOG", "--json"])
    assert result.exit_code == 0, result.output
    line = next(x for x in result.output.splitlines() if x.startswith("{"))
    data = json.loads(line)
    assert (data["symbol"], data["provider"], data["simulated"]) == ("GOOG", "simulator", True)
    bad = CliRunner().invoke(app, ["quote", "NOT A SYMBOL"])
    assert bad.exit_code == 1
    assert "neither a stock ticker" in bad.output


@pytest.mark.parametrize("suffix", [".csv", ".parquet"])
def test_history_saves_a_file_the_replay_reads(app: typer.Typer, tmp_path: Path, suffix: str) -> None:
    out = tmp_path / f"goog{suffix}"
    args = [
        "history",
        "GOOG",
        "--interval",
        "1d",
        "--start",
        "2024-01-02",
        "--end",
        "2024-01-31",
        "--out",
        str(out),
    ]
    result = CliRunner().invoke(app, args)
    assert result.exit_code == 0, result.output
    assert "22 1d bars of GOOG from simulator (simulated)" in result.output
    reader = read_csv if suffix == ".csv" else read_parquet
    series = reader(out, "GOOG", "1d", None)
    assert len(series) == 22


def test_providers_table(app: typer.Typer) -> None:
    result = CliRunner().invoke(app, ["providers"])
    assert result.exit_code == 0, result.output
    for name in ("alphavantage", "finnhub", "massive", "yahoo", "simulator", "closed"):
        assert name in result.output
