"""Text normalisation shared by clustering, hashing and scoring (pure).

Headlines arrive with HTML entities, tags, vendor prefixes (``UPDATE 2-``, ``BRIEF-``), trailing
publisher names (``… - Reuters``) and odd whitespace. ``clean`` makes them plain text;
``headline_key`` makes two spellings of one headline equal; ``shingles`` are the word features
near-duplicate detection compares; ``content_hash`` names the text a model scores.
"""

from __future__ import annotations

import functools
import hashlib
import itertools
import re

from freeride.net.news import clean


def _word_set(text: str) -> frozenset[str]:
    return frozenset(text.split())


_PREFIX = re.compile(
    r"^(?:(?:update|corrected|refile|exclusive|breaking|brief|wrapup|analysis)\s*\d*\s*[-:–]\s*)+",
    re.IGNORECASE,
)
_SUFFIX = re.compile(
    r"\s+[-–|]\s+(?:reuters|bloomberg|cnbc|marketwatch|yahoo finance|the wall street journal|wsj|"
    r"financial times|ft|barron's|benzinga|investing\.com|motley fool|seeking alpha|fxstreet|dailyfx)\s*$",
    re.IGNORECASE,
)
_WORD = re.compile(r"[a-z0-9]+(?:[.'][a-z0-9]+)*")
STOPWORDS = _word_set(
    "a an the of to in on for and or at by with from as is are was were be been its it this that "
    "after amid over into than then has have had will would says said say"
)


def strip_decoration(headline: str) -> str:
    """The headline without wire prefixes (``UPDATE 1-``) and a trailing publisher name."""
    return _SUFFIX.sub("", _PREFIX.sub("", headline)).strip()


def words(text: str) -> list[str]:
    """Lower-case word tokens (``u.s.``, ``q2``, ``don't`` stay whole)."""
    return _WORD.findall(text.lower())


def headline_key(headline: str) -> str:
    """Equal for two spellings of one headline: decoration, case and punctuation ignored."""
    return " ".join(words(strip_decoration(clean(headline))))


@functools.lru_cache(maxsize=65_536)
def _stem(word: str) -> str:
    """A light stem so that ``raises``/``raised``/``raise`` meet; enough for re-report matching."""
    for suffix in ("ing", "ed", "es", "s"):
        if len(word) > len(suffix) + 3 and word.endswith(suffix):
            return word[: -len(suffix)]
    return word


def shingles(headline: str) -> frozenset[str]:
    """Word unigrams and bigrams of the headline, stop words dropped and stems taken.

    Unigrams keep reworded re-reports close (one word swapped changes one of ~8 unigrams);
    bigrams keep unrelated headlines that share vocabulary apart.
    """
    tokens = [_stem(w) for w in words(strip_decoration(headline)) if w not in STOPWORDS]
    out = set(tokens)
    out.update(f"{a} {b}" for a, b in itertools.pairwise(tokens))
    return frozenset(out)


_NUMBER = re.compile(r"\d+(?:[.,]\d+)*")


def numbers(headline: str) -> frozenset[str]:
    """The figures a headline states (``76``, ``1.0950``): re-reports of one story carry the same."""
    return frozenset(_NUMBER.findall(headline))


def jaccard(a: frozenset[str], b: frozenset[str]) -> float:
    if not a or not b:
        return 0.0
    inter = len(a & b)
    return inter / (len(a) + len(b) - inter)


@functools.lru_cache(maxsize=32_768)
def content_hash(headline: str, summary: str = "") -> str:
    """The digest of what a model scores; any edit of headline or summary changes it."""
    text = f"{clean(headline)}\n{clean(summary)}"
    return hashlib.blake2b(text.encode(), digest_size=16).hexdigest()
