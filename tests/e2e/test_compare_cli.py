"""``freeride compare``: several strategies on the same bars, each as ``freeride backtest`` runs it."""

from __future__ import annotations

import json
from importlib import resources
from typing import Any

import pytest
import typer
from typer.testing import CliRunner

from freeride.cli.backtest import register
from freeride.cli.compare import params_by_strategy
from freeride.core.errors import InvalidInput

GOOG = str(resources.files("freeride.data").joinpath("GOOG_daily.csv"))


def invoke(args: list[str]) -> Any:
    app = typer.Typer()
    register(app)
    return CliRunner().invoke(app, args)


def test_shared_and_scoped_parameters() -> None:
    params = params_by_strategy(
        ["sma_cross", "rsi_reversion"], ["size=50", "sma_cross.fast=5", "period=10", "rsi_reversion.size=7"]
    )
    assert params == {
        "sma_cross": {"size": "50", "fast": "5"},
        "rsi_reversion": {"size": "7", "period": "10"},  # the scoped size wins over the shared one
    }


@pytest.mark.parametrize(
    ("strategies", "items", "message"),
    [
        (["sma_cross", "nope"], [], "unknown strategy 'nope'"),
        (["sma_cross", "sma_cross"], [], "named once"),
        (["sma_cross", "ema_cross"], ["period=3"], "has a parameter 'period'"),
        (["sma_cross", "ema_cross"], ["rsi_reversion.period=3"], "not one of the strategies compared"),
    ],
)
def test_refused_parameters(strategies: list[str], items: list[str], message: str) -> None:
    with pytest.raises(InvalidInput, match=message):
        params_by_strategy(strategies, items)


def test_each_row_is_what_backtest_gives_alone() -> None:
    line = f"--data {GOOG} --symbol GOOG --engine vector --json".split()
    result = invoke(["compare", "sma_cross", "donchian_breakout", *line, "--param", "size=50",
                     "--param", "sma_cross.fast=5", "--workers", "1"])  # fmt: skip
    assert result.exit_code == 0, result.output
    rows = json.loads(result.stdout)["results"]
    assert [r["rank"] for r in rows] == [1, 2]
    assert rows[0]["sharpe"] >= rows[1]["sharpe"]
    for row in rows:
        alone = ["backtest", row["strategy"], *line, "--no-store"]
        alone += [f"--param={k}={v}" for k, v in row["params"].items()]
        single = invoke(alone)
        assert single.exit_code == 0, single.output
        summary = json.loads(single.stdout)
        assert summary["trades"] == row["trades"]
        assert summary["final_equity"] == pytest.approx(row["final_equity"], abs=0.01)


def test_a_bad_comparison_is_one_line_and_exit_2() -> None:
    result = invoke(["compare", "sma_cross", "--data", GOOG, "--symbol", "GOOG"])
    assert result.exit_code == 2
    assert "two or more strategies" in result.output
    line = ["--data", GOOG, "--symbol", "GOOG", "--param", "x=1"]
    result = invoke(["compare", "sma_cross", "ema_cross", *line])
    assert result.exit_code == 2
    assert "has a parameter 'x'" in result.output
