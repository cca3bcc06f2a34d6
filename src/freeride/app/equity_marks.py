"""Equity marks: the paper accounts' cash and equity published as the market moves.

A paper account's equity changes with every price, but its ``AccountState`` went out only after
fills, so nothing recorded how the day went between trades and the dashboard's chart started
empty each time it opened. This component publishes each paper account's ``AccountState`` on
``portfolio.account.<name>`` at bar times, at most once per ``step_s`` of market time per
account (so replay at any speed and live trading give the same density), and once more at stop;
a live service also marks at start, so a restart while markets are closed still leaves a point.
The recorder stores them (``equity_marks``); the dashboard reads them on load and follows the
same topic live. Brokers of real accounts publish their own states through the order manager.
"""

from __future__ import annotations

from collections.abc import Mapping

from freeride.bus import topics
from freeride.core.clock import NS_PER_SECOND, Clock
from freeride.core.component import Component
from freeride.core.market import Bar
from freeride.core.orders import AccountState
from freeride.exchange.portfolio import Portfolio
from freeride.ports.bus import Bus, Subscription

DEFAULT_STEP_S = 60.0


class EquityMarks(Component):
    """Publishes the accounts' states at bar times (see the module docstring)."""

    name = "equity-marks"

    def __init__(
        self,
        bus: Bus,
        clock: Clock,
        accounts: Mapping[str, Portfolio],
        step_s: float = DEFAULT_STEP_S,
        *,
        mark_at_start: bool = False,
    ) -> None:
        super().__init__()
        self._bus = bus
        self._clock = clock
        self._accounts = accounts
        self._step_ns = int(step_s * NS_PER_SECOND)
        self._last: dict[str, int] = {}
        self._latest_ns = 0
        self._subscription: Subscription | None = None
        self._mark_at_start = mark_at_start

    async def _on_start(self) -> None:
        # after the brokers (priority -100), which mark their portfolios on the bar first
        self._subscription = self._bus.subscribe(topics.ALL_BARS, self.on_bar, priority=100)
        if self._mark_at_start:  # live: the clock is market time (a replay's is not: it marks on bars)
            self.mark(self._clock.now_ns())

    async def _on_stop(self) -> None:
        if self._subscription is not None:
            self._subscription.cancel()
            self._subscription = None
        if self._latest_ns:  # the last word: where each account ended
            self.mark(self._latest_ns, force=True)

    def on_bar(self, bar: Bar) -> None:
        self.mark(bar.ts_event)

    def mark(self, ts_event: int, *, force: bool = False) -> None:
        """Publish each account's state at ``ts_event`` unless it was marked less than a step ago."""
        self._latest_ns = max(self._latest_ns, ts_event)
        now = self._clock.now_ns()
        for name, portfolio in self._accounts.items():
            last = self._last.get(name)
            if last is not None and (ts_event <= last or (ts_event - last < self._step_ns and not force)):
                continue
            self._last[name] = ts_event
            state = AccountState(
                account=name,
                currency=portfolio.currency,
                cash=portfolio.cash,
                equity=portfolio.equity,
                ts_event=ts_event,
                ts_init=now,
            )
            self._bus.publish(topics.account(name), state)
