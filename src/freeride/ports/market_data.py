"""What the gateway needs from a market-data provider, spoken in core types only.

Every provider (Alpha Vantage, Finnhub, Massive, Yahoo, the simulator) implements ``MarketData``;
the ones that push trades or quotes also implement ``QuoteStream``. Stocks (``AAPL``) and forex
pairs (``EUR/USD``) travel through the same methods: each adapter maps the ``Instrument`` to its
own symbol syntax, so nothing above it knows that Yahoo spells the pair ``EURUSD=X``.

Errors are the ``core.errors`` tree: ``TemporaryError`` (incl. ``RateLimited``) for passing faults,
``AuthError`` for a bad key, ``NotAvailable`` when the plan or endpoint does not offer the data,
``InvalidInput`` when the request itself is wrong (an unknown symbol, an unsupported interval).
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Iterable
from enum import StrEnum
from typing import Protocol, runtime_checkable

from freeride.core.instruments import AssetClass, Instrument
from freeride.core.market import Bar, Quote, Trade
from freeride.core.snapshot import Snapshot

StreamEvent = Quote | Trade


class RequestKind(StrEnum):
    """What is asked of a provider; the gateway keeps one provider chain per kind and asset class."""

    QUOTE = "quote"
    BARS = "bars"


@runtime_checkable
class MarketData(Protocol):
    """Latest prices and historical bars for stocks and forex from one provider."""

    @property
    def name(self) -> str:
        """Short provider name used in settings, messages and events (``finnhub``)."""
        ...

    def supports(self, kind: RequestKind, asset_class: AssetClass, interval: str | None = None) -> bool:
        """Whether this provider can answer at all (so the chain skips it without a call)."""
        ...

    async def latest(self, instrument: Instrument) -> Snapshot:
        """The latest price; ``ts_init`` is when this process received it."""
        ...

    async def bars(self, instrument: Instrument, interval: str, start_ns: int, end_ns: int) -> list[Bar]:
        """Bars with ``start_ns <= ts_event < end_ns``, oldest first (possibly empty for a holiday)."""
        ...

    async def fx_rate(self, base: str, quote: str) -> Snapshot:
        """How many ``quote`` one ``base`` buys (the ``BASE/QUOTE`` pair's latest price)."""
        ...

    async def aclose(self) -> None:
        """Release connections; the provider is not used afterwards."""
        ...


@runtime_checkable
class QuoteStream(Protocol):
    """Trades and quotes pushed by a provider for the symbols subscribed.

    ``events()`` connects, (re)sends every current subscription and yields events until the
    connection drops, when it raises ``TemporaryError``; calling it again reconnects and
    resubscribes, so whoever drives the stream owns the reconnect policy (and can report it).
    """

    @property
    def name(self) -> str: ...

    async def subscribe(self, instruments: Iterable[Instrument]) -> None:
        """Add symbols; sent at once when connected, and on every reconnect."""
        ...

    async def unsubscribe(self, instruments: Iterable[Instrument]) -> None: ...

    def events(self) -> AsyncIterator[StreamEvent]: ...

    async def aclose(self) -> None: ...
