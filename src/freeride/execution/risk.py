"""Pre-trade risk checks: every order passes all of them or is refused with the reason.

Time-based limits (orders per minute, trading hours, the day of the daily loss) read the order's
``ts_event``: the market time the decision was made at, so a replay and live trading agree.

Boundaries (see ``config.risk``): a maximum is allowed, one step beyond it is not; the rate
limit lets the N-th order of a rolling minute through and refuses the N+1-th; trading hours
include their start and exclude their end; the daily loss halts when it reaches its limit.
Position and exposure limits never refuse an order that brings the position closer to flat, so a
lowered limit can always be traded back under.
"""

from __future__ import annotations

from collections import deque
from datetime import UTC, datetime, timedelta
from decimal import Decimal
from zoneinfo import ZoneInfo

from freeride.config.risk import RiskSettings
from freeride.core.clock import NS_PER_SECOND
from freeride.core.orders import AccountState, Order, Side
from freeride.execution.book import ZERO, OrderBook

MINUTE_NS = 60 * NS_PER_SECOND


class RiskManager:
    def __init__(self, settings: RiskSettings) -> None:
        self.settings = settings
        self._allowed = frozenset(settings.allowed_instruments)
        self._window = settings.window()
        self._days = settings.weekday_numbers()
        self._zone = ZoneInfo(settings.timezone)
        self._recent: deque[int] = deque()
        self._day_start: dict[str, tuple[str, Decimal]] = {}  # account → (day, equity at its start)
        self.refused = 0

    # -- pre-trade -----------------------------------------------------------------------------
    def check(self, order: Order, book: OrderBook) -> str | None:
        """Why ``order`` may not go out, or ``None``; a passing order counts towards the rate."""
        reason = self._reason(order, book)
        if reason is not None:
            self.refused += 1
            return reason
        if self.settings.max_orders_per_minute is not None:
            self._recent.append(order.ts_event)
        return None

    def _reason(self, order: Order, book: OrderBook) -> str | None:
        s = self.settings
        if self._allowed and order.symbol not in self._allowed:
            return f"{order.symbol} is not in allowed_instruments"
        if self._window is not None:
            reason = self._hours(order.ts_event)
            if reason:
                return reason
        if s.max_orders_per_minute is not None:
            cutoff = order.ts_event - MINUTE_NS
            recent = self._recent
            while recent and recent[0] <= cutoff:
                recent.popleft()
            if len(recent) >= s.max_orders_per_minute:
                return f"max_orders_per_minute {s.max_orders_per_minute} reached"
        signed = order.quantity if order.side is Side.BUY else -order.quantity
        current = book.projected(order.symbol)
        after = current + signed
        closer = abs(after) < abs(current)
        limit = s.max_position_by_symbol.get(order.symbol, s.max_position)
        if limit is not None and abs(after) > limit and not closer:
            return f"position {after} would exceed max_position {limit} for {order.symbol}"
        needs_price = s.max_order_notional is not None or s.max_gross_exposure is not None
        if not needs_price:
            return None
        price = order.limit_price or order.stop_price or book.marks.get(order.symbol)
        if price is None:
            return f"no price known for {order.symbol} to check notional limits against"
        notional = order.quantity * price
        if s.max_order_notional is not None and notional > s.max_order_notional:
            return f"order notional {notional} exceeds max_order_notional {s.max_order_notional}"
        if s.max_gross_exposure is not None and not closer:
            gross = abs(after) * price
            for symbol in set(book.positions) | set(book.open_qty):
                if symbol != order.symbol:
                    gross += abs(book.projected(symbol)) * book.marks.get(symbol, ZERO)
            if gross > s.max_gross_exposure:
                return f"gross exposure {gross} would exceed max_gross_exposure {s.max_gross_exposure}"
        return None

    def _local(self, ts_ns: int) -> datetime:
        """``ts_ns`` in the risk time zone, exact to the microsecond (a float would round)."""
        seconds, rest = divmod(ts_ns, NS_PER_SECOND)
        utc = datetime.fromtimestamp(seconds, tz=UTC).replace(microsecond=rest // 1_000)
        return utc.astimezone(self._zone)

    def _hours(self, ts_ns: int) -> str | None:
        assert self._window is not None
        local = self._local(ts_ns)
        start, end = self._window
        if local.weekday() not in self._days or not start <= local.time() < end:
            return f"outside trading hours ({self.settings.trading_hours} {self.settings.timezone})"
        return None

    # -- daily loss ----------------------------------------------------------------------------
    def day_of(self, ts_ns: int) -> str:
        return self._local(ts_ns).date().isoformat()

    def next_day_ns(self, ts_ns: int) -> int:
        """Midnight after ``ts_ns`` in the risk time zone: when a daily-loss halt ends."""
        local = self._local(ts_ns)
        midnight = datetime.combine(local.date(), datetime.min.time(), tzinfo=self._zone)
        nxt = (midnight + timedelta(days=1)).astimezone(UTC)
        return int(nxt.timestamp()) * NS_PER_SECOND

    def loss_today(self, state: AccountState) -> Decimal:
        """The account's loss since the first equity seen today (0 when it is up)."""
        day = self.day_of(state.ts_event)
        start = self._day_start.get(state.account)
        if start is None or start[0] != day:
            self._day_start[state.account] = (day, state.equity)
            return ZERO
        return max(ZERO, start[1] - state.equity)

    def daily_loss_breached(self, state: AccountState) -> Decimal | None:
        """The loss when it has reached ``max_daily_loss``, else ``None``."""
        limit = self.settings.max_daily_loss
        loss = self.loss_today(state)
        if limit is not None and loss >= limit:
            return loss
        return None
