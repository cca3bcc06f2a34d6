"""The one strategy API used by the backtester, the paper broker and live trading.

A strategy never talks to a broker or the bus. It reads events handed to it and says what it
wants to hold through its ``StrategyContext``; sizing to an order, risk and routing happen outside.
It keeps its own view of position and of quantity still in flight, so asking for the same target
twice does not order twice.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from decimal import Decimal
from typing import ClassVar, Protocol

from freeride.core.market import Bar, Quote, Trade
from freeride.core.orders import (
    Direction,
    Fill,
    Order,
    OrderIntent,
    OrderStatus,
    Side,
    Signal,
    client_order_id,
)

ZERO = Decimal(0)
# enum members as module constants: ``Side.BUY`` is a metaclass lookup, several times slower
_BUY, _SELL = Side.BUY, Side.SELL
_LONG, _SHORT, _FLAT = Direction.LONG, Direction.SHORT, Direction.FLAT
_FILLED = OrderStatus.FILLED


class StrategyContext(Protocol):
    """What a running strategy may do; the host (backtester or live) implements it."""

    def now_ns(self) -> int: ...

    def emit_signal(self, signal: Signal) -> None: ...

    def submit(self, intent: OrderIntent) -> None: ...


class _Silent:
    """The context a strategy warms up in: what it would signal or order is dropped."""

    def now_ns(self) -> int:
        return 0

    def emit_signal(self, signal: Signal) -> None:
        return None

    def submit(self, intent: OrderIntent) -> None:
        return None


_SILENT = _Silent()


class Strategy:
    """Base class; subclasses override ``on_bar`` / ``on_quote`` / ``on_trade`` / ``on_fill``.

    Restarting live, the host first ``resume``s the strategy at its stored position and in-flight
    quantity and ``warm_up``s its indicators on past bars (``history_needed`` of them), so it
    decides on its next bar as if it had never stopped.
    """

    kind: ClassVar[str] = "strategy"

    def __init__(self, strategy_id: str, symbols: tuple[str, ...]) -> None:
        self.id = strategy_id
        self.symbols = symbols
        self._ctx: StrategyContext | None = None
        self._position: dict[str, Decimal] = {}
        self._in_flight: dict[str, Decimal] = {}
        self._order_qty: dict[str, Decimal] = {}

    def bind(self, ctx: StrategyContext) -> None:
        self._ctx = ctx

    @property
    def ctx(self) -> StrategyContext:
        if self._ctx is None:
            raise self._unbound()
        return self._ctx

    def _unbound(self) -> RuntimeError:
        return RuntimeError(f"strategy {self.id!r} is not bound to a context yet")

    # -- hooks ---------------------------------------------------------------------------------
    def on_bar(self, bar: Bar) -> None:
        """A completed bar of one of ``symbols``."""

    def on_quote(self, quote: Quote) -> None:
        """A new best bid/ask of one of ``symbols``."""

    def on_trade(self, trade: Trade) -> None:
        """A print of one of ``symbols``."""

    def on_fill(self, fill: Fill) -> None:
        """One of this strategy's orders (partly) filled; the position is already updated."""

    # -- restarting ------------------------------------------------------------------------------
    def history_needed(self) -> int:
        """Past bars this strategy needs before its decisions mean anything (0: none)."""
        return 0

    def warm_up(self, bars: Iterable[Bar]) -> int:
        """Feed past ``bars`` to the indicators without acting on them; returns how many.

        Signals and orders the bars would have caused are dropped, and the position and in-flight
        view are left as they were, then ``realign`` makes the decision state agree with them.
        """
        ctx, position, in_flight = self._ctx, dict(self._position), dict(self._in_flight)
        self._ctx = _SILENT
        count = 0
        try:
            for bar in bars:
                self.on_bar(bar)
                count += 1
        finally:
            self._ctx = ctx
            self._position, self._in_flight = position, in_flight
            self.realign()
        return count

    def resume(self, positions: Mapping[str, Decimal], in_flight: Mapping[str, Decimal]) -> None:
        """Start from a stored position and the quantity of orders still open (signed)."""
        self._position = {s: q for s, q in positions.items() if q}
        self._in_flight = {s: q for s, q in in_flight.items() if q}
        self.realign()

    def realign(self) -> None:
        """Make decision state kept beside the position (a held direction) agree with it."""

    # -- bookkeeping the host calls ------------------------------------------------------------
    def handle_fill(self, fill: Fill) -> None:
        symbol = fill.symbol
        signed = fill.quantity if fill.side is _BUY else -fill.quantity
        position = self._position
        in_flight = self._in_flight
        position[symbol] = position.get(symbol, ZERO) + signed
        in_flight[symbol] = in_flight.get(symbol, ZERO) - signed
        self.on_fill(fill)

    def handle_order(self, order: Order) -> None:
        """An order ended without (full) fill: what did not fill is no longer in flight."""
        status = order.status
        if status is _FILLED or status.is_open:
            return
        unfilled = order.quantity - order.filled_quantity
        signed = unfilled if order.side is Side.BUY else -unfilled
        self._in_flight[order.symbol] = self._in_flight.get(order.symbol, ZERO) - signed

    def position(self, symbol: str) -> Decimal:
        return self._position.get(symbol, ZERO)

    def exposure(self, symbol: str) -> Decimal:
        """Position plus what is ordered and not yet filled."""
        return self._position.get(symbol, ZERO) + self._in_flight.get(symbol, ZERO)

    # -- acting ----------------------------------------------------------------------------------
    def target(self, symbol: str, quantity: Decimal, ts_event: int, reason: str = "") -> None:
        """Hold ``quantity`` (signed) of ``symbol``: emit the signal and the order for the difference."""
        in_flight = self._in_flight.get(symbol, ZERO)
        delta = quantity - (self._position.get(symbol, ZERO) + in_flight)
        if not delta:
            return
        ctx = self._ctx
        if ctx is None:
            raise self._unbound()
        now = ctx.now_ns()
        strategy = self.id
        signal_id = f"{strategy}:{symbol}:{ts_event}"
        ctx.emit_signal(
            Signal(
                signal_id=signal_id,
                strategy=strategy,
                symbol=symbol,
                direction=_LONG if quantity > ZERO else _SHORT if quantity < ZERO else _FLAT,
                reason=reason,
                ts_event=ts_event,
                ts_init=now,
            )
        )
        self._in_flight[symbol] = in_flight + delta
        ctx.submit(
            OrderIntent(
                client_order_id=client_order_id(strategy, signal_id, 0),
                strategy=strategy,
                signal_id=signal_id,
                symbol=symbol,
                side=_BUY if delta > ZERO else _SELL,
                quantity=abs(delta),
                ts_event=ts_event,
                ts_init=now,
            )
        )
