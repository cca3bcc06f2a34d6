"""Stories: items about the same event are one story, whichever feed carried them, in any order.

Two items are the same story when any of these holds:

* their canonical URLs are equal (``research.urls``);
* their headlines are equal once decoration, case and punctuation are ignored;
* the Jaccard similarity of their headline shingles is at least ``threshold`` (0.5 by default;
  MinHash LSH proposes the pairs, the exact Jaccard decides).

A story is a connected component of that relation (union-find). The relation depends only on
the two items, never on what arrived before, so the partition into stories is the same whatever
order the feeds arrive in; the story's id and text are those of its earliest item (published
time, then item key), also independent of order. Items older than ``window_s`` before the newest
are forgotten (``evict``), which bounds memory for a process running for months.
"""

from __future__ import annotations

import itertools
from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass, field

import numpy as np
import numpy.typing as npt

from freeride.core.clock import NS_PER_SECOND
from freeride.core.news import NewsItem, Story
from freeride.research.minhash import MinHasher
from freeride.research.text import content_hash, headline_key, jaccard, numbers, shingles

DEFAULT_THRESHOLD = 0.5
ESTIMATE_SLACK = 0.25  # MinHash with 60 values estimates J within about ±0.13 (2σ at J = 0.5)


@dataclass(slots=True)
class _Entry:
    item: NewsItem
    shingles: frozenset[str]
    bands: list[bytes]
    headline_key: str
    numbers: frozenset[str]
    signature: npt.NDArray[np.uint64]


_Features = tuple[frozenset[str], list[bytes], str, frozenset[str], npt.NDArray[np.uint64]]


@dataclass
class ClusterConfig:
    threshold: float = DEFAULT_THRESHOLD
    bands: int = 20
    rows: int = 3
    window_s: float = 3 * 86_400.0


@dataclass
class Added:
    """What one ``add`` changed: the story the item is in now, and stories merged into it."""

    root: str
    new_item: bool
    merged: list[str] = field(default_factory=list)


