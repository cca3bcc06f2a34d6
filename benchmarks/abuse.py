"""Faults and abuse against a real served run: does the emergency stop hold, does anything leak or stall?

The server is ``freeride run`` as the CLI runs it (``run_embedded`` with its login token, the
replay of the shipped files, the simulator gateway), in a child process with one extra task: a
probe that sleeps 5 ms at a time on the same event loop and records how late it wakes. Before it
starts, a ``freeride run`` started on the same database is killed with SIGKILL, so the server's
start has a crashed run's admin token to deal with. Then, from this process:

* ``kill_switch_errors``: 50 concurrent kill-switch calls of mixed scopes (status with a read
  token, kill with a trade token, resume with the admin token); any 5xx or failed call counts.
* ``webhook_5xx``: hostile TradingView bodies (long integers, deep nesting, lone surrogates, NaN
  prices, other digits, a second copy of the passphrase, truncated JSON, an empty ticker, ...)
  from an allowed address; any 5xx counts. ``passphrase_copies_stored`` counts firings whose
  stored text still holds the passphrase.
* ``allowlist_bypasses``: webhook posts from a loopback address the allow-list refuses, each
  claiming the allowed one in ``X-Forwarded-For`` (and friends); any 2xx counts. The peer is the
  same app under uvicorn's defaults.
* ``stale_admin_tokens``: the crashed run's login token still accepted by the new server.
* ``slow_connections_open_after_timeout``: 100 connections that never finish a request (idle,
  half the headers, half the body), looked at once ``api.request_timeout_s`` (2 s here) and one
  sweep have passed. The peer is uvicorn's defaults again.
* ``max_loop_lag_ms``: the probe's worst delay while 8 clients with a read token hammer the
  heaviest reads (long simulated bar ranges, the 1,000-row pages of orders, bars and events, 50
  quotes from the gateway, the OpenAPI schema, the metrics); ``..._idle`` is the same probe with
  no requests, the floor this machine gives any process.
* ``secrets_in_settings``: credentials configured in URL settings (a database password, webhook
  query tokens, a path token) found in ``GET /api/v1/settings``.

    python benchmarks/abuse.py [--quick]

The last line is one JSON object.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import json
import os
import signal
import socket
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import numpy as np

sys.path.insert(0, str(Path(__file__).parent))
from _util import peak_mib

PASSPHRASE = "abuse-bench-passphrase-0123"
ALLOWED = "127.0.0.2"  # the address the allow-list lets in; the attacker connects from 127.0.0.1
REQUEST_TIMEOUT_S = 2.0
SLOW = 100
HEAVY_CLIENTS = 8
SECRET = "S3CRET"
URL_SECRETS = {
    "FREERIDE_EXECUTION__ALPACA__BASE_URL": f"https://user:pw-{SECRET}@paper.example.com",
    "FREERIDE_NOTIFY__WEBHOOKS": json.dumps(
        {
            "ops": {
                "url": f"https://hooks.example.com/in/svc{SECRET}9a8b7c6d5e?token=q-{SECRET}",
                "secret": f"signing-{SECRET}-0123456789",
            }
        }
    ),
    "FREERIDE_PROVIDERS__YAHOO_URL": f"https://proxy.example.com/yahoo?apikey=k-{SECRET}",
}


# ---- the server (child process) -----------------------------------------------------------------


def server_env(workdir: Path) -> dict[str, str]:
    return {
        **{k: v for k, v in os.environ.items() if not k.startswith("FREERIDE_")},
        "FREERIDE_DATABASE_URL": f"sqlite+aiosqlite:///{workdir / 'freeride.db'}",
        "FREERIDE_ALERTS__TRADINGVIEW__PASSPHRASE": PASSPHRASE,
        "FREERIDE_ALERTS__TRADINGVIEW__ALLOW_IPS": ALLOWED,
        "FREERIDE_API__REQUEST_TIMEOUT_S": str(REQUEST_TIMEOUT_S),
        "FREERIDE_LOG__LEVEL": "warning",
        "FREERIDE_LOG__FORMAT": "json",
        **URL_SECRETS,
    }


async def _serve(workdir: Path) -> None:
    from freeride.api import create_app
    from freeride.app.api import create_token
    from freeride.app.database import open_database
    from freeride.app.embedded import run_embedded
    from freeride.app.serving import Serving
    from freeride.config.settings import load_settings
    from freeride.core.clock import LiveClock
    from freeride.ops.logging import configure_logging
    from freeride.ports.tokens import Scope
    from freeride.storage.repositories import TokenRepository

    settings = load_settings(_env_file=None)
    settings = settings.model_copy(update={"api": settings.api.model_copy(update={"port": 0})})
    configure_logging(settings.log.level, settings.log.format)
    clock = LiveClock()
    async with open_database(settings.database_url) as db:
        repo = TokenRepository(db)
        tokens = {s.value: (await create_token(repo, f"bench-{s.value}", s, clock))[0] for s in Scope}
    samples: list[tuple[float, float]] = []

    def announce(url: str, token: str) -> None:
        (workdir / "server.json").write_text(json.dumps({"url": url.rstrip("/"), "login": token, **tokens}))

    async def probe() -> None:
        loop = asyncio.get_running_loop()
        while True:
            before = loop.time()
            await asyncio.sleep(0.005)
            samples.append((time.time(), (loop.time() - before - 0.005) * 1_000))

    prober = asyncio.create_task(probe())
    await run_embedded(settings, clock, serve=create_app, serving=Serving(announce=announce), signals=True)
    prober.cancel()
    np.save(workdir / "lag.npy", np.array(samples, dtype=np.float64))
    (workdir / "peak.json").write_text(json.dumps({"peak_mib": round(peak_mib(), 1)}))


async def _serve_peer(workdir: Path, port: int) -> None:
    """The same webhook intake behind uvicorn as it comes: proxy headers trusted from 127.0.0.1,
    no deadline for a request to arrive."""
    import uvicorn

    from freeride.alerts.intake import IntakeConfig, WebhookIntake
    from freeride.api import create_app
    from freeride.app.api import ApiState, TokenAuth
    from freeride.bus.memory import InMemoryBus
    from freeride.config.api import ApiSettings
    from freeride.core.clock import LiveClock

    clock = LiveClock()
    bus = InMemoryBus(clock)
    intake = WebhookIntake(IntakeConfig(passphrase=PASSPHRASE, allow_ips=(ALLOWED,)), bus, clock)
    await intake.start()
    state = ApiState(
        settings=ApiSettings(), clock=clock, tokens=TokenAuth(None, clock), bus=bus, intake=intake
    )  # type: ignore[arg-type]
    server = uvicorn.Server(uvicorn.Config(create_app(state), host="127.0.0.1", port=port, log_level="error"))
    await server.serve()


# ---- the attacks (this process) -----------------------------------------------------------------


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@contextlib.contextmanager
def child(*args: str, log: Path, env: dict[str, str] | None = None) -> Iterator[subprocess.Popen[bytes]]:
    """A child process whose output goes to ``log`` (a pipe nobody reads would block its loop)."""
    with log.open("wb") as out:
        process = subprocess.Popen([sys.executable, *args], env=env, stdout=out, stderr=subprocess.STDOUT)
    try:
        yield process
    finally:
        if process.poll() is None:
            process.send_signal(signal.SIGINT)
            try:
                process.wait(timeout=60)
            except subprocess.TimeoutExpired:
                process.kill()
                process.wait()


def wait_for(path: Path, process: subprocess.Popen[bytes], timeout: float = 120) -> dict[str, Any]:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if path.exists() and path.stat().st_size:
            return dict(json.loads(path.read_text()))
        if process.poll() is not None:
            log = path.parent / "server.log"
            raise SystemExit(f"the server exited: {log.read_text()[-2000:] if log.exists() else ''}")
        time.sleep(0.1)
    raise SystemExit(f"no {path.name} within {timeout} s")


def crashed_run_token(workdir: Path) -> str:
    """Start ``freeride run`` on the bench database, read its login token, then SIGKILL it."""
    env = {**server_env(workdir), "FREERIDE_LOG__FORMAT": "console", "COLUMNS": "200"}
    process = subprocess.Popen(
        [sys.executable, "-m", "freeride", "run", "--port", "0"],
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
        text=True,
    )
    assert process.stderr is not None
    token = ""
    for line in process.stderr:
        if "login token" in line:
            token = next(w for w in line.split() if w.startswith("fr_"))
            break
    process.kill()
    process.wait()
    if not token:
        raise SystemExit("the run to crash printed no login token")
    return token


async def kill_switch(http: httpx.AsyncClient, tokens: dict[str, str]) -> int:
    def auth(scope: str) -> dict[str, str]:
        return {"Authorization": f"Bearer {tokens[scope]}"}

    async def call(i: int) -> int:
        try:
            if i % 3 == 0:
                r = await http.get("/api/v1/kill-switch", headers=auth("read"))
            elif i % 3 == 1:
                r = await http.post(
                    "/api/v1/kill-switch", json={"reason": f"bench {i}"}, headers=auth("trade")
                )
            else:
                r = await http.post("/api/v1/kill-switch/resume", json={}, headers=auth("login"))
        except httpx.HTTPError:
            return 1
        return 0 if r.status_code in (200, 201) else 1

    errors = sum(await asyncio.gather(*(call(i) for i in range(50))))
    await http.post("/api/v1/kill-switch/resume", json={}, headers=auth("login"))
    return errors


def hostile_bodies() -> list[tuple[bytes, str]]:
    p = PASSPHRASE.encode()
    head = b'{"passphrase": "' + p + b'", "ticker": "AAPL", '
    bodies = [
        b'{"n": ' + b"9" * 5_000 + b"}",
        head + b'"n": ' + b"9" * 5_000 + b"}",
        head + b'"n": ' + b"[" * 3_000 + b"]" * 3_000 + b"}",
        head + b'"n": ' + b'{"a":' * 2_000 + b"1" + b"}" * 2_000 + b"}",
        head + b'"n": 1.' + b"5" * 5_000 + b"}",
        head + b'"note": "\\ud800"}',
        head + b'"price": NaN}',
        head + b'"price": Infinity}',
        head + b'"price": 1e99999}',
        head + '"price": "١٢٣"}'.encode(),
        head + b'"price": "1_000"}',
        b'{"passphrase": "' + p + b'", "ticker": ""}',
        b'{"passphrase": "' + p + b'", "ticker": "{{ticker}}"}',
        head + b'"secret": "' + p + b'", "meta": {"passphrase": "' + p + b'"}, "note": "' + p + b'"}',
        b'{"passphrase": "' + p + b'", "ticker": "AAPL", "price": ',
        b"\xff\xfe\x00garbage",
        b"",
        b"[" + b"1," * 1_000 + b"1]",
        b"passphrase=" + p + b", ticker=AAPL, secret=" + p,
        b"x" * 20_000,
    ]
    return [(b, "application/json") for b in bodies] + [(b, "text/plain") for b in bodies[-3:]]


async def webhooks(url: str) -> tuple[int, int]:
    transport = httpx.AsyncHTTPTransport(local_address=ALLOWED)
    async with httpx.AsyncClient(base_url=url, transport=transport, timeout=30) as http:
        fives = 0
        for body, content_type in hostile_bodies():
            r = await http.post("/webhooks/tradingview", content=body, headers={"Content-Type": content_type})
            fives += r.status_code >= 500
        return fives, 0


async def spoofing(url: str) -> int:
    claims = [
        {"X-Forwarded-For": ALLOWED},
        {"X-Forwarded-For": f"{ALLOWED}, 127.0.0.1"},
        {"X-Forwarded-For": f"203.0.113.9, {ALLOWED}"},
        {"X-Forwarded-For": f"{ALLOWED}", "X-Forwarded-Proto": "https"},
        {"X-Real-IP": ALLOWED},
        {"Forwarded": f"for={ALLOWED}"},
    ]
    bypasses = 0
    async with httpx.AsyncClient(base_url=url, timeout=30) as http:
        for i, headers in enumerate(claims):
            body = json.dumps({"passphrase": PASSPHRASE, "ticker": "AAPL", "n": i}).encode()
            r = await http.post(
                "/webhooks/tradingview", content=body, headers={"Content-Type": "application/json", **headers}
            )
            bypasses += r.status_code < 300
    return bypasses


async def slow_connections(host: str, port: int, wait_s: float) -> int:
    """Open ``SLOW`` connections that never finish a request; how many are open after ``wait_s``."""
    starts = [
        b"",
        b"GET /healthz HTTP/1.1\r\nHost: x\r\n",
        b"POST /webhooks/tradingview HTTP/1.1\r\nHost: x\r\nContent-Length: 900\r\n\r\n{",
    ]
    held = []
    for i in range(SLOW):
        reader, writer = await asyncio.open_connection(host, port)
        if starts[i % 3]:
            writer.write(starts[i % 3])
            await writer.drain()
        held.append((reader, writer))
    await asyncio.sleep(wait_s)
    open_now = 0
    for reader, writer in held:
        try:
            while True:
                data = await asyncio.wait_for(reader.read(65_536), timeout=0.05)
                if not data:
                    break
        except TimeoutError:
            open_now += 1
        except ConnectionError:
            pass
        writer.close()
    return open_now


HEAVY_PATHS = [
    ("/api/v1/bars/IBM", {"interval": "1d", "start": "DAYS_BACK", "limit": 1000}),
    ("/api/v1/bars/MSFT", {"interval": "1m", "start": "MINUTES_BACK", "limit": 1000}),
    ("/api/v1/bars/EUR/USD", {"interval": "1h", "limit": 1000, "offset": 2000}),
    ("/api/v1/orders", {"limit": 1000}),
    ("/api/v1/fills", {"limit": 1000}),
    ("/api/v1/events", {"limit": 1000}),
    ("/api/v1/quotes", {"symbols": ",".join(f"S{i}" for i in range(50))}),
    ("/api/v1/openapi.json", {}),
    ("/metrics", {}),
    ("/api/v1/bars/IBM", {"interval": "6w"}),
]


async def heavy_reads(url: str, token: str, seconds: float) -> tuple[float, float, int, int]:
    now = time.time()
    fill = {
        "DAYS_BACK": time.strftime("%Y-%m-%d", time.gmtime(now - 4_990 * 86_400)),
        "MINUTES_BACK": time.strftime("%Y-%m-%dT%H:%M:%S", time.gmtime(now - 4_900 * 60)),
    }
    stop = time.monotonic() + seconds
    done = 0
    fives = 0

    async def client(n: int) -> None:
        nonlocal done, fives
        async with httpx.AsyncClient(
            base_url=url, headers={"Authorization": f"Bearer {token}"}, timeout=60
        ) as http:
            i = n
            while time.monotonic() < stop:
                path, params = HEAVY_PATHS[i % len(HEAVY_PATHS)]
                params = {k: fill.get(str(v), v) for k, v in params.items()}
                r = await http.get(path, params=params)
                fives += r.status_code >= 500
                done += 1
                i += 1

    started = time.time()
    await asyncio.gather(*(client(n) for n in range(HEAVY_CLIENTS)))
    return started, time.time(), done, fives


async def settings_secrets(http: httpx.AsyncClient, login: str) -> int:
    text = (await http.get("/api/v1/settings", headers={"Authorization": f"Bearer {login}"})).text
    return text.count(SECRET)


async def stored_passphrases(http: httpx.AsyncClient, tokens: dict[str, str]) -> int:
    """Post a webhook with passphrase copies to a ``*`` rule and count copies in its firings."""
    auth = {"Authorization": f"Bearer {tokens['trade']}"}
    rule = await http.post("/api/v1/alerts", json={"symbol": "*", "kind": "webhook"}, headers=auth)
    rule_id = rule.json()["id"]
    transport = httpx.AsyncHTTPTransport(local_address=ALLOWED)
    async with httpx.AsyncClient(base_url=str(http.base_url), transport=transport, timeout=30) as hook:
        copies = {"secret": PASSPHRASE, "meta": {"passphrase": PASSPHRASE}, "note": f"pw {PASSPHRASE}"}
        body = json.dumps({"passphrase": PASSPHRASE, "ticker": "MSFT", "fresh": time.time(), **copies})
        await hook.post("/webhooks/tradingview", content=body, headers={"Content-Type": "application/json"})
    for _ in range(100):
        firings = (await http.get(f"/api/v1/alerts/{rule_id}/firings", headers=auth)).json()
        if firings:
            return json.dumps(firings).count(PASSPHRASE)
        await asyncio.sleep(0.1)
    return -1  # never fired: reported as such


async def attack(workdir: Path, quick: bool) -> dict[str, Any]:
    crashed = crashed_run_token(workdir)
    figures: dict[str, Any] = {}
    with child(
        __file__, "--serve", str(workdir), log=workdir / "server.log", env=server_env(workdir)
    ) as server:
        info = wait_for(workdir / "server.json", server)
        url = info["url"]
        tokens = {k: info[k] for k in ("read", "trade", "admin", "login")}
        async with httpx.AsyncClient(base_url=url, timeout=60) as http:
            read = {"Authorization": f"Bearer {tokens['read']}"}
            for _ in range(1_200):  # the replay runs first; both instruments hold a position at its end
                if (await http.get("/api/v1/positions", headers=read)).json().get("total") == 2:
                    break
                await asyncio.sleep(0.25)
            await asyncio.sleep(2)
            idle_from = time.time()
            await asyncio.sleep(3)
            idle_to = time.time()
            stale = await http.get("/api/v1/whoami", headers={"Authorization": f"Bearer {crashed}"})
            figures["stale_admin_tokens"] = int(stale.status_code == 200)
            figures["kill_switch_errors"] = await kill_switch(http, tokens)
            figures["webhook_5xx"], _ = await webhooks(url)
            figures["passphrase_copies_stored"] = await stored_passphrases(http, tokens)
            figures["allowlist_bypasses"] = await spoofing(url)
            host, port = url.removeprefix("http://").split(":")
            figures["slow_connections_open_after_timeout"] = await slow_connections(
                host, int(port), REQUEST_TIMEOUT_S + 1.5
            )
            started, ended, done, fives = await heavy_reads(url, tokens["read"], 6.0 if quick else 15.0)
            figures["heavy_requests"] = done
            figures["heavy_5xx"] = fives
            figures["secrets_in_settings"] = await settings_secrets(http, tokens["login"])
    lag = np.load(workdir / "lag.npy")
    heavy = lag[(lag[:, 0] >= started) & (lag[:, 0] <= ended), 1]
    idle = lag[(lag[:, 0] >= idle_from) & (lag[:, 0] <= idle_to), 1]
    figures["max_loop_lag_ms"] = round(float(heavy.max()), 1)
    figures["p99_loop_lag_ms"] = round(float(np.percentile(heavy, 99)), 1)
    figures["max_loop_lag_ms_idle"] = round(float(idle.max()), 1)
    figures["p99_loop_lag_ms_idle"] = round(float(np.percentile(idle, 99)), 1)
    figures["peak_mib"] = json.loads((workdir / "peak.json").read_text())["peak_mib"]
    return figures


async def attack_peer(workdir: Path) -> dict[str, Any]:
    port = free_port()
    with child(__file__, "--peer", str(workdir), str(port), log=workdir / "peer.log"):
        url = f"http://127.0.0.1:{port}"
        async with httpx.AsyncClient(base_url=url) as http:
            for _ in range(300):
                with contextlib.suppress(httpx.HTTPError):
                    if (await http.get("/healthz")).status_code == 200:
                        break
                await asyncio.sleep(0.1)
        return {
            "peer_allowlist_bypasses": await spoofing(url),
            "peer_slow_connections_open_after_timeout": await slow_connections(
                "127.0.0.1", port, REQUEST_TIMEOUT_S + 1.5
            ),
        }


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--quick", action="store_true")
    parser.add_argument("--serve", type=Path)
    parser.add_argument("--peer", nargs=2)
    args = parser.parse_args()
    if args.serve is not None:
        asyncio.run(_serve(args.serve))
        return
    if args.peer is not None:
        asyncio.run(_serve_peer(Path(args.peer[0]), int(args.peer[1])))
        return
    with tempfile.TemporaryDirectory() as tmp:
        workdir = Path(tmp)
        figures = asyncio.run(attack(workdir, args.quick))
        figures.update(asyncio.run(attack_peer(workdir)))
    print("freeride under abuse (the peer: the same app under uvicorn's defaults)")
    for name, value in figures.items():
        print(f"  {name:<45} {value}")
    print(json.dumps(figures))


if __name__ == "__main__":
    main()
