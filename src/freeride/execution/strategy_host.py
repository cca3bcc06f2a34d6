"""Runs a strategy on the bus: market data and its own fills in, signals and order intents out.

The host is a hot-path subscriber: it calls the strategy synchronously in publish order, exactly
as the backtester does, so live and backtest behaviour cannot drift apart.
"""

from __future__ import annotations

import structlog

from freeride.bus import topics
from freeride.core.clock import Clock
from freeride.core.component import Component
from freeride.core.market import Bar, Quote, Trade
from freeride.core.orders import Fill, Order, OrderIntent, Signal
from freeride.ports.bus import Bus, Subscription
from freeride.strategies.base import Strategy

log = structlog.get_logger(__name__)


class StrategyHost(Component):
    def __init__(self, strategy: Strategy, bus: Bus, clock: Clock, interval: str | None = None) -> None:
        super().__init__()
        self.name = f"strategy:{strategy.id}"
        self.strategy = strategy
        self._bus = bus
        self._clock = clock
        self._interval = interval
        self._subs: list[Subscription] = []
        self.warmed_bars = 0  # past bars the strategy was warmed up on before it started
        self.first_bar_ns: int | None = None  # clock time of its first live decision

    @property
    def interval(self) -> str | None:
        """The bar interval the strategy trades (``None``: bars of every interval)."""
        return self._interval

    # StrategyContext -----------------------------------------------------------------------------
    def now_ns(self) -> int:
        return self._clock.now_ns()

    def emit_signal(self, signal: Signal) -> None:
        self._bus.publish(topics.signal(signal.strategy), signal)

    def submit(self, intent: OrderIntent) -> None:
        self._bus.publish(topics.order_intent(intent.strategy), intent)

    # lifecycle -------------------------------------------------------------------------------------
    async def _on_start(self) -> None:
        s = self.strategy
        s.bind(self)
        sub = self._bus.subscribe
        for symbol in s.symbols:
            bar_topic = topics.bar(symbol, self._interval) if self._interval else topics.bars_of(symbol)
            self._subs += [
                sub(bar_topic, self._on_bar),
                sub(topics.quote(symbol), self._on_quote),
                sub(topics.trade(symbol), self._on_trade),
                sub(topics.fill(symbol), self._on_fill),
                sub(topics.order_update(symbol), self._on_order),
            ]

    async def _on_stop(self) -> None:
        for s in self._subs:
            s.cancel()
        self._subs.clear()

    def _on_bar(self, bar: Bar) -> None:
        if self.first_bar_ns is None:
            self._first_decision(bar)
        self.strategy.on_bar(bar)

    def _first_decision(self, bar: Bar) -> None:
        """Say when the strategy decides for the first time, and whether it was warm (after a
        restart the operator wants to know trading has resumed)."""
        self.first_bar_ns = self._clock.now_ns()
        needed = self.strategy.history_needed()
        log.info(
            "strategy.first_decision",
            strategy=self.strategy.id,
            bar_ts=bar.ts_event,
            warmed_bars=self.warmed_bars,
            warm=self.warmed_bars >= needed,
        )

    def _on_quote(self, quote: Quote) -> None:
        self.strategy.on_quote(quote)

    def _on_trade(self, trade: Trade) -> None:
        self.strategy.on_trade(trade)

    def _on_fill(self, fill: Fill) -> None:
        if fill.strategy == self.strategy.id:
            self.strategy.handle_fill(fill)

    def _on_order(self, order: Order) -> None:
        if order.strategy == self.strategy.id:
            self.strategy.handle_order(order)
