"""The wire form of an event between processes: a msgpack envelope around the event's own msgpack.

The envelope names the topic, the event's type (its class name, one of ``core.events.EVENT_TYPES``),
an event id unique to this publication (consumers de-duplicate on it: the Redis bus delivers at
least once) and the correlation id of the chain it belongs to. The payload stays raw bytes inside
the envelope, so a consumer reads the header without decoding an event it will skip, and each
type has its own prebuilt decoder (no tagged union to retrofit onto the domain structs).
"""

from __future__ import annotations

from typing import Any

import msgspec

from freeride.core.events import EVENT_TYPES


class Envelope(msgspec.Struct, frozen=True, array_like=True):
    """One event on the wire; ``origin`` is the publishing process (its consumer name)."""

    topic: str
    type: str
    event_id: str
    correlation_id: str | None
    origin: str
    payload: msgspec.Raw


class UndecodableEvent(ValueError):
    """Bytes that are not an envelope of a known event type (a poison entry: dead-lettered)."""


_ENCODER = msgspec.msgpack.Encoder()
_ENVELOPE = msgspec.msgpack.Decoder(Envelope)
_DECODERS: dict[str, msgspec.msgpack.Decoder[Any]] = {
    t.__name__: msgspec.msgpack.Decoder(t) for t in EVENT_TYPES
}
_NAMES: dict[type, str] = {t: t.__name__ for t in EVENT_TYPES}


def encode(topic: str, event: Any, event_id: str, correlation_id: str | None, origin: str) -> bytes:
    """The envelope's bytes; an event of a type outside the union is refused with its name."""
    name = _NAMES.get(type(event))
    if name is None:
        raise TypeError(f"{type(event).__name__} is not an event the bus can carry (core.events.Event)")
    return _ENCODER.encode(
        Envelope(topic, name, event_id, correlation_id, origin, msgspec.Raw(_ENCODER.encode(event)))
    )


def decode_envelope(data: bytes) -> Envelope:
    try:
        return _ENVELOPE.decode(data)
    except (msgspec.DecodeError, msgspec.ValidationError) as exc:
        raise UndecodableEvent(f"not an event envelope: {exc}") from exc


def decode_event(envelope: Envelope) -> Any:
    decoder = _DECODERS.get(envelope.type)
    if decoder is None:
        raise UndecodableEvent(f"unknown event type {envelope.type!r} on {envelope.topic}")
    try:
        return decoder.decode(envelope.payload)
    except (msgspec.DecodeError, msgspec.ValidationError) as exc:
        raise UndecodableEvent(f"{envelope.type} on {envelope.topic}: {exc}") from exc
