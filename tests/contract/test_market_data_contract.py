"""The contract every ``MarketData`` adapter keeps, whatever vendor stands behind it.

Answers are in core types, about the instrument asked for, stamped no later than received, and
bars come oldest first inside the asked range. What a provider does not offer is ``NotAvailable``
(and ``supports`` says so beforehand); garbage is a ``BadReply``, never a value.
"""

from __future__ import annotations

from datetime import UTC, datetime

import pytest
from contract_subjects import NOW, Subject

from freeride.core.clock import datetime_to_ns
from freeride.core.errors import InvalidInput, NotAvailable
from freeride.core.instruments import AssetClass, parse_instrument
from freeride.core.market import Bar
from freeride.core.snapshot import Snapshot
from freeride.net.errors import BadReply
from freeride.ports.market_data import MarketData, RequestKind

START = datetime_to_ns(datetime(2024, 5, 20, tzinfo=UTC))
END = datetime_to_ns(datetime(2024, 6, 1, tzinfo=UTC))


def test_is_a_market_data_provider(subject: Subject) -> None:
    assert isinstance(subject.adapter, MarketData)
    assert subject.adapter.name
    assert subject.adapter.supports(RequestKind.QUOTE, AssetClass.STOCK)


@pytest.mark.parametrize("symbol", ["AAPL", "EUR/USD"])
async def test_latest_is_a_snapshot_of_the_instrument_asked(subject: Subject, symbol: str) -> None:
    instrument = parse_instrument(symbol)
    if not subject.adapter.supports(RequestKind.QUOTE, instrument.asset_class):
        with pytest.raises(NotAvailable):
            await subject.adapter.latest(instrument)
        return
    try:
        snap = await subject.adapter.latest(instrument)
    except NotAvailable:
        return  # offered in general, not on this plan (Finnhub forex rates)
    assert isinstance(snap, Snapshot)
    assert snap.symbol == symbol
    assert snap.provider == subject.adapter.name
    assert snap.price > 0
    assert snap.ts_event <= snap.ts_init == NOW
    if snap.bid is not None and snap.ask is not None:
        assert snap.bid <= snap.price <= snap.ask or snap.bid <= snap.ask


async def test_fx_rate_is_the_pair_quote(subject: Subject) -> None:
    try:
        snap = await subject.adapter.fx_rate("EUR", "USD")
    except NotAvailable:
        assert subject.adapter.name == "finnhub"  # forex rates are paid-only there
        return
    assert snap.symbol == "EUR/USD"


@pytest.mark.parametrize("symbol", ["AAPL", "EUR/USD"])
async def test_daily_bars_oldest_first_inside_the_range(subject: Subject, symbol: str) -> None:
    instrument = parse_instrument(symbol)
    if not subject.adapter.supports(RequestKind.BARS, instrument.asset_class, "1d"):
        with pytest.raises((NotAvailable, InvalidInput)):
            await subject.adapter.bars(instrument, "1d", START, END)
        return
    try:
        bars = await subject.adapter.bars(instrument, "1d", START, END)
    except NotAvailable:
        assert subject.adapter.name == "finnhub"  # candles are paid-only: a 403 is not an outage
        return
    assert bars, "a weekday range has bars"
    assert all(isinstance(b, Bar) for b in bars)
    assert [b.ts_event for b in bars] == sorted({b.ts_event for b in bars})
    assert all(START <= b.ts_event < END for b in bars)
    assert all(b.symbol == symbol and b.interval == "1d" for b in bars)
    assert all(0 < b.low <= min(b.open, b.close) <= max(b.open, b.close) <= b.high for b in bars)
    assert all(b.volume >= 0 for b in bars)


async def test_unsupported_interval_is_refused_beforehand(subject: Subject) -> None:
    aapl = parse_instrument("AAPL")
    if subject.adapter.supports(RequestKind.BARS, aapl.asset_class, "3h"):
        pytest.fail("no provider offers 3h bars")
    with pytest.raises((NotAvailable, InvalidInput)):
        await subject.adapter.bars(aapl, "3h", START, END)


@pytest.mark.parametrize("fault", ["html", "truncated", "negative"])
async def test_garbage_is_a_bad_reply_never_a_value(wire_subject: Subject, fault: str) -> None:
    assert wire_subject.fake is not None
    wire_subject.fake.fail(fault)
    with pytest.raises(BadReply):
        await wire_subject.adapter.latest(parse_instrument("AAPL"))
