"""Massive JSON → core types (pure): aggregates, last trade, last forex quote, WebSocket messages.

Aggregate bar times are unix milliseconds of the bar's start; the last trade's ``t`` is unix
nanoseconds (SIP timestamp); the last forex quote's ``last.timestamp`` is unix milliseconds.
WebSocket messages are JSON arrays of events tagged by ``ev``.
"""

from __future__ import annotations

import math
from typing import Any

import msgspec

from freeride.core.errors import NotAvailable
from freeride.core.instruments import Instrument
from freeride.core.market import Bar, Quote, Trade
from freeride.core.snapshot import Snapshot
from freeride.net import checks
from freeride.net.errors import BadReply

NAME = "massive"
_MS = 1_000_000


def ticker(instrument: Instrument) -> str:
    """``AAPL``; forex pairs as ``C:EURUSD``."""
    if instrument.is_forex:
        return f"C:{instrument.base_currency}{instrument.quote_currency}"
    return instrument.symbol


def aggregates(data: dict[str, Any], instrument: Instrument, interval: str, ts_init: int) -> list[Bar]:
    checks.same_symbol(NAME, ticker(instrument), str(data.get("ticker", "")))
    results = data.get("results") or []
    if not isinstance(results, list):
        raise BadReply(NAME, "aggregates: 'results' is not a list")
    bars = []
    for row in results:
        if not isinstance(row, dict):
            raise BadReply(NAME, "aggregates: a result is not an object")
        where = f"bar t={row.get('t')}"
        o = checks.price(NAME, f"{where} o", row.get("o"))
        h = checks.price(NAME, f"{where} h", row.get("h"))
        low = checks.price(NAME, f"{where} l", row.get("l"))
        c = checks.price(NAME, f"{where} c", row.get("c"))
        checks.ohlc(NAME, where, o, h, low, c)
        bars.append(
            Bar(
                symbol=instrument.symbol,
                interval=interval,
                open=o,
                high=h,
                low=low,
                close=c,
                volume=checks.size(NAME, f"{where} v", row.get("v", 0)),
                ts_event=int(checks.number(NAME, f"{where} t", row.get("t"))) * _MS,
                ts_init=ts_init,
            )
        )
    return bars


def last_trade(data: dict[str, Any], instrument: Instrument, ts_init: int) -> Snapshot:
    result = data.get("results")
    if not isinstance(result, dict) or not result:
        raise NotAvailable(f"{NAME}: no last trade for {instrument.symbol}")
    checks.same_symbol(NAME, ticker(instrument), str(result.get("T", "")))
    raw_t = result.get("t")  # nanoseconds: beyond a float's precision, so kept as an int
    ts = (
        raw_t
        if isinstance(raw_t, int) and not isinstance(raw_t, bool)
        else int(checks.number(NAME, "t", raw_t))
    )
    return Snapshot(
        symbol=instrument.symbol,
        price=checks.price(NAME, "p", result.get("p")),
        volume=checks.size(NAME, "s", result.get("s", 0)),
        provider=NAME,
        ts_event=min(ts, ts_init),
        ts_init=ts_init,
    )


def last_quote_path(instrument: Instrument) -> str:
    """``/v1/last_quote/currencies/EUR/USD``: this v1 endpoint takes the two currencies, not ``C:EURUSD``."""
    return f"/v1/last_quote/currencies/{instrument.base_currency}/{instrument.quote_currency}"


def last_forex_quote(data: dict[str, Any], instrument: Instrument, ts_init: int) -> Snapshot:
    """The pair's last bid/ask, priced at the mid (what a pair "trades at" between the two sides).

    The reply names the pair as ``EUR/USD`` under ``symbol``; a reply about another pair, without
    its ``last`` object, with a price that is not a positive number, or crossed (bid above ask)
    is garbage, never a quote.
    """
    checks.same_symbol(NAME, instrument.symbol, str(data.get("symbol", "")))
    last = data.get("last")
    if not isinstance(last, dict) or not last:
        raise BadReply(NAME, f"last quote for {instrument.symbol}: no 'last' object")
    bid = checks.price(NAME, "last.bid", last.get("bid"))
    ask = checks.price(NAME, "last.ask", last.get("ask"))
    if bid > ask:
        raise BadReply(NAME, f"last quote for {instrument.symbol}: crossed, bid {bid} > ask {ask}")
    ms = checks.number(NAME, "last.timestamp", last.get("timestamp"))
    if ms <= 0:
        raise BadReply(NAME, f"last.timestamp is {last.get('timestamp')!r}, not a time")
    return Snapshot(
        symbol=instrument.symbol,
        price=(bid + ask) / 2,
        bid=bid,
        ask=ask,
        provider=NAME,
        ts_event=min(int(ms) * _MS, ts_init),
        ts_init=ts_init,
    )


# -- WebSocket -------------------------------------------------------------------------------


class StatusMsg(msgspec.Struct, tag="status", tag_field="ev"):
    status: str
    message: str = ""


class TradeMsg(msgspec.Struct, tag="T", tag_field="ev"):
    sym: str
    p: float
    s: float
    t: int
    i: str | None = None


class QuoteMsg(msgspec.Struct, tag="Q", tag_field="ev"):
    sym: str
    bp: float
    ap: float
    t: int
    bs: float = 0.0
    ask_size: float = msgspec.field(default=0.0, name="as")


class MinuteAggMsg(msgspec.Struct, tag="AM", tag_field="ev"):
    sym: str
    s: int


Message = StatusMsg | TradeMsg | QuoteMsg | MinuteAggMsg
_decoder = msgspec.json.Decoder(list[Message])


def messages(raw: str | bytes) -> list[Message]:
    try:
        decoded: list[Message] = _decoder.decode(raw)
    except msgspec.DecodeError as exc:
        raise BadReply(NAME, f"stream message: {exc}") from None
    return decoded


def event(msg: TradeMsg | QuoteMsg, symbol: str, ts_init: int) -> Trade | Quote | None:
    """The core event for a trade or quote message, or ``None`` when its numbers are garbage."""
    if isinstance(msg, TradeMsg):
        if not (msg.p > 0 and math.isfinite(msg.p)) or not msg.s >= 0:
            return None
        return Trade(
            symbol=symbol, price=msg.p, size=msg.s, ts_event=msg.t * _MS, ts_init=ts_init, trade_id=msg.i
        )
    if not (0 < msg.bp <= msg.ap and math.isfinite(msg.ap)):
        return None
    return Quote(
        symbol=symbol,
        bid=msg.bp,
        ask=msg.ap,
        bid_size=msg.bs,
        ask_size=msg.ask_size,
        ts_event=msg.t * _MS,
        ts_init=ts_init,
    )
