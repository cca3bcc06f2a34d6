"""The dead-letter stream: what no handler could take, listed and sent back (``freeride dlq``).

An entry lands there after ``max_deliveries`` failed deliveries, or at once when its bytes are
not an event envelope, with the stream, group and entry it came from and why. Replaying writes
the envelope again to its stream as a new entry (same event id: groups that had handled it skip
it, the group that could not gets it anew) and removes it from the dead letters.
"""

from __future__ import annotations

from typing import Any

import msgspec
from redis.asyncio import Redis

from freeride.bus.codec import UndecodableEvent, decode_envelope


class DeadLetter(msgspec.Struct, frozen=True, kw_only=True):
    """One dead-lettered entry, as ``freeride dlq list`` prints it."""

    id: str
    stream: str
    group: str
    entry: str
    reason: str
    deliveries: int
    topic: str | None
    type: str | None
    event_id: str | None


def _text(value: Any) -> str:
    return value.decode(errors="replace") if isinstance(value, bytes) else str(value)


def _letter(entry_id: Any, fields: dict[bytes, bytes]) -> DeadLetter:
    topic = kind = event_id = None
    try:
        envelope = decode_envelope(fields.get(b"e", b""))
        topic, kind, event_id = envelope.topic, envelope.type, envelope.event_id
    except UndecodableEvent:
        pass
    return DeadLetter(
        id=_text(entry_id),
        stream=_text(fields.get(b"stream", b"")),
        group=_text(fields.get(b"group", b"")),
        entry=_text(fields.get(b"id", b"")),
        reason=_text(fields.get(b"reason", b"")),
        deliveries=int(fields.get(b"deliveries", b"0") or 0),
        topic=topic,
        type=kind,
        event_id=event_id,
    )


Row = tuple[bytes, dict[bytes, bytes]]


async def _range(
    client: Redis, dlq: str, low: str = "-", high: str = "+", count: int | None = None
) -> list[Row]:
    rows: Any = await client.xrange(dlq, min=low, max=high, count=count)
    return [(entry_id, fields) for entry_id, fields in rows or () if fields is not None]


async def list_dead(client: Redis, dlq: str, count: int = 100) -> list[DeadLetter]:
    """The oldest ``count`` dead letters."""
    return [_letter(entry_id, fields) for entry_id, fields in await _range(client, dlq, count=count)]


async def replay(client: Redis, dlq: str, ids: list[str] | None = None) -> list[DeadLetter]:
    """Send dead letters (``ids``, or all) back to their streams; undecodable ones stay put.
    Returns those replayed. An id that is not in the stream is refused, naming it."""
    if ids is None:
        rows = await _range(client, dlq)
    else:
        rows = []
        for wanted in ids:
            found = await _range(client, dlq, wanted, wanted)
            if not found:
                raise KeyError(f"no dead letter {wanted!r} in {dlq}")
            rows.extend(found)
    done: list[DeadLetter] = []
    for entry_id, fields in rows:
        letter = _letter(entry_id, fields)
        if letter.event_id is None or not letter.stream:
            continue  # bytes that are no event: replaying them would only dead-letter them again
        pipe = client.pipeline(transaction=True)
        pipe.xadd(letter.stream, {"e": fields[b"e"]})
        pipe.xdel(dlq, entry_id)
        await pipe.execute()
        done.append(letter)
    return done
