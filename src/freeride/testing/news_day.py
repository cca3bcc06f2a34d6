"""A replayed day of news with the true story of every item known (benchmarks and tests).

``news_day(n, seed)`` makes ``n`` items from four feeds: ``original_share`` of them first reports
of distinct stories, the rest re-reports of an earlier story, half exact copies (the same
headline on another feed, its URL spelled with tracking parameters or on the publisher's own
site) and half reworded (a verb swapped for a synonym, a wire prefix or a publisher suffix, a
word dropped or added, case changed). Items arrive in publication order, a re-report up to two
hours after its original. Headlines combine a company or currency, an event and details drawn
from large vocabularies, so distinct stories share a few words, as real ones do.
"""

from __future__ import annotations

import random
from dataclasses import dataclass

from freeride.core.news import NewsItem
from freeride.net.urls_canonical import canonical_url

SOURCES = ("finnhub", "alphavantage", "massive", "rss:wire")
COMPANIES = [
    ("AAPL", "Apple"),
    ("MSFT", "Microsoft"),
    ("NVDA", "Nvidia"),
    ("AMZN", "Amazon"),
    ("GOOG", "Alphabet"),
    ("META", "Meta"),
    ("TSLA", "Tesla"),
    ("JPM", "JPMorgan"),
    ("XOM", "Exxon"),
    ("PFE", "Pfizer"),
    ("BA", "Boeing"),
    ("INTC", "Intel"),
    ("NFLX", "Netflix"),
    ("DIS", "Disney"),
    ("KO", "Coca-Cola"),
    ("WMT", "Walmart"),
    ("NKE", "Nike"),
    ("ORCL", "Oracle"),
    ("AMD", "AMD"),
    ("UBER", "Uber"),
]
CURRENCIES = [
    ("EUR/USD", "euro", "ECB"),
    ("GBP/USD", "pound", "Bank of England"),
    ("USD/JPY", "yen", "Bank of Japan"),
    ("AUD/USD", "Australian dollar", "RBA"),
    ("USD/CAD", "Canadian dollar", "Bank of Canada"),
]
EVENTS = [
    ("beats", "quarterly revenue estimates on"),
    ("misses", "profit forecasts as"),
    ("raises", "full-year guidance after"),
    ("cuts", "annual outlook amid"),
    ("announces", "share buyback alongside"),
    ("recalls", "vehicles over"),
    ("wins", "government contract for"),
    ("faces", "regulatory probe into"),
    ("expands", "production of"),
    ("delays", "launch of"),
    ("hires", "new chief executive to lead"),
    ("sells", "stake in"),
]
DETAILS = [
    "strong iPhone demand",
    "weak cloud spending",
    "data-center chips",
    "electric trucks",
    "streaming growth",
    "oil output",
    "vaccine sales",
    "jet deliveries",
    "foundry plans",
    "ad revenue",
    "theme parks",
    "bottling unit",
    "grocery prices",
    "running shoes",
    "database software",
    "server processors",
    "ride-hailing margins",
    "battery supply",
    "credit card fees",
    "satellite internet",
    "cybersecurity unit",
    "medical devices",
    "semiconductor tariffs",
    "labor costs",
    "warehouse automation",
    "AI assistants",
    "gaming consoles",
    "payment processing",
    "insurance claims",
    "real estate holdings",
    "shipping rates",
    "fertilizer demand",
]
FX_EVENTS = [
    "rises as {cb} signals higher rates",
    "falls after {cb} cuts rates",
    "slides on weak {area} data",
    "climbs as {area} inflation accelerates",
    "steadies ahead of {cb} decision",
    "jumps on {area} jobs surprise",
]
FX_VERBS = ["rises", "falls", "slides", "climbs", "steadies", "jumps", "weakens", "firms", "dips", "rallies"]
FX_DETAILS = [
    "bond yields",
    "oil prices",
    "risk appetite",
    "trade data",
    "wage growth",
    "retail sales",
    "housing starts",
    "factory orders",
    "consumer confidence",
    "services PMI",
    "manufacturing PMI",
    "jobless claims",
    "GDP revisions",
    "central bank minutes",
    "election polls",
    "budget talks",
    "energy subsidies",
    "import prices",
    "credit growth",
    "export orders",
    "tourism receipts",
    "option expiries",
    "month-end flows",
    "carry trades",
    "safe-haven demand",
    "equity outflows",
    "swap spreads",
    "speculative positioning",
    "intervention warnings",
    "ratings review",
]
SYNONYMS = {
    "beats": "tops",
    "misses": "falls short of",
    "raises": "lifts",
    "cuts": "lowers",
    "announces": "unveils",
    "recalls": "pulls back",
    "wins": "secures",
    "faces": "confronts",
    "expands": "boosts",
    "delays": "postpones",
    "hires": "names",
    "sells": "divests",
    "rises": "gains",
    "falls": "drops",
    "slides": "slips",
    "climbs": "advances",
    "steadies": "holds steady",
    "jumps": "surges",
}
PREFIXES = ["UPDATE 1-", "UPDATE 2-", "BRIEF-", "EXCLUSIVE-"]
SUFFIXES = [" - Reuters", " - Bloomberg", " | Benzinga", " - MarketWatch"]
S = 1_000_000_000


