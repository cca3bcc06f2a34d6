"""Built-in strategies by name, with their parameters validated before anything runs."""

from __future__ import annotations

import math
from collections.abc import Mapping
from decimal import Decimal
from typing import Any

import msgspec

from freeride.core.errors import InvalidInput
from freeride.strategies.bollinger_reversion import BollingerReversion, BollingerReversionParams
from freeride.strategies.directional import DirectionalStrategy
from freeride.strategies.donchian_breakout import DonchianBreakout, DonchianBreakoutParams
from freeride.strategies.plan_follower import PlanFollower, PlanFollowerParams
from freeride.strategies.rsi_reversion import RsiReversion, RsiReversionParams
from freeride.strategies.sizing import MAX_SIZE, SizedParams
from freeride.strategies.sma_cross import EmaCross, SmaCross, SmaCrossParams

# kind -> (class, its parameters type); every built-in also has a vectorised form
STRATEGIES: dict[str, tuple[type[DirectionalStrategy[Any]], type[SizedParams]]] = {
    SmaCross.kind: (SmaCross, SmaCrossParams),
    EmaCross.kind: (EmaCross, SmaCrossParams),
    RsiReversion.kind: (RsiReversion, RsiReversionParams),
    DonchianBreakout.kind: (DonchianBreakout, DonchianBreakoutParams),
    BollingerReversion.kind: (BollingerReversion, BollingerReversionParams),
    PlanFollower.kind: (PlanFollower, PlanFollowerParams),
}


def strategy_class(kind: str) -> type[DirectionalStrategy[Any]]:
    return _entry(kind)[0]


def _entry(kind: str) -> tuple[type[DirectionalStrategy[Any]], type[SizedParams]]:
    entry = STRATEGIES.get(kind)
    if entry is None:
        raise InvalidInput(f"unknown strategy {kind!r}; built-in: {', '.join(sorted(STRATEGIES))}")
    return entry


def parse_params(kind: str, params: Mapping[str, Any]) -> SizedParams:
    """Typed, validated parameters from user input (strings are converted: ``"10"``, ``"true"``).

    Raises ``InvalidInput`` naming the strategy and the parameter.
    """
    _, params_type = _entry(kind)
    try:
        typed = msgspec.convert(dict(params), params_type, strict=False)
        _check_bounds(typed)
    except (msgspec.ValidationError, ValueError) as exc:
        known = ", ".join(f.name for f in msgspec.structs.fields(params_type))
        raise InvalidInput(f"strategy {kind!r}: {exc} (parameters: {known})") from exc
    return typed


MAX_WINDOW = 1_000_000
"""Windows and periods (every integer parameter of the built-ins) are bar counts: a larger one
could never fill, and would make its buffers huge before it failed."""


def _check_bounds(params: SizedParams) -> None:
    for f in msgspec.structs.fields(params):
        value = getattr(params, f.name)
        if isinstance(value, bool):
            continue
        if isinstance(value, int) and abs(value) > MAX_WINDOW:
            raise ValueError(f"{f.name} must be at most {MAX_WINDOW:,} bars, got {value}")
        if isinstance(value, float) and not math.isfinite(value):
            raise ValueError(f"{f.name} must be a finite number, got {value}")
        if isinstance(value, Decimal) and (not value.is_finite() or abs(value) > MAX_SIZE):
            raise ValueError(f"{f.name} must be a number of at most {MAX_SIZE:,.0f}, got {value}")


def describe(kind: str) -> dict[str, str]:
    """Each parameter with its type and default, for help texts."""
    _, params_type = _entry(kind)
    out = {}
    for f in msgspec.structs.fields(params_type):
        kind_name = getattr(f.type, "__name__", str(f.type))
        out[f.name] = f"{kind_name} = {f.default}"
    return out


def build_strategy(
    kind: str, strategy_id: str, symbol: str, params: Mapping[str, Any] | SizedParams
) -> DirectionalStrategy[Any]:
    """Construct a built-in strategy; unknown names or bad parameters raise ``InvalidInput``."""
    cls, params_type = _entry(kind)
    typed = params if isinstance(params, params_type) else parse_params(kind, _as_mapping(params))
    return cls(strategy_id, symbol, typed)


def _as_mapping(params: Mapping[str, Any] | SizedParams) -> Mapping[str, Any]:
    if isinstance(params, SizedParams):
        return msgspec.structs.asdict(params)
    return params
