"""API: GET latency and throughput, and WebSocket fan-out, each server in its own process.

* ``GET``: ``/api/v1/positions`` (10 positions of a run, from SQLite, token checked) and
  ``/api/v1/quotes?symbols=…`` (10 symbols, last prices in memory) under ``CLIENTS`` concurrent
  keep-alive HTTP/1.1 clients for ``SECONDS`` each; p50/p99 latency and requests/s.
* peer: a bare Starlette app (same uvicorn, same HTTP parser) answering both paths with the same
  JSON bytes, prebuilt: what the network, the server and the framework floor cost on this machine.
* ``WS``: ``WS_CLIENTS`` WebSocket clients each subscribed to ``WS_SYMBOLS`` symbols while the
  server publishes ``WS_RATE`` quotes/s on its bus (ticks of 10 ms). Delivery latency is from the
  quote's ``ts_init`` (stamped as it is published) to its arrival at a client, over ``WS_SECONDS``
  of steady state that start once every client has connected and settled. The clients run in
  ``WS_LOAD_PROCS`` processes (decoding half a million events a second is more than one Python
  process can do) and record from the same wall-clock moment. ``engine_lag_ms`` is how late the
  publishing loop ran behind its own schedule during that window; ``..._no_clients`` the same
  before any client connected.

The freeride server is ``ApiServer``, the one ``freeride run`` starts. Servers and load run in
separate processes on 127.0.0.1. GET throughput is the best of ``REPEATS`` runs because the machine
is shared; ``peak_mib`` is the freeride server process's peak resident memory. The last line is
one JSON object.

    python benchmarks/api.py [--quick] [--ws-only]
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
from decimal import Decimal
from pathlib import Path
from typing import Any

import msgspec
import numpy as np

sys.path.insert(0, str(Path(__file__).parent))
from _util import peak_mib

CLIENTS = 50
SECONDS = 5.0
REPEATS = 3
WS_CLIENTS = 500
WS_SYMBOLS = 10
WS_RATE = 1_000
WS_SECONDS = 8.0
SETTLE_S = 2.0
SYMBOLS = [f"SYM{i}" for i in range(WS_SYMBOLS)]
RUN_ID = "run-bench000000000000"
TOKEN_FILE = "token.txt"
LAG_FILE = "lag.npy"
WS_LOAD_PROCS = 2
BASELINE_S = 3.0
CONNECT_S = 8.0


# ---- servers (child processes) ------------------------------------------------------------------


async def _freeride_server(port: int, workdir: Path, quote_rate: int) -> None:

    from freeride.alerts.service import AlertService
    from freeride.api import create_app
    from freeride.app.api import ApiServer, ApiState, TokenAuth, create_token
    from freeride.app.live import LiveViews
    from freeride.bus import topics
    from freeride.bus.memory import InMemoryBus
    from freeride.config.api import ApiSettings
    from freeride.core.clock import LiveClock
    from freeride.core.market import Quote
    from freeride.core.orders import Position
    from freeride.ports.tokens import Scope
    from freeride.storage.engine import create_engine
    from freeride.storage.migrate import upgrade_engine
    from freeride.storage.repositories import Repositories

    db = create_engine(f"sqlite+aiosqlite:///{workdir / 'api.db'}")
    await upgrade_engine(db)
    clock = LiveClock()
    bus = InMemoryBus(clock)
    repos = Repositories.from_engine(db)
    live = LiveViews(bus)
    now = clock.now_ns()
    await repos.runs.begin(RUN_ID, name="embedded", config={}, started_at=now)
    for i, symbol in enumerate(SYMBOLS):
        position = Position(
            symbol=symbol,
            quantity=Decimal(10 * (i + 1)),
            avg_price=Decimal("101.25"),
            realized_pnl=Decimal("12.5"),
            ts_event=now,
            ts_init=now,
        )
        await repos.positions.upsert(RUN_ID, position)
        bus.publish(
            topics.quote(symbol), Quote(symbol=symbol, bid=100.0, ask=100.02, ts_event=now, ts_init=now)
        )
    token, _ = await create_token(repos.tokens, "bench", Scope.READ, clock)
    (workdir / TOKEN_FILE).write_text(token)
    settings = ApiSettings(host="127.0.0.1", port=port, ws_queue_size=10_000)
    state = ApiState(
        settings=settings,
        clock=clock,
        tokens=TokenAuth(repos.tokens, clock, settings.token_cache_s),
        bus=bus,
        alerts=AlertService(repos.alerts, clock),
        repos=repos,
        run_id=RUN_ID,
        live=live,
        db=db,
    )
    lag: list[tuple[float, float]] = []
    publisher = asyncio.create_task(_publish(bus, quote_rate, lag)) if quote_rate else None
    server = ApiServer(create_app(state), settings, clock)  # the server `freeride run` uses
    stop = asyncio.Event()
    asyncio.get_running_loop().add_signal_handler(signal.SIGTERM, stop.set)
    await server.start()
    await stop.wait()
    await server.stop()
    if publisher is not None:
        publisher.cancel()
    await db.dispose()
    if lag:
        np.save(workdir / LAG_FILE, np.array(lag, dtype=np.float64))
    print(json.dumps({"peak_mib": round(peak_mib(), 1)}), flush=True)


async def _publish(bus: Any, rate: int, lag: list[tuple[float, float]]) -> None:
    """``rate`` quotes a second over the symbols, in 10 ms ticks, stamped as they are published.

    ``lag`` gets (wall time, ms late) per tick: how far the loop the engine runs on fell behind.
    """
    from freeride.bus import topics
    from freeride.core.market import Quote

    per_tick = max(1, rate // 100)
    tick = 0.01
    start = time.perf_counter()
    n = 0
    while True:
        n += 1
        due = start + n * tick
        delay = due - time.perf_counter()
        if delay > 0:
            await asyncio.sleep(delay)
        lag.append((time.time(), max(0.0, time.perf_counter() - due) * 1000))
        for i in range(per_tick):
            symbol = SYMBOLS[i % len(SYMBOLS)]
            ts = time.time_ns()
            price = 100.0 + (n % 100) / 100
            bus.publish(
                topics.quote(symbol),
                Quote(symbol=symbol, bid=price, ask=price + 0.02, ts_event=ts, ts_init=ts),
            )


async def _peer_server(port: int, workdir: Path) -> None:
    from starlette.applications import Starlette
    from starlette.responses import Response
    from starlette.routing import Route

    positions = msgspec.json.encode(
        {
            "items": [
                {
                    "symbol": s,
                    "quantity": str(10 * (i + 1)),
                    "avg_price": "101.25",
                    "realized_pnl": "12.5",
                    "ts_event": 0,
                }
                for i, s in enumerate(SYMBOLS)
            ],
            "total": len(SYMBOLS),
            "limit": 100,
            "offset": 0,
        }
    )
    quotes = msgspec.json.encode(
        {
            "quotes": [
                {"symbol": s, "price": 100.01, "bid": 100.0, "ask": 100.02, "source": "quote", "ts_event": 0}
                for s in SYMBOLS
            ],
            "missing": [],
        }
    )

    async def get_positions(_request: Any) -> Response:
        return Response(positions, media_type="application/json")

    async def get_quotes(_request: Any) -> Response:
        return Response(quotes, media_type="application/json")

    app = Starlette(routes=[Route("/api/v1/positions", get_positions), Route("/api/v1/quotes", get_quotes)])
    (workdir / TOKEN_FILE).write_text("none")
    await _serve(app, port)
    print(json.dumps({"peak_mib": round(peak_mib(), 1)}), flush=True)


async def _serve(app: Any, port: int) -> None:
    import uvicorn

    config = uvicorn.Config(
        app, host="127.0.0.1", port=port, log_level="warning", lifespan="off", access_log=False
    )
    server = uvicorn.Server(config)
    server.install_signal_handlers = lambda: None  # type: ignore[method-assign]
    loop = asyncio.get_running_loop()
    loop.add_signal_handler(signal.SIGTERM, lambda: setattr(server, "should_exit", True))
    await server.serve()


# ---- load (child process) -----------------------------------------------------------------------


async def _http_client(port: int, request: bytes, deadline: float, out: list[float]) -> int:
    reader, writer = await asyncio.open_connection("127.0.0.1", port)
    errors = 0
    try:
        while time.perf_counter() < deadline:
            started = time.perf_counter()
            writer.write(request)
            head = await reader.readuntil(b"\r\n\r\n")
            length = 0
            for line in head.split(b"\r\n"):
                if line[:15].lower() == b"content-length:":
                    length = int(line[15:])
            await reader.readexactly(length)
            if not head.startswith(b"HTTP/1.1 200"):
                errors += 1
            out.append(time.perf_counter() - started)
    finally:
        writer.close()
    return errors


async def _http_load(port: int, path: str, token: str, clients: int, seconds: float) -> dict[str, Any]:
    request = (f"GET {path} HTTP/1.1\r\nHost: 127.0.0.1\r\nAuthorization: Bearer {token}\r\n\r\n").encode()
    warm: list[float] = []
    await asyncio.gather(
        *(_http_client(port, request, time.perf_counter() + 0.5, warm) for _ in range(clients))
    )
    latencies: list[float] = []
    started = time.perf_counter()
    errors = await asyncio.gather(
        *(_http_client(port, request, started + seconds, latencies) for _ in range(clients))
    )
    elapsed = time.perf_counter() - started
    latencies.sort()
    n = len(latencies)
    return {
        "requests": n,
        "errors": sum(errors),
        "rps": n / elapsed,
        "p50_ms": latencies[n // 2] * 1000,
        "p99_ms": latencies[int(n * 0.99)] * 1000,
    }


class _Stamp(msgspec.Struct):
    ts_init: int


class _Event(msgspec.Struct):
    """Only what the load needs of an event message: msgspec skips the other fields unparsed."""

    op: str
    data: _Stamp | None = None


async def _ws_load(
    port: int, token: str, clients: int, start_at: float, seconds: float, out: Path
) -> dict[str, Any]:
    """Connect ``clients``; from ``start_at`` (wall time), for ``seconds``, record each event's latency."""
    from websockets.asyncio.client import connect

    latencies: list[int] = []
    subscribe = json.dumps({"op": "subscribe", "topics": [f"data.quote.{s}" for s in SYMBOLS]})
    decode_one = msgspec.json.Decoder(_Event).decode
    decode_many = msgspec.json.Decoder(list[_Event]).decode
    start_ns, end_ns = int(start_at * 1e9), int((start_at + seconds) * 1e9)
    connected = dropped = 0

    async def one() -> None:
        nonlocal connected, dropped
        try:
            async with connect(
                f"ws://127.0.0.1:{port}/ws?token={token}", max_queue=None, ping_interval=None
            ) as ws:
                await ws.send(subscribe)
                await ws.recv()  # subscribed
                connected += 1
                async with asyncio.timeout(end_ns / 1e9 - time.time()):
                    while True:
                        frame = await ws.recv(decode=False)
                        now = time.time_ns()
                        if now < start_ns:
                            continue  # connecting and settling: not steady state yet
                        events = decode_many(frame) if frame[:1] == b"[" else [decode_one(frame)]
                        latencies.extend(now - m.data.ts_init for m in events if m.data is not None)
        except TimeoutError:
            pass
        except Exception:
            dropped += 1

    tasks = []
    for _ in range(clients):
        tasks.append(asyncio.create_task(one()))
        await asyncio.sleep(0.002)
    await asyncio.gather(*tasks)
    np.save(out, np.array(latencies, dtype=np.int64))
    return {"connected": connected, "dropped": dropped}


