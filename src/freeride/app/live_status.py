"""What a live run shows while it runs and reports when it ends.

``LiveStatus`` is fed synchronously by the bus (an assignment or an append per event), so the CLI
can redraw from it at any time without asking the components anything.
"""

from __future__ import annotations

import asyncio
from collections.abc import Mapping
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

from freeride.bus import topics
from freeride.core.alerts import AlertFired
from freeride.core.instruments import Instrument
from freeride.core.market import Bar, Quote, Trade
from freeride.core.orders import Fill, Order, OrderIntent, Signal
from freeride.gateway.bars import interval_ns
from freeride.ports.bus import Bus, Subscription
from freeride.ports.calendar import MarketHours


@dataclass(frozen=True, slots=True)
class LastPrice:
    price: float
    bid: float | None
    ask: float | None
    ts_event: int


@dataclass
class LiveStatus:
    """What the live run has seen so far, fed synchronously by the bus; the CLI draws from it."""

    run_id: str = ""
    broker: str = ""
    simulated: bool = False
    notes: list[str] = field(default_factory=list)
    started_ns: int = 0
    prices: dict[str, LastPrice] = field(default_factory=dict)
    bars: dict[tuple[str, str], int] = field(default_factory=dict)
    last_bars: dict[tuple[str, str], Bar] = field(default_factory=dict)
    signals: int = 0
    intents: int = 0
    orders: dict[str, Order] = field(default_factory=dict)
    fills: list[Fill] = field(default_factory=list)
    alerts: list[AlertFired] = field(default_factory=list)
    ready: asyncio.Event = field(default_factory=asyncio.Event)
    hours: MarketHours | None = None  # the market hours the run follows (the view says when each opens)
    instruments: list[Instrument] = field(default_factory=list)
    streamed: list[str] = field(
        default_factory=list
    )  # every symbol streamed, the watch set's added as they come
    until_ns: int | None = None  # a --seconds deadline: bars built after it are past the run's end

    def attach(self, bus: Bus) -> list[Subscription]:
        sub = bus.subscribe
        return [
            sub(topics.ALL_QUOTES, self._on_quote),
            sub(topics.ALL_TRADES, self._on_trade),
            sub(topics.ALL_BARS, self._on_bar),
            sub(topics.ALL_SIGNALS, self._on_signal),
            sub(topics.ALL_INTENTS, self._on_intent),
            sub(topics.ALL_ORDER_UPDATES, self._on_order),
            sub(topics.ALL_FILLS, self.fills.append),
            sub(topics.ALL_ALERTS, self.alerts.append),
        ]

    def _on_quote(self, quote: Quote) -> None:
        self.prices[quote.symbol] = LastPrice(quote.mid, quote.bid, quote.ask, quote.ts_event)

    def _on_trade(self, trade: Trade) -> None:
        last = self.prices.get(trade.symbol)
        bid, ask = (last.bid, last.ask) if last is not None else (None, None)
        self.prices[trade.symbol] = LastPrice(trade.price, bid, ask, trade.ts_event)

    def _on_bar(self, bar: Bar) -> None:
        if self.until_ns is not None and bar.ts_event + interval_ns(bar.interval) > self.until_ns:
            return  # it ended after the run's deadline (built while the run was stopping)
        key = (bar.symbol, bar.interval)
        self.bars[key] = self.bars.get(key, 0) + 1
        self.last_bars[key] = bar

    def _on_signal(self, _signal: Signal) -> None:
        self.signals += 1

    def _on_intent(self, _intent: OrderIntent) -> None:
        self.intents += 1

    def _on_order(self, order: Order) -> None:
        self.orders[order.client_order_id] = order


@dataclass(frozen=True, slots=True)
class LiveSummary:
    run_id: str
    ledger_run_id: str
    broker: str
    simulated: bool
    database: str
    stopped_by: str
    seconds: float
    bars: int
    signals: int
    orders: int
    fills: int
    last_prices: Mapping[str, float]
    currency: str | None
    starting_equity: Decimal | None
    equity: Decimal | None
    pnl: Decimal | None
    positions: Mapping[str, Decimal]
    events_published: int
    handler_failures: int
    late_ticks: int
    notes: tuple[str, ...] = ()
    off_session_ticks: int = 0  # ticks dropped because their market was closed

    def to_json(self) -> dict[str, Any]:
        """Plain JSON types; money and quantities as strings so no digit is lost."""

        def money(value: Decimal | None) -> str | None:
            return None if value is None else str(value)

        return {
            "run_id": self.run_id,
            "ledger_run_id": self.ledger_run_id,
            "broker": self.broker,
            "simulated": self.simulated,
            "database": self.database,
            "stopped_by": self.stopped_by,
            "seconds": round(self.seconds, 3),
            "bars": self.bars,
            "signals": self.signals,
            "orders": self.orders,
            "fills": self.fills,
            "last_prices": dict(self.last_prices),
            "currency": self.currency,
            "starting_equity": money(self.starting_equity),
            "equity": money(self.equity),
            "pnl": money(self.pnl),
            "positions": {k: str(v) for k, v in self.positions.items()},
            "events_published": self.events_published,
            "handler_failures": self.handler_failures,
            "late_ticks": self.late_ticks,
            "off_session_ticks": self.off_session_ticks,
            "notes": list(self.notes),
        }
