"""One instrument type for stocks and forex pairs, so both travel the same code path."""

from __future__ import annotations

import re
from decimal import Decimal
from enum import StrEnum

import msgspec

from freeride.core.errors import InvalidInput

_FOREX = re.compile(r"^([A-Z]{3})/([A-Z]{3})$")
_STOCK = re.compile(r"^[A-Z][A-Z0-9.\-]{0,14}$")


class AssetClass(StrEnum):
    STOCK = "stock"
    FOREX = "forex"


class Instrument(msgspec.Struct, frozen=True, kw_only=True):
    """What can be traded: a stock like ``GOOG`` or a pair like ``EUR/USD``.

    ``tick_size`` is the smallest price step and ``lot_size`` the smallest quantity step; forex
    quantities are in units of the base currency (a standard lot is 100,000 units).
    """

    symbol: str
    asset_class: AssetClass
    quote_currency: str
    base_currency: str | None = None
    tick_size: Decimal
    lot_size: Decimal
    price_precision: int

    @property
    def is_forex(self) -> bool:
        return self.asset_class is AssetClass.FOREX

    @property
    def topic_key(self) -> str:
        """The symbol as it appears in bus topics (dots are topic separators, so none in here)."""
        return self.symbol.replace(".", "_")


def stock(symbol: str, currency: str = "USD", tick_size: str = "0.01") -> Instrument:
    return Instrument(
        symbol=symbol,
        asset_class=AssetClass.STOCK,
        quote_currency=currency,
        tick_size=Decimal(tick_size),
        lot_size=Decimal(1),
        price_precision=-Decimal(tick_size).as_tuple().exponent,  # type: ignore[operator]
    )


def forex(symbol: str) -> Instrument:
    match = _FOREX.match(symbol)
    if match is None:
        raise InvalidInput(f"forex symbol {symbol!r} must look like 'EUR/USD'")
    base, quote = match.groups()
    precision = 3 if quote == "JPY" else 5
    return Instrument(
        symbol=symbol,
        asset_class=AssetClass.FOREX,
        base_currency=base,
        quote_currency=quote,
        tick_size=Decimal(1).scaleb(-precision),
        lot_size=Decimal(1),
        price_precision=precision,
    )


def parse_instrument(symbol: str) -> Instrument:
    """The instrument for a user-typed symbol: ``EUR/USD`` is forex, ``GOOG`` a stock.

    Raises ``InvalidInput`` naming the symbol when it is neither.
    """
    text = symbol.strip().upper()
    if _FOREX.match(text):
        return forex(text)
    if _STOCK.match(text):
        return stock(text)
    raise InvalidInput(
        f"symbol {symbol!r} is neither a stock ticker (e.g. 'GOOG') nor a forex pair (e.g. 'EUR/USD')"
    )
