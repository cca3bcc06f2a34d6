"""The ``StrategyContext`` of a backtest: intents go straight to the simulated exchange.

Updates the exchange answers with are queued and handed to the strategies after the current
``on_bar`` returns, in order: the same breadth-first order the bus gives them live, so a strategy
never sees its fill in the middle of its own decision.

The driver sets ``bar`` to the bar being handed out: its ``ts_init`` is the simulated now. A
driver that skips ``SimulatedExchange.on_bar`` while no order waits (see ``engine._single``) lets
the exchange learn the bar only when an order is submitted, the one moment it needs it before
the run ends.
"""

from __future__ import annotations

from collections.abc import Iterable

import msgspec

from freeride.core.market import Bar
from freeride.core.orders import Fill, Order, OrderIntent, OrderStatus, Signal, order_from_intent
from freeride.exchange.engine import SimulatedExchange, Update
from freeride.strategies.base import Strategy

# enum members as module constants: ``OrderStatus.X`` is a metaclass lookup, several times slower
_ACCEPTED = OrderStatus.ACCEPTED


class BacktestContext:
    __slots__ = (
        "_exchange_submit",
        "_last_bars",
        "_strategies",
        "bar",
        "exchange",
        "fills",
        "queue",
        "signals",
        "trade_from",
    )

    def __init__(self, exchange: SimulatedExchange, trade_from: int = 0) -> None:
        self.exchange = exchange
        self._exchange_submit = exchange.submit
        self._last_bars = exchange.last_bars
        self.trade_from = trade_from  # orders before this time (warm-up) are refused
        self.bar: Bar | None = None  # the bar being handed to the strategies
        self.queue: list[Update] = []  # one list for the whole run: a driver may hold on to it
        self.fills: list[Fill] = []
        self.signals = 0
        self._strategies: dict[str, Strategy] = {}

    def register(self, strategy: Strategy) -> None:
        strategy.bind(self)
        self._strategies[strategy.id] = strategy

    # StrategyContext -------------------------------------------------------------------------
    def now_ns(self) -> int:
        """The simulated time: when the current bar became known (0 before the first)."""
        bar = self.bar
        return 0 if bar is None else bar.ts_init

    def emit_signal(self, signal: Signal) -> None:
        self.signals += 1

    def submit(self, intent: OrderIntent) -> None:
        bar = self.bar
        if bar is None:
            now = 0
        else:
            now = bar.ts_init
            self._last_bars[bar.symbol] = bar  # the price a close fill takes
        order = order_from_intent(intent, now)
        if now < self.trade_from:
            self.queue.append(
                msgspec.structs.replace(order, status=OrderStatus.REJECTED, reason="warm-up: not trading yet")
            )
            return
        ack, updates = self._exchange_submit(order, now)
        queue = self.queue
        queue.append(ack)
        queue += updates

    def close(self) -> None:
        """The run is over: mark the book at the last bars and let go of the strategies.

        The exchange and the portfolio refer to each other (``Portfolio.refresh``), and so do the
        strategies and this context: cycles that only the garbage collector could free, holding
        every order of the run. Marked once more, the portfolio needs the exchange no longer, and
        all of it goes as soon as the caller drops it.
        """
        portfolio = self.exchange.portfolio
        if portfolio.refresh is not None:
            portfolio.refresh()
            portfolio.refresh = None
        self._strategies.clear()

    # delivery --------------------------------------------------------------------------------
    def deliver(self, updates: Iterable[Update]) -> None:
        """Hand fills and ended orders to the strategy that placed them."""
        strategies = self._strategies
        fills = self.fills
        for update in updates:
            if type(update) is Fill:
                fills.append(update)
                owner = strategies.get(update.strategy)
                if owner is not None:
                    owner.handle_fill(update)
            elif type(update) is Order and update.status is not _ACCEPTED:
                owner = strategies.get(update.strategy)
                if owner is not None:
                    owner.handle_order(update)

    def drain(self) -> None:
        """Deliver what is queued, and what that delivery queues, in order (breadth first)."""
        queue = self.queue
        while queue:
            batch = queue.copy()
            queue.clear()
            self.deliver(batch)
