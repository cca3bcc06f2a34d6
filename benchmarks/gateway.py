"""The market-data gateway against fake providers: coalescing, failover cost, stream throughput.

1. 1,000 concurrent quote requests over 100 symbols against the fake Finnhub with 20 ms of
   latency: upstream calls and wall time through the gateway (TTL cache + single-flight) beside
   the naive client that asks upstream for every request. Target: upstream calls = symbols.
2. Failover cost: the primary answers 429, the secondary answers. The gateway's own overhead is
   the failover request's time minus a direct call to each provider (no latency, so only our
   code is measured; target < 1 ms); with 20 ms latency the added time should be one round trip.
3. Stream: trades decoded from the fake Finnhub WebSocket (loopback, 50 trades a frame) and
   published on the bus, beside the stdlib ``json.loads`` decode a hand-written client would do
   (decode only, no bus). Target >= 100,000 trades/s. The fake server runs in the same process
   and event loop, so the figure is conservative.

    python benchmarks/gateway.py [--frames N] [--repeats N]
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import json
import statistics
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

import httpx
from pydantic import SecretStr
from rich.console import Console
from rich.table import Table

from _util import peak_mib
from freeride.adapters.finnhub.config import FinnhubConfig
from freeride.adapters.finnhub.data import FinnhubData
from freeride.adapters.finnhub.stream import FinnhubStream
from freeride.adapters.yahoo.config import YahooConfig
from freeride.adapters.yahoo.data import YahooData
from freeride.bus import topics
from freeride.bus.memory import InMemoryBus
from freeride.core.clock import LiveClock, ManualClock
from freeride.core.errors import RateLimited
from freeride.core.instruments import parse_instrument
from freeride.core.market import Trade
from freeride.gateway.config import GatewayConfig
from freeride.gateway.fanin import StreamFanIn
from freeride.gateway.providers import ProviderSpec
from freeride.gateway.service import MarketDataGateway
from freeride.testing.fakes.finnhub import FakeFinnhub, trade_frame
from freeride.testing.fakes.server import serve
from freeride.testing.fakes.waiting import until
from freeride.testing.fakes.yahoo import FakeYahoo

LATENCY_S = 0.020
REQUESTS = 1_000
SYMBOLS = 100


def finnhub(fake: FakeFinnhub, clock: LiveClock | ManualClock) -> FinnhubData:
    config = FinnhubConfig(SecretStr("fh-key"), base_url="http://fh.test/api/v1")
    return FinnhubData(config, clock, httpx.ASGITransport(fake.app))


def yahoo(fake: FakeYahoo, clock: LiveClock | ManualClock) -> YahooData:
    return YahooData(clock, YahooConfig(base_url="http://yh.test"), httpx.ASGITransport(fake.app))


# -- 1. coalescing -------------------------------------------------------------------------------
async def coalescing() -> dict[str, float]:
    clock = LiveClock()
    symbols = [f"S{i:03d}" for i in range(SYMBOLS)]
    asks = [symbols[i % SYMBOLS] for i in range(REQUESTS)]

    fake = FakeFinnhub(latency_s=LATENCY_S, clock=clock)
    # No rate limits here: the free tier's 30/s would send most of the naive client's calls elsewhere.
    gateway = MarketDataGateway(
        [ProviderSpec(finnhub(fake, clock))], InMemoryBus(clock), clock, GatewayConfig()
    )
    start = time.perf_counter()
    await asyncio.gather(*(gateway.latest(s) for s in asks))
    gateway_s = time.perf_counter() - start
    upstream = fake.total_calls
    await gateway.stop()

    naive_fake = FakeFinnhub(latency_s=LATENCY_S, clock=clock)
    naive = finnhub(naive_fake, clock)
    start = time.perf_counter()
    await asyncio.gather(*(naive.latest(parse_instrument(s)) for s in asks))
    naive_s = time.perf_counter() - start
    await naive.aclose()
    return {
        "upstream_calls": upstream,
        "naive_upstream_calls": naive_fake.total_calls,
        "gateway_wall_ms": gateway_s * 1e3,
        "naive_wall_ms": naive_s * 1e3,
    }


# -- 2. failover ---------------------------------------------------------------------------------
async def failover(latency_s: float, rounds: int) -> tuple[float, float, float]:
    """Median ms of: failover through the gateway, direct 429 call, direct secondary call."""
    live = LiveClock()
    manual = ManualClock(1_717_500_000 * 10**9)  # the gateway's limits and breakers; moved by hand
    primary_fake = FakeFinnhub(latency_s=latency_s, clock=live)
    primary_fake.always("rate_limited")
    secondary_fake = FakeYahoo(latency_s=latency_s, clock=live)
    primary, secondary = finnhub(primary_fake, manual), yahoo(secondary_fake, manual)
    config = GatewayConfig(quote_ttl_s=0.0, attempts=1)
    gateway = MarketDataGateway(
        [ProviderSpec(primary), ProviderSpec(secondary)], InMemoryBus(manual), manual, config
    )
    aapl = parse_instrument("AAPL")
    via, direct_primary, direct_secondary = [], [], []
    for _ in range(rounds):
        manual.advance(5)  # past the 429's one-second block, so every round pays the round trip
        t0 = time.perf_counter()
        snap = await gateway.latest(aapl)
        t1 = time.perf_counter()
        with contextlib.suppress(RateLimited):
            await primary.latest(aapl)
        t2 = time.perf_counter()
        await secondary.latest(aapl)
        t3 = time.perf_counter()
        assert snap.provider == "yahoo"
        via.append(t1 - t0)
        direct_primary.append(t2 - t1)
        direct_secondary.append(t3 - t2)
    await gateway.stop()
    return (
        statistics.median(via) * 1e3,
        statistics.median(direct_primary) * 1e3,
        statistics.median(direct_secondary) * 1e3,
    )


# -- 3. stream -----------------------------------------------------------------------------------
def frames(n: int, per_frame: int = 50) -> list[str]:
    return [
        trade_frame(
            "AAPL",
            [(190.0 + (i * per_frame + j) % 100 / 100, 1717430400000 + i, 1) for j in range(per_frame)],
        )
        for i in range(n)
    ]


async def stream_rate(batch: list[str], trades: int) -> float:
    fake = FakeFinnhub()
    clock = LiveClock()
    async with serve(fake.app) as host:
        bus = InMemoryBus(clock)
        count = [0]

        def counted(event: Trade) -> None:
            count[0] += 1

        bus.subscribe(topics.ALL_TRADES, counted)
        stream = FinnhubStream(FinnhubConfig(SecretStr("fh-key"), ws_url=f"ws://{host}/"), clock)
        fanin = StreamFanIn([stream], bus, clock, [parse_instrument("AAPL")])
        await fanin.start()
        await fake.hub.wait_subscribed("AAPL")
        start = time.perf_counter()
        fake.hub.send_many(batch)
        await until(lambda: count[0] >= trades, max_turns=10**9)
        elapsed = time.perf_counter() - start
        await fanin.stop()
    return trades / elapsed


def stdlib_rate(batch: list[str], trades: int) -> float:
    start = time.perf_counter()
    out = []
    for raw in batch:
        msg = json.loads(raw)
        for t in msg["data"]:
            out.append(Trade(symbol=t["s"], price=t["p"], size=t["v"], ts_event=t["t"] * 10**6, ts_init=0))
    assert len(out) == trades
    return trades / (time.perf_counter() - start)


async def main_async(n_frames: int, repeats: int) -> None:
    best_coalesce: dict[str, float] | None = None
    for _ in range(repeats):
        result = await coalescing()
        if best_coalesce is None or result["gateway_wall_ms"] < best_coalesce["gateway_wall_ms"]:
            best_coalesce = result
    assert best_coalesce is not None
    await failover(0.0, 20)  # warm-up
    own = [await failover(0.0, 200) for _ in range(repeats)]
    overhead_ms = min(v - p - s for v, p, s in own)
    slow = [await failover(LATENCY_S, 30) for _ in range(repeats)]
    via20, p20, s20 = min(slow, key=lambda r: r[0])
    batch = frames(n_frames)
    trades = n_frames * 50
    stream_best = max([await stream_rate(batch, trades) for _ in range(repeats)])
    stdlib_best = max(stdlib_rate(batch, trades) for _ in range(repeats))

    table = Table(
        title=f"Gateway vs naive client, fake providers, {LATENCY_S * 1e3:.0f} ms latency (best of {repeats})"
    )
    table.add_column("measure")
    table.add_column("freeride gateway", justify="right")
    table.add_column("peer", justify="right")
    table.add_row(
        f"{REQUESTS:,} concurrent quotes, {SYMBOLS} symbols: upstream calls",
        f"{best_coalesce['upstream_calls']:,.0f}",
        f"{best_coalesce['naive_upstream_calls']:,.0f} (naive)",
    )
    table.add_row(
        "  wall time, ms",
        f"{best_coalesce['gateway_wall_ms']:,.0f}",
        f"{best_coalesce['naive_wall_ms']:,.0f} (naive)",
    )
    table.add_row("failover on 429, own overhead, ms (no latency)", f"{overhead_ms:.3f}", "target < 1")
    table.add_row(
        "failover on 429 at 20 ms latency, ms",
        f"{via20:.1f}",
        f"{p20 + s20:.1f} (429 call + secondary call, direct)",
    )
    table.add_row(
        "stream trades/s, decoded and on the bus",
        f"{stream_best:,.0f}",
        f"{stdlib_best:,.0f} (json.loads, decode only)",
    )
    Console().print(table)
    print(
        json.dumps(
            {
                "upstream_calls": int(best_coalesce["upstream_calls"]),
                "distinct_symbols": SYMBOLS,
                "naive_upstream_calls": int(best_coalesce["naive_upstream_calls"]),
                "gateway_wall_ms": round(best_coalesce["gateway_wall_ms"], 1),
                "naive_wall_ms": round(best_coalesce["naive_wall_ms"], 1),
                "failover_overhead_ms": round(overhead_ms, 3),
                "failover_latency_ms": round(via20, 1),
                "direct_429_plus_secondary_ms": round(p20 + s20, 1),
                "stream_trades_per_s": round(stream_best),
                "stdlib_json_decode_trades_per_s": round(stdlib_best),
                "peak_mib": round(peak_mib(), 1),
            }
        )
    )


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--frames", type=int, default=4_000, help="WebSocket frames of 50 trades each")
    parser.add_argument("--repeats", type=int, default=3)
    args = parser.parse_args()
    asyncio.run(main_async(args.frames, args.repeats))


if __name__ == "__main__":
    main()
