"""The streamed set: every symbol someone watches, trades or has an alert on, kept streaming.

A price alert on a symbol nothing trades must still fire, so the live feed streams the union of
the configured watchlists, the symbols added from the CLI or the dashboard, the trading sleeves'
symbols and every symbol an alert rule names; bars are built for the series that alert rules on
indicators (RSI, SMA crosses) need. Sources are asked again every ``interval_s`` on the
injected clock (alerts and watch-list entries may be added by another process); a symbol that
appears is subscribed at once. Symbols are never dropped while running: a stream subscription is
cheap, and an alert removed and added back would otherwise miss the prices between.
"""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable, Iterable, Sequence
from typing import Protocol

import structlog

from freeride.core.clock import Clock
from freeride.core.component import Component
from freeride.core.errors import InvalidInput
from freeride.core.instruments import Instrument, parse_instrument

log = structlog.get_logger(__name__)

SymbolSource = Callable[[], Iterable[str] | Awaitable[Iterable[str]]]
SeriesSource = Callable[[], Iterable[tuple[str, str]]]


class BarBuilder(Protocol):
    """Builds bars of more (symbol, interval) series on request (``LiveBars``)."""

    def track(self, symbol: str, interval: str) -> bool: ...


class WatchableFeed(Protocol):
    """A live feed that can take more symbols while it runs (the stream fan-in, the poller)."""

    @property
    def symbols(self) -> set[str]: ...

    async def watch(self, instruments: Sequence[Instrument]) -> None: ...


class WatchSet(Component):
    name = "watch-set"

    def __init__(
        self,
        feed: WatchableFeed,
        sources: dict[str, SymbolSource],
        clock: Clock,
        interval_s: float = 2.0,
        on_added: Callable[[list[Instrument]], None] | None = None,
        bars: BarBuilder | None = None,
        series: SeriesSource | None = None,
    ) -> None:
        super().__init__()
        self._feed = feed
        self._sources = sources
        self._clock = clock
        self._interval_s = interval_s
        self._on_added = on_added
        self._bars = bars
        self._series = series
        self._task: asyncio.Task[None] | None = None
        self.refused: dict[str, str] = {}  # symbol → why it cannot be streamed

    async def symbols(self) -> dict[str, str]:
        """Every symbol the sources name, with the first source that named it."""
        found: dict[str, str] = {}
        for source_name, source in self._sources.items():
            try:
                named = source()
                names = await named if isinstance(named, Awaitable) else named
            except Exception as exc:  # one source failing (the store is down) keeps the others
                log.warning("watch.source_failed", source=source_name, error=repr(exc))
                continue
            for symbol in names:
                found.setdefault(symbol, source_name)
        return found

    async def refresh(self) -> list[Instrument]:
        """Subscribe what the sources name and the feed does not stream yet; returns what was added."""
        streamed = self._feed.symbols
        added: list[Instrument] = []
        for symbol, source in (await self.symbols()).items():
            if symbol in streamed or symbol in self.refused:
                continue
            try:
                added.append(parse_instrument(symbol))
            except InvalidInput as exc:
                self.refused[symbol] = str(exc)
                log.warning("watch.refused", symbol=symbol, source=source, error=str(exc))
        if self._bars is not None and self._series is not None:
            for symbol, interval in self._series():
                if symbol not in self.refused and self._bars.track(symbol, interval):
                    log.info("watch.bars_added", symbol=symbol, interval=interval)
        if added:
            await self._feed.watch(added)
            log.info("watch.added", symbols=[i.symbol for i in added])
            if self._on_added is not None:
                self._on_added(added)
        return added

    async def _loop(self) -> None:
        while True:
            await self._clock.sleep(self._interval_s)
            await self.refresh()

    async def _on_start(self) -> None:
        await self.refresh()
        self._task = self.spawn(self._loop)

    async def _on_stop(self) -> None:
        if self._task is not None:
            self._task.cancel()
            await asyncio.gather(self._task, return_exceptions=True)
            self._task = None