# ---- orchestration ------------------------------------------------------------------------------


def _free_port() -> int:
    import socket

    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


class Child:
    """A server process of this script; ``stop`` returns what it printed on the way out."""

    def __init__(self, kind: str, quote_rate: int = 0) -> None:
        self.port = _free_port()
        self.dir = Path(tempfile.mkdtemp(prefix="freeride-bench-api-"))
        args = [sys.executable, __file__, "--serve", kind, "--port", str(self.port), "--dir", str(self.dir)]
        args += ["--quote-rate", str(quote_rate)]
        self.process = subprocess.Popen(args, stdout=subprocess.PIPE, text=True)
        for _ in range(300):
            if (self.dir / TOKEN_FILE).exists():
                time.sleep(0.2)
                break
            time.sleep(0.05)
        else:
            raise RuntimeError(f"the {kind} server did not start")
        self.token = (self.dir / TOKEN_FILE).read_text()

    def stop(self) -> dict[str, Any]:
        self.process.send_signal(signal.SIGTERM)
        out, _ = self.process.communicate(timeout=30)
        lines = [line for line in out.splitlines() if line.startswith("{")]
        return json.loads(lines[-1]) if lines else {}


def _load(args: list[str]) -> dict[str, Any]:
    result = subprocess.run(
        [sys.executable, __file__, *args], capture_output=True, text=True, check=True, timeout=300
    )
    return dict(json.loads(result.stdout.strip().splitlines()[-1]))


