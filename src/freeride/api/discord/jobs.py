"""``/chart`` and ``/backtest``: the slower commands (a chart is always sent as an edit, with its file).

``/chart`` reads the symbol's stored bars as ``GET /api/v1/bars`` does and draws them (matplotlib,
in a worker thread, off the event loop) into a PNG attached to the edited answer. ``/backtest``
starts a job exactly as ``POST /api/v1/backtests`` does (``routers.backtests.start_job``), waits
for it, and answers with its figures and a link to its HTML report.
"""

from __future__ import annotations

import asyncio
import io
from collections.abc import Sequence

import numpy as np

from freeride.api.discord.market import symbol_of
from freeride.api.discord.model import Call, CommandError
from freeride.api.discord.wire import Reply
from freeride.api.routers.backtests import BacktestIn, start_job
from freeride.core.market import INTERVAL_SECONDS, Bar
from freeride.ports.discord import Attachment

CHART_BARS = 120
FIGURES = ("final_equity", "total_return", "trades", "win_rate", "sharpe", "max_drawdown", "commission")


async def chart(call: Call) -> Reply:
    repos = call.state.repos
    if repos is None:
        raise CommandError("storage is not available in this process")
    symbol = symbol_of(call)
    interval = str(call.options.get("interval") or "1d")
    if interval not in INTERVAL_SECONDS:
        raise CommandError(
            f"/chart: {interval!r} is not a bar interval; one of {', '.join(INTERVAL_SECONDS)}"
        )
    total = await repos.bars.count_range(symbol, interval)
    if not total:
        raise CommandError(f"no {interval} bars stored for {symbol}")
    bars = await repos.bars.query(symbol, interval, limit=CHART_BARS, offset=max(0, total - CHART_BARS))
    png = await asyncio.to_thread(render, symbol, interval, bars)
    name = f"{symbol.replace('/', '')}-{interval}.png"
    last = bars[-1]
    return Reply(
        content=f"**{symbol}** {interval}: last close {last.close:g} ({len(bars)} bars)",
        embeds=[{"title": f"{symbol} {interval}", "image": {"url": f"attachment://{name}"}}],
        files=[Attachment(filename=name, content=png)],
    )


def render(symbol: str, interval: str, bars: Sequence[Bar]) -> bytes:
    """Closes with each bar's high-low range, as a PNG (Agg: no display needed)."""
    from matplotlib.figure import Figure

    times = np.array([b.ts_event for b in bars], dtype="datetime64[ns]")
    fig = Figure(figsize=(8, 4), dpi=100)
    ax = fig.subplots()
    ax.fill_between(times, [b.low for b in bars], [b.high for b in bars], alpha=0.25, linewidth=0)
    ax.plot(times, [b.close for b in bars], linewidth=1.2)
    ax.set_title(f"{symbol} {interval}")
    ax.grid(alpha=0.3)
    fig.autofmt_xdate()
    out = io.BytesIO()
    fig.savefig(out, format="png")
    return out.getvalue()


def _params(text: str) -> dict[str, float | int | bool | str]:
    out: dict[str, float | int | bool | str] = {}
    for pair in text.split():
        key, sep, raw = pair.partition("=")
        if not sep or not key:
            raise CommandError(f"/backtest: params are key=value pairs, got {pair!r}")
        value: float | int | bool | str = raw
        if raw.lower() in ("true", "false"):
            value = raw.lower() == "true"
        else:
            for kind in (int, float):
                try:
                    value = kind(raw)
                    break
                except ValueError:
                    continue
        out[key] = value
    return out


async def backtest(call: Call) -> Reply:
    jobs = call.state.backtests
    if jobs is None:
        raise CommandError("backtests cannot be started in this process")
    body = BacktestIn(
        strategy=call.text("strategy"),
        symbol=symbol_of(call),
        params=_params(str(call.options.get("params") or "")),
    )
    job = start_job(jobs, body)
    job = await jobs.wait(job.run_id)
    if job.status != "done" or job.summary is None:
        raise CommandError(f"backtest {job.run_id} failed: {job.error}")
    figures = [f"{k}: {job.summary[k]}" for k in FIGURES if k in job.summary]
    base = (call.state.discord.public_url if call.state.discord is not None else None) or ""
    link = f"{base}/api/v1/backtests/{job.run_id}/report"
    return Reply(
        content=f"Backtest `{job.run_id}` ({body.strategy} on {body.symbol}):\n"
        + "\n".join(figures)
        + f"\nReport: {link}"
    )
