"""Alpha Vantage JSON → core types (pure). Every number arrives as a string; keys carry numbers.

Daily bars are stamped at 00:00 UTC of their date (as the replay files are); intraday bars come in
US/Eastern local time and are converted to UTC. A global quote only has a trading date, so its
time is that date's 21:00 UTC (the New York close), or when we received it if that is earlier.
"""

from __future__ import annotations

from datetime import UTC, date, datetime
from typing import Any
from zoneinfo import ZoneInfo

from freeride.core.clock import datetime_to_ns
from freeride.core.errors import NotAvailable
from freeride.core.instruments import Instrument
from freeride.core.market import Bar
from freeride.core.snapshot import Snapshot
from freeride.net import checks
from freeride.net.errors import BadReply

NAME = "alphavantage"
_CLOSE_UTC_HOUR = 21


def _obj(data: Any, key: str) -> dict[str, Any]:
    value = data.get(key) if isinstance(data, dict) else None
    if not isinstance(value, dict):
        raise BadReply(NAME, f"missing object {key!r}")
    return value


def _day_ns(text: str) -> int:
    try:
        day = date.fromisoformat(text[:10])
    except ValueError:
        raise BadReply(NAME, f"bad date {text!r}") from None
    return datetime_to_ns(datetime(day.year, day.month, day.day, tzinfo=UTC))


def global_quote(data: Any, instrument: Instrument, ts_init: int) -> Snapshot:
    quote = _obj(data, "Global Quote")
    if not quote:
        raise NotAvailable(f"{NAME}: no quote for {instrument.symbol} (unknown symbol)")
    checks.same_symbol(NAME, instrument.symbol, str(quote.get("01. symbol", "")))
    price = checks.price(NAME, "05. price", quote.get("05. price"))
    day = _day_ns(str(quote.get("07. latest trading day", "")))
    close_ns = day + _CLOSE_UTC_HOUR * 3_600 * 1_000_000_000
    return Snapshot(
        symbol=instrument.symbol,
        price=price,
        prev_close=checks.optional_price(NAME, "08. previous close", quote.get("08. previous close")),
        volume=checks.size(NAME, "06. volume", quote.get("06. volume", "0")),
        provider=NAME,
        ts_event=min(close_ns, ts_init),
        ts_init=ts_init,
    )


def exchange_rate(data: Any, instrument: Instrument, ts_init: int) -> Snapshot:
    rate = _obj(data, "Realtime Currency Exchange Rate")
    got = f"{rate.get('1. From_Currency Code', '')}/{rate.get('3. To_Currency Code', '')}"
    checks.same_symbol(NAME, instrument.symbol, got)
    refreshed = str(rate.get("6. Last Refreshed", ""))
    try:
        when = datetime.fromisoformat(refreshed).replace(tzinfo=UTC)
    except ValueError:
        raise BadReply(NAME, f"bad time {refreshed!r}") from None
    return Snapshot(
        symbol=instrument.symbol,
        price=checks.price(NAME, "5. Exchange Rate", rate.get("5. Exchange Rate")),
        bid=_maybe_price(rate.get("8. Bid Price")),
        ask=_maybe_price(rate.get("9. Ask Price")),
        provider=NAME,
        ts_event=min(datetime_to_ns(when), ts_init),
        ts_init=ts_init,
    )


def _maybe_price(value: Any) -> float | None:
    if value in (None, "", "-"):
        return None
    return checks.price(NAME, "bid/ask", value)


def series(data: Any, instrument: Instrument, interval: str, ts_init: int) -> list[Bar]:
    """Any ``Time Series …`` object (daily, intraday, FX daily), oldest first."""
    meta = _obj(data, "Meta Data")
    got = _meta(meta, "Symbol")
    if instrument.is_forex:
        got = f"{_meta(meta, 'From Symbol')}/{_meta(meta, 'To Symbol')}"
    checks.same_symbol(NAME, instrument.symbol, got)
    key = next((k for k in data if k.startswith("Time Series")), None)
    if key is None:
        raise BadReply(NAME, "no 'Time Series' object in the reply")
    points = _obj(data, key)
    eastern = "eastern" in _meta(meta, "Time Zone").lower()
    bars = [_bar(instrument, interval, stamp, row, eastern, ts_init) for stamp, row in points.items()]
    bars.sort(key=lambda b: b.ts_event)
    return bars


def _meta(meta: dict[str, Any], name: str) -> str:
    for key, value in meta.items():
        if key.split(". ", 1)[-1] == name:
            return str(value)
    return ""


_NY = ZoneInfo("America/New_York")


def _stamp_ns(stamp: str, eastern: bool) -> int:
    if len(stamp) <= 10:
        return _day_ns(stamp)
    try:
        local = datetime.fromisoformat(stamp)
    except ValueError:
        raise BadReply(NAME, f"bad timestamp {stamp!r}") from None
    return datetime_to_ns(local.replace(tzinfo=_NY if eastern else UTC))


def _bar(instrument: Instrument, interval: str, stamp: str, row: Any, eastern: bool, ts_init: int) -> Bar:
    if not isinstance(row, dict):
        raise BadReply(NAME, f"{stamp}: expected an object")
    o = checks.price(NAME, f"{stamp} open", row.get("1. open"))
    h = checks.price(NAME, f"{stamp} high", row.get("2. high"))
    low = checks.price(NAME, f"{stamp} low", row.get("3. low"))
    c = checks.price(NAME, f"{stamp} close", row.get("4. close"))
    checks.ohlc(NAME, stamp, o, h, low, c)
    ts = _stamp_ns(stamp, eastern)
    return Bar(
        symbol=instrument.symbol,
        interval=interval,
        open=o,
        high=h,
        low=low,
        close=c,
        volume=checks.size(NAME, f"{stamp} volume", row.get("5. volume", "0")),
        ts_event=ts,
        ts_init=ts_init,
    )
