"""Yahoo chart JSON → core types (pure).

An empty result (no timestamps, or only nulls) is how Yahoo reports "possibly delisted", a block
or a bad day: it raises ``NotAvailable`` instead of passing for "no bars". Single rows of nulls
inside a series are gaps (halted minutes) and are skipped.
"""

from __future__ import annotations

from typing import Any

from freeride.core.errors import NotAvailable
from freeride.core.instruments import Instrument
from freeride.core.market import Bar
from freeride.core.snapshot import Snapshot
from freeride.net import checks
from freeride.net.errors import BadReply

NAME = "yahoo"
_S = 1_000_000_000


def wire_symbol(instrument: Instrument) -> str:
    """``EURUSD=X`` for pairs, ``BRK-B`` for share classes."""
    if instrument.is_forex:
        return f"{instrument.base_currency}{instrument.quote_currency}=X"
    return instrument.symbol.replace(".", "-")


def _meta(result: dict[str, Any], instrument: Instrument) -> dict[str, Any]:
    meta = result.get("meta")
    if not isinstance(meta, dict):
        raise BadReply(NAME, "no 'meta' in the chart result")
    checks.same_symbol(NAME, wire_symbol(instrument), str(meta.get("symbol", "")))
    return meta


def snapshot(result: dict[str, Any], instrument: Instrument, ts_init: int) -> Snapshot:
    meta = _meta(result, instrument)
    if meta.get("regularMarketPrice") is None:
        raise NotAvailable(f"{NAME}: no price for {instrument.symbol} (empty result)")
    prev = meta.get("previousClose", meta.get("chartPreviousClose"))
    ts = int(checks.number(NAME, "regularMarketTime", meta.get("regularMarketTime"))) * _S
    return Snapshot(
        symbol=instrument.symbol,
        price=checks.price(NAME, "regularMarketPrice", meta.get("regularMarketPrice")),
        prev_close=checks.optional_price(NAME, "previousClose", prev),
        volume=None
        if meta.get("regularMarketVolume") is None
        else checks.size(NAME, "regularMarketVolume", meta.get("regularMarketVolume")),
        provider=NAME,
        ts_event=min(ts, ts_init),
        ts_init=ts_init,
    )


def bars(result: dict[str, Any], instrument: Instrument, interval: str, ts_init: int) -> list[Bar]:
    _meta(result, instrument)
    stamps = result.get("timestamp")
    quotes = (
        (result.get("indicators") or {}).get("quote") if isinstance(result.get("indicators"), dict) else None
    )
    if not stamps or not isinstance(quotes, list) or not quotes or not isinstance(quotes[0], dict):
        raise NotAvailable(f"{NAME}: no {interval} bars for {instrument.symbol} (empty result)")
    q = quotes[0]
    cols = [q.get(k) for k in ("open", "high", "low", "close")]
    volumes = q.get("volume") or [0] * len(stamps)
    if not all(isinstance(c, list) and len(c) == len(stamps) for c in [*cols, volumes]):
        raise BadReply(NAME, "chart columns missing or of different lengths")
    out: list[Bar] = []
    for i, t in enumerate(stamps):
        o, h, low, c = (col[i] for col in cols)  # type: ignore[index]
        if o is None or h is None or low is None or c is None:
            continue
        where = f"bar {t}"
        bar = Bar(
            symbol=instrument.symbol,
            interval=interval,
            open=checks.price(NAME, f"{where} open", o),
            high=checks.price(NAME, f"{where} high", h),
            low=checks.price(NAME, f"{where} low", low),
            close=checks.price(NAME, f"{where} close", c),
            volume=checks.size(NAME, f"{where} volume", volumes[i] or 0),
            ts_event=int(checks.number(NAME, f"{where} time", t)) * _S,
            ts_init=ts_init,
        )
        checks.ohlc(NAME, where, bar.open, bar.high, bar.low, bar.close)
        out.append(bar)
    if not out:
        raise NotAvailable(f"{NAME}: only empty rows for {instrument.symbol} {interval}")
    return out
