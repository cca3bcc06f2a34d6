"""Alpha Vantage payloads (shapes from public fixtures) → core types; notices classified by text."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from freeride.adapters.alphavantage import parse
from freeride.adapters.alphavantage.client import classify
from freeride.core.clock import NS_PER_SECOND, datetime_to_ns
from freeride.core.errors import AuthError, InvalidInput, NotAvailable, RateLimited
from freeride.core.instruments import parse_instrument
from freeride.net.errors import BadReply, NotEntitled, QuotaExhausted
from freeride.testing.fakes import alphavantage as texts

NOW = datetime_to_ns(datetime(2022, 6, 2, 12, 0, tzinfo=UTC))
IBM = parse_instrument("IBM")

GLOBAL_QUOTE = {
    "Global Quote": {
        "01. symbol": "IBM",
        "02. open": "139.6700",
        "03. high": "140.2400",
        "04. low": "137.4400",
        "05. price": "138.3400",
        "06. volume": "4912108",
        "07. latest trading day": "2022-06-01",
        "08. previous close": "138.8400",
        "09. change": "-0.5000",
        "10. change percent": "-0.3601%",
    }
}
DAILY = {
    "Meta Data": {
        "1. Information": "Daily Prices (open, high, low, close) and Volumes",
        "2. Symbol": "IBM",
        "3. Last Refreshed": "2022-07-01",
        "4. Output Size": "Compact",
        "5. Time Zone": "US/Eastern",
    },
    "Time Series (Daily)": {
        "2022-07-01": {
            "1. open": "141.0000",
            "2. high": "141.6700",
            "3. low": "139.2600",
            "4. close": "141.1200",
            "5. volume": "4012106",
        },
        "2022-06-30": {
            "1. open": "139.5800",
            "2. high": "142.4600",
            "3. low": "139.2800",
            "4. close": "141.1900",
            "5. volume": "5122797",
        },
    },
}
INTRADAY = {
    "Meta Data": {
        "1. Information": "Intraday (5min) open, high, low, close prices and volume",
        "2. Symbol": "IBM",
        "3. Last Refreshed": "2024-08-02 19:55:00",
        "4. Interval": "5min",
        "5. Output Size": "Compact",
        "6. Time Zone": "US/Eastern",
    },
    "Time Series (5min)": {
        "2024-08-02 09:35:00": {
            "1. open": "189.0",
            "2. high": "189.5",
            "3. low": "188.9",
            "4. close": "189.2",
            "5. volume": "1200",
        },
        "2024-08-02 09:30:00": {
            "1. open": "188.0",
            "2. high": "189.1",
            "3. low": "187.9",
            "4. close": "189.0",
            "5. volume": "3400",
        },
    },
}
FX_DAILY = {
    "Meta Data": {
        "1. Information": "Forex Daily Prices (open, high, low, close)",
        "2. From Symbol": "EUR",
        "3. To Symbol": "USD",
        "4. Output Size": "Compact",
        "5. Last Refreshed": "2026-01-23",
        "6. Time Zone": "UTC",
    },
    "Time Series FX (Daily)": {
        "2026-01-23": {"1. open": "1.17520", "2. high": "1.17800", "3. low": "1.17100", "4. close": "1.17600"}
    },
}
RATE = {
    "Realtime Currency Exchange Rate": {
        "1. From_Currency Code": "USD",
        "2. From_Currency Name": "United States Dollar",
        "3. To_Currency Code": "JPY",
        "4. To_Currency Name": "Japanese Yen",
        "5. Exchange Rate": "110.29100000",
        "6. Last Refreshed": "2021-04-06 08:16:01",
        "7. Time Zone": "UTC",
        "8. Bid Price": "110.28700000",
        "9. Ask Price": "110.29500000",
    }
}


def test_global_quote() -> None:
    snap = parse.global_quote(GLOBAL_QUOTE, IBM, NOW)
    assert (snap.symbol, snap.price, snap.prev_close, snap.volume) == ("IBM", 138.34, 138.84, 4912108.0)
    assert snap.change == pytest.approx(-0.5)
    assert snap.provider == "alphavantage"
    assert snap.ts_event == datetime_to_ns(datetime(2022, 6, 1, 21, tzinfo=UTC))
    assert snap.ts_init == NOW


def test_unknown_symbol_is_an_empty_global_quote() -> None:
    with pytest.raises(NotAvailable, match="no quote for IBM"):
        parse.global_quote({"Global Quote": {}}, IBM, NOW)


def test_daily_series_oldest_first_at_utc_midnight() -> None:
    bars = parse.series(DAILY, IBM, "1d", NOW)
    assert [b.close for b in bars] == [141.19, 141.12]
    assert bars[0].ts_event == datetime_to_ns(datetime(2022, 6, 30, tzinfo=UTC))
    assert bars[1].volume == 4012106.0


def test_intraday_times_are_new_york_local() -> None:
    bars = parse.series(INTRADAY, IBM, "5m", NOW)
    assert bars[0].ts_event == datetime_to_ns(datetime(2024, 8, 2, 13, 30, tzinfo=UTC))  # EDT = UTC-4
    assert bars[1].ts_event - bars[0].ts_event == 300 * NS_PER_SECOND


def test_fx_daily_has_no_volume() -> None:
    (bar,) = parse.series(FX_DAILY, parse_instrument("EUR/USD"), "1d", NOW)
    assert (bar.symbol, bar.open, bar.close, bar.volume) == ("EUR/USD", 1.1752, 1.176, 0.0)


def test_exchange_rate_with_bid_and_ask() -> None:
    snap = parse.exchange_rate(RATE, parse_instrument("USD/JPY"), NOW)
    assert (snap.symbol, snap.price, snap.bid, snap.ask) == ("USD/JPY", 110.291, 110.287, 110.295)
    assert snap.ts_event == datetime_to_ns(datetime(2021, 4, 6, 8, 16, 1, tzinfo=UTC))


def test_garbage_is_rejected_with_the_field_named() -> None:
    wrong = {"Global Quote": {**GLOBAL_QUOTE["Global Quote"], "01. symbol": "MSFT"}}
    with pytest.raises(BadReply, match="asked for IBM but the reply is about MSFT"):
        parse.global_quote(wrong, IBM, NOW)
    negative = {"Global Quote": {**GLOBAL_QUOTE["Global Quote"], "05. price": "-1.0"}}
    with pytest.raises(BadReply, match=r"05\. price is -1.0"):
        parse.global_quote(negative, IBM, NOW)
    with pytest.raises(BadReply, match="not a finite number"):
        parse.global_quote({"Global Quote": {**GLOBAL_QUOTE["Global Quote"], "05. price": "NaN"}}, IBM, NOW)
    with pytest.raises(BadReply, match="missing object 'Meta Data'"):
        parse.series({"Time Series (Daily)": {}}, IBM, "1d", NOW)


@pytest.mark.parametrize(
    ("text", "kind", "retry_after"),
    [
        (texts.BAD_KEY, AuthError, None),
        (texts.bad_call("TIME_SERIES_DAILY"), InvalidInput, None),
        (texts.BURST, RateLimited, 1.0),
        (texts.PREMIUM, NotEntitled, None),
        (texts.LEGACY, RateLimited, 60.0),
        (
            "We have detected your API key as XXXX and our standard API rate limit is 25 requests per day.",
            QuotaExhausted,
            12 * 3600.0,
        ),
    ],
)
def test_notices_are_classified_by_text(text: str, kind: type[Exception], retry_after: float | None) -> None:
    error = classify(text, NOW)
    assert type(error) is kind
    assert getattr(error, "retry_after", None) == retry_after


def test_daily_quota_backs_off_until_utc_midnight() -> None:
    error = classify(texts.QUOTA, NOW)
    assert isinstance(error, QuotaExhausted)
    assert error.retry_after == 12 * 3600.0
