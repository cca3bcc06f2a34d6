"""Finnhub JSON → core types (pure): quotes, profiles, candles, forex rates and WebSocket frames.

WebSocket frames are decoded with msgspec into typed structs (no dicts), because a busy symbol
sends thousands of trades a second and this is the hot path of the stream.
"""

from __future__ import annotations

import math
from typing import Any

import msgspec

from freeride.core.errors import NotAvailable
from freeride.core.instruments import Instrument
from freeride.core.market import Bar, Trade
from freeride.core.snapshot import CompanyProfile, Snapshot
from freeride.net import checks
from freeride.net.errors import BadReply

NAME = "finnhub"
_MS = 1_000_000
_S = 1_000_000_000


def wire_symbol(instrument: Instrument) -> str:
    """Finnhub's spelling: ``AAPL``, and forex on OANDA as ``OANDA:EUR_USD``."""
    if instrument.is_forex:
        return f"OANDA:{instrument.base_currency}_{instrument.quote_currency}"
    return instrument.symbol


def search_lists(data: Any, symbol: str) -> bool:
    """Whether a ``/search`` reply (``{"count": n, "result": [{"symbol": …, "displaySymbol": …}]}``)
    lists ``symbol`` exactly; a match on another exchange (``AAPL.SW``) does not count."""
    if not isinstance(data, dict) or not isinstance(data.get("result"), list):
        raise BadReply(NAME, "search: expected an object with a result list")
    wanted = symbol.upper()
    for item in data["result"]:
        if isinstance(item, dict):
            listed = (str(item.get("symbol", "")).upper(), str(item.get("displaySymbol", "")).upper())
            if wanted in listed:
                return True
    return False


def quote(data: Any, instrument: Instrument, ts_init: int) -> Snapshot:
    if not isinstance(data, dict):
        raise BadReply(NAME, "quote: expected an object")
    if not data.get("c") and not data.get("t"):
        raise NotAvailable(f"{NAME}: no quote for {instrument.symbol} (unknown symbol or no data)")
    ts = int(checks.number(NAME, "t", data.get("t"))) * _S
    return Snapshot(
        symbol=instrument.symbol,
        price=checks.price(NAME, "c", data.get("c")),
        prev_close=checks.optional_price(NAME, "pc", data.get("pc") or None),
        provider=NAME,
        ts_event=min(ts, ts_init),
        ts_init=ts_init,
    )


def forex_rate(data: Any, instrument: Instrument, ts_init: int) -> Snapshot:
    if not isinstance(data, dict) or not isinstance(data.get("quote"), dict):
        raise BadReply(NAME, "forex rates: expected {'base': …, 'quote': {…}}")
    checks.same_symbol(NAME, instrument.base_currency or "", str(data.get("base", "")))
    rate = data["quote"].get(instrument.quote_currency)
    if rate is None:
        raise NotAvailable(f"{NAME}: no rate for {instrument.symbol}")
    return Snapshot(
        symbol=instrument.symbol,
        price=checks.price(NAME, instrument.quote_currency, rate),
        provider=NAME,
        ts_event=ts_init,
        ts_init=ts_init,
    )


def profile(data: Any, instrument: Instrument) -> CompanyProfile:
    if not isinstance(data, dict) or not data:
        raise NotAvailable(f"{NAME}: no profile for {instrument.symbol}")
    checks.same_symbol(NAME, instrument.symbol, str(data.get("ticker", "")))
    cap = data.get("marketCapitalization")
    return CompanyProfile(
        symbol=instrument.symbol,
        name=data.get("name") or None,
        exchange=data.get("exchange") or None,
        currency=data.get("currency") or None,
        country=data.get("country") or None,
        industry=data.get("finnhubIndustry") or None,
        market_cap=None if cap is None else checks.size(NAME, "marketCapitalization", cap) * 1e6,
        ipo=data.get("ipo") or None,
        website=data.get("weburl") or None,
    )


def candles(data: Any, instrument: Instrument, interval: str, ts_init: int) -> list[Bar]:
    if not isinstance(data, dict):
        raise BadReply(NAME, "candles: expected an object")
    if data.get("s") == "no_data":
        return []
    if data.get("s") != "ok":
        raise BadReply(NAME, f"candles: status {data.get('s')!r}")
    cols = [data.get(k) for k in ("t", "o", "h", "l", "c", "v")]
    if not all(isinstance(c, list) for c in cols) or len({len(c) for c in cols if isinstance(c, list)}) != 1:
        raise BadReply(NAME, "candles: columns missing or of different lengths")
    bars = []
    for t, o, h, low, c, v in zip(*cols, strict=True):
        where = f"candle {t}"
        bar = Bar(
            symbol=instrument.symbol,
            interval=interval,
            open=checks.price(NAME, f"{where} o", o),
            high=checks.price(NAME, f"{where} h", h),
            low=checks.price(NAME, f"{where} l", low),
            close=checks.price(NAME, f"{where} c", c),
            volume=checks.size(NAME, f"{where} v", v),
            ts_event=int(checks.number(NAME, f"{where} t", t)) * _S,
            ts_init=ts_init,
        )
        checks.ohlc(NAME, where, bar.open, bar.high, bar.low, bar.close)
        bars.append(bar)
    return bars


# -- WebSocket -------------------------------------------------------------------------------


class WireTrade(msgspec.Struct):
    s: str
    p: float
    t: int
    v: float = 0.0
    c: list[str] | None = None


class TradeFrame(msgspec.Struct, tag="trade", tag_field="type"):
    data: list[WireTrade]


class PingFrame(msgspec.Struct, tag="ping", tag_field="type"):
    pass


class ErrorFrame(msgspec.Struct, tag="error", tag_field="type"):
    msg: str = ""


Frame = TradeFrame | PingFrame | ErrorFrame
_decoder = msgspec.json.Decoder(Frame)


def frame(raw: str | bytes) -> Frame:
    """One WebSocket message; ``BadReply`` for anything that is not a known frame."""
    try:
        decoded: Frame = _decoder.decode(raw)
    except msgspec.DecodeError as exc:
        raise BadReply(NAME, f"stream frame: {exc}") from None
    return decoded


def trades(frame: TradeFrame, symbols: dict[str, str], ts_init: int) -> tuple[list[Trade], int]:
    """Core trades for subscribed symbols (``symbols`` maps wire → ours) and how many were rejected.

    A trade with a non-positive or non-finite price, a negative size, or for a symbol we did not
    subscribe to is dropped and counted instead of breaking the whole frame.
    """
    out: list[Trade] = []
    rejected = 0
    isfinite = math.isfinite
    for w in frame.data:
        symbol = symbols.get(w.s)
        if symbol is None or not (w.p > 0.0 and isfinite(w.p)) or not w.v >= 0.0:
            rejected += 1
            continue
        out.append(Trade(symbol=symbol, price=w.p, size=w.v, ts_event=w.t * _MS, ts_init=ts_init))
    return out, rejected
