"""Stream fan-in: every streaming provider's trades and quotes onto the bus, reconnecting forever.

One task per stream. A dropped connection is reported (``stream_down``) and retried after an
exponential backoff on the clock; the stream resends its subscriptions on connect, and the first
event after a drop is reported as ``stream_up``, when the backoff starts again from its base.
A refused key stops that stream with an error event: reconnecting cannot fix it.
"""

from __future__ import annotations

import asyncio
from collections.abc import Sequence
from functools import partial

import structlog

from freeride.bus import topics
from freeride.core.clock import Clock
from freeride.core.component import Component
from freeride.core.errors import AuthError, FreerideError
from freeride.core.instruments import Instrument
from freeride.core.market import Trade
from freeride.gateway.config import GatewayConfig
from freeride.gateway.reports import Reporter
from freeride.net.retry import Backoff
from freeride.ports.bus import Bus
from freeride.ports.market_data import QuoteStream

log = structlog.get_logger(__name__)


class StreamFanIn(Component):
    name = "stream_fanin"

    def __init__(
        self,
        streams: Sequence[QuoteStream],
        bus: Bus,
        clock: Clock,
        instruments: Sequence[Instrument],
        config: GatewayConfig | None = None,
    ) -> None:
        super().__init__()
        self._streams = list(streams)
        self._bus = bus
        self._clock = clock
        self._instruments = list(instruments)
        self._config = config or GatewayConfig()
        self.reporter = Reporter(bus, clock)
        self._tasks: list[asyncio.Task[None]] = []
        self._topics: dict[tuple[bool, str], str] = {}
        self.published = 0
        self.drops: dict[str, int] = {}

    def _topic(self, is_trade: bool, symbol: str) -> str:
        topic = self._topics.get((is_trade, symbol))
        if topic is None:
            topic = topics.trade(symbol) if is_trade else topics.quote(symbol)
            self._topics[(is_trade, symbol)] = topic
        return topic

    async def _run(self, stream: QuoteStream) -> None:
        backoff = Backoff(self._config.reconnect_base_s, self._config.reconnect_cap_s)
        drops = 0
        await stream.subscribe(self._instruments)
        publish = self._bus.publish
        while True:
            flowing = False
            try:
                async for event in stream.events():
                    if not flowing:
                        flowing = True
                        backoff.reset()
                        if drops:
                            self.reporter.stream_up(stream.name, drops)
                    publish(self._topic(type(event) is Trade, event.symbol), event)
                    self.published += 1
                return
            except AuthError as exc:
                self.reporter.stream_stopped(stream.name, str(exc))
                return
            except FreerideError as exc:
                drops += 1
                self.drops[stream.name] = drops
                delay = backoff.next_delay()
                self.reporter.stream_down(stream.name, str(exc), delay)
                await self._clock.sleep(delay)

    @property
    def symbols(self) -> set[str]:
        return {i.symbol for i in self._instruments}

    async def watch(self, instruments: Sequence[Instrument]) -> None:
        """Stream ``instruments`` too, from now on (every stream is asked to subscribe them)."""
        known = self.symbols
        new = [i for i in instruments if i.symbol not in known]
        if not new:
            return
        self._instruments.extend(new)
        for stream in self._streams:
            try:
                await stream.subscribe(new)
            except FreerideError as exc:  # it subscribes them again when it reconnects
                log.warning("fanin.subscribe_failed", stream=stream.name, error=str(exc))

    async def _on_start(self) -> None:
        self._tasks = [self.spawn(partial(self._run, s), f"stream:{s.name}") for s in self._streams]

    async def _on_stop(self) -> None:
        for task in self._tasks:
            task.cancel()
        await asyncio.gather(*self._tasks, return_exceptions=True)
        for stream in self._streams:
            try:
                await stream.aclose()
            except Exception as exc:  # one stream failing to close must not keep the others open
                log.warning("fanin.close_failed", stream=stream.name, error=repr(exc))
