"""``freeride dlq list|replay`` as an operator runs them, against the real Redis."""

from __future__ import annotations

import asyncio
import json
import os
import sys

import pytest
from bus_subjects import delete_prefix, redis_or_skip, unique_prefix

from freeride.bus import redis_wire as wire
from freeride.bus import topics
from freeride.bus.codec import decode_envelope, encode
from freeride.bus.redis_streams import StreamConfig, StreamMap
from freeride.core.market import Bar

pytestmark = pytest.mark.redis


async def freeride(*args: str, prefix: str) -> tuple[int, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("FREERIDE_")}
    env["FREERIDE_BUS__STREAM_PREFIX"] = prefix
    proc = await asyncio.create_subprocess_exec(
        sys.executable, "-m", "freeride", "dlq", *args,
        stdout=asyncio.subprocess.PIPE, stderr=asyncio.subprocess.STDOUT, env=env,
    )  # fmt: skip
    out, _ = await asyncio.wait_for(proc.communicate(), timeout=60)
    assert proc.returncode is not None
    return proc.returncode, out.decode()


async def test_list_then_replay_one_dead_letter_back_to_its_stream() -> None:
    client = await redis_or_skip()
    prefix = unique_prefix()
    streams = StreamMap(StreamConfig(prefix=prefix))
    topic = topics.bar("AAPL", "1m")
    stream = streams.key(topic)
    assert stream is not None
    bar = Bar(symbol="AAPL", interval="1m", open=1, high=1, low=1, close=1, volume=1, ts_event=5, ts_init=5)
    data = encode(topic, bar, "ev-5", None, "worker-1")
    try:
        dlq = streams.dead_letters
        await wire.dead_letter(
            client, dlq, stream, "alerts", b"1-0", data, "not handled after 5 deliveries", 5
        )  # type: ignore[arg-type]
        await wire.dead_letter(client, dlq, stream, "alerts", b"2-0", b"junk", "not an event envelope", 1)  # type: ignore[arg-type]
        code, out = await freeride("list", "--json", "--bus", "redis://127.0.0.1:6379/0", prefix=prefix)
        assert code == 0, out
        rows = [json.loads(line) for line in out.splitlines() if line.startswith("{")]
        assert [(r["type"], r["deliveries"], r["group"]) for r in rows] == [
            ("Bar", 5, "alerts"),
            (None, 1, "alerts"),
        ]

        code, out = await freeride("replay", "9-9", "--bus", "redis://127.0.0.1:6379/0", prefix=prefix)
        assert code == 1
        assert "no dead letter '9-9'" in out

        code, out = await freeride(
            "replay", rows[0]["id"], "--bus", "redis://127.0.0.1:6379/0", prefix=prefix
        )
        assert code == 0, out
        assert "replayed 1" in out
        back = await client.xrange(stream)  # type: ignore[attr-defined]
        assert [decode_envelope(fields[b"e"]).event_id for _, fields in back] == ["ev-5"]
        left = await client.xlen(streams.dead_letters)  # type: ignore[attr-defined]
        assert left == 1  # the undecodable one stays
    finally:
        await client.aclose()  # type: ignore[attr-defined]
        await delete_prefix(prefix)


async def test_without_the_redis_bus_it_says_which_setting_to_change() -> None:
    code, out = await freeride("list", prefix="unused")
    assert code == 2
    assert "dead letters exist only on the Redis bus" in out
