"""Watchlists and sleeves: symbols in one spelling, sleeves named once, the older feeds still work."""

from __future__ import annotations

from decimal import Decimal

import pytest

from freeride.config.settings import InvalidSettings, load_settings
from freeride.strategies.registry import STRATEGIES, build_strategy


def test_watchlists_are_spelled_once_and_deduplicated() -> None:
    settings = load_settings(
        _env_file=None, watchlists={"fx": ["eur/usd", "EUR/USD"], "us": ["aapl", "msft"]}
    )
    assert settings.watchlists == {"fx": ["EUR/USD"], "us": ["AAPL", "MSFT"]}
    assert settings.watched_symbols() == ["EUR/USD", "AAPL", "MSFT"]


def test_a_bad_watch_symbol_names_the_setting() -> None:
    with pytest.raises(InvalidSettings) as caught:
        load_settings(_env_file=None, watchlists={"us": ["AAPL", "not a symbol"]})
    assert caught.value.lines[0].startswith("watchlists / FREERIDE_WATCHLISTS")
    assert "'not a symbol'" in caught.value.lines[0]


def test_without_sleeves_every_feed_trades_the_run_strategy() -> None:
    sleeves = load_settings(_env_file=None).trading_sleeves()
    assert [(s.name, s.account, s.interval, s.quantity) for s in sleeves] == [
        ("sma_cross:GOOG", "GOOG", "1d", Decimal(50)),
        ("sma_cross:EUR/USD", "EUR/USD", "1h", Decimal(10_000)),
    ]
    assert sleeves[0].strategy_params() == {"fast": 10, "slow": 30, "size": Decimal(50)}
    data = sleeves[0].data_file()
    assert data is not None
    assert data.name == "GOOG_daily.csv"


def test_sleeves_replace_the_feeds_and_need_no_data_file() -> None:
    settings = load_settings(
        _env_file=None,
        sleeves=[
            {"symbol": "aapl", "strategy": "rsi_reversion", "quantity": "10", "interval": "1h"},
            {"symbol": "EUR/USD", "quantity": 1000, "params": {"fast": 5, "slow": 20}, "account": "fx"},
        ],
    )
    aapl, eur = settings.trading_sleeves()
    assert (aapl.name, aapl.account, aapl.data_file()) == ("rsi_reversion:AAPL", "AAPL", None)
    assert (eur.name, eur.account, eur.strategy_params()["fast"]) == ("sma_cross:EUR/USD", "fx", 5)


@pytest.mark.parametrize("strategy", sorted(STRATEGIES))
def test_every_strategy_takes_a_sleeves_quantity(strategy: str) -> None:
    settings = load_settings(
        _env_file=None, sleeves=[{"symbol": "AAPL", "strategy": strategy, "quantity": 7}]
    )
    (sleeve,) = settings.trading_sleeves()
    built = build_strategy(sleeve.strategy, sleeve.name, sleeve.symbol, sleeve.strategy_params())
    assert built.params.units == 7  # type: ignore[attr-defined]


@pytest.mark.parametrize(
    ("sleeves", "says"),
    [
        ([{"symbol": "GOOG", "quantity": 1}, {"symbol": "goog", "quantity": 2}], "used more than once"),
        ([{"symbol": "GOOG", "quantity": 0}], "quantity must be > 0"),
        ([{"symbol": "GOOG", "quantity": 1, "params": {"quantity": 3}}], "quantity goes in the sleeve"),
        ([{"symbol": "GOOG", "quantity": 1, "params": {"size": 3}}], "size goes in the sleeve"),
        ([{"symbol": "GOOG", "quantity": 1, "interval": "6w"}], "interval '6w' is unknown"),
        ([{"symbol": "GOOG", "quantity": 1, "shipped": "nope.csv"}], "no shipped data file"),
    ],
)
def test_bad_sleeves_are_refused_with_the_reason(sleeves: list[dict[str, object]], says: str) -> None:
    with pytest.raises(InvalidSettings) as caught:
        load_settings(_env_file=None, sleeves=sleeves)
    assert says in str(caught.value)
