"""What the simulator agrees to price: symbols a market could list, not any string.

The simulator would happily make up a price for ``hello world`` or ``EURUSD``, and a typo would
then look like a working symbol until real prices are switched on. So it refuses, naming the
symbol: anything that is not written as a stock ticker (``GOOG``, ``BRK.B``) or a pair
(``EUR/USD``); a pair whose currencies are not ISO 4217 codes (plus ``CNH`` and the metals traded
as pairs); and a six-letter "ticker" made of two currency codes, which is a pair without its slash.
It cannot tell a well-formed unknown ticker (``AAPLL``) from a listed one: no list of listings is
shipped, so such a symbol is priced.
"""

from __future__ import annotations

from freeride.core.errors import InvalidInput
from freeride.core.instruments import AssetClass, Instrument, parse_instrument

# ISO 4217 active codes (2024), the offshore yuan and the precious metals quoted as pairs.
CURRENCIES = frozenset(
    """
    AED AFN ALL AMD ANG AOA ARS AUD AWG AZN BAM BBD BDT BGN BHD BIF BMD BND BOB BRL BSD BTN BWP
    BYN BZD CAD CDF CHF CLP CNH CNY COP CRC CUP CVE CZK DJF DKK DOP DZD EGP ERN ETB EUR FJD FKP
    GBP GEL GHS GIP GMD GNF GTQ GYD HKD HNL HTG HUF IDR ILS INR IQD IRR ISK JMD JOD JPY KES KGS
    KHR KMF KPW KRW KWD KYD KZT LAK LBP LKR LRD LSL LYD MAD MDL MGA MKD MMK MNT MOP MRU MUR MVR
    MWK MXN MYR MZN NAD NGN NIO NOK NPR NZD OMR PAB PEN PGK PHP PKR PLN PYG QAR RON RSD RUB RWF
    SAR SBD SCR SDG SEK SGD SHP SLE SOS SRD SSP STN SVC SYP SZL THB TJS TMT TND TOP TRY TTD TWD
    TZS UAH UGX USD UYU UZS VES VND VUV WST XAF XAG XAU XCD XCG XOF XPD XPF XPT YER ZAR ZMW ZWG
    ZWL
    """.split()  # noqa: SIM905 (a table to read, not a list to edit)
)


def check(instrument: Instrument) -> None:
    """Raise ``InvalidInput`` naming ``instrument.symbol`` when no market could list it."""
    symbol = instrument.symbol
    try:
        parsed = parse_instrument(symbol)
    except InvalidInput as exc:
        raise InvalidInput(f"simulator: {exc}; it prices real-looking symbols only") from None
    if parsed.symbol != symbol or parsed.asset_class is not instrument.asset_class:
        kind = "a forex pair" if instrument.asset_class is AssetClass.FOREX else "a stock"
        raise InvalidInput(f"simulator: {symbol!r} is not written as {kind} (e.g. 'GOOG', 'EUR/USD')")
    if parsed.is_forex:
        unknown = [c for c in (parsed.base_currency, parsed.quote_currency) if c not in CURRENCIES]
        if unknown:
            raise InvalidInput(
                f"simulator: {symbol!r} names no currency pair: {', '.join(map(str, unknown))} "
                "is not an ISO 4217 currency code"
            )
    elif len(symbol) == 6 and symbol[:3] in CURRENCIES and symbol[3:] in CURRENCIES:
        raise InvalidInput(
            f"simulator: {symbol!r} is a currency pair without its slash; write '{symbol[:3]}/{symbol[3:]}'"
        )