@dataclass(frozen=True)
class DayItem:
    item: NewsItem
    story: int  # the true story


def _headline(rng: random.Random) -> tuple[str, tuple[str, ...], str]:
    if rng.random() < 0.2:
        pair, name, cb = rng.choice(CURRENCIES)
        area = {
            "euro": "eurozone",
            "pound": "UK",
            "yen": "Japan",
            "Australian dollar": "Australian",
            "Canadian dollar": "Canadian",
        }[name]
        level = f"{rng.uniform(0.5, 160):.2f}"
        reason, where = rng.sample(FX_DETAILS, 2)
        verb = rng.choice(FX_VERBS)
        prep = rng.choice(["as", "after", "on", "despite", "amid"])
        if rng.random() < 0.3:
            reason = rng.choice(FX_EVENTS).format(cb=cb, area=area)
        text = f"{name.capitalize()} {verb} {prep} {reason}; {where} in focus at {level}"
        return text, (pair,), name
    ticker, name = rng.choice(COMPANIES)
    verb, rest = rng.choice(EVENTS)
    detail, extra = rng.sample(DETAILS, 2)
    number = rng.randint(2, 95)
    return f"{name} {verb} {rest} {detail}, {extra} up {number}%", (ticker,), name


def _reword(headline: str, rng: random.Random) -> str:
    words = headline.split(" ")
    ops = rng.sample(["synonym", "prefix", "suffix", "drop", "case", "add"], 2)
    for op in ops:
        if op == "synonym":
            for i, w in enumerate(words):
                if w in SYNONYMS:
                    words[i] = SYNONYMS[w]
                    break
        elif op == "drop" and len(words) > 8:
            del words[rng.randrange(3, len(words) - 1)]
        elif op == "add":
            words.insert(rng.randrange(2, len(words)), rng.choice(["shares", "stock", "report:", "sharply"]))
        elif op == "case":
            words = [w.upper() if i == 0 else w for i, w in enumerate(words)]
    text = " ".join(words)
    if "prefix" in ops:
        text = rng.choice(PREFIXES) + text
    if "suffix" in ops:
        text += rng.choice(SUFFIXES)
    return text


def news_day(
    n: int = 5_000, seed: int = 7, original_share: float = 0.4, start_s: int = 1_717_372_800
) -> list[DayItem]:
    rng = random.Random(seed)
    originals: list[tuple[int, str, str, tuple[str, ...], int]] = []  # story, headline, url, symbols, t
    out: list[DayItem] = []
    t = start_s
    for k in range(n):
        t += rng.randint(5, 25)
        source = rng.choice(SOURCES)
        if not originals or rng.random() < original_share:
            story = len(originals)
            headline, symbols, _ = _headline(rng)
            url = f"https://news{story % 7}.example.com/markets/{story}-{rng.randrange(10**6)}"
            originals.append((story, headline, url, symbols, t))
        else:
            story, base, url0, symbols, _ = rng.choice(originals[-400:])
            if rng.random() < 0.5:
                headline = base
                url = (
                    url0 + f"?utm_source={source}&utm_medium=feed"
                    if rng.random() < 0.5
                    else (f"https://{source.replace(':', '-')}.example.org/a/{k}")
                )
            else:
                headline = _reword(base, rng)
                url = f"https://{source.replace(':', '-')}.example.org/story/{k}"
        out.append(
            DayItem(
                NewsItem(
                    source=source,
                    item_id=f"{source}-{k}",
                    url=url,
                    canonical_url=canonical_url(url),
                    headline=headline,
                    summary="",
                    symbols=symbols,
                    ts_event=t * S,
                    ts_init=t * S,
                ),
                story,
            )
        )
    return out
