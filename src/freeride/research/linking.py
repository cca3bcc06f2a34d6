"""Which symbols a news item concerns: tickers and company names for stocks, currency and
central-bank terms for forex pairs. The terms are data (``research.links`` in settings), not code.

A pair is linked through either of its currencies: EUR/USD gets news about the ECB, the euro,
the Fed or the dollar. Longer terms win where they overlap, so "Australian dollar" is AUD, not USD.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping, Sequence

import msgspec

from freeride.core.instruments import Instrument
from freeride.core.news import NewsItem

# Currency → words that mean it in a headline. Settings may replace or extend any entry.
DEFAULT_CURRENCY_TERMS: dict[str, list[str]] = {
    "USD": [
        "dollar",
        "greenback",
        "Fed",
        "Federal Reserve",
        "FOMC",
        "Powell",
        "Treasury yields",
        "U.S. inflation",
        "US inflation",
        "nonfarm payrolls",
        "payrolls",
        "U.S. economy",
    ],
    "EUR": [
        "euro",
        "eurozone",
        "euro zone",
        "euro area",
        "ECB",
        "European Central Bank",
        "Lagarde",
        "Bundesbank",
    ],
    "GBP": ["sterling", "pound", "cable", "Bank of England", "BoE", "Bailey", "UK inflation", "gilts"],
    "JPY": ["yen", "Bank of Japan", "BoJ", "Ueda", "Japanese government bonds", "JGB"],
    "CHF": ["Swiss franc", "franc", "SNB", "Swiss National Bank"],
    "AUD": ["Australian dollar", "Aussie", "RBA", "Reserve Bank of Australia"],
    "CAD": ["Canadian dollar", "loonie", "Bank of Canada", "BoC"],
    "NZD": ["New Zealand dollar", "kiwi", "RBNZ", "Reserve Bank of New Zealand"],
    "CNY": ["yuan", "renminbi", "PBOC", "People's Bank of China"],
}


_WORD = re.compile(r"[a-z0-9]+(?:[.'&][a-z0-9]+)*")
_CODE = re.compile(r"(?<![A-Za-z$])\$?([A-Z][A-Z0-9]{1,5})\b")


def _words(text: str) -> list[str]:
    return _WORD.findall(text.lower())


class Linker:
    """Adds ``symbols`` and ``currencies`` to items from the watched instruments and term lists.

    ``terms`` maps a currency code (``EUR``) or a ticker (``AAPL``) to words meaning it
    (``["Apple", "iPhone"]``); currency codes and tickers themselves match as whole upper-case words.
    """

    def __init__(self, instruments: Sequence[Instrument], terms: Mapping[str, Sequence[str]]) -> None:
        self.instruments = list(instruments)
        merged: dict[str, list[str]] = {k: list(v) for k, v in DEFAULT_CURRENCY_TERMS.items()}
        for key, words in terms.items():
            merged[key.upper()] = list(words)
        # term (as lower-case words) → the keys it means; matched on word n-grams, longest first
        self._meaning: dict[tuple[str, ...], set[str]] = {}
        for key, words in merged.items():
            for word in words:
                self._meaning.setdefault(tuple(_words(word)), set()).add(key)
        self._longest = max((len(t) for t in self._meaning), default=1)
        self._starts = {t[0] for t in self._meaning if t}  # a word no term starts with is skipped at once
        self._stocks = {i.symbol for i in self.instruments if not i.is_forex}
        self._pairs = [i for i in self.instruments if i.is_forex]
        currencies = set(merged) & _ISO
        currencies.update(c for i in self._pairs for c in (i.base_currency or "", i.quote_currency))
        self._codes = self._stocks | currencies

    def keys_in(self, text: str) -> set[str]:
        """Currency codes and tickers the text mentions, directly or through a term."""
        found: set[str] = set()
        words = _words(text)
        meaning = self._meaning
        starts = self._starts
        i, n = 0, len(words)
        while i < n:
            if words[i] not in starts:
                i += 1
                continue
            for size in range(min(self._longest, n - i), 0, -1):
                keys = meaning.get(tuple(words[i : i + size]))
                if keys is not None:
                    found.update(keys)
                    i += size
                    break
            else:
                i += 1
        codes = self._codes
        found.update(c for c in _CODE.findall(text) if c in codes)
        return found

    def link(self, item: NewsItem) -> NewsItem:
        keys = self.keys_in(f"{item.headline}\n{item.summary}")
        currencies = set(item.currencies) | {k for k in keys if k in _ISO}
        symbols = dict.fromkeys(item.symbols)
        for key in keys:
            if key in self._stocks:
                symbols.setdefault(key, None)
        for pair in self._pairs:
            if pair.base_currency in currencies or pair.quote_currency in currencies:
                symbols.setdefault(pair.symbol, None)
        new_symbols, new_currencies = tuple(symbols), tuple(sorted(currencies))
        if new_symbols == item.symbols and new_currencies == item.currencies:
            return item
        return msgspec.structs.replace(item, symbols=new_symbols, currencies=new_currencies)

    def link_all(self, items: Iterable[NewsItem]) -> list[NewsItem]:
        return [self.link(i) for i in items]


def _word_set(text: str) -> frozenset[str]:
    return frozenset(text.split())


_ISO = _word_set("USD EUR GBP JPY CHF AUD CAD NZD CNY SEK NOK DKK HKD SGD MXN ZAR TRY PLN INR KRW")
