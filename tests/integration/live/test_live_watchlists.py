"""Watch-only symbols stream beside the traded ones: an alert on a symbol nothing trades fires,
whether it was set before the start (watchlists, stored rules) or while running (another process)."""

from __future__ import annotations

import asyncio
from pathlib import Path

import pytest

from freeride.app.live_runner import run_live
from freeride.app.live_status import LiveStatus
from freeride.app.watchlists import build_watchlists
from freeride.config.settings import Settings, load_settings
from freeride.core.alerts import AlertKind, AlertRule
from freeride.core.clock import NS_PER_SECOND, ManualClock
from freeride.core.errors import InvalidInput
from freeride.storage.engine import create_engine
from freeride.storage.migrate import upgrade_engine
from freeride.storage.repositories import AlertRepository

T0 = (1_717_372_800 + 15 * 3_600) * NS_PER_SECOND  # Monday 2024-06-03 15:00 UTC


def settings_for(tmp_path: Path) -> Settings:
    sleeve = {"symbol": "AAPL", "interval": "1m", "quantity": "5", "params": {"fast": 2, "slow": 4}}
    return load_settings(
        _env_file=None,
        database_url=f"sqlite+aiosqlite:///{tmp_path / 'watch.db'}",
        secrets={"order": ["env"]},
        providers={"enabled": ["simulator"]},
        sleeves=[sleeve],
        watchlists={"fx": ["EUR/USD"], "tech": ["MSFT"]},
    )


async def add_rule(settings: Settings, rule: AlertRule, at_ns: int = T0) -> None:
    """As ``freeride alerts add`` does from another process: straight into the store."""
    engine = create_engine(settings.database_url)
    try:
        await upgrade_engine(engine)
        await AlertRepository(engine).add(rule, at_ns)
    finally:
        await engine.dispose()


async def test_alerts_on_watch_only_symbols_fire(tmp_path: Path) -> None:
    settings = settings_for(tmp_path)
    # before the start: on a watchlist symbol, and on a symbol no list names (NVDA)
    await add_rule(settings, AlertRule(id="msft", symbol="MSFT", kind=AlertKind.ABOVE, threshold=0.01))
    await add_rule(settings, AlertRule(id="nvda", symbol="NVDA", kind=AlertKind.ABOVE, threshold=0.01))
    clock = ManualClock(T0)
    status = LiveStatus()
    stop = asyncio.Event()
    task = asyncio.create_task(run_live(settings, clock, until=stop, status=status))
    await asyncio.wait_for(status.ready.wait(), timeout=30)
    # while running, another process adds one on a pair nothing streams yet
    gbp = AlertRule(id="gbp", symbol="GBP/USD", kind=AlertKind.ABOVE, threshold=0.01)
    await add_rule(settings, gbp, clock.now_ns())

    async def until_all_fired() -> None:
        # the store is read on the database's own thread: time moves on until its answer is in
        while {f.alert_id for f in status.alerts} != {"msft", "nvda", "gbp"}:
            clock.advance(1)
            for _ in range(8):
                await asyncio.sleep(0)

    await asyncio.wait_for(until_all_fired(), timeout=60)
    stop.set()
    await asyncio.wait_for(task, timeout=30)
    assert {f.alert_id for f in status.alerts} == {"msft", "nvda", "gbp"}
    assert {"AAPL", "MSFT", "EUR/USD", "NVDA", "GBP/USD"} <= set(status.prices)


async def test_a_symbol_added_to_a_stored_watchlist_while_running_streams(tmp_path: Path) -> None:
    """``freeride watch add`` from another process: the running service streams it, no restart."""
    settings = settings_for(tmp_path)
    clock = ManualClock(T0)
    status = LiveStatus()
    stop = asyncio.Event()
    task = asyncio.create_task(run_live(settings, clock, until=stop, status=status))
    await asyncio.wait_for(status.ready.wait(), timeout=30)
    assert "AMD" not in status.prices
    engine = create_engine(settings.database_url)
    try:
        await upgrade_engine(engine)
        entry, added = await build_watchlists(settings, engine, clock).add("chips", "amd")
        assert (entry.symbol, added) == ("AMD", True)
    finally:
        await engine.dispose()

    async def until_priced() -> None:
        while "AMD" not in status.prices:
            clock.advance(1)
            for _ in range(8):
                await asyncio.sleep(0)

    await asyncio.wait_for(until_priced(), timeout=60)
    stop.set()
    await asyncio.wait_for(task, timeout=30)
    assert {"AAPL", "MSFT", "EUR/USD", "AMD"} <= set(status.prices)
    assert status.streamed == ["AAPL", "EUR/USD", "MSFT", "AMD"]  # the status view's rows follow


async def test_a_pair_without_its_slash_stops_the_start_and_a_likely_typo_is_noted(tmp_path: Path) -> None:
    glued = load_settings(
        _env_file=None,
        database_url=f"sqlite+aiosqlite:///{tmp_path / 'glued.db'}",
        secrets={"order": ["env"]},
        providers={"enabled": ["simulator"]},
        sleeves=[{"symbol": "EURUSD", "interval": "1m", "quantity": "1000"}],
    )
    with pytest.raises(InvalidInput, match=r"sleeves\[0\]\.symbol: symbol 'EURUSD' .* did you mean EUR/USD"):
        await run_live(glued, ManualClock(T0), until=asyncio.Event())
    settings = settings_for(tmp_path)
    typo = Settings.model_validate({**settings.model_dump(), "watchlists": {"tech": ["MSFTT"]}})
    status = LiveStatus()
    stop = asyncio.Event()
    task = asyncio.create_task(run_live(typo, ManualClock(T0), until=stop, status=status))
    await asyncio.wait_for(status.ready.wait(), timeout=30)
    stop.set()
    await asyncio.wait_for(task, timeout=30)
    assert "watchlists.tech: MSFTT is not a known instrument (did you mean MSFT or STT?)" in status.notes
