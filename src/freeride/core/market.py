"""Market data events: quotes, trades and bars.

Prices and sizes are floats here (speed); anything that becomes money is converted to ``Decimal``
where it meets an order or a fill.
"""

from __future__ import annotations

import msgspec

INTERVAL_SECONDS: dict[str, int] = {
    "1m": 60,
    "5m": 300,
    "15m": 900,
    "30m": 1_800,
    "1h": 3_600,
    "4h": 14_400,
    "1d": 86_400,
    "1w": 604_800,
}


class Quote(msgspec.Struct, frozen=True, kw_only=True):
    """Best bid and ask at ``ts_event``."""

    symbol: str
    bid: float
    ask: float
    bid_size: float = 0.0
    ask_size: float = 0.0
    ts_event: int
    ts_init: int

    @property
    def mid(self) -> float:
        return (self.bid + self.ask) / 2


class Trade(msgspec.Struct, frozen=True, kw_only=True):
    """One print on the tape."""

    symbol: str
    price: float
    size: float
    ts_event: int
    ts_init: int
    trade_id: str | None = None


class Bar(msgspec.Struct, frozen=True, kw_only=True):
    """OHLCV over one interval; ``ts_event`` is the bar's opening time, the key it is stored under."""

    symbol: str
    interval: str
    open: float
    high: float
    low: float
    close: float
    volume: float
    ts_event: int
    ts_init: int
