"""Built-in strategies by name, with their parameters validated before anything runs."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Any

import msgspec

from freeride.core.errors import InvalidInput
from freeride.strategies.base import Strategy
from freeride.strategies.sma_cross import SmaCross, SmaCrossParams


def _sma_cross(strategy_id: str, symbol: str, params: msgspec.Struct) -> Strategy:
    assert isinstance(params, SmaCrossParams)
    return SmaCross(strategy_id, symbol, params)


Factory = Callable[[str, str, msgspec.Struct], Strategy]

STRATEGIES: dict[str, tuple[Factory, type[msgspec.Struct]]] = {
    SmaCross.kind: (_sma_cross, SmaCrossParams),
}


def build_strategy(kind: str, strategy_id: str, symbol: str, params: Mapping[str, Any]) -> Strategy:
    """Construct a built-in strategy; unknown names or bad parameters raise ``InvalidInput``."""
    entry = STRATEGIES.get(kind)
    if entry is None:
        raise InvalidInput(f"unknown strategy {kind!r}; built-in: {', '.join(sorted(STRATEGIES))}")
    factory, params_type = entry
    try:
        typed = msgspec.convert(dict(params), params_type, strict=False)
    except (msgspec.ValidationError, ValueError) as exc:
        raise InvalidInput(f"strategy {kind!r}: {exc}") from exc
    return factory(strategy_id, symbol, typed)
