"""The simulator prices symbols a market could list and refuses the rest, naming the symbol."""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime

import pytest

from freeride.adapters.simulator.data import SimulatorData
from freeride.adapters.simulator.stream import SimulatorStream
from freeride.core.clock import ManualClock, datetime_to_ns
from freeride.core.errors import InvalidInput
from freeride.core.instruments import AssetClass, Instrument, forex, parse_instrument, stock

T = datetime_to_ns(datetime(2024, 3, 5, 16, 0, tzinfo=UTC))  # a Tuesday, stock session open


@pytest.mark.parametrize(
    ("instrument", "named"),
    [
        (stock("EURUSD"), "write 'EUR/USD'"),
        (stock("hello world"), "neither a stock ticker"),
        (stock("goog"), "is not written as a stock"),
        (stock(""), "neither a stock ticker"),
        (forex("ABC/XYZ"), "ABC, XYZ is not an ISO 4217"),
        (forex("EUR/XXQ"), "XXQ is not an ISO 4217"),
        (
            Instrument(
                symbol="GOOG",
                asset_class=AssetClass.FOREX,
                quote_currency="USD",
                tick_size=stock("GOOG").tick_size,
                lot_size=stock("GOOG").lot_size,
                price_precision=2,
            ),
            "is not written as a forex pair",
        ),
    ],
)
async def test_malformed_symbols_are_refused_by_name(instrument: Instrument, named: str) -> None:
    sim = SimulatorData(ManualClock(T))
    for ask in (sim.latest(instrument), sim.bars(instrument, "1d", T - 10**15, T)):
        with pytest.raises(InvalidInput, match=named) as caught:
            await ask
        assert repr(instrument.symbol) in str(caught.value) or "neither" in str(caught.value)
    with pytest.raises(InvalidInput, match=named):
        sim.snapshot(instrument, T)


async def test_listable_symbols_are_priced() -> None:
    sim = SimulatorData(ManualClock(T))
    for symbol in ("GOOG", "BRK.B", "BRK-B", "SAP", "VOW3", "EUR/USD", "USD/JPY", "XAU/USD", "USD/CNH"):
        snap = await sim.latest(parse_instrument(symbol))
        assert snap.symbol == symbol
        assert snap.price > 0


async def test_the_stream_skips_a_refused_symbol_and_streams_the_others() -> None:
    clock = ManualClock(T)
    stream = SimulatorStream(clock)
    await stream.subscribe([stock("EURUSD"), parse_instrument("GOOG"), forex("EUR/USD")])
    assert set(stream.refused) == {"EURUSD"}
    assert "write 'EUR/USD'" in stream.refused["EURUSD"]
    events = stream.events()
    task = asyncio.ensure_future(anext(events))
    await asyncio.sleep(0)
    assert clock.sleepers == 1
    clock.advance(1)
    first = [await task, await anext(events), await anext(events)]  # GOOG quote + trade, EUR/USD
    assert {e.symbol for e in first} == {"GOOG", "EUR/USD"}
    await stream.aclose()
