"""The score cache in front of every model: Redis first when configured, then the database.

Both sides hold the same entries; a Redis miss that the database answers is copied back to
Redis, so a restarted Redis fills itself again from storage instead of paying the model.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence

from freeride.core.sentiment import Sentiment
from freeride.ports.sentiment import ScoreCache


class TieredCache:
    def __init__(self, tiers: Sequence[ScoreCache]) -> None:
        self.tiers = list(tiers)
        self.hits = 0
        self.misses = 0

    async def get_many(self, model: str, hashes: Sequence[str], now_ns: int) -> dict[str, Sentiment]:
        found: dict[str, Sentiment] = {}
        missing = list(dict.fromkeys(hashes))
        for depth, tier in enumerate(self.tiers):
            if not missing:
                break
            got = await tier.get_many(model, missing, now_ns)
            if got and depth:
                for upper in self.tiers[:depth]:
                    await upper.put_many(model, got, now_ns + _DEFAULT_REFILL_NS)
            found.update(got)
            missing = [h for h in missing if h not in got]
        self.hits += len(found)
        self.misses += len(missing)
        return found

    async def put_many(self, model: str, scores: Mapping[str, Sentiment], expires_at: int) -> None:
        for tier in self.tiers:
            await tier.put_many(model, scores, expires_at)


_DEFAULT_REFILL_NS = 3_600 * 1_000_000_000  # a refilled upper tier keeps the entry an hour


class MemoryCache:
    """A cache in a dict, for tests, benchmarks and runs without storage."""

    def __init__(self) -> None:
        self.entries: dict[tuple[str, str], tuple[Sentiment, int]] = {}

    async def get_many(self, model: str, hashes: Sequence[str], now_ns: int) -> dict[str, Sentiment]:
        out = {}
        for h in hashes:
            hit = self.entries.get((model, h))
            if hit is not None and hit[1] > now_ns:
                out[h] = hit[0]
        return out

    async def put_many(self, model: str, scores: Mapping[str, Sentiment], expires_at: int) -> None:
        for h, s in scores.items():
            self.entries[(model, h)] = (s, expires_at)
