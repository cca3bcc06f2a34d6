"""The bus named by ``bus.backend``: the in-memory bus, and a clear refusal of what is not built yet.

``bus.backend=redis`` (Redis Streams, several processes) is a valid setting for the day the Redis
bus exists; until then a process asked for it stops before anything starts, saying so, rather than
running on the in-memory bus as if the setting had been read.
"""

from __future__ import annotations

from freeride.bus.memory import InMemoryBus
from freeride.config.settings import Settings
from freeride.core.clock import Clock
from freeride.core.errors import ConfigError

REDIS_NOT_YET = (
    "bus.backend / FREERIDE_BUS__BACKEND: 'redis' is not available yet: the Redis Streams bus is not "
    "built, so this process would run on the in-memory bus alone — use FREERIDE_BUS__BACKEND=memory "
    "(the default; one process runs every component)"
)


def build_bus(settings: Settings, clock: Clock) -> InMemoryBus:
    if settings.bus.backend != "memory":
        raise ConfigError(REDIS_NOT_YET)
    return InMemoryBus(clock)
