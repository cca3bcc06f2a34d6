"""The simulator as a ``QuoteStream``: a quote and a trade per symbol every ``quote_interval_s``.

Time comes from the injected clock, so with a ``ManualClock`` a test decides when each batch is
produced, and with the same seed two runs produce the same events. With ``hours`` a symbol whose
market is closed gets nothing (no quote, no trade) until it opens again, and its price resumes
where it stopped. A symbol the simulator refuses to price (``SimulatorData.check``) is not
subscribed: the refusal is logged with the symbol, and the other symbols stream on.
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Iterable

import structlog

from freeride.adapters.simulator.config import SimulatorConfig
from freeride.adapters.simulator.data import SimulatorData
from freeride.core.clock import Clock
from freeride.core.errors import InvalidInput
from freeride.core.instruments import Instrument
from freeride.core.market import Quote, Trade
from freeride.ports.calendar import MarketHours
from freeride.ports.market_data import StreamEvent

log = structlog.get_logger(__name__)


class SimulatorStream:
    name = "simulator"

    def __init__(
        self, clock: Clock, config: SimulatorConfig | None = None, hours: MarketHours | None = None
    ) -> None:
        self._clock = clock
        self._hours = hours
        self._data = SimulatorData(clock, config, hours)
        self._symbols: dict[str, Instrument] = {}
        self._closed = False
        self.refused: dict[str, str] = {}  # symbol → why it is not streamed

    async def subscribe(self, instruments: Iterable[Instrument]) -> None:
        for instrument in instruments:
            try:
                self._data.check(instrument)
            except InvalidInput as exc:
                if instrument.symbol not in self.refused:
                    log.warning("simulator.refused", symbol=instrument.symbol, error=str(exc))
                self.refused[instrument.symbol] = str(exc)
                continue
            self._symbols[instrument.symbol] = instrument

    async def unsubscribe(self, instruments: Iterable[Instrument]) -> None:
        for instrument in instruments:
            self._symbols.pop(instrument.symbol, None)

    async def events(self) -> AsyncIterator[StreamEvent]:
        interval = self._data.config.quote_interval_s
        while not self._closed:
            await self._clock.sleep(interval)
            now = self._clock.now_ns()
            for instrument in list(self._symbols.values()):
                if instrument.symbol not in self._symbols:
                    continue  # unsubscribed while this batch was being read
                if self._hours is not None and not self._hours.is_open(instrument, now):
                    continue
                snap = self._data.snapshot(instrument, now)
                yield Quote(
                    symbol=instrument.symbol,
                    bid=snap.bid or snap.price,
                    ask=snap.ask or snap.price,
                    bid_size=100.0,
                    ask_size=100.0,
                    ts_event=now,
                    ts_init=now,
                )
                if not instrument.is_forex:
                    yield Trade(
                        symbol=instrument.symbol, price=snap.price, size=100.0, ts_event=now, ts_init=now
                    )

    async def aclose(self) -> None:
        self._closed = True
