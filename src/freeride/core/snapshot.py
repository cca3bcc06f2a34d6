"""What a market-data provider says about an instrument right now, and who the company is.

A ``Snapshot`` is the answer to "what is AAPL (or EUR/USD) trading at?": the last price, the
bid/ask when the provider has them, and the previous close so a change can be shown. It names the
provider that answered, because a chain of providers stands behind every request and the operator
should see which one it was and how old its answer is.
"""

from __future__ import annotations

import msgspec


class Snapshot(msgspec.Struct, frozen=True, kw_only=True):
    """The latest price of one instrument as one provider reported it at ``ts_event``."""

    symbol: str
    price: float
    provider: str
    ts_event: int
    ts_init: int
    bid: float | None = None
    ask: float | None = None
    prev_close: float | None = None
    volume: float | None = None

    @property
    def change(self) -> float | None:
        """Price minus the previous close, when the provider gave one."""
        return None if self.prev_close is None else self.price - self.prev_close

    @property
    def change_pct(self) -> float | None:
        if self.prev_close is None or self.prev_close == 0:
            return None
        return (self.price - self.prev_close) / self.prev_close * 100.0

    def age_ns(self, now_ns: int) -> int:
        """How old the price is at ``now_ns`` (never negative: clocks of vendors drift)."""
        return max(0, now_ns - self.ts_event)


class CompanyProfile(msgspec.Struct, frozen=True, kw_only=True):
    """Who a listed company is; every field but the symbol is optional because vendors vary."""

    symbol: str
    name: str | None = None
    exchange: str | None = None
    currency: str | None = None
    country: str | None = None
    industry: str | None = None
    market_cap: float | None = None
    ipo: str | None = None
    website: str | None = None
