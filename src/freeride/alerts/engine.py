"""The alert engine: every rule evaluated on every tick, inside the tick's own bus delivery.

Rules live in sorted indexes (``alerts.book``): one book per symbol for prices, one per
(symbol, window) for percent moves, one per (symbol, interval, indicator) for RSI and SMA spreads.
A tick touches only its symbol's books, so it costs O(log n + fired) whatever the number of rules.

A firing is an ``AlertFired`` event published on the bus with the triggering price and the time
from the tick's arrival to the firing. The engine does no I/O: the firing writer stores the new
states and the notifications in batches, and the engine's state is rebuilt from them on restart
(``load``). Time-based changes (a cooldown ending, an expiry) are checked against each tick's
``ts_init`` and by the rule sync loop, so a quiet symbol still re-arms and expires its rules.
"""

from __future__ import annotations

import heapq
import itertools
import math
from collections.abc import Iterable
from typing import Any

from freeride.alerts.book import Book, Side
from freeride.alerts.trackers import MoveTracker, RsiTracker, SmaSpreadTracker
from freeride.bus import topics
from freeride.core.alerts import (
    ANY_SYMBOL,
    PRICE_KINDS,
    AlertFired,
    AlertKind,
    AlertRule,
    AlertState,
    WebhookAlert,
)
from freeride.core.clock import NS_PER_SECOND, Clock
from freeride.core.component import Component
from freeride.core.market import Bar, Quote, Trade
from freeride.ports.bus import Bus, Subscription

Entry = tuple[Book["Live"], Side, float]
_PRICE_SIDES = {
    AlertKind.ABOVE: (Side.ABOVE,),
    AlertKind.BELOW: (Side.BELOW,),
    AlertKind.CROSSES_ABOVE: (Side.UP,),
    AlertKind.CROSSES_BELOW: (Side.DOWN,),
    AlertKind.CROSSES: (Side.UP, Side.DOWN),
}


class Live:
    """A rule inside the engine: its definition, its state and where it sits in the index."""

    __slots__ = ("armed", "entries", "rule", "state", "version")

    def __init__(self, rule: AlertRule, state: AlertState, version: int) -> None:
        self.rule = rule
        self.state = state
        self.version = version  # when the stored definition last changed
        self.entries: list[Entry] = []
        self.armed = False


