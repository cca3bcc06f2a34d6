"""In-memory views the API reads without touching storage: last prices and recent signals.

Both are fed synchronously by the bus (an assignment or an append, O(1)), so they cost the hot
path nothing measurable, and a ``GET /quotes`` is a dict lookup rather than a query. Signals are
kept in a bounded ring: they are advisory and re-derived by the strategies, so losing the old ones
on restart loses nothing that matters.
"""

from __future__ import annotations

from collections import deque
from dataclasses import dataclass

from freeride.bus import topics
from freeride.core.market import Bar, Quote
from freeride.core.orders import Signal
from freeride.ports.bus import Bus


@dataclass(frozen=True, slots=True)
class LastPrice:
    """The latest price known for a symbol, from a quote (bid/ask) or a bar (close)."""

    symbol: str
    price: float
    bid: float | None
    ask: float | None
    source: str  # "quote" or "bar:<interval>"
    ts_event: int


class LiveViews:
    """Last price per symbol and the most recent signals, newest last."""

    def __init__(self, bus: Bus, signals_kept: int = 500) -> None:
        self.prices: dict[str, LastPrice] = {}
        self.signals: deque[Signal] = deque(maxlen=signals_kept)
        self._subs = [
            bus.subscribe(topics.ALL_QUOTES, self._on_quote),
            bus.subscribe(topics.ALL_BARS, self._on_bar),
            bus.subscribe(topics.ALL_SIGNALS, self._on_signal),
        ]

    def _on_quote(self, quote: Quote) -> None:
        self.prices[quote.symbol] = LastPrice(
            quote.symbol, quote.mid, quote.bid, quote.ask, "quote", quote.ts_event
        )

    def _on_bar(self, bar: Bar) -> None:
        current = self.prices.get(bar.symbol)
        if current is None or current.source != "quote" or current.ts_event <= bar.ts_event:
            self.prices[bar.symbol] = LastPrice(
                bar.symbol, bar.close, None, None, f"bar:{bar.interval}", bar.ts_event
            )

    def _on_signal(self, signal: Signal) -> None:
        self.signals.append(signal)

    def close(self) -> None:
        for sub in self._subs:
            sub.cancel()
