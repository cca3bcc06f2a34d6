"""Discord bot: interactions through the signed endpoint, deferred completions, a burst posted to a channel.

* **interactions**: 200 concurrent callers POST signed ``/quote`` interactions (pre-signed with an
  Ed25519 key made here, as Discord would send them) to ``POST /discord/interactions`` on the
  server ``freeride run`` starts (``ApiServer``), in a child process. Figures: requests/s and the
  p99 time to the initial response. Floor: a bare Starlette app on the same uvicorn that checks
  the same signature and answers a fixed reply: what HTTP and Ed25519 cost on this machine.
* **deferred**: 200 concurrent ``/quote`` calls for symbols only a slow provider knows (it answers
  after 300 ms, past the inline budget of 100 ms set here): each is answered "thinking…" (type 5)
  and completed with ``PATCH …/messages/@original`` on the fake Discord API inside the server
  process; the figure is request start → edit received, p99.
* **burst**: 10,000 fills published on the bus of a process whose bot posts ``fills`` to one
  channel, through the outbox and relay to the fake Discord API (bucket 5 messages per 5 s per
  channel, global 50/s), on a clock running 100× (the buckets' waits pass quickly; nothing else is
  scaled). Figures: messages sent (beside one per event, what a bot posting each event sends) and
  the 429s the fake answered.

``peak_mib`` is the interactions server's peak resident memory. Last line: one JSON object.
Run: ``.venv/bin/python benchmarks/discord.py`` (``--quick`` for a short pass).
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import signal
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

import httpx
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from cryptography.hazmat.primitives.serialization import Encoding, PublicFormat

from _util import peak_mib

APP_ID = "1000"
ADMIN = "11"
CALLERS = 200
SLOW_S = 0.3
BURST = 10_000
PACED_PER_S = 500


# ---- servers (child processes) ------------------------------------------------------------------
async def _bot_server(port: int, workdir: Path, public_key: str) -> None:
    from decimal import Decimal

    from freeride.adapters.discord.rest import DiscordRestClient
    from freeride.api import create_app
    from freeride.app.api import ApiServer, ApiState, TokenAuth
    from freeride.app.live import LiveViews
    from freeride.bus import topics
    from freeride.bus.memory import InMemoryBus
    from freeride.config.api import ApiSettings
    from freeride.config.discord import DiscordBotSettings
    from freeride.core.clock import LiveClock
    from freeride.core.market import Quote
    from freeride.core.snapshot import Snapshot
    from freeride.exchange.portfolio import Portfolio
    from freeride.storage.engine import create_engine
    from freeride.storage.migrate import upgrade_engine
    from freeride.storage.repositories import Repositories
    from freeride.testing.fakes.discord_api import FakeDiscordApi

    clock = LiveClock()
    db = create_engine(f"sqlite+aiosqlite:///{workdir / 'bot.db'}")
    await upgrade_engine(db)
    repos = Repositories.from_engine(db)
    bus = InMemoryBus(clock)
    live = LiveViews(bus)
    now = clock.now_ns()
    bus.publish(topics.quote("GOOG"), Quote(symbol="GOOG", bid=130.1, ask=130.3, ts_event=now, ts_init=now))

    class SlowProvider:
        async def latest(self, symbol: str) -> Snapshot:
            await clock.sleep(SLOW_S)
            t = clock.now_ns()
            return Snapshot(symbol=symbol, price=42.0, provider="slow", ts_event=t, ts_init=t)

    fake = FakeDiscordApi(APP_ID, "bot-token", bucket_size=1_000_000, global_per_s=1_000_000, clock=clock)
    rest = DiscordRestClient(
        fake.url(),
        APP_ID,
        clock,
        bot_token="bot-token",
        transport=httpx.ASGITransport(fake.app),
        global_per_s=10_000,
    )
    state = ApiState(
        settings=ApiSettings(port=port),
        clock=clock,
        tokens=TokenAuth(repos.tokens, clock),
        bus=bus,
        repos=repos,
        live=live,
        accounts={"GOOG": Portfolio(cash=Decimal(100_000), currency="USD")},
        discord=DiscordBotSettings(
            application_id=APP_ID, public_key=public_key, users={ADMIN: "admin"}, inline_budget_s=0.1
        ),
        discord_rest=rest,
    )
    app = create_app(state)
    state.gateway = SlowProvider()  # type: ignore[assignment]  # a provider slower than the inline budget

    @app.get("/bench/edits")
    async def edits() -> dict[str, int]:
        return {s.target: s.at_ns for s in fake.to("original")}

    server = ApiServer(app, ApiSettings(port=port, max_pending_connections=1_000), clock)
    stop = asyncio.Event()
    asyncio.get_running_loop().add_signal_handler(signal.SIGTERM, stop.set)
    await server.start()
    await stop.wait()
    await server.stop()
    (workdir / "peak.json").write_text(json.dumps({"peak_mib": round(peak_mib(), 1)}))


async def _floor_server(port: int, public_key: str) -> None:
    import uvicorn
    from cryptography.exceptions import InvalidSignature
    from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PublicKey
    from starlette.applications import Starlette
    from starlette.requests import Request
    from starlette.responses import JSONResponse, Response
    from starlette.routing import Route

    key = Ed25519PublicKey.from_public_bytes(bytes.fromhex(public_key))
    answer = {"type": 4, "data": {"content": "**GOOG** 130.2"}}

    async def interactions(request: Request) -> Response:
        body = await request.body()
        try:
            sig = bytes.fromhex(request.headers["x-signature-ed25519"])
            key.verify(sig, request.headers["x-signature-timestamp"].encode() + body)
        except (KeyError, ValueError, InvalidSignature):
            return Response(status_code=401)
        return JSONResponse(answer)

    app = Starlette(routes=[Route("/discord/interactions", interactions, methods=["POST"])])
    config = uvicorn.Config(
        app, host="127.0.0.1", port=port, log_level="error", lifespan="off", http="httptools"
    )
    server = uvicorn.Server(config)
    asyncio.get_running_loop().add_signal_handler(
        signal.SIGTERM, lambda: setattr(server, "should_exit", True)
    )
    await server.serve()


def _free_port() -> int:
    import socket

    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def _start(args: list[str], port: int) -> subprocess.Popen[bytes]:
    child = subprocess.Popen([sys.executable, __file__, *args])
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        try:
            httpx.post(f"http://127.0.0.1:{port}/discord/interactions", content=b"{}", timeout=1)
            return child
        except httpx.TransportError:
            time.sleep(0.1)
    child.kill()
    raise RuntimeError("the server did not start")


# ---- load ---------------------------------------------------------------------------------------
class Signer:
    def __init__(self) -> None:
        self.key = Ed25519PrivateKey.generate()
        self.public = self.key.public_key().public_bytes(Encoding.Raw, PublicFormat.Raw).hex()
        self.n = 0

    def quote(self, symbol: str) -> tuple[str, bytes, dict[str, str]]:
        self.n += 1
        token = f"tok-{self.n}"
        body = json.dumps(
            {
                "id": str(10**17 + self.n),
                "application_id": APP_ID,
                "type": 2,
                "token": token,
                "version": 1,
                "channel_id": "645027906669510667",
                "member": {"user": {"id": ADMIN, "username": "bench"}, "roles": []},
                "data": {
                    "id": "1",
                    "name": "quote",
                    "type": 1,
                    "options": [{"name": "symbol", "type": 3, "value": symbol}],
                },
            }
        ).encode()
        ts = str(int(time.time()))
        sig = self.key.sign(ts.encode() + body).hex()
        return (
            token,
            body,
            {"X-Signature-Ed25519": sig, "X-Signature-Timestamp": ts, "Content-Type": "application/json"},
        )


def _p99(values: list[float]) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(len(ordered) * 0.99))]


def _post(body: bytes, headers: dict[str, str]) -> bytes:
    head = "".join(f"{k}: {v}\r\n" for k, v in headers.items())
    return (
        f"POST /discord/interactions HTTP/1.1\r\nHost: 127.0.0.1\r\n{head}Content-Length: {len(body)}\r\n\r\n"
    ).encode() + body


async def _load(
    port: int, requests: list[tuple[str, bytes, dict[str, str]]], paced_per_s: float | None = None
) -> tuple[float, list[float], dict[str, int], list[int]]:
    """``CALLERS`` keep-alive connections share ``requests`` (raw HTTP/1.1: the load generator must
    cost far less than the server): rate, latencies (ms), start times by token, answer types.

    Back to back by default (each caller sends its next request as soon as it has the answer: the
    latency is then about ``CALLERS`` / throughput); with ``paced_per_s`` the callers together
    offer that many requests a second, evenly spread, as interactions arrive from Discord."""
    latencies: list[float] = []
    starts: dict[str, int] = {}
    kinds: list[int] = []
    queue = [(token, _post(body, headers)) for token, body, headers in reversed(requests)]

    gap = CALLERS / paced_per_s if paced_per_s else 0.0

    async def caller(i: int) -> None:
        reader, writer = await asyncio.open_connection("127.0.0.1", port)
        due = time.perf_counter() + i * gap / CALLERS
        try:
            while queue:
                if gap:
                    await asyncio.sleep(max(0.0, due - time.perf_counter()))
                    due += gap
                    if not queue:
                        return
                token, request = queue.pop()
                starts[token] = time.time_ns()
                began = time.perf_counter()
                writer.write(request)
                head = await reader.readuntil(b"\r\n\r\n")
                length = 0
                for line in head.split(b"\r\n"):
                    if line[:15].lower() == b"content-length:":
                        length = int(line[15:])
                body = await reader.readexactly(length)
                latencies.append((time.perf_counter() - began) * 1_000)
                ok = head.startswith(b"HTTP/1.1 200")
                kinds.append(json.loads(body).get("type", 0) if ok else -int(head[9:12]))
        finally:
            writer.close()

    began = time.perf_counter()
    await asyncio.gather(*(caller(i) for i in range(CALLERS)))
    return len(requests) / (time.perf_counter() - began), latencies, starts, kinds


async def interactions(signer: Signer, port: int, n: int) -> dict[str, Any]:
    await _load(port, [signer.quote("GOOG") for _ in range(min(n, 400))])  # warm-up: connections, caches
    rate, latencies, _, kinds = await _load(port, [signer.quote("GOOG") for _ in range(n)])
    assert set(kinds) == {4}, f"unexpected answers: {set(kinds)}"
    _, paced, _, kinds = await _load(port, [signer.quote("GOOG") for _ in range(n // 2)], PACED_PER_S)
    assert set(kinds) == {4}, f"unexpected answers: {set(kinds)}"
    return {
        "interactions_per_s": round(rate),
        "initial_p99_ms": round(_p99(latencies), 1),
        "initial_p50_ms": round(sorted(latencies)[len(latencies) // 2], 1),
        f"paced_{PACED_PER_S}_per_s_p99_ms": round(_p99(paced), 1),
    }


async def deferred(signer: Signer, port: int) -> dict[str, Any]:
    requests = [signer.quote(f"SLOW{i}") for i in range(CALLERS)]
    _, latencies, starts, kinds = await _load(port, requests)
    assert set(kinds) == {5}, f"unexpected answers: {set(kinds)}"
    async with httpx.AsyncClient(base_url=f"http://127.0.0.1:{port}") as http:
        edits: dict[str, int] = {}
        for _ in range(200):
            edits = (await http.get("/bench/edits")).json()
            if all(t in edits for t in starts):
                break
            await asyncio.sleep(0.05)
    done = [(edits[t] - starts[t]) / 1e6 for t in starts if t in edits]
    assert len(done) == len(starts), f"{len(starts) - len(done)} deferred answers never arrived"
    return {"deferred_p99_ms": round(_p99(done), 1), "deferred_initial_p99_ms": round(_p99(latencies), 1)}


async def burst(events: int) -> dict[str, Any]:
    from freeride.app.discord import build_posting
    from freeride.bus import topics
    from freeride.bus.memory import InMemoryBus
    from freeride.config.settings import load_settings
    from freeride.core.clock import ScaledClock
    from freeride.notify.relay import OutboxRelay
    from freeride.storage.engine import create_engine
    from freeride.storage.migrate import upgrade_engine
    from freeride.storage.repositories import OutboxRepository
    from freeride.testing.builders import fill
    from freeride.testing.fakes.discord_api import FakeDiscordApi

    channel = "645027906669510667"
    speed = 100.0
    with tempfile.TemporaryDirectory() as tmp:
        engine = create_engine(f"sqlite+aiosqlite:///{tmp}/outbox.db")
        await upgrade_engine(engine)
        clock = ScaledClock(speed)
        bus = InMemoryBus(clock)
        fake = FakeDiscordApi(
            channels={channel}, bucket_size=5, bucket_window_s=5.0, global_per_s=50, clock=clock
        )
        settings = load_settings(
            _env_file=None,
            discord={
                "application_id": APP_ID,
                "public_key": "a" * 64,
                "bot_token": "bot-token",
                "api_url": fake.url(),
                "subscriptions": {channel: ["fills"]},
            },
        )
        outbox = OutboxRepository(engine)
        relay = OutboxRelay(outbox, {}, bus, clock)
        posting = await build_posting(
            settings, bus, clock, outbox, relay, transport=httpx.ASGITransport(fake.app)
        )
        assert posting is not None
        await relay.start()
        await posting.poster.start()
        t0 = clock.now_ns()
        began = time.perf_counter()
        for i in range(events):
            bus.publish(topics.fill("GOOG"), fill(i, t0 + i))
        delivered = asyncio.Event()
        count = [0]

        def on_delivery(_event: object) -> None:
            count[0] += 1
            if count[0] >= events:
                delivered.set()

        bus.subscribe(topics.ALL_DELIVERIES, on_delivery)
        await delivered.wait()
        wall = time.perf_counter() - began
        discord_s = (clock.now_ns() - t0) / 1e9
        await posting.poster.stop()
        await relay.stop()
        await engine.dispose()
    messages = len(fake.to("channel"))
    return {
        "burst_events": events,
        "burst_messages": messages,
        "fake_429s": fake.rate_limited,
        "burst_bucket_resets": int(discord_s // 5) + 1,
        "burst_discord_s": round(discord_s, 1),
        "burst_wall_s": round(wall, 2),
        "one_per_event_messages": events,
        "one_per_event_discord_s": events / 5 * 5,
    }


async def run(quick: bool) -> dict[str, Any]:
    signer = Signer()
    n = 1_000 if quick else 6_000
    with tempfile.TemporaryDirectory() as tmp:
        workdir = Path(tmp)
        port = _free_port()
        child = _start(["--serve", str(port), str(workdir), signer.public], port)
        try:
            figures = await interactions(signer, port, n)
            figures.update(await deferred(signer, port))
        finally:
            child.send_signal(signal.SIGTERM)
            child.wait(30)
        figures["peak_mib"] = json.loads((workdir / "peak.json").read_text())["peak_mib"]
        floor_port = _free_port()
        floor = _start(["--floor", str(floor_port), signer.public], floor_port)
        try:
            peer = await interactions(signer, floor_port, n)
        finally:
            floor.send_signal(signal.SIGTERM)
            floor.wait(30)
    figures.update({f"floor_{k}": v for k, v in peer.items()})
    figures.update(await burst(2_000 if quick else BURST))
    figures["load"] = os.getloadavg()[0]
    return figures


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--serve", nargs=3, metavar=("PORT", "WORKDIR", "PUBLIC_KEY"))
    parser.add_argument("--floor", nargs=2, metavar=("PORT", "PUBLIC_KEY"))
    parser.add_argument("--quick", action="store_true")
    args = parser.parse_args()
    if args.serve:
        asyncio.run(_bot_server(int(args.serve[0]), Path(args.serve[1]), args.serve[2]))
        return
    if args.floor:
        asyncio.run(_floor_server(int(args.floor[0]), args.floor[1]))
        return
    figures = asyncio.run(run(args.quick))
    names = (
        "interactions_per_s",
        "initial_p99_ms",
        "deferred_p99_ms",
        "burst_events",
        "burst_messages",
        "fake_429s",
        "peak_mib",
    )
    print(
        json.dumps({**{k: figures[k] for k in names}, **{k: v for k, v in figures.items() if k not in names}})
    )


if __name__ == "__main__":
    main()
