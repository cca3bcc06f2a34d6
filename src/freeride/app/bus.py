"""The bus named by ``bus.backend``: in-process, or Redis Streams between processes.

With ``redis``, each process joins the consumer group of its role (``run`` for ``freeride run``,
which hosts every role, so one stream prefix serves one such process at a time); a worker of a
sharded role reads only its shards. Roles that write to the store keep their de-duplication
window in Redis too, so a reclaimed entry they already handled is skipped after a crash.
"""

from __future__ import annotations

import os
import socket

from redis.asyncio import Redis

from freeride.bus.memory import InMemoryBus
from freeride.bus.redis import RedisBus
from freeride.bus.redis_streams import EVERY_SHARD, Shard, StreamConfig
from freeride.config.settings import BusSettings, Settings
from freeride.core.clock import Clock
from freeride.core.errors import ConfigError

# roles whose handlers write to the store: their handled event ids are persisted (see bus.redis)
WRITING_ROLES = frozenset({"run", "recorder", "execution", "alerts", "notifier", "research"})


# roles every process of which must see every event (each API worker feeds its own WebSocket
# clients, the bot answers from the prices and signals it has seen): a consumer group per process
# instead of per role, removed when the process stops
BROADCAST_ROLES = frozenset({"api", "bot"})


def _group(role: str, shard: Shard) -> str:
    if role in BROADCAST_ROLES:
        return f"{role}-{socket.gethostname()}-{os.getpid()}"
    return role if shard.count == 1 else f"{role}-{shard.index}of{shard.count}"


def stream_config(bus: BusSettings) -> StreamConfig:
    return StreamConfig(
        prefix=bus.stream_prefix,
        shards=bus.shards,
        max_len=bus.max_len,
        retention_s=bus.retention_s,
        read_count=bus.read_count,
        reclaim_idle_ms=int(bus.reclaim_idle_s * 1000),
        max_deliveries=bus.max_deliveries,
        dedupe_window=bus.dedupe_window,
        seen_ttl_s=bus.seen_ttl_s,
        start=bus.start,
    )


def redis_client(settings: Settings) -> Redis:
    if settings.redis_url is None:
        raise ConfigError("the redis bus needs redis_url (FREERIDE_REDIS_URL=redis://127.0.0.1:6379/0)")
    return Redis.from_url(settings.redis_url, health_check_interval=10, socket_keepalive=True)


def build_bus(
    settings: Settings, clock: Clock, *, role: str = "run", shard: Shard = EVERY_SHARD
) -> InMemoryBus:
    if settings.bus.backend == "memory":
        return InMemoryBus(clock)
    try:
        config = stream_config(settings.bus)
        return RedisBus(
            clock,
            redis_client(settings),
            group=_group(role, shard),
            config=config,
            shard=shard,
            persist_seen=role in WRITING_ROLES,
            ephemeral=role in BROADCAST_ROLES,
        )
    except ValueError as exc:
        raise ConfigError(f"bus: {exc}") from exc
