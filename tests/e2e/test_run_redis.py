"""``freeride run --bus redis://… --db postgresql+asyncpg://…``: every role in one process on the
distributed backends, trading exactly as the in-memory run does."""

from __future__ import annotations

import asyncio
import json
import os
import subprocess
import sys
import uuid
from pathlib import Path

import pytest

from freeride.app.embedded import run_embedded
from freeride.config.settings import load_settings
from freeride.core.clock import ManualClock

sys.path.insert(0, str(Path(__file__).parents[1] / "contract"))
from bus_subjects import delete_prefix, redis_or_skip

pytestmark = [pytest.mark.redis]


async def test_run_on_redis_and_postgresql_trades_as_the_in_memory_run(
    feeds: tuple[Path, Path], postgres_url: str, tmp_path: Path
) -> None:
    client = await redis_or_skip()
    await client.aclose()  # type: ignore[attr-defined]
    memory = await run_embedded(load_settings(), ManualClock(1))
    prefix = f"freeride-test-{uuid.uuid4().hex[:12]}"
    env = {**os.environ, "FREERIDE_BUS__STREAM_PREFIX": prefix}
    try:
        proc = await asyncio.create_subprocess_exec(
            sys.executable, "-m", "freeride", "run", "--exit-when-done", "--json",
            "--bus", "redis://127.0.0.1:6379/0", "--db", postgres_url,
            stdout=asyncio.subprocess.PIPE, stderr=asyncio.subprocess.PIPE, env=env,
        )  # fmt: skip
        out, err = await asyncio.wait_for(proc.communicate(), timeout=300)
    finally:
        await delete_prefix(prefix)
    assert proc.returncode == 0, err.decode()[-3000:]
    summary = json.loads(out.decode().strip().splitlines()[-1])
    assert summary["handler_failures"] == 0
    assert summary["database"].startswith("postgresql+asyncpg://")
    by_memory = {i.symbol: i for i in memory.instruments}
    for inst in summary["instruments"]:
        same = by_memory[inst["symbol"]]
        assert inst["bars"] == same.bars
        assert inst["fills"] == same.fills > 0
        assert inst["final_equity"] == str(same.final_equity)


def test_a_bus_that_is_neither_memory_nor_redis_is_refused(feeds: tuple[Path, Path]) -> None:
    done = subprocess.run(
        [sys.executable, "-m", "freeride", "run", "--exit-when-done", "--bus", "kafka://x"],
        capture_output=True, text=True, timeout=60, check=False,
    )  # fmt: skip
    assert done.returncode == 2
    assert "expected 'memory' or a Redis URL" in done.stdout + done.stderr
