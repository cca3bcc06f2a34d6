"""JSON from strangers, read with bounds on nesting and on the length of numbers.

The standard parser has two unbounded costs an unauthenticated sender controls with a body a few
kilobytes long: nesting (``[[[[…`` recurses until ``RecursionError``) and integers (a 5,000-digit
literal raises ``ValueError`` past Python's 4,300-digit guard, and converting long ones is
quadratic below it). Neither is a parse error the caller expects, so each became a 500 with a
long traceback in the log. ``loads`` checks the nesting first, in one linear pass over the text,
and hands the parser number hooks that refuse long literals, so every refusal is one
``TooComplex`` (a ``ValueError``) naming what was too much.
"""

from __future__ import annotations

import json
import re
from collections.abc import Callable
from typing import Any

MAX_DEPTH = 32
MAX_NUMBER_CHARS = 64
"""A price or a size never needs more: a float has 17 significant digits, an int64 has 19."""

_STRING = re.compile(r'"(?:[^"\\]|\\.)*"', re.DOTALL)
_BRACKET = re.compile(r"[\[\]{}]")


class TooComplex(ValueError):
    """The JSON nests deeper, or holds a longer number, than the reader allows."""


def nesting(text: str) -> int:
    """The deepest nesting of arrays and objects in ``text`` (brackets inside strings ignored)."""
    depth = deepest = 0
    for bracket in _BRACKET.findall(_STRING.sub('""', text)):
        if bracket in "[{":
            depth += 1
            deepest = max(deepest, depth)
        else:
            depth -= 1
    return deepest


def loads(
    text: str,
    *,
    max_depth: int = MAX_DEPTH,
    max_number_chars: int = MAX_NUMBER_CHARS,
    parse_constant: Callable[[str], Any] | None = None,
) -> Any:
    """``json.loads`` with bounds: ``TooComplex`` past them, ``json.JSONDecodeError`` when malformed.

    ``parse_constant`` receives ``NaN``, ``Infinity`` and ``-Infinity`` (default: the float).
    """
    deepest = nesting(text)
    if deepest > max_depth:
        raise TooComplex(f"JSON nested {deepest} levels deep; at most {max_depth} are accepted")

    def number(literal: str, convert: Callable[[str], Any]) -> Any:
        if len(literal) > max_number_chars:
            raise TooComplex(
                f"a number of {len(literal)} characters; at most {max_number_chars} are accepted"
            )
        return convert(literal)

    return json.loads(
        text,
        parse_int=lambda s: number(s, int),
        parse_float=lambda s: number(s, float),
        parse_constant=parse_constant or float,
    )
