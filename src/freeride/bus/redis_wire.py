"""The Redis commands of the stream bus, each in one place (and one round trip where it can be)."""

from __future__ import annotations

from collections.abc import Iterable

from redis.asyncio import Redis
from redis.exceptions import ResponseError


async def create_groups(client: Redis, keys: Iterable[str], group: str, start: str) -> None:
    """Make ``group`` on every stream (and the stream when missing); an existing group is kept."""
    for key in keys:
        try:
            await client.xgroup_create(key, group, id=start, mkstream=True)
        except ResponseError as exc:
            if "BUSYGROUP" not in str(exc):
                raise


async def destroy_group(client: Redis, keys: list[str], group: str) -> None:
    """Remove ``group`` from every stream (a process's own broadcast group, at its clean stop)."""
    if keys:
        pipe = client.pipeline(transaction=False)
        for key in keys:
            pipe.xgroup_destroy(key, group)
        await pipe.execute(raise_on_error=False)


async def ack(
    client: Redis, group: str, done: dict[str, list[bytes]], seen_key: str | None, ids: list[str], now_ms: int
) -> None:
    """``XACK`` per stream; with ``seen_key``, the handled event ids go into the group's persisted
    window in the same ``MULTI``, so an acknowledged entry is always one the window knows."""
    pipe = client.pipeline(transaction=seen_key is not None)
    for key, entry_ids in done.items():
        pipe.xack(key, group, *entry_ids)
    if seen_key is not None and ids:
        pipe.zadd(seen_key, dict.fromkeys(ids, now_ms))
    await pipe.execute()


async def seen_among(client: Redis, seen_key: str, ids: list[str]) -> set[str]:
    """Which of ``ids`` the group's persisted window holds."""
    if not ids:
        return set()
    scores = await client.zmscore(seen_key, ids)
    return {i for i, score in zip(ids, scores, strict=True) if score is not None}


async def forget_seen_before(client: Redis, seen_key: str, cutoff_ms: int) -> int:
    return int(await client.zremrangebyscore(seen_key, "-inf", cutoff_ms))


async def autoclaim(
    client: Redis, key: str, group: str, consumer: str, min_idle_ms: int, count: int
) -> list[tuple[bytes, bytes]]:
    """Entries of ``key`` idle past ``min_idle_ms`` now owned by ``consumer`` (one sweep)."""
    out: list[tuple[bytes, bytes]] = []
    start: bytes | str = "0-0"
    while True:
        reply = await client.xautoclaim(key, group, consumer, min_idle_ms, start_id=start, count=count)
        nxt, entries = reply[0], reply[1]
        out.extend((eid, fields.get(b"e", b"")) for eid, fields in entries if fields is not None)
        if nxt in (b"0-0", "0-0") or len(out) >= count:
            return out
        start = nxt


async def deliveries(
    client: Redis, key: str, group: str, consumer: str, ids: list[bytes]
) -> dict[bytes, int]:
    """How many times each of ``ids`` (pending for ``consumer``) has been delivered."""
    if not ids:
        return {}
    low, high = min(ids, key=_order), max(ids, key=_order)
    rows = await client.xpending_range(
        key, group, min=low, max=high, count=len(ids) * 2 + 10, consumername=consumer
    )
    wanted = set(ids)
    return {r["message_id"]: int(r["times_delivered"]) for r in rows if r["message_id"] in wanted}


def _order(entry_id: bytes) -> tuple[int, int]:
    ms, _, seq = entry_id.partition(b"-")
    return int(ms), int(seq or 0)


async def dead_letter(
    client: Redis, dlq: str, key: str, group: str, entry_id: bytes, data: bytes, reason: str, deliveries: int
) -> None:
    """Copy an entry to the dead-letter stream with where it came from and why it is there."""
    await client.xadd(
        dlq,
        {
            "e": data,
            "stream": key,
            "group": group,
            "id": entry_id,
            "reason": reason,
            "deliveries": deliveries,
        },
    )


async def group_stats(client: Redis, keys: list[str], group: str) -> tuple[dict[str, int], dict[str, int]]:
    """``(lag, pending)`` of ``group`` per stream, from one pipelined ``XINFO GROUPS`` each."""
    if not keys:
        return {}, {}
    pipe = client.pipeline(transaction=False)
    for key in keys:
        pipe.xinfo_groups(key)
    replies = await pipe.execute(raise_on_error=False)
    lag: dict[str, int] = {}
    pending: dict[str, int] = {}
    for key, groups in zip(keys, replies, strict=True):
        if isinstance(groups, Exception):
            continue
        for g in groups:
            name = g.get("name")
            if (name.decode() if isinstance(name, bytes) else name) == group:
                lag[key] = int(g.get("lag") or 0)
                pending[key] = int(g.get("pending") or 0)
    return lag, pending


async def trim_older(client: Redis, keys: list[str], cutoff_ms: int) -> None:
    """``XTRIM MINID ~``: drop entries older than ``cutoff_ms`` from every stream."""
    pipe = client.pipeline(transaction=False)
    for key in keys:
        pipe.xtrim(key, minid=f"{max(cutoff_ms, 0)}-0", approximate=True)
    await pipe.execute()
