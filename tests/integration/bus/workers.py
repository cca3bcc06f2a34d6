"""Real worker processes for the fault tests: started, watched through their JSON log, signalled.

Waiting on another process has no event to await here: ``poll`` re-checks a condition every few
milliseconds up to a deadline (the only waiting these tests do).
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import os
import signal
import socket
import sys
import time
import uuid
from collections.abc import AsyncIterator, Awaitable, Callable
from contextlib import asynccontextmanager
from typing import Any

from storage_pg import pg_execute, require_pg


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


async def poll(check: Callable[[], Awaitable[bool]], what: str, within_s: float = 60.0) -> None:
    deadline = time.monotonic() + within_s
    while not await check():
        if time.monotonic() > deadline:
            raise AssertionError(f"timed out waiting for {what}")
        await asyncio.sleep(0.05)


class Worker:
    """``freeride worker`` in a child process; ``events`` are its parsed log lines so far."""

    def __init__(self, proc: asyncio.subprocess.Process, name: str) -> None:
        self.proc = proc
        self.name = name
        self.events: list[dict[str, Any]] = []
        self.text: list[str] = []
        self._new = asyncio.Event()
        self._reader = asyncio.create_task(self._read())

    @property
    def pid(self) -> int:
        return self.proc.pid

    async def _read(self) -> None:
        assert self.proc.stdout is not None
        async for raw in self.proc.stdout:
            line = raw.decode(errors="replace").strip()
            self.text.append(line)
            if line.startswith("{"):
                with contextlib.suppress(ValueError):
                    self.events.append(json.loads(line))
            self._new.set()
        self._new.set()

    async def wait_event(self, event: str, within_s: float = 60.0) -> dict[str, Any]:
        """The first log line whose ``event`` is ``event`` (waiting for it)."""

        async def find() -> dict[str, Any]:
            while True:
                for e in self.events:
                    if e.get("event") == event:
                        return e
                if self._reader.done():
                    raise AssertionError(f"{self.name} exited before {event}:\n" + "\n".join(self.text[-30:]))
                self._new.clear()
                await self._new.wait()

        return await asyncio.wait_for(find(), within_s)

    def signal(self, sig: signal.Signals) -> None:
        os.kill(self.proc.pid, sig)

    async def stop(self) -> int:
        if self.proc.returncode is None:
            try:
                os.kill(self.proc.pid, signal.SIGCONT)
                self.proc.terminate()
            except ProcessLookupError:
                pass
            try:
                await asyncio.wait_for(self.proc.wait(), 30)
            except TimeoutError:
                self.proc.kill()
                await self.proc.wait()
        await asyncio.gather(self._reader, return_exceptions=True)
        return self.proc.returncode or 0


@asynccontextmanager
async def workers(env: dict[str, str]) -> AsyncIterator[Callable[..., Awaitable[Worker]]]:
    """``start(role, *args)`` starts a worker with ``env``; every one is stopped at the end."""
    started: list[Worker] = []

    async def start(role: str, *args: str) -> Worker:
        proc = await asyncio.create_subprocess_exec(
            sys.executable, "-m", "freeride", "worker", "--role", role, *args,
            stdout=asyncio.subprocess.PIPE, stderr=asyncio.subprocess.STDOUT, env=env,
        )  # fmt: skip
        worker = Worker(proc, f"{role}#{len(started)}")
        started.append(worker)
        return worker

    try:
        yield start
    finally:
        for worker in started:
            await worker.stop()


def base_env(prefix: str, database_url: str, redis_url: str = "redis://127.0.0.1:6379/0") -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("FREERIDE_")}
    env.update(
        FREERIDE_BUS__BACKEND="redis",
        FREERIDE_REDIS_URL=redis_url,
        FREERIDE_BUS__STREAM_PREFIX=prefix,
        FREERIDE_BUS__RECLAIM_IDLE_S="0.5",
        FREERIDE_DATABASE_URL=database_url,
        FREERIDE_LOG__FORMAT="json",
        FREERIDE_SECRETS__ORDER="env",
        FREERIDE_OPS__ANOMALIES="false",
    )
    return env


@asynccontextmanager
async def fresh_postgres() -> AsyncIterator[str]:
    """A new database on the local PostgreSQL, migrated to head, dropped afterwards."""
    from freeride.storage.engine import create_engine
    from freeride.storage.migrate import upgrade_engine

    await require_pg()  # skipped without the server, failed under CI=true
    name = f"freeride_workers_{uuid.uuid4().hex[:10]}"
    await pg_execute(f'CREATE DATABASE "{name}"')
    url = f"postgresql+asyncpg://postgres@127.0.0.1:5432/{name}"
    engine = create_engine(url)
    try:
        await upgrade_engine(engine)  # once, before several workers open it at the same time
    finally:
        await engine.dispose()
    try:
        yield url
    finally:
        await pg_execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