class StoryClusterer:
    def __init__(self, config: ClusterConfig | None = None) -> None:
        self.config = config or ClusterConfig()
        self._hasher = MinHasher(self.config.bands, self.config.rows)
        self._entries: dict[str, _Entry] = {}
        self._parent: dict[str, str] = {}
        self._members: dict[str, list[str]] = {}
        self._by_url: dict[str, str] = {}
        self._by_headline: dict[str, str] = {}
        self._buckets: defaultdict[bytes, list[int]] = defaultdict(list)  # band → rows
        self._row_keys: list[str] = []  # row → item key
        self._signatures = np.zeros((1_024, self._hasher.num_perm), dtype=np.uint64)  # row → signature
        self._by_text: dict[str, _Features] = {}  # headline → its features
        self.compared = 0  # exact Jaccard checks made (LSH candidates)

    def _add_row(self, key: str, signature: npt.NDArray[np.uint64]) -> int:
        row = len(self._row_keys)
        if row == len(self._signatures):
            grown = np.zeros((2 * row, self._hasher.num_perm), dtype=np.uint64)
            grown[:row] = self._signatures
            self._signatures = grown
        self._signatures[row] = signature
        self._row_keys.append(key)
        return row

    def _reset(self) -> None:
        self._row_keys.clear()
        self._entries.clear()
        self._parent.clear()
        self._members.clear()
        self._by_url.clear()
        self._by_headline.clear()
        self._buckets.clear()

    def __len__(self) -> int:
        return len(self._entries)

    # -- union-find --------------------------------------------------------------------------------
    def find(self, key: str) -> str:
        parent = self._parent
        root = key
        while parent[root] != root:
            root = parent[root]
        while parent[key] != root:  # path compression
            parent[key], key = root, parent[key]
        return root

    def _union(self, a: str, b: str) -> str | None:
        """Join the two stories; returns the root that disappeared, if any."""
        ra, rb = self.find(a), self.find(b)
        if ra == rb:
            return None
        if len(self._members[ra]) < len(self._members[rb]):
            ra, rb = rb, ra
        self._parent[rb] = ra
        self._members[ra].extend(self._members.pop(rb))
        return rb

    # -- adding --------------------------------------------------------------------------------------
    def add(self, item: NewsItem) -> Added:
        key = item.key
        old = self._entries.get(key)
        if old is not None:  # a re-delivery: same article, maybe edited; it stays in its story
            if old.item != item:
                self._entries[key] = self._entry(item)
            return Added(self.find(key), new_item=False)
        entry = self._entry(item)
        self._entries[key] = entry
        self._parent[key] = key
        self._members[key] = [key]
        partners: set[str] = set()
        url = item.canonical_url
        if url:
            first = self._by_url.setdefault(url, key)
            if first != key:
                partners.add(first)
        if entry.headline_key:
            first = self._by_headline.setdefault(entry.headline_key, key)
            if first != key:
                partners.add(first)
        threshold = self.config.threshold
        row = self._add_row(key, entry.signature)
        if entry.bands and not (partners and self._entries[next(iter(partners))].shingles == entry.shingles):
            rows = set().union(*(self._buckets[band] for band in entry.bands))
            if rows:
                found = np.fromiter(rows, dtype=np.intp, count=len(rows))
                # the signatures' agreement estimates the Jaccard: only plausible pairs are checked exactly
                agree = (self._signatures[found] == entry.signature).mean(axis=1)
                joined = {self.find(p) for p in partners}
                for r in found[agree >= threshold - ESTIMATE_SLACK]:
                    other = self._row_keys[r]
                    root = self.find(other)
                    if root in joined:
                        continue
                    self.compared += 1
                    theirs = self._entries[other]
                    if entry.numbers and theirs.numbers and not entry.numbers & theirs.numbers:
                        continue  # both state figures and none agree: two events, however alike the words
                    if jaccard(entry.shingles, theirs.shingles) >= threshold:
                        partners.add(other)
                        joined.add(root)
            for band in entry.bands:
                self._buckets[band].append(row)
        merged = [gone for other in partners if (gone := self._union(key, other)) is not None]
        return Added(self.find(key), new_item=True, merged=merged)

    def prepare(self, items: Iterable[NewsItem]) -> None:
        """Work out the features of every headline not seen yet in one vectorised pass (what
        ``add`` would do one headline at a time); ``add`` then finds them ready."""
        new = list({i.headline: None for i in items if i.headline not in self._by_text})
        groups = [(h, sorted(shingles(h))) for h in new]
        groups = [(h, g) for h, g in groups if g]
        if not groups:
            return
        if len(self._by_text) + len(groups) > 50_000:
            self._by_text.clear()
        signatures = self._hasher.signatures([g for _, g in groups])
        for (headline, g), signature in zip(groups, signatures, strict=True):
            self._by_text[headline] = (
                frozenset(g),
                self._hasher.band_keys(signature),
                headline_key(headline),
                numbers(headline),
                signature,
            )

    def _entry(self, item: NewsItem) -> _Entry:
        known = self._by_text.get(item.headline)
        if known is None:
            sh = shingles(item.headline)
            signature = self._hasher.signature(sh)
            bands = self._hasher.band_keys(signature) if sh else []
            known = (sh, bands, headline_key(item.headline), numbers(item.headline), signature)
            if len(self._by_text) > 50_000:
                self._by_text.clear()
            self._by_text[item.headline] = known
        return _Entry(item, *known)

    # -- reading -------------------------------------------------------------------------------------
    def members(self, root: str) -> list[NewsItem]:
        return [self._entries[k].item for k in self._members.get(root, ())]

    def roots(self) -> list[str]:
        return list(self._members)

    def partition(self) -> frozenset[frozenset[str]]:
        """The stories as sets of item keys (what the order-independence property compares)."""
        return frozenset(frozenset(keys) for keys in self._members.values())

    def story(self, root: str, ts_init: int) -> Story:
        return make_story(self.members(root), ts_init)

    def stories(self, ts_init: int) -> list[Story]:
        return [self.story(root, ts_init) for root in self._members]

    # -- forgetting ------------------------------------------------------------------------------------
    def evict(self, now_ns: int) -> int:
        """Forget items published more than ``window_s`` before ``now_ns``; returns how many.

        The index is rebuilt from the items kept (O(kept)), so call it now and then, not per item.
        """
        horizon = now_ns - int(self.config.window_s * NS_PER_SECOND)
        keep = [e.item for e in self._entries.values() if e.item.ts_event >= horizon]
        dropped = len(self._entries) - len(keep)
        if dropped:
            self._reset()
            for item in sorted(keep, key=lambda i: (i.ts_event, i.key)):
                self.add(item)
        return dropped


def make_story(items: list[NewsItem], ts_init: int) -> Story:
    """The story of these items: text, id and hash from the earliest, sources from all."""
    ordered = sorted(items, key=_order) if len(items) > 1 else items
    first = ordered[0]
    scores = [i.vendor_score for i in ordered if i.vendor_score is not None]
    chain = itertools.chain.from_iterable
    return Story(
        story_id=first.key,
        headline=first.headline,
        summary=first.summary,
        url=first.url,
        content_hash=content_hash(first.headline, first.summary),
        symbols=tuple(dict.fromkeys(chain(i.symbols for i in ordered))),
        currencies=tuple(dict.fromkeys(chain(i.currencies for i in ordered))),
        sources=tuple(dict.fromkeys(i.source for i in ordered)),
        publishers=tuple(dict.fromkeys(i.publisher for i in ordered if i.publisher)),
        item_keys=tuple(i.key for i in ordered),
        vendor_score=sum(scores) / len(scores) if scores else None,
        ts_event=first.ts_event,
        ts_init=ts_init,
        ts_last=max(i.ts_event for i in ordered),
    )


def _order(item: NewsItem) -> tuple[int, str]:
    return item.ts_event, item.key
