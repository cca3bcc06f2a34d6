"""``freeride backtest`` / ``sweep`` / ``walkforward`` / ``runs`` end to end on the shipped data."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from importlib import resources
from pathlib import Path

import pytest
import typer
from typer.testing import CliRunner

from freeride.cli.backtest import register

GOOG = str(resources.files("freeride.data").joinpath("GOOG_daily.csv"))
EURUSD = str(resources.files("freeride.data").joinpath("EURUSD_hourly.csv"))


def line(data: str, symbol: str, size: int, allow_short: str = "true") -> list[str]:
    """The issue's command line, word for word."""
    return (
        f"backtest sma_cross --data {data} --symbol {symbol} --param fast=10 --param slow=30 "
        f"--param size={size} --param allow_short={allow_short} "
        "--cash 100000 --commission 0.001 --fill close --json"
    ).split()


@pytest.fixture
def cli(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> CliRunner:
    for key in [k for k in os.environ if k.startswith("FREERIDE_")]:
        monkeypatch.delenv(key)
    monkeypatch.chdir(tmp_path)
    monkeypatch.setenv("FREERIDE_DATABASE_URL", f"sqlite+aiosqlite:///{tmp_path}/runs.db")
    return CliRunner()


def app() -> typer.Typer:
    fresh = typer.Typer()
    register(fresh)
    return fresh


def run(cli: CliRunner, args: list[str]) -> dict[str, object]:
    result = cli.invoke(app(), args)
    assert result.exit_code == 0, result.output
    out: dict[str, object] = json.loads(result.stdout)
    return out


@pytest.mark.parametrize("engine", ["event", "vector"])
@pytest.mark.parametrize(
    ("data", "symbol", "size", "short", "trades", "equity"),
    [
        (GOOG, "GOOG", 50, "true", 66, 147_449.53),
        (EURUSD, "EUR/USD", 10_000, "true", 167, 95_980.23),
        (GOOG, "GOOG", 50, "false", 33, 139_399.25),
    ],
)
def test_the_issue_line_reproduces_the_reference(
    cli: CliRunner, engine: str, data: str, symbol: str, size: int, short: str, trades: int, equity: float
) -> None:
    out = run(cli, [*line(data, symbol, size, short), "--engine", engine, "--no-store"])
    assert out["trades"] == trades
    assert out["final_equity"] == equity
    for metric in (
        "sharpe",
        "sortino",
        "calmar",
        "max_drawdown_pct",
        "win_rate_pct",
        "profit_factor",
        "exposure_pct",
    ):
        assert metric in out


def test_the_installed_command(tmp_path: Path) -> None:
    exe = shutil.which("freeride") or str(Path(sys.executable).with_name("freeride"))
    env = {k: v for k, v in os.environ.items() if not k.startswith("FREERIDE_")}
    env["FREERIDE_DATABASE_URL"] = f"sqlite+aiosqlite:///{tmp_path}/runs.db"
    done = subprocess.run(
        [exe, *line(GOOG, "GOOG", 50)], capture_output=True, text=True, env=env, timeout=120, check=False
    )
    assert done.returncode == 0, done.stderr
    out = json.loads(done.stdout)
    assert (out["trades"], out["final_equity"]) == (66, 147_449.53)


def test_runs_are_stored_listed_and_reported(cli: CliRunner, tmp_path: Path) -> None:
    first = run(cli, [*line(GOOG, "GOOG", 50), "--report", str(tmp_path / "rep")])
    again = run(cli, line(GOOG, "GOOG", 50))
    assert first["run_id"] == again["run_id"]  # same inputs, same run: stored once
    assert (tmp_path / "rep" / "report.html").is_file()
    listed = run(cli, ["runs", "--json"])
    assert [r["run_id"] for r in listed] == [first["run_id"]]  # type: ignore[index,union-attr]
    assert listed[0]["trades"] == 66  # type: ignore[index]


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["fast=50"], "fast (50) must be shorter than slow (30)"),
        (["fats=5"], "fats"),
        (["fast"], "NAME=VALUE"),
        (["fast=10", "--param", "fast=11"], "given twice"),
        (["--commission", "-1"], "negative"),
        (["--per-unit", "0.01"], "one of --commission"),
    ],
)
def test_bad_parameters_fail_before_any_work(
    cli: CliRunner, tmp_path: Path, args: list[str], message: str
) -> None:
    words = line(GOOG, "GOOG", 50)
    if not args[0].startswith("--"):  # replaces the fast=10 of the line
        words[words.index("fast=10") : words.index("fast=10") + 1] = args
    else:
        words += args
    result = cli.invoke(app(), words)
    assert result.exit_code == 2
    assert message in result.stderr
    assert not (tmp_path / "runs.db").exists()  # nothing was stored, nothing was even opened


def test_bad_data_names_the_file_and_line(cli: CliRunner, tmp_path: Path) -> None:
    bad = tmp_path / "bad.csv"
    text = Path(GOOG).read_text().splitlines()
    text[5] = text[5].replace(text[5].split(",")[4], "n/a", 1)
    bad.write_text("\n".join(text[:50]) + "\n")
    result = cli.invoke(app(), line(str(bad), "GOOG", 50))
    assert result.exit_code == 2
    assert f"{bad}:6: close 'n/a' is not a number" in result.stderr
    missing = cli.invoke(app(), line(str(tmp_path / "nope.csv"), "GOOG", 50))
    assert missing.exit_code == 2
    assert "file not found" in missing.stderr


def test_sweep_and_walkforward(cli: CliRunner, tmp_path: Path) -> None:
    grid = ["--param", "fast=5,10", "--param", "slow=30,60", "--param", "size=50"]
    common = ["sma_cross", "--data", GOOG, "--symbol", "GOOG", *grid, "--commission", "0.001", "--json"]
    swept = run(cli, ["sweep", *common, "--workers", "1", "--metric", "total_return_pct"])
    results = swept["results"]
    assert [r["rank"] for r in results] == [1, 2, 3, 4]  # type: ignore[union-attr,index]
    returns = [r["total_return_pct"] for r in results]  # type: ignore[union-attr,index]
    assert returns == sorted(returns, reverse=True)
    walked = run(
        cli, ["walkforward", *common, "--train", "500", "--test", "300", "--report", str(tmp_path / "wf")]
    )
    assert len(walked["folds"]) == 5  # type: ignore[arg-type]
    assert (tmp_path / "wf" / "walkforward.html").is_file()
    kinds = {r["name"] for r in run(cli, ["runs", "--json"])}  # type: ignore[union-attr,index]
    assert kinds == {"sweep:sma_cross", "walkforward:sma_cross"}


def test_backtest_sweep_and_walkforward_have_one_set_of_cost_and_fill_options() -> None:
    import dataclasses

    import typer.main

    from freeride.cli._backtest_common import Costs
    from freeride.cli.main import app as cli_app

    names = {f.name for f in dataclasses.fields(Costs)}
    group = typer.main.get_command(cli_app)
    commands = group.commands  # type: ignore[attr-defined]

    def options(command: str) -> dict[str, tuple[object, ...]]:
        params = commands[command].params
        return {
            p.name: (tuple(p.opts), p.default, getattr(p, "help", None)) for p in params if p.name in names
        }

    assert set(options("backtest")) == names
    assert options("backtest") == options("sweep") == options("walkforward")
