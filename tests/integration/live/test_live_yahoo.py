"""With no provider key, ``freeride live`` trades on Yahoo's prices when the network answers, on
the simulator only when asked (``--offline``), and stops with one log line when nothing answers.

Yahoo is the fake chart endpoint in Yahoo's wire format behind the production adapter; time is a
ManualClock, so fifteen-second polls and minute bars cost no real waiting.
"""

from __future__ import annotations

import asyncio
import socket
from collections.abc import Callable
from pathlib import Path

import httpx
import pytest
import structlog
import typer
from typer.testing import CliRunner

from freeride.app import price_source
from freeride.app.live_runner import run_live
from freeride.app.live_status import LiveStatus
from freeride.cli.live import register
from freeride.config.settings import Settings, load_settings
from freeride.core.clock import NS_PER_SECOND, ManualClock
from freeride.core.instruments import parse_instrument
from freeride.storage.engine import create_engine
from freeride.storage.repositories import BarRepository, FillRepository, RunRepository
from freeride.testing.fakes.yahoo import FakeYahoo

T0 = (1_717_372_800 + 15 * 3_600) * NS_PER_SECOND  # Monday 2024-06-03 15:00 UTC, stocks are trading
AAPL = parse_instrument("AAPL")


class Recording(httpx.AsyncBaseTransport):
    """The fake's transport, remembering each request's URL (to tell quotes from history);
    ``before`` sees each request as it is sent (to price it by the clock of that moment)."""

    def __init__(self, fake: FakeYahoo, before: Callable[[httpx.Request], None] | None = None) -> None:
        self.inner = httpx.ASGITransport(fake.app)  # type: ignore[arg-type]
        self.urls: list[httpx.URL] = []
        self.before = before

    async def handle_async_request(self, request: httpx.Request) -> httpx.Response:
        self.urls.append(request.url)
        if self.before is not None:
            self.before(request)
        return await self.inner.handle_async_request(request)


def no_network(why: type[httpx.TransportError]) -> httpx.MockTransport:
    def refuse(request: httpx.Request) -> httpx.Response:
        raise why("unreachable", request=request)

    return httpx.MockTransport(refuse)


def settings_for(tmp_path: Path, **providers: object) -> Settings:
    feeds = [
        {"symbol": "AAPL", "interval": "1m", "shipped": "GOOG_daily.csv", "quantity": "5"},
        {"symbol": "EUR/USD", "interval": "1d", "shipped": "EURUSD_hourly.csv", "quantity": "1000"},
    ]
    return load_settings(
        _env_file=None,
        database_url=f"sqlite+aiosqlite:///{tmp_path / 'live.db'}",
        secrets={"order": ["env"]},
        providers={"yahoo_url": "http://yahoo.test", **providers},
        run={"feeds": feeds, "fast": 2, "slow": 4},
    )


def aapl_at(minute: int) -> float:
    """Down for eight minutes, then up: the SMA(2/4) crosses up and buys."""
    return 100.0 - minute if minute < 8 else 92.0 + 4 * (minute - 8)


async def test_no_keys_and_an_answering_network_trade_on_yahoo(tmp_path: Path) -> None:
    fake = FakeYahoo()
    clock = ManualClock(T0)

    def price_this_minute(request: httpx.Request) -> None:
        # priced when the request goes out, not when the test last moved the clock: a poll still
        # in flight as the clock moves on sees its own minute. The run ends at minute 20, and a
        # poll due on that instant may land on either side of the stop, so the price holds there.
        if "period1" in request.url.params:
            return  # the warm-up's history is the fake's own
        minute = (clock.now_ns() - T0) // (60 * NS_PER_SECOND)
        fake.prices["AAPL"] = aapl_at(min(minute, 19))

    wire = Recording(fake, before=price_this_minute)
    # the default chain (no provider named, no key); Yahoo's polite 1 request a second would space
    # the warm-up's history requests on a clock that only this test moves
    settings = settings_for(tmp_path, limits={"yahoo": ["1000/s"]})
    status = LiveStatus()
    task = asyncio.create_task(
        run_live(settings, clock, max_seconds=20 * 60, status=status, transports={"yahoo": wire})
    )
    await asyncio.wait_for(status.ready.wait(), timeout=30)
    assert not status.simulated
    assert any("prices come from Yahoo" in n for n in status.notes)
    while not task.done():
        clock.advance(1)
        for _ in range(30):
            await asyncio.sleep(0)
    summary = await task

    assert not summary.simulated
    assert summary.notes[0].startswith("no provider has an API key: prices come from Yahoo")
    assert summary.last_prices["AAPL"] == aapl_at(19)
    assert summary.last_prices["EUR/USD"] == fake.price("EURUSD=X")
    assert summary.bars >= 15  # one per minute with a poll every 15 s
    assert summary.fills >= 1
    assert "-yahoo" not in summary.run_id  # the chain is in the hash, not the name
    # history for the warm-up came from Yahoo too: a chart request with a range
    history = [u for u in wire.urls if "period1" in u.params]
    assert any(u.path.endswith("/EURUSD=X") and u.params["interval"] == "1d" for u in history)
    engine = create_engine(settings.database_url)
    try:
        bars = await BarRepository(engine).query("AAPL", "1m")
        assert [b.close for b in bars[:3]] == [aapl_at(0), aapl_at(1), aapl_at(2)]
        fills = await FillRepository(engine).list_by_run(summary.ledger_run_id)
        minute_prices = {float(aapl_at(m)) for m in range(20)}
        assert fills
        assert all(float(f.price) in minute_prices for f in fills)
        run = await RunRepository(engine).get(summary.run_id)
        assert run is not None
        assert run.config["providers"] == ["replay", "yahoo"]
    finally:
        await engine.dispose()


