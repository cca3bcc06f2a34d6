"""Polling turned into events, for providers that do not stream.

Every ``interval_s`` of the clock the poller asks the gateway for each watched instrument (so the
cache, the limits and failover all apply) and publishes a ``Quote`` or ``Trade`` when the price
is newer than the last one published: a provider answering the same print twice makes one event.
A failed poll was already reported by the gateway; the poller carries on with the next symbol.
With market hours, a symbol whose market is closed is not asked at all (``skipped_closed``): a
weekend spends none of a provider's quota.
"""

from __future__ import annotations

import asyncio
from collections.abc import Sequence

import structlog

from freeride.bus import topics
from freeride.core.clock import Clock
from freeride.core.component import Component
from freeride.core.errors import FreerideError
from freeride.core.instruments import Instrument
from freeride.core.market import Quote
from freeride.gateway.events import snapshot_event
from freeride.gateway.service import MarketDataGateway
from freeride.ports.bus import Bus
from freeride.ports.calendar import MarketHours

log = structlog.get_logger(__name__)


class QuotePoller(Component):
    name = "quote_poller"

    def __init__(
        self,
        gateway: MarketDataGateway,
        bus: Bus,
        clock: Clock,
        instruments: Sequence[Instrument],
        interval_s: float | None = None,
        hours: MarketHours | None = None,
    ) -> None:
        super().__init__()
        self._hours = hours
        self._gateway = gateway
        self._bus = bus
        self._clock = clock
        self._instruments = list(instruments)
        self._interval_s = interval_s if interval_s is not None else gateway.config.poll_interval_s
        self._last: dict[str, int] = {}
        self._task: asyncio.Task[None] | None = None
        self.published = 0
        self.failed = 0
        self.rounds = 0
        self.skipped_closed = 0

    @property
    def symbols(self) -> set[str]:
        return {i.symbol for i in self._instruments}

    async def watch(self, instruments: Sequence[Instrument]) -> None:
        """Poll ``instruments`` too, from the next round on."""
        known = self.symbols
        self._instruments.extend(i for i in instruments if i.symbol not in known)

    async def poll_once(self) -> None:
        now = self._clock.now_ns()
        for instrument in self._instruments:
            if self._hours is not None and not self._hours.is_open(instrument, now):
                self.skipped_closed += 1
                continue
            try:
                snapshot = await self._gateway.latest(instrument)
            except FreerideError as exc:
                self.failed += 1
                log.warning("poller.failed", symbol=instrument.symbol, error=str(exc))
                continue
            if snapshot.ts_event <= self._last.get(snapshot.symbol, -1):
                continue
            self._last[snapshot.symbol] = snapshot.ts_event
            event = snapshot_event(snapshot)
            topic = topics.quote(event.symbol) if isinstance(event, Quote) else topics.trade(event.symbol)
            self._bus.publish(topic, event)
            self.published += 1
        self.rounds += 1

    async def _loop(self) -> None:
        while True:
            await self.poll_once()
            await self._clock.sleep(self._interval_s)

    async def _on_start(self) -> None:
        self._task = self.spawn(self._loop)

    async def _on_stop(self) -> None:
        if self._task is not None:
            self._task.cancel()
            await asyncio.gather(self._task, return_exceptions=True)
