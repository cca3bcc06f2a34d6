"""Where each topic lives on Redis: stream keys per family and shard, and which a consumer reads.

Keys are ``<prefix>:<family>`` for the unordered families and ``<prefix>:<family>:<shard>`` for the
ordered ones, the shard being CRC-32 of the topic's key segment (a symbol, a strategy) modulo
``shards``: the same everywhere, unlike Python's salted ``hash``. One key's events therefore stay
in publish order on one stream, and a worker started with ``--shard i/n`` reads the shards
``s`` with ``s % n == i`` of every ordered family (and shares the unordered ones with its peers).
"""

from __future__ import annotations

import zlib
from dataclasses import dataclass

from freeride.bus import topics

_ORDERED = frozenset(topics.ORDERED_FAMILIES)


@dataclass(frozen=True)
class StreamConfig:
    """How the Redis bus lays out and keeps its streams (from ``bus.*`` settings).

    ``start`` is where a consumer group created now begins: ``new`` (entries added from now on)
    or ``all`` (everything the stream still holds). ``max_len`` trims each stream approximately
    on every add; ``retention_s`` also trims entries older than that (``XTRIM MINID``).
    """

    prefix: str = "freeride"
    shards: int = 8
    max_len: int = 1_000_000
    retention_s: float | None = None
    read_count: int = 1_000
    block_ms: int = 200
    reclaim_idle_ms: int = 30_000
    max_deliveries: int = 5
    dedupe_window: int = 200_000
    seen_ttl_s: float = 600.0
    start: str = "new"

    def __post_init__(self) -> None:
        if self.shards < 1:
            raise ValueError(f"bus shards must be at least 1, got {self.shards}")
        if self.max_deliveries < 1:
            raise ValueError(f"max_deliveries must be at least 1, got {self.max_deliveries}")
        if self.start not in ("new", "all"):
            raise ValueError(f"bus start must be 'new' or 'all', got {self.start!r}")


@dataclass(frozen=True)
class Shard:
    """Worker ``index`` of ``count`` (``--shard i/n``); ``Shard(0, 1)`` reads everything."""

    index: int = 0
    count: int = 1

    @classmethod
    def parse(cls, text: str) -> Shard:
        index, sep, count = text.partition("/")
        if not sep or not index.isdigit() or not count.isdigit():
            raise ValueError(f"--shard {text!r}: expected i/n, e.g. 0/2")
        shard = cls(int(index), int(count))
        if shard.count < 1 or not 0 <= shard.index < shard.count:
            raise ValueError(f"--shard {text!r}: i must be in 0..n-1")
        return shard

    def __str__(self) -> str:
        return f"{self.index}/{self.count}"


EVERY_SHARD = Shard()


def shard_of(key: str, shards: int) -> int:
    return zlib.crc32(key.encode()) % shards


class StreamMap:
    """Topic → stream key (cached per topic) and subscription pattern → the keys to read."""

    def __init__(self, config: StreamConfig, shard: Shard = EVERY_SHARD) -> None:
        if shard.count > config.shards:
            raise ValueError(
                f"--shard {shard}: at most {config.shards} workers (bus.shards) can share a role"
            )
        self.config = config
        self.shard = shard
        self._keys: dict[str, str | None] = {}
        self.dead_letters = f"{config.prefix}:dlq"

    def key(self, topic: str) -> str | None:
        """The stream of ``topic``; ``None`` for a topic of no known family (kept in-process)."""
        try:
            return self._keys[topic]
        except KeyError:
            pass
        family, key = topics.family_of(topic)
        if family in _ORDERED:
            out: str | None = f"{self.config.prefix}:{family}:{shard_of(key, self.config.shards)}"
        elif family in topics.UNORDERED_FAMILIES:
            out = f"{self.config.prefix}:{family}"
        else:
            out = None
        self._keys[topic] = out
        return out

    def owns(self, key: str) -> bool:
        """Whether this worker's shard reads ``key``'s events (a symbol, a strategy id)."""
        return shard_of(key, self.config.shards) % self.shard.count == self.shard.index

    def keys_for(self, pattern: str) -> list[str]:
        """Every stream this worker reads for a subscription to ``pattern``."""
        out: list[str] = []
        for family in topics.families_matching(pattern):
            if family in _ORDERED:
                out.extend(
                    f"{self.config.prefix}:{family}:{s}"
                    for s in range(self.config.shards)
                    if s % self.shard.count == self.shard.index
                )
            else:
                out.append(f"{self.config.prefix}:{family}")
        return out

    def seen(self, group: str) -> str:
        """The sorted set of event ids group ``group`` has handled (its persisted de-dup window)."""
        return f"{self.config.prefix}:seen:{group}"
