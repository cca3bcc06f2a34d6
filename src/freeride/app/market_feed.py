"""Live market data onto the bus: the gateway plus whatever turns it into events.

Streaming providers (Finnhub, Massive, the simulator) feed the bus through ``StreamFanIn``; when
none is configured, ``QuotePoller`` asks the gateway on a timer instead. The composition root
starts the returned components in order and stops them in reverse.
"""

from __future__ import annotations

from collections.abc import Sequence

from freeride.app.gateway import MarketDataSetup
from freeride.core.clock import Clock
from freeride.core.component import Component
from freeride.core.instruments import Instrument
from freeride.gateway.fanin import StreamFanIn
from freeride.gateway.poller import QuotePoller
from freeride.ports.bus import Bus
from freeride.ports.calendar import MarketHours


def live_feed(
    setup: MarketDataSetup,
    bus: Bus,
    clock: Clock,
    instruments: Sequence[Instrument],
    hours: MarketHours | None = None,
) -> StreamFanIn | QuotePoller:
    """The fan-in of the streams, or the poller when no provider streams, for ``instruments``
    (more can be added while it runs); start it after the gateway. The poller asks nothing about
    a symbol while its market is closed (``hours``)."""
    if setup.streams:
        return StreamFanIn(setup.streams, bus, clock, instruments, setup.gateway.config)
    return QuotePoller(setup.gateway, bus, clock, instruments, hours=hours)


def live_components(
    setup: MarketDataSetup, bus: Bus, clock: Clock, instruments: Sequence[Instrument]
) -> list[Component]:
    """``[gateway, fan-in or poller]`` for ``instruments``, in start order."""
    return [setup.gateway, live_feed(setup, bus, clock, instruments)]
