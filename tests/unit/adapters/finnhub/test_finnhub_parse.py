"""Finnhub payloads → core types: quote, profile, candles, forex rates and WebSocket frames."""

from __future__ import annotations

import pytest

from freeride.adapters.finnhub import parse
from freeride.core.errors import NotAvailable
from freeride.core.instruments import parse_instrument
from freeride.net.errors import BadReply

NOW = 1_700_000_000 * 10**9
AAPL = parse_instrument("AAPL")
QUOTE = {
    "c": 261.74,
    "d": 2.29,
    "dp": 0.8826,
    "h": 263.31,
    "l": 260.68,
    "o": 261.07,
    "pc": 259.45,
    "t": 1582641000,
}


def test_quote_seconds_become_nanoseconds() -> None:
    snap = parse.quote(QUOTE, AAPL, NOW)
    assert (snap.price, snap.prev_close, snap.provider) == (261.74, 259.45, "finnhub")
    assert snap.ts_event == 1582641000 * 10**9
    assert snap.change == pytest.approx(2.29)


def test_unknown_symbol_answers_zeros() -> None:
    zeros = {"c": 0, "d": None, "dp": None, "h": 0, "l": 0, "o": 0, "pc": 0, "t": 0}
    with pytest.raises(NotAvailable, match="no quote for AAPL"):
        parse.quote(zeros, AAPL, NOW)


def test_negative_price_is_garbage() -> None:
    with pytest.raises(BadReply, match=r"c is -1\.0"):
        parse.quote({**QUOTE, "c": -1.0}, AAPL, NOW)


def test_candles_and_no_data() -> None:
    data = {
        "c": [2.0, 3.0],
        "h": [2.5, 3.5],
        "l": [1.5, 2.5],
        "o": [2.0, 2.6],
        "s": "ok",
        "t": [1_600_000_000, 1_600_086_400],
        "v": [10, 20],
    }
    bars = parse.candles(data, AAPL, "1d", NOW)
    assert [b.close for b in bars] == [2.0, 3.0]
    assert bars[1].ts_event == 1_600_086_400 * 10**9
    assert parse.candles({"s": "no_data"}, AAPL, "1d", NOW) == []
    with pytest.raises(BadReply, match="different lengths"):
        parse.candles({**data, "c": [1.0]}, AAPL, "1d", NOW)


def test_profile_and_forex_rates() -> None:
    profile = parse.profile(
        {
            "ticker": "AAPL",
            "name": "Apple Inc",
            "marketCapitalization": 2.5,
            "ipo": "1980-12-12",
            "exchange": "NASDAQ",
            "currency": "USD",
            "finnhubIndustry": "Technology",
        },
        AAPL,
    )
    assert (profile.name, profile.market_cap, profile.industry) == ("Apple Inc", 2.5e6, "Technology")
    with pytest.raises(NotAvailable):
        parse.profile({}, AAPL)
    eur = parse_instrument("EUR/USD")
    snap = parse.forex_rate({"base": "EUR", "quote": {"USD": 1.08, "JPY": 160.1}}, eur, NOW)
    assert (snap.symbol, snap.price) == ("EUR/USD", 1.08)


def test_frames_trades_pings_and_garbage() -> None:
    raw = (
        '{"type":"trade","data":[{"s":"TSLA","p":122.1,"t":1672348887195,"v":1,"c":["1","8","24","12"]},'
        '{"s":"TSLA","p":-5,"t":1672348887196,"v":1},{"s":"MSFT","p":300,"t":1672348887197,"v":2}]}'
    )
    frame = parse.frame(raw)
    assert isinstance(frame, parse.TradeFrame)
    trades, rejected = parse.trades(frame, {"TSLA": "TSLA"}, NOW)
    assert rejected == 2  # a negative price and an unsubscribed symbol
    (trade,) = trades
    assert (trade.symbol, trade.price, trade.size, trade.ts_event) == (
        "TSLA",
        122.1,
        1.0,
        1672348887195 * 10**6,
    )
    assert isinstance(parse.frame('{"type":"ping"}'), parse.PingFrame)
    for garbage in ("<html>", '{"type":"trade","data":[{"s":"X"', '{"type":"nope"}'):
        with pytest.raises(BadReply, match="stream frame"):
            parse.frame(garbage)


def test_forex_wire_symbol() -> None:
    assert parse.wire_symbol(parse_instrument("EUR/USD")) == "OANDA:EUR_USD"
    assert parse.wire_symbol(parse_instrument("BRK.B")) == "BRK.B"


def test_search_lists_only_an_exact_symbol() -> None:
    """A ``/search?q=AAPL`` reply as Finnhub sends it: other exchanges' listings do not count."""
    reply = {
        "count": 2,
        "result": [
            {"description": "APPLE INC", "displaySymbol": "AAPL", "symbol": "AAPL", "type": "Common Stock"},
            {"description": "APPLE INC", "displaySymbol": "AAPL.SW", "symbol": "AAPL.SW", "type": "Stock"},
        ],
    }
    assert parse.search_lists(reply, "aapl")
    assert not parse.search_lists(reply, "AAPLL")
    assert not parse.search_lists({"count": 0, "result": []}, "AAPL")
    with pytest.raises(BadReply):
        parse.search_lists({"count": 0}, "AAPL")