@pytest.mark.parametrize(
    ("failure", "said"),
    [(httpx.ConnectError, "ConnectError: unreachable"), (httpx.ConnectTimeout, "no answer within 3 s")],
)
async def test_no_keys_and_no_network_stop_before_anything_is_stored(
    tmp_path: Path, failure: type[httpx.TransportError], said: str
) -> None:
    settings = settings_for(tmp_path)
    with structlog.testing.capture_logs() as logs, pytest.raises(price_source.NoPrices) as stopped:
        await run_live(settings, ManualClock(T0), max_seconds=60, transports={"yahoo": no_network(failure)})
    assert said in str(stopped.value)
    assert "--offline" in str(stopped.value)
    said_once = [e for e in logs if e["event"] == "live.no_network"]
    assert len(said_once) == 1
    assert said in said_once[0]["problem"]
    engine = create_engine(settings.database_url)
    try:
        assert await RunRepository(engine).list_runs() == []
    finally:
        await engine.dispose()


async def test_offline_takes_the_simulator_even_with_a_key(tmp_path: Path) -> None:
    settings = settings_for(tmp_path, enabled=["finnhub"], finnhub_api_key="k")
    clock = ManualClock(T0)
    status = LiveStatus()
    task = asyncio.create_task(
        run_live(
            settings, clock, max_seconds=5, status=status, offline=True,
            transports={"yahoo": no_network(httpx.ConnectError), "finnhub": no_network(httpx.ConnectError)},
        )
    )  # fmt: skip
    await asyncio.wait_for(status.ready.wait(), timeout=30)
    while not task.done():
        clock.advance(1)
        for _ in range(8):
            await asyncio.sleep(0)
    summary = await task
    assert summary.simulated
    assert summary.notes[0] == "--offline: prices come from the simulator, not a market"
    assert summary.last_prices["AAPL"] > 0


async def test_the_network_is_asked_only_when_nothing_else_would_answer(tmp_path: Path) -> None:
    never = {"yahoo": no_network(httpx.ConnectError)}
    clock = ManualClock(T0)
    for chosen in (
        settings_for(tmp_path, enabled=["simulator"]),  # the simulator, chosen
        settings_for(tmp_path, enabled=["yahoo"]),  # Yahoo, chosen: the gateway deals with it
        settings_for(tmp_path, enabled=["finnhub"], finnhub_api_key="k"),  # a key
    ):
        source = await price_source.choose(chosen, clock, [AAPL], transports=never)
        assert source.settings is chosen
        assert source.note is None
    # a 429 is an answer: the network works, the gateway's limits and breakers do the rest
    fake = FakeYahoo()
    fake.always("rate_limited")
    source = await price_source.choose(
        settings_for(tmp_path, enabled=["finnhub"]), clock, [AAPL], transports={"yahoo": Recording(fake)}
    )
    assert source.settings.providers.enabled == ["finnhub", "yahoo"]
    # --speed/--from want simulated prices: the simulator, without asking
    faster = await price_source.choose(
        settings_for(tmp_path), clock, [AAPL], transports=never, simulated=True
    )
    assert faster.settings.providers.enabled == ["simulator"]


def closed_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port: int = s.getsockname()[1]
    return port


@pytest.fixture
def app(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> typer.Typer:
    monkeypatch.chdir(tmp_path)
    monkeypatch.setenv("FREERIDE_SECRETS__ORDER", "env")
    monkeypatch.setenv("FREERIDE_DATABASE_URL", f"sqlite+aiosqlite:///{tmp_path / 'live.db'}")
    monkeypatch.setenv("FREERIDE_PROVIDERS__YAHOO_URL", f"http://127.0.0.1:{closed_port()}")
    made = typer.Typer()

    @made.callback()
    def root() -> None:
        """freeride"""

    register(made, clock=lambda: ManualClock(T0))
    return made


def test_cli_without_network_says_so_and_exits_2(app: typer.Typer) -> None:
    result = CliRunner().invoke(app, ["live", "--seconds", "5"])
    assert result.exit_code == 2, result.output
    assert "Yahoo did not answer" in result.output
    assert "--offline" in result.output
