"""Parameter grids from text: ``fast=5:50:5`` (a range, both ends included), ``slow=20,40,80``
(a list) or ``size=50`` (one value)."""

from __future__ import annotations

import itertools
from collections.abc import Mapping
from decimal import Decimal, InvalidOperation
from enum import Enum
from typing import Any

from freeride.core.errors import InvalidInput

MAX_COMBINATIONS = 100_000


def _number(text: str, name: str) -> int | Decimal:
    try:
        value = Decimal(text.strip())
    except InvalidOperation:
        raise InvalidInput(
            f"parameter {name}: {text!r} is not a number (ranges are start:stop:step)"
        ) from None
    return int(value) if value == value.to_integral_value() and "." not in text else value


def parse_values(name: str, text: str) -> list[Any]:
    """The values one parameter takes in the grid."""
    text = text.strip()
    if not text:
        raise InvalidInput(f"parameter {name} has no value")
    if ":" in text:
        parts = text.split(":")
        if len(parts) not in (2, 3):
            raise InvalidInput(f"parameter {name}: range {text!r} must be start:stop or start:stop:step")
        start, stop = _number(parts[0], name), _number(parts[1], name)
        step = _number(parts[2], name) if len(parts) == 3 else 1
        if step <= 0:
            raise InvalidInput(f"parameter {name}: range step must be positive, got {step}")
        if stop < start:
            raise InvalidInput(f"parameter {name}: range {text!r} ends before it starts")
        count = int((Decimal(stop) - Decimal(start)) / Decimal(step)) + 1
        if count > MAX_COMBINATIONS:
            raise InvalidInput(f"parameter {name}: range {text!r} has {count:,} values; narrow it")
        return [start + i * step for i in range(count)]
    if "," in text:
        return [v.strip() for v in text.split(",") if v.strip()]
    return [text]


def parse_grid(raw: Mapping[str, str]) -> dict[str, list[Any]]:
    grid = {name: parse_values(name, text) for name, text in raw.items()}
    total = 1
    for values in grid.values():
        total *= len(values)
    if total > MAX_COMBINATIONS:
        raise InvalidInput(f"the grid has {total:,} combinations (at most {MAX_COMBINATIONS:,}); narrow it")
    return grid


def combinations(grid: Mapping[str, list[Any]]) -> list[dict[str, Any]]:
    names = list(grid)
    return [dict(zip(names, values, strict=True)) for values in itertools.product(*(grid[n] for n in names))]


def plain(value: Any) -> Any:
    """A parameter value as JSON has it (Decimals as int or float)."""
    if isinstance(value, Decimal):
        return int(value) if value == value.to_integral_value() else float(value)
    if isinstance(value, Enum):
        return value.value
    return value
