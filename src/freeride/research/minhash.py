"""MinHash signatures and LSH banding over word shingles (numpy, no other dependency).

Each shingle is hashed once (CRC-32, stable across processes, unlike ``hash``), then ``num_perm``
universal hash functions ``(a·x + b) mod p`` with ``p = 2³² + 15`` give the signature: its share
of equal positions estimates the Jaccard similarity of two shingle sets. The signature is cut
into ``bands`` bands of ``rows`` rows; two items sharing any band are candidates, which happens
with probability ``1 − (1 − J^rows)^bands``: with 20 bands of 3 rows that is 0.93 at J = 0.5,
0.99 at J = 0.6 and 0.02 at J = 0.1. Candidates are then checked on exact Jaccard, so LSH only
decides which pairs are compared, never which are merged.
"""

from __future__ import annotations

import zlib
from collections.abc import Iterable

import numpy as np
import numpy.typing as npt

PRIME = np.uint64((1 << 32) + 15)
U64 = npt.NDArray[np.uint64]


class MinHasher:
    def __init__(self, bands: int = 20, rows: int = 3, seed: int = 1) -> None:
        self.bands = bands
        self.rows = rows
        self.num_perm = bands * rows
        rng = np.random.default_rng(seed)
        self._a = rng.integers(1, 1 << 32, size=self.num_perm, dtype=np.uint64)
        self._b = rng.integers(0, 1 << 32, size=self.num_perm, dtype=np.uint64)
        self._crc: dict[str, int] = {}  # shingle → its CRC-32 (shingles repeat across headlines)

    def signature(self, shingles: Iterable[str]) -> U64:
        cache = self._crc
        crcs: list[int] = []
        for s in shingles:
            h = cache.get(s)
            if h is None:
                h = cache[s] = zlib.crc32(s.encode())
                if len(cache) > 200_000:  # bounded: a long-running process sees new words forever
                    cache.clear()
            crcs.append(h)
        hashed = np.array(crcs, dtype=np.uint64)
        if hashed.size == 0:
            return np.full(self.num_perm, PRIME, dtype=np.uint64)
        # (a·x + b) mod p for every (shingle, permutation): a, x < 2³², so no uint64 overflow
        values = (np.outer(hashed, self._a) + self._b) % PRIME
        result: U64 = values.min(axis=0)
        return result

    def signatures(self, groups: list[list[str]]) -> npt.NDArray[np.uint64]:
        """The signatures of many shingle sets at once (one row each; none may be empty): one
        ``outer`` and one ``minimum.reduceat`` instead of a numpy round trip per set."""
        cache = self._crc
        flat: list[int] = []
        for shingles in groups:
            for s in shingles:
                h = cache.get(s)
                if h is None:
                    h = cache[s] = zlib.crc32(s.encode())
                flat.append(h)
        if len(cache) > 200_000:
            cache.clear()
        starts = np.cumsum([0] + [len(g) for g in groups[:-1]])
        values = (np.outer(np.array(flat, dtype=np.uint64), self._a) + self._b) % PRIME
        result: npt.NDArray[np.uint64] = np.minimum.reduceat(values, starts, axis=0)
        return result

    def band_keys(self, signature: U64) -> list[bytes]:
        """One key per band (the band's index is part of it, so bands never collide)."""
        raw = signature.astype(np.uint32).tobytes()
        width = self.rows * 4
        return [bytes((i,)) + raw[i * width : (i + 1) * width] for i in range(self.bands)]

    def candidate_probability(self, jaccard: float) -> float:
        """The chance two sets with this similarity share at least one band."""
        return float(1 - (1 - jaccard**self.rows) ** self.bands)
