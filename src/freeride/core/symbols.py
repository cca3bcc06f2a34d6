"""The instrument directory: which symbols are known, and what a mistyped one probably meant.

``parse_instrument`` only checks a symbol's shape, so ``AAPLL`` and ``EURUSD`` (a valid-looking
ticker) passed and were streamed for ever without a price. The directory knows stocks by ticker
and forex by currency (any pair of two known currencies is a pair), and answers an unknown symbol
with close matches: ``EURUSD`` → ``EUR/USD``, ``AAPLL`` → ``AAPL`` (difflib over the known set).
It is pure: what goes into it (shipped lists, stored instruments, the settings) is decided in
``app.symbols``, which also asks a provider about symbols the directory does not know.
"""

from __future__ import annotations

import difflib
import re
from collections.abc import Iterable

from freeride.core.errors import InvalidInput
from freeride.core.instruments import Instrument, forex, parse_instrument

_SEPARATORS = re.compile(r"[\s/_\-.:]+")
MAX_SUGGESTIONS = 3


class UnknownSymbol(InvalidInput):
    """A symbol no source knows; ``suggestions`` are the closest known ones, best first."""

    def __init__(self, symbol: str, suggestions: list[str], hint: str = "") -> None:
        guess = f"; did you mean {' or '.join(suggestions)}?" if suggestions else ""
        super().__init__(f"symbol {symbol!r} is not a known instrument{guess}{hint}")
        self.symbol = symbol
        self.suggestions = suggestions


class SymbolDirectory:
    """Known stocks (tickers) and currencies (ISO codes); immutable once built."""

    def __init__(self, stocks: Iterable[str], currencies: Iterable[str]) -> None:
        self.stocks = frozenset(s.strip().upper() for s in stocks if s.strip())
        self.currencies = frozenset(c.strip().upper() for c in currencies if c.strip())
        self._stock_list = sorted(self.stocks)

    def including(self, symbols: Iterable[str]) -> SymbolDirectory:
        """This directory plus ``symbols`` (stocks; a pair adds its two currencies)."""
        stocks, currencies = set(self.stocks), set(self.currencies)
        for symbol in symbols:
            try:
                instrument = parse_instrument(symbol)
            except InvalidInput:
                continue
            if instrument.is_forex:
                currencies.update((instrument.base_currency or "", instrument.quote_currency))
            else:
                stocks.add(instrument.symbol)
        return SymbolDirectory(stocks, currencies)

    def knows(self, instrument: Instrument) -> bool:
        if instrument.is_forex:
            pair = {instrument.base_currency or "", instrument.quote_currency}
            return pair <= self.currencies
        return instrument.symbol in self.stocks

    def resolve(self, text: str, hint: str = "") -> Instrument:
        """The known instrument ``text`` names, or ``UnknownSymbol`` with close matches."""
        try:
            instrument = parse_instrument(text)
        except InvalidInput:
            raise UnknownSymbol(text.strip(), self.suggest(text), hint) from None
        if self.knows(instrument):
            return instrument
        raise UnknownSymbol(instrument.symbol, self.suggest(text), hint)

    def suggest(self, text: str) -> list[str]:
        """Known symbols ``text`` may have meant, best first (at most three)."""
        upper = text.strip().upper()
        letters = _SEPARATORS.sub("", upper)
        found: list[str] = []
        if len(letters) == 6 and letters.isalpha():
            base, quote = letters[:3], letters[3:]
            if base in self.currencies and quote in self.currencies:
                found.append(f"{base}/{quote}")
        if "/" in upper or (len(letters) == 6 and letters.isalpha() and letters not in self.stocks):
            found.extend(self._close_pairs(letters))
        found.extend(difflib.get_close_matches(letters, self._stock_list, n=MAX_SUGGESTIONS, cutoff=0.75))
        return list(dict.fromkeys(s for s in found if s != upper))[:MAX_SUGGESTIONS]

    def _close_pairs(self, letters: str) -> list[str]:
        if len(letters) != 6 or not letters.isalpha():
            return []
        codes = sorted(self.currencies)
        bases, quotes = (
            [part] if part in self.currencies else difflib.get_close_matches(part, codes, n=2)
            for part in (letters[:3], letters[3:])
        )
        return [forex(f"{b}/{q}").symbol for b in bases for q in quotes if b != q]
