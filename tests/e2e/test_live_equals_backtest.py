"""The design's central promise: ``freeride run`` trades exactly what the backtester computes.

``run_embedded`` is the whole pipeline of ``freeride run``: the replay on the bus, the strategy
hosts, the order manager (persisting every order before it is sent), the paper brokers and the
recorder. The backtester drives the same strategies and matching engine in a plain loop. For each
paper account both must produce the same fills (time, side, quantity, price, commission), the same
round-trip trades and the same final equity, to the cent, on:

- both shipped files at their full length (GOOG daily and EUR/USD hourly, an account each);
- a multi-symbol fixture: three stocks trading one account, their bars at the same instants, so
  the order of equal-time bars and the shared cash must agree as well.
"""

from __future__ import annotations

from collections import defaultdict
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest

from freeride.adapters.replay import ReplaySource, load_source, shipped_path
from freeride.app.backtest import to_arrays
from freeride.app.embedded import run_embedded
from freeride.backtest.engine import run_event
from freeride.backtest.fills import table_from_fills
from freeride.backtest.spec import BacktestSpec
from freeride.backtest.trades import build_trades
from freeride.config.settings import Settings, load_settings
from freeride.core.clock import ManualClock
from freeride.core.instruments import parse_instrument
from freeride.core.orders import Fill
from freeride.exchange.costs import PercentCommission
from freeride.storage.engine import create_engine
from freeride.storage.repositories import Repositories

CENT = Decimal("0.01")
FixtureFills = list[tuple[int, str, str, Decimal, Decimal, Decimal]]


def three_stocks(folder: Path, days: int = 700) -> dict[str, Path]:
    """Three stocks on one calendar, from the shipped GOOG file: GOOG's first ``days`` sessions, and
    its next two stretches of ``days`` sessions under the names AAA and BBB, stamped on the same
    dates (real price paths, every bar at the same instant in all three)."""
    lines = shipped_path("GOOG_daily.csv").read_text().splitlines()[1:]
    dates = [line.split(",", 1)[0] for line in lines[:days]]
    files = {}
    for k, symbol in enumerate(("GOOG", "AAA", "BBB")):
        rows = lines[k * days : (k + 1) * days]
        path = folder / f"{symbol}.csv"
        body = "".join(f"{d},{row.split(',', 1)[1]}\n" for d, row in zip(dates, rows, strict=True))
        path.write_text("time,open,high,low,close,volume\n" + body)
        files[symbol] = path
    return files


def fingerprint(fills: list[Fill]) -> FixtureFills:
    rows = [(f.ts_event, f.symbol, f.side.value, f.quantity, f.price, f.commission) for f in fills]
    return sorted(rows)


async def stored_fills(settings: Settings, run_id: str) -> list[Fill]:
    engine = create_engine(settings.database_url)
    try:
        return await Repositories.from_engine(engine).fills.list_by_run(run_id)
    finally:
        await engine.dispose()


async def assert_live_equals_backtest(settings: Settings) -> dict[str, Decimal]:
    summary = await run_embedded(settings, ManualClock(1_700_000_000_000_000_000))
    assert summary.handler_failures == 0
    live_fills = await stored_fills(settings, summary.run_id)
    live_equity = {i.symbol: i.final_equity for i in summary.instruments}

    accounts: dict[str, list[Any]] = defaultdict(list)
    for sleeve in settings.trading_sleeves():
        accounts[sleeve.account].append(sleeve)
    finals: dict[str, Decimal] = {}
    for account, sleeves in accounts.items():
        symbols = {s.symbol for s in sleeves}
        params = {s.strategy_params()["size"] for s in sleeves}
        assert len(params) == 1, "one backtest spec per account: the sleeves must share parameters"
        bars = [to_arrays(load_source(ReplaySource(s.data_file(), s.symbol, s.interval))) for s in sleeves]
        spec = BacktestSpec(
            strategy=sleeves[0].strategy,
            params=sleeves[0].strategy_params(),
            cash=settings.run.starting_cash,
            currency=parse_instrument(sleeves[0].symbol).quote_currency,
            commission=PercentCommission(settings.run.commission_rate),
        )
        backtest = run_event(spec, bars)
        ours = [f for f in live_fills if f.symbol in symbols]
        assert fingerprint(ours) == fingerprint(backtest.fills), f"account {account}: the fills differ"
        assert build_trades(table_from_fills(ours, bars), bars) == backtest.trades
        for symbol in symbols:  # every sleeve of the account reports the account's equity
            assert live_equity[symbol].quantize(CENT) == backtest.portfolio.equity.quantize(CENT)
            assert live_equity[symbol] == backtest.portfolio.equity
        finals[account] = backtest.portfolio.equity.quantize(CENT)
    return finals


def settings_for(tmp_path: Path, **values: Any) -> Settings:
    return load_settings(_env_file=None, database_url=f"sqlite+aiosqlite:///{tmp_path}/run.db", **values)


async def test_the_shipped_files_trade_as_in_the_backtest(tmp_path: Path) -> None:
    finals = await assert_live_equals_backtest(settings_for(tmp_path))
    assert len(finals) == 2  # GOOG and EUR/USD, an account each


@pytest.mark.parametrize("quantity", ["100", "1000"])
async def test_three_stocks_sharing_an_account_trade_as_in_the_backtest(
    tmp_path: Path, quantity: str
) -> None:
    files = three_stocks(tmp_path)
    sleeves = [
        {
            "symbol": symbol,
            "quantity": quantity,
            "interval": "1d",
            "path": str(path),
            "account": "stocks",
            "params": {"fast": 10, "slow": 30},
        }
        for symbol, path in files.items()
    ]
    finals = await assert_live_equals_backtest(settings_for(tmp_path, sleeves=sleeves))
    assert list(finals) == ["stocks"]
