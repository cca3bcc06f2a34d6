"""Every role starts as its own process on the real Redis and PostgreSQL, says it is ready, and
drains on SIGTERM (exit 0); the gateway's quotes reach Redis; the bot answers Discord and serves
nothing else; bad invocations are refused."""

from __future__ import annotations

import asyncio
import json
import signal
import sys
import time
import uuid

import httpx
import pytest
from bus_subjects import delete_prefix, redis_or_skip
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from cryptography.hazmat.primitives.serialization import Encoding, PublicFormat
from workers import base_env, free_port, fresh_postgres, poll, workers

pytestmark = [pytest.mark.redis, pytest.mark.postgres, pytest.mark.timeout(180)]


@pytest.mark.parametrize(
    "role", ["gateway", "alerts", "strategies", "recorder", "notifier", "research", "execution"]
)
async def test_each_role_starts_is_ready_and_drains_on_sigterm(role: str) -> None:
    client = await redis_or_skip()
    prefix = f"freeride-test-{uuid.uuid4().hex[:10]}"
    try:
        async with fresh_postgres() as db:
            env = base_env(prefix, db)
            env.update(FREERIDE_MARKETS__ALWAYS_OPEN="true", FREERIDE_WATCHLISTS='{"w": ["AAPL", "EUR/USD"]}')
            async with workers(env) as start:
                port = free_port()
                worker = await start(role, *(["--shard", "1/2"] if role in ("alerts", "strategies") else []),
                                     "--health-port", str(port))  # fmt: skip
                await worker.wait_event("worker.started")
                async with httpx.AsyncClient() as http:
                    ready = await http.get(f"http://127.0.0.1:{port}/readyz")
                    assert ready.status_code == 200, ready.text
                    assert ready.json()["role"] == role
                    metrics = (await http.get(f"http://127.0.0.1:{port}/metrics")).text
                assert "freeride_bus_redis_up 1.0" in metrics
                if role == "gateway":

                    async def quoted() -> bool:
                        keys = [k async for k in client.scan_iter(match=f"{prefix}:data.quote:*")]  # type: ignore[attr-defined]
                        return any([await client.xlen(k) for k in keys])  # type: ignore[attr-defined]

                    await poll(quoted, "simulated quotes on Redis")
                worker.signal(signal.SIGTERM)
                assert await asyncio.wait_for(worker.proc.wait(), 60) == 0
                await worker.wait_event("worker.stopping")
    finally:
        await client.aclose()  # type: ignore[attr-defined]
        await delete_prefix(prefix)


async def _freeride(*args: str, env: dict[str, str]) -> tuple[int, str]:
    proc = await asyncio.create_subprocess_exec(
        sys.executable, "-m", "freeride", *args,
        stdout=asyncio.subprocess.PIPE, stderr=asyncio.subprocess.STDOUT, env=env,
    )  # fmt: skip
    out, _ = await asyncio.wait_for(proc.communicate(), 60)
    return proc.returncode or 0, out.decode()


async def test_bad_invocations_are_refused_with_the_reason() -> None:
    env = base_env("unused", "sqlite+aiosqlite:///:memory:")
    code, out = await _freeride("worker", "--role", "chef", env=env)
    assert (code, "--role 'chef': expected one of gateway") == (
        2,
        out.strip()[: len("--role 'chef': expected one of gateway")],
    )
    code, out = await _freeride("worker", "--role", "recorder", "--shard", "1/2", env=env)
    assert code == 2
    assert "only alerts, strategies are sharded" in out
    code, out = await _freeride("worker", "--role", "alerts", "--shard", "3/2", env=env)
    assert code == 2
    assert "i must be in 0..n-1" in out
    code, out = await _freeride("worker", "--role", "bot", env=env)
    assert code == 2
    assert "the bot role answers Discord's interactions: set discord.application_id" in " ".join(out.split())


async def test_the_bot_role_answers_discord_and_nothing_else() -> None:
    """Discord's interactions in a process of their own: a signed PING is answered, a forged one
    refused, the API's routes are not there, and SIGTERM stops it with exit 0."""
    client = await redis_or_skip()
    prefix = f"freeride-test-{uuid.uuid4().hex[:10]}"
    key = Ed25519PrivateKey.generate()
    public = key.public_key().public_bytes(Encoding.Raw, PublicFormat.Raw).hex()
    try:
        async with fresh_postgres() as db:
            port = free_port()
            env = base_env(prefix, db)
            env.update(
                FREERIDE_API__PORT=str(port),
                FREERIDE_DISCORD__APPLICATION_ID="1234567890123456789",
                FREERIDE_DISCORD__PUBLIC_KEY=public,
            )
            async with workers(env) as start:
                bot = await start("bot")
                await bot.wait_event("worker.started")
                url = f"http://127.0.0.1:{port}"
                ping = json.dumps({"type": 1, "id": "1", "application_id": "1234567890123456789",
                                   "token": "t", "version": 1}).encode()  # fmt: skip
                stamp = str(int(time.time()))
                signed = {
                    "X-Signature-Ed25519": key.sign(stamp.encode() + ping).hex(),
                    "X-Signature-Timestamp": stamp,
                    "Content-Type": "application/json",
                }
                async with httpx.AsyncClient(base_url=url) as http:
                    assert (await http.get("/healthz")).json() == {"status": "ok"}
                    answer = await http.post("/discord/interactions", content=ping, headers=signed)
                    assert (answer.status_code, answer.json()) == (200, {"type": 1})
                    forged = {**signed, "X-Signature-Ed25519": "00" * 64}
                    refused = await http.post("/discord/interactions", content=ping, headers=forged)
                    assert refused.status_code == 401
                    assert (await http.get("/api/v1/orders")).status_code == 404  # the API role's
                    assert (await http.get("/")).status_code == 404  # and the dashboard
                bot.signal(signal.SIGTERM)
                assert await asyncio.wait_for(bot.proc.wait(), 60) == 0
    finally:
        await client.aclose()  # type: ignore[attr-defined]
        await delete_prefix(prefix)