def _fanout(rate: int, seconds: float) -> dict[str, Any]:
    """One server publishing ``rate`` quotes/s; its engine lag alone first, then under the load.

    The load runs in ``WS_LOAD_PROCS`` processes (a Python client decoding half a million events a
    second needs more than one core); each connects its share of the clients and records from the
    same wall-clock start, after every client has had time to connect and settle.
    """
    server = Child("freeride", quote_rate=rate)
    loads: list[subprocess.Popen[str]] = []
    try:
        time.sleep(BASELINE_S)
        load_began = time.time()
        start_at = load_began + CONNECT_S + SETTLE_S
        per_proc = WS_CLIENTS // WS_LOAD_PROCS
        for i in range(WS_LOAD_PROCS):
            args = ["--load", "ws", "--port", str(server.port), "--token", server.token]
            args += ["--clients", str(per_proc), "--seconds", str(seconds), "--start-at", str(start_at)]
            args += ["--out", str(server.dir / f"latency-{i}.npy")]
            loads.append(
                subprocess.Popen([sys.executable, __file__, *args], stdout=subprocess.PIPE, text=True)
            )
        reports = [json.loads(p.communicate(timeout=300)[0].strip().splitlines()[-1]) for p in loads]
    finally:
        for p in loads:
            p.kill() if p.poll() is None else None
        exit_info = server.stop()
    latency = np.sort(np.concatenate([np.load(server.dir / f"latency-{i}.npy") for i in range(len(loads))]))
    lag = np.load(server.dir / LAG_FILE)
    idle = lag[lag[:, 0] < load_began, 1]
    loaded = lag[(lag[:, 0] >= start_at) & (lag[:, 0] < start_at + seconds), 1]
    n = len(latency)
    return {
        "ws_clients": sum(r["connected"] for r in reports),
        "dropped": sum(r["dropped"] for r in reports),
        "delivered_per_s": n / seconds,
        "expected_per_s": rate * WS_CLIENTS,  # every client is subscribed to every symbol
        "ws_p50_ms": float(latency[n // 2]) / 1e6 if n else float("nan"),
        "ws_p99_ms": float(latency[int(n * 0.99)]) / 1e6 if n else float("nan"),
        "ws_max_ms": float(latency[-1]) / 1e6 if n else float("nan"),
        "engine_lag_p99_ms": float(np.percentile(loaded, 99)) if len(loaded) else float("nan"),
        "engine_lag_p99_ms_idle": float(np.percentile(idle, 99)) if len(idle) else float("nan"),
        "peak_mib": exit_info.get("peak_mib"),
    }


def _best(runs: list[dict[str, Any]]) -> dict[str, Any]:
    return max(runs, key=lambda r: r["rps"])


def main(quick: bool, ws_only: bool = False) -> None:
    seconds = 2.0 if quick else SECONDS
    repeats = 1 if quick else REPEATS
    quotes_path = "/api/v1/quotes?symbols=" + ",".join(SYMBOLS)
    paths = {"positions": "/api/v1/positions", "quotes": quotes_path}
    results: dict[str, dict[str, Any]] = {}
    memory: dict[str, Any] = {}
    for kind in () if ws_only else ("freeride", "starlette"):
        server = Child(kind)
        try:
            for name, path in paths.items():
                runs = [
                    _load(
                        [
                            "--load",
                            "http",
                            "--port",
                            str(server.port),
                            "--path",
                            path,
                            "--token",
                            server.token,
                            "--clients",
                            str(CLIENTS),
                            "--seconds",
                            str(seconds),
                        ]
                    )
                    for _ in range(repeats)
                ]
                results[f"{kind}:{name}"] = _best(runs)
        finally:
            memory[kind] = server.stop()

    fanout = {rate: _fanout(rate, 4.0 if quick else WS_SECONDS) for rate in (WS_RATE, WS_RATE // 10)}
    ws, low = fanout[WS_RATE], fanout[WS_RATE // 10]
    lines = [
        f"WS fan-out: {r['ws_clients']} clients × {WS_SYMBOLS} symbols at {rate:,} quotes/s: "
        f"{r['delivered_per_s']:,.0f} of {r['expected_per_s']:,} deliveries/s due, "
        f"p50 {r['ws_p50_ms']:.1f} ms, p99 {r['ws_p99_ms']:.1f} ms, dropped {r['dropped']}, "
        f"engine lag p99 {r['engine_lag_p99_ms']:.2f} ms (no clients: {r['engine_lag_p99_ms_idle']:.2f} ms)"
        for rate, r in fanout.items()
    ]
    if ws_only:
        print("\n".join(lines))
        print(
            json.dumps(
                {"ws_clients": ws["ws_clients"], "ws_p99_ms": ws["ws_p99_ms"], "ws": ws, "low_rate": low}
            )
        )
        return

    print(
        f"GET, {CLIENTS} concurrent keep-alive clients, best of {repeats} × {seconds:g} s "
        "(shared 2-core machine)"
    )
    print(f"{'':<24}{'req/s':>10}{'p50 ms':>10}{'p99 ms':>10}{'errors':>8}")
    for key, r in results.items():
        print(f"{key:<24}{r['rps']:>10,.0f}{r['p50_ms']:>10.2f}{r['p99_ms']:>10.2f}{r['errors']:>8}")
    print("\n".join(lines))
    print(
        f"peak RSS: freeride server {memory['freeride'].get('peak_mib')} MiB, "
        f"peer {memory['starlette'].get('peak_mib')} MiB"
    )
    ours = results["freeride:positions"]
    quotes = results["freeride:quotes"]
    print(
        json.dumps(
            {
                "rps": round(min(ours["rps"], quotes["rps"])),
                "p50_ms": round(max(ours["p50_ms"], quotes["p50_ms"]), 2),
                "p99_ms": round(max(ours["p99_ms"], quotes["p99_ms"]), 2),
                "positions": {k: round(v, 2) for k, v in ours.items()},
                "quotes": {k: round(v, 2) for k, v in quotes.items()},
                "peer_starlette": {
                    "positions_rps": round(results["starlette:positions"]["rps"]),
                    "quotes_rps": round(results["starlette:quotes"]["rps"]),
                    "p99_ms": round(
                        max(results["starlette:positions"]["p99_ms"], results["starlette:quotes"]["p99_ms"]),
                        2,
                    ),
                },
                "ws_clients": ws["ws_clients"],
                "ws_delivered_per_s": round(ws["delivered_per_s"]),
                "ws_p99_ms": ws["ws_p99_ms"] and round(ws["ws_p99_ms"], 2),
                "ws_dropped": ws["dropped"],
                "engine_lag_p99_ms": round(ws["engine_lag_p99_ms"], 2),
                "engine_lag_p99_ms_no_clients": round(ws["engine_lag_p99_ms_idle"], 2),
                "ws_at_tenth_rate": {
                    "quotes_per_s": WS_RATE // 10,
                    "delivered_per_s": round(low["delivered_per_s"]),
                    "ws_p99_ms": low["ws_p99_ms"] and round(low["ws_p99_ms"], 2),
                    "engine_lag_p99_ms": round(low["engine_lag_p99_ms"], 2),
                },
                "peak_mib": memory["freeride"].get("peak_mib"),
            }
        )
    )


if __name__ == "__main__":
    parser = argparse.ArgumentParser()
    parser.add_argument("--serve", choices=["freeride", "starlette"])
    parser.add_argument("--load", choices=["http", "ws"])
    parser.add_argument("--port", type=int, default=0)
    parser.add_argument("--dir", type=Path)
    parser.add_argument("--quote-rate", type=int, default=0)
    parser.add_argument("--path", default="/api/v1/positions")
    parser.add_argument("--token", default="")
    parser.add_argument("--clients", type=int, default=CLIENTS)
    parser.add_argument("--seconds", type=float, default=SECONDS)
    parser.add_argument("--start-at", type=float, default=0.0, help="wall time the WS load records from")
    parser.add_argument("--out", type=Path, help="where the WS load writes its latencies")
    parser.add_argument("--quick", action="store_true", help="one short run of each, to check the script")
    parser.add_argument("--ws-only", action="store_true", help="only the WebSocket fan-out")
    a = parser.parse_args()
    if a.serve == "freeride":
        asyncio.run(_freeride_server(a.port, a.dir, a.quote_rate))
    elif a.serve == "starlette":
        asyncio.run(_peer_server(a.port, a.dir))
    elif a.load == "http":
        print(json.dumps(asyncio.run(_http_load(a.port, a.path, a.token, a.clients, a.seconds))))
    elif a.load == "ws":
        print(json.dumps(asyncio.run(_ws_load(a.port, a.token, a.clients, a.start_at, a.seconds, a.out))))
    else:
        os.environ.setdefault("FREERIDE_LOG__LEVEL", "warning")
        main(a.quick, a.ws_only)
