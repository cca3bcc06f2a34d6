"""Bar times as files write them (dates, date-times, epoch numbers) to int nanoseconds UTC.

A naive date-time is UTC. An epoch number's unit is read from its magnitude, so files written in
seconds, milliseconds, microseconds or nanoseconds all work without a setting.
"""

from __future__ import annotations

from datetime import UTC, datetime

from freeride.core.clock import NS_PER_SECOND

_EPOCH_NAIVE = datetime(1970, 1, 1)  # noqa: DTZ001 - naive times are UTC; subtracting naive is exact
_EPOCH_UTC = datetime(1970, 1, 1, tzinfo=UTC)

# Below each bound the number is read in that unit; the bounds sit far beyond any real bar time in
# the smaller unit (1e11 seconds is the year 5138) and far before it in the larger one.
_SECONDS_BELOW = 100_000_000_000
_MILLIS_BELOW = 100_000_000_000_000
_MICROS_BELOW = 100_000_000_000_000_000


def epoch_to_ns(value: int) -> int:
    """Nanoseconds for an epoch number in seconds, ms, µs or ns (chosen by magnitude)."""
    size = abs(value)
    if size < _SECONDS_BELOW:
        return value * NS_PER_SECOND
    if size < _MILLIS_BELOW:
        return value * 1_000_000
    if size < _MICROS_BELOW:
        return value * 1_000
    return value


def datetime_ns(dt: datetime) -> int:
    """Exact nanoseconds for a datetime (naive = UTC), without a float round trip."""
    delta = dt - (_EPOCH_NAIVE if dt.tzinfo is None else _EPOCH_UTC)
    return (delta.days * 86_400 + delta.seconds) * NS_PER_SECOND + delta.microseconds * 1_000


def text_to_ns(text: str) -> int:
    """Nanoseconds for ``2004-08-19``, ``2017-04-19 09:00:00``, ISO 8601 with ``T``/offset/``Z``,
    or an epoch integer. Eight digits are a compact date (``20040819``), not an epoch in 1970.

    Raises ``ValueError`` when the text is none of these.
    """
    text = text.strip()
    if text.isdigit() and text.isascii() and len(text) != 8:
        return epoch_to_ns(int(text))
    return datetime_ns(datetime.fromisoformat(text))


def ns_text(ns: int) -> str:
    """A timestamp as people read it in an error message."""
    dt = datetime.fromtimestamp(ns // NS_PER_SECOND, tz=UTC)
    text = dt.strftime("%Y-%m-%d %H:%M:%S")
    fraction = ns % NS_PER_SECOND
    if fraction:
        text += f".{fraction:09d}".rstrip("0")
    return text + " UTC"
