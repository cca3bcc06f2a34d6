"""The score cache in Redis: one string per (model, content hash), expiring on Redis's own clock.

Keys are ``freeride:sentiment:<model>:<hash>``, values the sentiment's msgpack; the TTL is set
from ``expires_at`` and the caller's clock at write time. Reads use one ``MGET`` per call.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

import msgspec

from freeride.core.clock import NS_PER_SECOND, Clock
from freeride.core.sentiment import Sentiment

PREFIX = "freeride:sentiment"
_decode = msgspec.msgpack.Decoder(Sentiment)
_encode = msgspec.msgpack.Encoder()


class RedisScoreCache:
    def __init__(self, client: Any, clock: Clock, prefix: str = PREFIX) -> None:
        self._redis = client  # a redis.asyncio.Redis
        self._clock = clock
        self._prefix = prefix

    def _key(self, model: str, content_hash: str) -> str:
        return f"{self._prefix}:{model}:{content_hash}"

    async def get_many(self, model: str, hashes: Sequence[str], now_ns: int) -> dict[str, Sentiment]:
        if not hashes:
            return {}
        values = await self._redis.mget([self._key(model, h) for h in hashes])
        out: dict[str, Sentiment] = {}
        for h, raw in zip(hashes, values, strict=True):
            if raw is not None:
                try:
                    out[h] = _decode.decode(raw)
                except msgspec.DecodeError:
                    continue  # a foreign or corrupt value is a miss, never an error
        return out

    async def put_many(self, model: str, scores: Mapping[str, Sentiment], expires_at: int) -> None:
        ttl_ms = max(1, (expires_at - self._clock.now_ns()) * 1_000 // NS_PER_SECOND)
        async with self._redis.pipeline(transaction=False) as pipe:
            for h, s in scores.items():
                pipe.set(self._key(model, h), _encode.encode(s), px=ttl_ms)
            await pipe.execute()

    async def aclose(self) -> None:
        await self._redis.aclose()
