"""Strategies that decide a direction per bar (long, short or flat) and hold ``size`` that way.

Each rule is written once as three conditions per bar: *enter* (go to a direction), *exit long*
and *exit short*. The event-driven form applies them bar by bar in ``on_bar``; ``resolve`` applies
the same conditions to whole arrays for the vectorised backtest, so both paths trade the same.
Orders happen only when the direction changes, sized at that bar's close.
"""

from __future__ import annotations

from decimal import Decimal
from typing import ClassVar, Generic, TypeVar

import msgspec
import numpy as np
import numpy.typing as npt

from freeride.core.market import Bar
from freeride.core.orders import Order, OrderStatus
from freeride.strategies.base import ZERO, Strategy
from freeride.strategies.sizing import SizedParams

P = TypeVar("P", bound=SizedParams)
_FILLED = OrderStatus.FILLED
BoolArray = npt.NDArray[np.bool_]
Int8Array = npt.NDArray[np.int8]
FloatArray = npt.NDArray[np.float64]


class BarArrays(msgspec.Struct, frozen=True, kw_only=True):
    """One symbol's bars as columns (what the vectorised path and the reports compute on)."""

    symbol: str
    interval: str
    ts: npt.NDArray[np.int64]
    open: FloatArray
    high: FloatArray
    low: FloatArray
    close: FloatArray
    volume: FloatArray

    def __len__(self) -> int:
        return len(self.ts)

    def slice(self, start: int, stop: int) -> BarArrays:
        return BarArrays(
            symbol=self.symbol,
            interval=self.interval,
            ts=self.ts[start:stop],
            open=self.open[start:stop],
            high=self.high[start:stop],
            low=self.low[start:stop],
            close=self.close[start:stop],
            volume=self.volume[start:stop],
        )


class VectorRules(msgspec.Struct, frozen=True, kw_only=True):
    """Per bar: ``enter`` is the direction to take (-1, 0, 1) where ``entering``, else ignored;
    ``exit_long`` / ``exit_short`` flatten a long / short position (when not entering)."""

    entering: BoolArray
    enter: Int8Array
    exit_long: BoolArray
    exit_short: BoolArray


def resolve(rules: VectorRules) -> Int8Array:
    """The direction held after each bar, from whole arrays (no per-bar Python).

    After an entry at bar ``s`` the direction stands until the next entry, unless an exit for it
    comes first: a long opened at ``s`` is flat from the first ``exit_long`` bar after ``s``.
    """
    n = len(rules.enter)
    idx = np.arange(n)
    last_entry = np.maximum.accumulate(np.where(rules.entering, idx, -1))
    entry_dir = np.where(last_entry >= 0, rules.enter[np.maximum(last_entry, 0)], 0).astype(np.int8)
    last_xl = np.maximum.accumulate(np.where(rules.exit_long & ~rules.entering, idx, -1))
    last_xs = np.maximum.accumulate(np.where(rules.exit_short & ~rules.entering, idx, -1))
    exited = ((entry_dir > 0) & (last_xl > last_entry)) | ((entry_dir < 0) & (last_xs > last_entry))
    return np.where(exited, 0, entry_dir).astype(np.int8)


def direction_changes(rules: VectorRules) -> tuple[npt.NDArray[np.intp], Int8Array]:
    """The bars where the held direction changes and the direction taken there (sparse).

    Rules without exits (crossovers) need no dense pass: the direction can change only at an entry.
    """
    if not rules.exit_long.any() and not rules.exit_short.any():
        at = np.flatnonzero(rules.entering)
        taken = rules.enter[at]
        before = np.empty_like(taken)
        before[:1] = 0
        before[1:] = taken[:-1]
        keep = taken != before
        return at[keep], taken[keep]
    held = resolve(rules)
    before = np.empty_like(held)
    before[:1] = 0
    before[1:] = held[:-1]
    at = np.flatnonzero(held != before)
    return at, held[at]


class DirectionalStrategy(Strategy, Generic[P]):
    """A single-symbol strategy that holds ``+size``, ``-size`` or nothing.

    Subclasses implement ``on_bar`` (calling ``go``) and ``vector_rules`` (the same rule on arrays).
    """

    kind: ClassVar[str] = "directional"
    long_only_exit: ClassVar[str] = "exit"

    def __init__(self, strategy_id: str, symbol: str, params: P) -> None:
        super().__init__(strategy_id, (symbol,))
        self.symbol = symbol
        self.params = params
        self.direction = 0
        self._short = -1 if params.allow_short else 0
        # what ``go`` holds per direction when the size does not depend on the price (worked out
        # once, as ``go`` would: parameters are frozen)
        fixed = params.fixed_quantity if type(params).quantity_at is SizedParams.quantity_at else None
        self._held: dict[int, Decimal] = {} if fixed is None else {1: fixed * 1, -1: fixed * -1, 0: ZERO}

    def go(self, bar: Bar, direction: int, reason: str) -> None:
        """Hold ``direction`` (-1, 0, 1) from this bar on; nothing happens when it already does."""
        if direction == self.direction:
            return
        self.direction = direction
        quantity = self._held.get(direction)
        if quantity is None:
            quantity = self.params.quantity_at(bar.close) * direction if direction else ZERO
        self.target(self.symbol, quantity, bar.ts_event, reason)

    def realign(self) -> None:
        """The direction held is the one the exposure (position plus in flight) says."""
        exposure = self.exposure(self.symbol)
        self.direction = 1 if exposure > 0 else -1 if exposure < 0 else 0

    def handle_order(self, order: Order) -> None:
        """An order refused or cancelled leaves the strategy where it really stands."""
        super().handle_order(order)
        status = order.status
        if status is not _FILLED and not status.is_open:
            exposure = self.exposure(self.symbol)
            self.direction = 1 if exposure > 0 else -1 if exposure < 0 else 0

    def apply(
        self, bar: Bar, entering: bool, enter: int, exit_long: bool, exit_short: bool, why: str
    ) -> None:
        """The event-driven twin of ``resolve`` for one bar."""
        if entering:
            self.go(bar, enter, why)
        elif (exit_long and self.direction > 0) or (exit_short and self.direction < 0):
            self.go(bar, 0, why)

    @classmethod
    def vector_rules(cls, params: P, bars: BarArrays) -> VectorRules:
        raise NotImplementedError(f"{cls.kind} has no vectorised form")


def falses(n: int) -> BoolArray:
    return np.zeros(n, dtype=np.bool_)


def entries(n: int, up: BoolArray, down: BoolArray, short: int) -> tuple[BoolArray, Int8Array]:
    """``(entering, enter)`` for rules that go long on ``up`` and short (or flat) on ``down``."""
    enter = up.view(np.int8).copy()  # 1 where up (booleans are bytes of 0 and 1)
    if short:
        enter -= (down & ~up).view(np.int8)
    return up | down, enter
