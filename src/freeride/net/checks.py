"""Checks every number from a provider passes before it becomes a domain value.

Parsers call these so that NaN, infinities, negative or zero prices, non-numeric strings and
answers about another symbol stop at the adapter edge with a ``BadReply`` naming the field.
"""

from __future__ import annotations

import math

from freeride.net.errors import BadReply


def number(provider: str, field: str, value: object) -> float:
    """A finite float from a JSON number or a numeric string (Alpha Vantage sends strings)."""
    if isinstance(value, bool) or value is None:
        raise BadReply(provider, f"{field} is {value!r}, not a number")
    if isinstance(value, int | float):
        result = float(value)
    elif isinstance(value, str):
        try:
            result = float(value.strip().rstrip("%"))
        except ValueError:
            raise BadReply(provider, f"{field} is {value!r}, not a number") from None
    else:
        raise BadReply(provider, f"{field} is {type(value).__name__}, not a number")
    if not math.isfinite(result):
        raise BadReply(provider, f"{field} is {value!r}, not a finite number")
    return result


def price(provider: str, field: str, value: object) -> float:
    """A finite, strictly positive price."""
    result = number(provider, field, value)
    if result <= 0:
        raise BadReply(provider, f"{field} is {result}, prices must be > 0")
    return result


def size(provider: str, field: str, value: object) -> float:
    """A finite volume or size, zero allowed, never negative."""
    result = number(provider, field, value)
    if result < 0:
        raise BadReply(provider, f"{field} is {result}, sizes must be >= 0")
    return result


def optional_price(provider: str, field: str, value: object) -> float | None:
    return None if value is None or value == "" else price(provider, field, value)


def same_symbol(provider: str, asked: str, got: str) -> None:
    """A reply about another symbol than the one asked for is garbage, not data."""
    if got.strip().upper() != asked.strip().upper():
        raise BadReply(provider, f"asked for {asked} but the reply is about {got}")


def ohlc(provider: str, where: str, o: float, h: float, low: float, c: float) -> None:
    """High is the highest and low the lowest of the four, or the bar is inconsistent."""
    if h < max(o, c, low) or low > min(o, c, h):
        raise BadReply(provider, f"{where}: inconsistent bar o={o} h={h} l={low} c={c}")
