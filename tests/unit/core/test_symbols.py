"""The instrument directory: what is known, and the close matches of what is not."""

from __future__ import annotations

import pytest

from freeride.app.symbols import shipped_directory
from freeride.core.errors import InvalidInput
from freeride.core.symbols import SymbolDirectory, UnknownSymbol

DIRECTORY = SymbolDirectory(["AAPL", "AAP", "ALL", "MSFT", "GOOG", "BRK.B"], ["EUR", "USD", "GBP", "JPY"])


def refused(text: str, directory: SymbolDirectory = DIRECTORY) -> UnknownSymbol:
    with pytest.raises(UnknownSymbol) as caught:
        directory.resolve(text)
    assert isinstance(caught.value, InvalidInput)  # a 4xx / exit 2 wherever it surfaces
    return caught.value


def test_known_stocks_and_pairs_resolve_in_their_one_spelling() -> None:
    assert DIRECTORY.resolve("aapl").symbol == "AAPL"
    assert DIRECTORY.resolve(" eur/usd ").symbol == "EUR/USD"
    assert DIRECTORY.resolve("GBP/JPY").price_precision == 3
    assert DIRECTORY.resolve("brk.b").symbol == "BRK.B"


def test_a_pair_without_its_slash_is_refused_with_the_pair() -> None:
    unknown = refused("EURUSD")
    assert unknown.suggestions[0] == "EUR/USD"
    assert "did you mean EUR/USD" in str(unknown)
    assert refused("eur_usd").suggestions[0] == "EUR/USD"
    assert refused("EUR-JPY").suggestions[0] == "EUR/JPY"


def test_a_typo_gets_the_close_tickers() -> None:
    unknown = refused("AAPLL")
    assert unknown.suggestions[0] == "AAPL"
    assert unknown.symbol == "AAPLL"
    assert refused("MSFTT").suggestions == ["MSFT"]


def test_a_pair_with_an_unknown_currency_gets_close_pairs() -> None:
    assert "EUR/USD" in refused("EUR/USS").suggestions
    assert refused("XXX/YYY").suggestions == []


def test_nothing_close_means_no_suggestion_and_malformed_input_is_refused_too() -> None:
    assert refused("ZZZZZZZZ").suggestions == []
    assert "not a known instrument" in str(refused("not a symbol!"))


def test_including_adds_stocks_and_the_currencies_of_pairs() -> None:
    more = DIRECTORY.including(["RKLB", "AUD/NZD", "bad symbol!"])
    assert more.resolve("RKLB").symbol == "RKLB"
    assert more.resolve("NZD/USD").symbol == "NZD/USD"
    refused("RKLB")  # the original is unchanged


def test_the_shipped_directory_knows_the_common_names() -> None:
    shipped = shipped_directory()
    for symbol in ("AAPL", "GOOG", "SPY", "QQQ", "EUR/USD", "USD/JPY", "GBP/CHF"):
        assert shipped.resolve(symbol).symbol == symbol
    assert len(shipped.stocks) > 500
    assert refused("EURUSD", shipped).suggestions[0] == "EUR/USD"
    assert refused("AAPLL", shipped).suggestions[0] == "AAPL"
