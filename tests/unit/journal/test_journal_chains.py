"""Chains on a scripted session: the bus carries the correlation id across synchronous hops, the
journal joins the hops through an I/O component's task by the ids the domain carries, and each
fact is written once with its instrument and chain."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

import msgspec
import pytest

from freeride.bus import topics
from freeride.bus.memory import InMemoryBus
from freeride.core.alerts import AlertFired, AlertKind
from freeride.core.clock import ManualClock
from freeride.core.market import Bar, Quote
from freeride.core.notify import Delivery, DeliveryStatus
from freeride.core.orders import Direction, Fill, Order, OrderIntent, OrderStatus, OrderType, Side, Signal
from freeride.core.system import Level, SystemEvent
from freeride.journal.component import Journal


class Session:
    """A bus with the journal on it and a log of every system event it publishes."""

    def __init__(self) -> None:
        self.clock = ManualClock(1_000)
        self.bus = InMemoryBus(self.clock)
        self.journal = Journal(self.bus, self.clock)
        self.log: list[SystemEvent] = []
        self.bus.subscribe(topics.ALL_SYSTEM, self.log.append)

    def kinds(self) -> list[tuple[str, str | None]]:
        return [(e.kind, e.correlation_id) for e in self.log]


@pytest.fixture
async def session() -> Session:
    s = Session()
    await s.journal.start()
    return s


def bar(ts: int = 10) -> Bar:
    return Bar(
        symbol="GOOG",
        interval="1d",
        open=1,
        high=2,
        low=0.5,
        close=1.5,
        volume=9,
        ts_event=ts,
        ts_init=ts + 1,
    )


def intent() -> OrderIntent:
    return OrderIntent(
        client_order_id="fr-1",
        strategy="sma",
        signal_id="s1",
        symbol="GOOG",
        side=Side.BUY,
        quantity=Decimal(5),
        ts_event=10,
        ts_init=12,
    )


def order(status: OrderStatus, ts: int) -> Order:
    return Order(
        client_order_id="fr-1",
        strategy="sma",
        symbol="GOOG",
        side=Side.BUY,
        quantity=Decimal(5),
        order_type=OrderType.MARKET,
        status=status,
        ts_event=ts,
        ts_init=ts,
    )


def fill(ts: int) -> Fill:
    return Fill(
        fill_id="f1",
        client_order_id="fr-1",
        strategy="sma",
        symbol="GOOG",
        side=Side.BUY,
        quantity=Decimal(5),
        price=Decimal("1.60"),
        commission=Decimal("0.01"),
        ts_event=ts,
        ts_init=ts,
    )


def strategy_on(bus: InMemoryBus) -> None:
    """A strategy: each bar becomes a signal and an order intent, published while handling the bar."""

    def on_bar(_b: Any) -> None:
        bus.publish(
            topics.signal("sma"),
            Signal(
                signal_id="s1",
                strategy="sma",
                symbol="GOOG",
                direction=Direction.LONG,
                ts_event=10,
                ts_init=12,
            ),
        )
        bus.publish(topics.order_intent("sma"), intent())

    bus.subscribe(topics.ALL_BARS, on_bar)


async def test_bar_to_fill_is_one_chain_across_the_order_managers_task(session: Session) -> None:
    strategy_on(session.bus)
    session.bus.publish(topics.bar("GOOG", "1d"), bar())
    # later, from the order manager's own task: top-level publishes that would start fresh chains
    session.bus.publish(topics.order_update("GOOG"), order(OrderStatus.SUBMITTED, 20))
    session.bus.publish(topics.order_update("GOOG"), order(OrderStatus.FILLED, 30))
    session.bus.publish(topics.fill("GOOG"), fill(30))

    chain = {cid for _, cid in session.kinds()}
    assert len(chain) == 1
    assert None not in chain
    assert [k for k, _ in session.kinds()] == [
        "bar",
        "signal",
        "order_intent",
        "order_submitted",
        "order_filled",
        "fill",
    ]
    assert all(e.symbol == "GOOG" for e in session.log)
    assert session.log[0].level is Level.DEBUG  # the market root
    assert session.log[-1].data["price"] == "1.60"


async def test_what_an_adopted_event_causes_is_in_the_chain_too(session: Session) -> None:
    strategy_on(session.bus)
    caused: list[str | None] = []

    def position_keeper(_f: Any) -> None:
        caused.append(session.bus.correlation_id)
        session.bus.publish(
            topics.system(Level.INFO, "book"),
            SystemEvent(source="book", kind="booked", message="booked", ts_event=1, ts_init=1),
        )

    session.bus.subscribe(topics.ALL_FILLS, position_keeper)
    session.bus.publish(topics.bar("GOOG", "1d"), bar())
    session.bus.publish(topics.fill("GOOG"), fill(30))

    first = session.log[0].correlation_id
    assert caused == [first]
    booked = [e for e in session.log if e.kind == "booked"]
    assert booked[0].correlation_id == first  # stamped by the bus: published inside the chain


async def test_tick_to_alert_to_notification_is_one_chain(session: Session) -> None:
    fired = AlertFired(
        alert_id="a1",
        symbol="EUR/USD",
        kind=AlertKind.ABOVE,
        price=1.2,
        threshold=1.1,
        description="EUR/USD above 1.1",
        message=None,
        user="me",
        tags=(),
        notify=("discord",),
        quiet=False,
        fired_count=1,
        active=False,
        cooldown_until=0,
        latency_ns=5_000,
        ts_event=100,
        ts_init=105,
    )
    session.bus.subscribe(
        topics.ALL_QUOTES, lambda _q: session.bus.publish(topics.alert_fired("EUR/USD"), fired)
    )
    session.bus.publish(
        topics.quote("EUR/USD"), Quote(symbol="EUR/USD", bid=1.2, ask=1.2002, ts_event=100, ts_init=101)
    )
    delivered = Delivery(
        channel="discord",
        source="alerts",
        key="a1",
        title="🔔 EUR/USD",
        status=DeliveryStatus.DELIVERED,
        attempts=1,
        created_ns=105,
        ts_event=2_000_000_105,
        ts_init=2_000_000_105,
    )
    session.bus.publish(topics.delivery("discord"), delivered)

    assert [k for k, _ in session.kinds()] == ["quote", "alert_fired", "notification_delivered"]
    assert len({cid for _, cid in session.kinds()}) == 1
    assert session.log[-1].data["latency_s"] == 2.0


async def test_separate_market_events_are_separate_chains_and_quiet_ones_are_not_written(
    session: Session,
) -> None:
    strategy_on(session.bus)
    session.bus.publish(topics.bar("GOOG", "1d"), bar(10))
    session.bus.publish(topics.quote("MSFT"), Quote(symbol="MSFT", bid=1, ask=2, ts_event=1, ts_init=1))
    session.bus.publish(topics.bar("GOOG", "1d"), bar(20))
    bars = [e for e in session.log if e.kind == "bar"]
    assert len(bars) == 2  # the quote led to nothing: no entry
    assert bars[0].correlation_id != bars[1].correlation_id
    assert session.bus.correlation_id is None  # outside a dispatch


async def test_an_order_of_an_unknown_chain_starts_its_own(session: Session) -> None:
    session.bus.publish(topics.order_update("GOOG"), order(OrderStatus.REJECTED, 20))
    [entry] = session.log
    assert entry.kind == "order_rejected"
    assert entry.level is Level.WARNING
    assert entry.correlation_id is not None


async def test_links_are_bounded(session: Session) -> None:
    session.journal.max_links = 3
    for i in range(10):
        session.bus.publish(
            topics.order_intent("sma"), msgspec.structs.replace(intent(), client_order_id=f"fr-{i}")
        )
    assert session.journal.links == 3


async def test_stopping_unsubscribes(session: Session) -> None:
    await session.journal.stop()
    session.bus.publish(topics.fill("GOOG"), fill(1))
    assert session.log == []