class AlertEngine(Component):
    """Evaluates rules on quotes (mid), trades (price) and bars (close; indicators per interval)."""

    name = "alert-engine"

    def __init__(self, bus: Bus, clock: Clock) -> None:
        super().__init__()
        self._bus = bus
        self._clock = clock
        self.rules: dict[str, Live] = {}
        self._prices: dict[str, Book[Live]] = {}
        self._moves: dict[str, dict[int, MoveTracker[Live]]] = {}
        self._rsi: dict[tuple[str, str], dict[int, RsiTracker[Live]]] = {}
        self._sma: dict[tuple[str, str], dict[tuple[int, int], SmaSpreadTracker[Live]]] = {}
        self._webhooks: dict[str, list[Live]] = {}
        self._timers: list[tuple[int, int, str]] = []  # (due ns, seq, alert id): re-arm or expire
        self._seq = itertools.count()
        self._subs: list[Subscription] = []
        self.fired = 0

    # -- lifecycle ---------------------------------------------------------------------------
    async def _on_start(self) -> None:
        bus = self._bus
        self._subs = [
            bus.subscribe(topics.ALL_TRADES, self.on_trade),
            bus.subscribe(topics.ALL_QUOTES, self.on_quote),
            bus.subscribe(topics.ALL_BARS, self.on_bar),
            bus.subscribe(topics.ALL_WEBHOOKS, self.on_webhook),
        ]

    async def _on_stop(self) -> None:
        for sub in self._subs:
            sub.cancel()
        self._subs = []

    # -- rules -------------------------------------------------------------------------------
    def load(self, rules: Iterable[tuple[AlertRule, AlertState | None]]) -> None:
        """Take rules with their stored state (on start)."""
        now = self._clock.now_ns()
        for rule, state in rules:
            self.upsert(rule, state, now)

    def upsert(
        self, rule: AlertRule, state: AlertState | None = None, now_ns: int | None = None, *, version: int = 0
    ) -> None:
        """Add a rule, or replace one whose stored definition is newer (``version``: its change time).

        A rule the engine already has at that version is left alone: its in-memory state is ahead
        of the store (a firing may not be written yet), so reading it back must not re-arm it.
        """
        now = self._clock.now_ns() if now_ns is None else now_ns
        old = self.rules.get(rule.id)
        if old is not None:
            if version <= old.version:
                return
            self.remove(rule.id)
        live = Live(rule, state or AlertState(alert_id=rule.id), version)
        self.rules[rule.id] = live
        if not live.state.active:
            return
        if rule.expires_at is not None:
            heapq.heappush(self._timers, (rule.expires_at, next(self._seq), rule.id))
        if live.state.cooldown_until > now:
            heapq.heappush(self._timers, (live.state.cooldown_until, next(self._seq), rule.id))
        elif rule.expires_at is None or rule.expires_at > now:
            self._arm(live)

    def symbols(self) -> set[str]:
        """The symbols active price rules watch (what the live feed must stream for them)."""
        return {
            live.rule.symbol
            for live in self.rules.values()
            if live.state.active
            and live.rule.symbol != ANY_SYMBOL
            and live.rule.kind is not AlertKind.WEBHOOK
        }

    def bar_series(self) -> set[tuple[str, str]]:
        """``(symbol, interval)`` of the active rules computed on bars (RSI, SMA crosses)."""
        return {
            (live.rule.symbol, live.rule.interval)
            for live in self.rules.values()
            if live.state.active and live.rule.interval is not None and live.rule.symbol != ANY_SYMBOL
        }

    def remove(self, alert_id: str) -> bool:
        live = self.rules.pop(alert_id, None)
        if live is None:
            return False
        self._disarm(live)
        live.state.active = False
        return True

    def _arm(self, live: Live) -> None:
        rule = live.rule
        live.armed = True
        if rule.kind is AlertKind.WEBHOOK:
            self._webhooks.setdefault(rule.symbol, []).append(live)
            return
        entries = self._entries(rule)
        for book, side, threshold in entries:
            book.add(side, threshold, live)
        live.entries = entries

    def _disarm(self, live: Live) -> None:
        live.armed = False
        for book, side, threshold in live.entries:
            book.discard(side, threshold, live)
        live.entries = []
        if live.rule.kind is AlertKind.WEBHOOK:
            hooks = self._webhooks.get(live.rule.symbol, [])
            if live in hooks:
                hooks.remove(live)

    def _entries(self, rule: AlertRule) -> list[Entry]:
        k, sym = rule.kind, rule.symbol
        t = rule.threshold if rule.threshold is not None else 0.0
        if k in PRICE_KINDS:
            book = self._prices.get(sym)
            if book is None:
                book = self._prices[sym] = Book()
            return [(book, side, t) for side in _PRICE_SIDES[k]]
        if k is AlertKind.MOVE_UP or k is AlertKind.MOVE_DOWN:
            assert rule.window_s is not None
            moves = self._moves.setdefault(sym, {})
            tracker = moves.get(rule.window_s) or moves.setdefault(rule.window_s, MoveTracker(rule.window_s))
            if k is AlertKind.MOVE_UP:
                return [(tracker.book, Side.ABOVE, t)]
            return [(tracker.book, Side.BELOW, -t)]
        assert rule.interval is not None
        key = (sym, rule.interval)
        if k is AlertKind.RSI_BELOW or k is AlertKind.RSI_ABOVE:
            assert rule.period is not None
            rsis = self._rsi.setdefault(key, {})
            rsi = rsis.get(rule.period) or rsis.setdefault(rule.period, RsiTracker(rule.period))
            return [(rsi.book, Side.BELOW if k is AlertKind.RSI_BELOW else Side.ABOVE, t)]
        assert rule.fast is not None
        assert rule.slow is not None
        smas = self._sma.setdefault(key, {})
        pair = (rule.fast, rule.slow)
        sma = smas.get(pair) or smas.setdefault(pair, SmaSpreadTracker(*pair))
        return [(sma.book, Side.UP if k is AlertKind.SMA_CROSS_UP else Side.DOWN, 0.0)]

    # -- ticks (hot path) --------------------------------------------------------------------
    def on_trade(self, trade: Trade) -> None:
        self.on_price(trade.symbol, trade.price, trade.ts_event, trade.ts_init)

    def on_quote(self, quote: Quote) -> None:
        self.on_price(quote.symbol, (quote.bid + quote.ask) * 0.5, quote.ts_event, quote.ts_init)

    def on_bar(self, bar: Bar) -> None:
        self.on_price(bar.symbol, bar.close, bar.ts_event, bar.ts_init)
        key = (bar.symbol, bar.interval)
        for group in (self._rsi.get(key), self._sma.get(key)):
            if group:
                for tracker in group.values():
                    fired = tracker.update(bar.close)
                    if fired:
                        self._fire(fired, bar.close, bar.ts_event, bar.ts_init)

    def on_price(self, symbol: str, price: float, ts_event: int, ts_init: int) -> None:
        if self._timers and self._timers[0][0] <= ts_init:
            self.run_timers(ts_init)
        book = self._prices.get(symbol)
        if book is not None:
            fired = book.update(price)
            if fired:
                self._fire(fired, price, ts_event, ts_init)
        moves = self._moves.get(symbol)
        if moves:
            for tracker in moves.values():
                fired = tracker.update(ts_event, price)
                if fired:
                    self._fire(fired, price, ts_event, ts_init)

    def on_webhook(self, alert: WebhookAlert) -> None:
        if self._timers and self._timers[0][0] <= alert.ts_init:
            self.run_timers(alert.ts_init)
        candidates = [*self._webhooks.get(alert.symbol or "", ()), *self._webhooks.get(ANY_SYMBOL, ())]
        fired = [live for live in candidates if _matches(live.rule, alert)]
        for live in fired:
            self._disarm(live)
        if fired:
            price = alert.price if alert.price is not None else math.nan
            self._fire(fired, price, alert.ts_event, alert.ts_init, symbol=alert.symbol, note=alert.text)

    def run_timers(self, now_ns: int) -> None:
        """Re-arm rules whose cooldown ended and drop rules that expired, up to ``now_ns``."""
        timers = self._timers
        while timers and timers[0][0] <= now_ns:
            _, _, alert_id = heapq.heappop(timers)
            live = self.rules.get(alert_id)
            if live is None or not live.state.active:
                continue
            expires = live.rule.expires_at
            if expires is not None and expires <= now_ns:
                self._disarm(live)
                live.state.active = False
            elif not live.armed and live.state.cooldown_until <= now_ns:
                self._arm(live)

    # -- firing ------------------------------------------------------------------------------
    def _fire(
        self,
        fired: list[Live],
        price: float,
        ts_event: int,
        ts_init: int,
        *,
        symbol: str | None = None,
        note: str | None = None,
    ) -> None:
        now = self._clock.now_ns()
        publish = self._bus.publish
        for live in fired:
            if len(live.entries) > 1:  # a two-sided rule (crosses): leave the other side too
                self._disarm(live)
            live.armed = False
            live.entries = []
            rule, state = live.rule, live.state
            if rule.expires_at is not None and rule.expires_at <= now:
                state.active = False
                continue
            state.fired_count += 1
            state.last_fired_at = now
            if rule.repeat:
                state.cooldown_until = now + int(rule.cooldown_s * NS_PER_SECOND)
                heapq.heappush(self._timers, (state.cooldown_until, next(self._seq), rule.id))
            else:
                state.active = False
            sym = symbol or rule.symbol
            self.fired += 1
            publish(
                topics.alert_fired(sym if sym != ANY_SYMBOL else "any"),
                AlertFired(
                    alert_id=rule.id,
                    symbol=sym,
                    kind=rule.kind,
                    price=price,
                    threshold=rule.threshold,
                    description=rule.describe(),
                    message=_join(rule.message, note),
                    user=rule.user,
                    tags=rule.tags,
                    notify=rule.notify,
                    quiet=rule.quiet is not None and rule.quiet.contains(now),
                    fired_count=state.fired_count,
                    active=state.active,
                    cooldown_until=state.cooldown_until,
                    latency_ns=now - ts_init,
                    ts_event=ts_event,
                    ts_init=now,
                ),
            )

    def stats(self) -> dict[str, Any]:
        armed = sum(1 for live in self.rules.values() if live.armed)
        return {"rules": len(self.rules), "armed": armed, "fired": self.fired}


def _matches(rule: AlertRule, alert: WebhookAlert) -> bool:
    if not rule.match:
        return True
    needle = rule.match.lower()
    return needle in (alert.action or "").lower() or needle in alert.text.lower()


def _join(message: str | None, note: str | None) -> str | None:
    if message and note:
        return f"{message} — {note}"
    return message or note
