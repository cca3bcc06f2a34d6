"""The Redis bus's own figures on ``/metrics``: consumer lag and pending entries per stream,
what was handled, skipped as a duplicate, claimed back and dead-lettered, and the connection.

Lag and pending come from ``XINFO GROUPS``, refreshed by the bus's upkeep task (every half
``bus.reclaim_idle_s``), so a scrape never waits on Redis. The stream label is the stream's key
without the prefix (``data.bar:3``): families times shards, a bounded set.
"""

from __future__ import annotations

from collections.abc import Callable

from freeride.bus.redis import RedisBus
from freeride.ops.metrics import Metrics, Samples


def register_stream_bus(metrics: Metrics, bus: RedisBus) -> None:
    prefix = f"{bus.config.prefix}:"

    def per_stream(figures: dict[str, int]) -> Samples:
        return [((key.removeprefix(prefix), bus.group), float(n)) for key, n in sorted(figures.items())]

    metrics.family(
        "freeride_bus_stream_lag",
        "Entries of each stream this process's consumer group has not read yet (XINFO GROUPS lag).",
        ("stream", "group"),
        lambda: per_stream(bus.lag),
    )
    metrics.family(
        "freeride_bus_stream_pending",
        "Entries read by the group and not yet acknowledged, per stream (its pending list).",
        ("stream", "group"),
        lambda: per_stream(bus.pending),
    )
    counts: tuple[tuple[str, str], ...] = (
        ("handled", "Entries handled by this process."),
        ("duplicates", "Entries skipped because their event id was handled already."),
        ("reclaimed", "Idle entries claimed from a dead or failing consumer."),
        ("dead_lettered", "Entries moved to the dead-letter stream."),
    )
    for name, doc in counts:
        metrics.family(f"freeride_bus_redis_{name}", doc, (), _count(bus, name), counter=True)
    metrics.gauge(
        "freeride_bus_redis_unwritten",
        "Events published here and not yet confirmed written to Redis.",
        lambda: float(bus.unwritten),
    )
    metrics.gauge("freeride_bus_redis_up", "1 while Redis answers this process.", lambda: float(bus.healthy))


def _count(bus: RedisBus, attribute: str) -> Callable[[], Samples]:
    return lambda: [((), float(getattr(bus, attribute)))]
