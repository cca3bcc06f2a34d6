"""The pure domain: instruments, clocks, ids and events."""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime
from decimal import Decimal

import msgspec
import pytest

from freeride.core.clock import LiveClock, ManualClock, datetime_to_ns, ns_to_datetime
from freeride.core.component import Component, ComponentState
from freeride.core.errors import DataFileError, InvalidInput, RateLimited, TemporaryError, UnknownOutcome
from freeride.core.events import EVENT_TYPES
from freeride.core.instruments import AssetClass, parse_instrument
from freeride.core.market import Bar, Quote
from freeride.core.orders import OrderStatus, client_order_id


def test_stock_and_forex_are_one_type() -> None:
    goog = parse_instrument(" goog ")
    eur = parse_instrument("eur/usd")
    jpy = parse_instrument("USD/JPY")
    assert goog.symbol == "GOOG"
    assert goog.asset_class is AssetClass.STOCK
    assert goog.tick_size == Decimal("0.01")
    assert goog.quote_currency == "USD"
    assert eur.symbol == "EUR/USD"
    assert eur.is_forex
    assert (eur.base_currency, eur.quote_currency, eur.tick_size) == ("EUR", "USD", Decimal("0.00001"))
    assert jpy.tick_size == Decimal("0.001")
    assert parse_instrument("BRK.B").topic_key == "BRK_B"


@pytest.mark.parametrize("bad", ["", "EUR/US", "12AB", "AAPL$", "EUR-USD/X"])
def test_bad_symbols_are_named(bad: str) -> None:
    with pytest.raises(InvalidInput, match="neither a stock ticker"):
        parse_instrument(bad)


def test_events_are_immutable_and_round_trip_msgpack() -> None:
    bar = Bar(
        symbol="GOOG", interval="1d", open=1, high=2, low=0.5, close=1.5, volume=10, ts_event=1, ts_init=2
    )
    with pytest.raises(AttributeError):
        bar.close = 3.0  # type: ignore[misc]
    assert msgspec.msgpack.decode(msgspec.msgpack.encode(bar), type=Bar) == bar
    assert Quote(symbol="EUR/USD", bid=1.0, ask=1.0002, ts_event=0, ts_init=0).mid == pytest.approx(1.0001)
    for kind in EVENT_TYPES:
        assert kind.__struct_config__.frozen, kind


def test_client_order_id_is_deterministic_and_distinct() -> None:
    a = client_order_id("sma", "sig-1", 0)
    assert a == client_order_id("sma", "sig-1", 0)
    assert len({a, client_order_id("sma", "sig-1", 1), client_order_id("sma", "sig-2", 0)}) == 3
    assert a.startswith("fr-")
    assert len(a) <= 48


def test_open_statuses() -> None:
    assert OrderStatus.PENDING_NEW.is_open
    assert OrderStatus.PARTIALLY_FILLED.is_open
    assert not OrderStatus.FILLED.is_open
    assert not OrderStatus.REJECTED.is_open


def test_errors_carry_what_the_caller_needs() -> None:
    assert isinstance(RateLimited("slow down", retry_after=2.5), TemporaryError)
    assert RateLimited("x", 2.5).retry_after == 2.5
    assert UnknownOutcome("timeout", "fr-1").client_order_id == "fr-1"
    err = DataFileError("bars.csv", 12, "close 'x' is not a number")
    assert str(err) == "bars.csv:12: close 'x' is not a number"


def test_time_conversions_are_utc() -> None:
    dt = datetime(2017, 4, 19, 9, 0, tzinfo=UTC)
    ns = datetime_to_ns(dt)
    assert ns == 1_492_592_400_000_000_000
    assert ns_to_datetime(ns) == dt
    assert datetime_to_ns(datetime(2017, 4, 19, 9, 0)) == ns  # naive is taken as UTC


async def test_manual_clock_wakes_sleepers_in_deadline_order() -> None:
    clock = ManualClock(0)
    woke: list[str] = []

    async def sleeper(name: str, seconds: float) -> None:
        await clock.sleep(seconds)
        woke.append(name)

    tasks = [asyncio.create_task(sleeper("late", 2)), asyncio.create_task(sleeper("early", 1))]
    await asyncio.sleep(0)
    assert clock.sleepers == 2
    clock.advance(1)
    await asyncio.sleep(0)
    assert woke == ["early"]
    clock.advance(5)
    await asyncio.gather(*tasks)
    assert woke == ["early", "late"]
    with pytest.raises(ValueError, match="backwards"):
        clock.set_ns(0)


def test_live_clock_reads_the_wall_clock() -> None:
    assert abs(LiveClock().now_ns() - datetime_to_ns(datetime.now(UTC))) < 5_000_000_000


class Probe(Component):
    name = "probe"

    def __init__(self, fail: bool = False) -> None:
        super().__init__()
        self.fail = fail
        self.calls: list[str] = []

    async def _on_start(self) -> None:
        self.calls.append("start")
        if self.fail:
            raise RuntimeError("cannot connect")

    async def _on_stop(self) -> None:
        self.calls.append("stop")


async def test_component_lifecycle() -> None:
    p = Probe()
    await p.start()
    await p.start()  # idempotent
    assert p.state is ComponentState.RUNNING
    await p.stop()
    assert p.state is ComponentState.STOPPED
    assert p.calls == ["start", "stop"]
    await p.start()
    assert p.calls == ["start", "stop", "start"]


async def test_component_failing_to_start_is_failed_and_cannot_restart_blindly() -> None:
    p = Probe(fail=True)
    with pytest.raises(RuntimeError, match="cannot connect"):
        await p.start()
    assert p.state is ComponentState.FAILED
    with pytest.raises(RuntimeError, match="cannot start from state failed"):
        await p.start()
