"""The ``StrategyContext`` of a backtest: intents go straight to the simulated exchange.

Updates the exchange answers with are queued and handed to the strategies after the current
``on_bar`` returns, in order: the same breadth-first order the bus gives them live, so a strategy
never sees its fill in the middle of its own decision.
"""

from __future__ import annotations

from collections.abc import Iterable

import msgspec

from freeride.core.orders import Fill, Order, OrderIntent, OrderStatus, Signal
from freeride.exchange.engine import SimulatedExchange, Update
from freeride.strategies.base import Strategy


class BacktestContext:
    __slots__ = ("_strategies", "exchange", "fills", "now", "queue", "signals", "trade_from")

    def __init__(self, exchange: SimulatedExchange, trade_from: int = 0) -> None:
        self.exchange = exchange
        self.trade_from = trade_from  # orders before this time (warm-up) are refused
        self.now = 0
        self.queue: list[Update] = []
        self.fills: list[Fill] = []
        self.signals = 0
        self._strategies: dict[str, Strategy] = {}

    def register(self, strategy: Strategy) -> None:
        strategy.bind(self)
        self._strategies[strategy.id] = strategy

    # StrategyContext -------------------------------------------------------------------------
    def now_ns(self) -> int:
        return self.now

    def emit_signal(self, signal: Signal) -> None:
        self.signals += 1

    def submit(self, intent: OrderIntent) -> None:
        order = Order(
            client_order_id=intent.client_order_id,
            strategy=intent.strategy,
            symbol=intent.symbol,
            side=intent.side,
            quantity=intent.quantity,
            order_type=intent.order_type,
            limit_price=intent.limit_price,
            stop_price=intent.stop_price,
            time_in_force=intent.time_in_force,
            status=OrderStatus.PENDING_NEW,
            ts_event=intent.ts_event,
            ts_init=self.now,
        )
        if self.now < self.trade_from:
            self.queue.append(
                msgspec.structs.replace(order, status=OrderStatus.REJECTED, reason="warm-up: not trading yet")
            )
            return
        ack, updates = self.exchange.submit(order, self.now)
        queue = self.queue
        queue.append(ack)
        queue.extend(updates)

    # delivery --------------------------------------------------------------------------------
    def deliver(self, updates: Iterable[Update]) -> None:
        """Hand fills and ended orders to the strategy that placed them."""
        strategies = self._strategies
        for update in updates:
            if type(update) is Fill:
                self.fills.append(update)
                owner = strategies.get(update.strategy)
                if owner is not None:
                    owner.handle_fill(update)
            elif type(update) is Order and update.status is not OrderStatus.ACCEPTED:
                owner = strategies.get(update.strategy)
                if owner is not None:
                    owner.handle_order(update)

    def drain(self) -> None:
        while self.queue:
            batch = self.queue
            self.queue = []
            self.deliver(batch)
