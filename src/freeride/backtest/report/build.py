"""One run's report: ``report.html`` (self-contained), ``report.json`` and a PNG per chart."""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import msgspec
import numpy as np

from freeride.backtest.report import charts
from freeride.backtest.report.html import image, key_values, number, page, signed_cell, table, when
from freeride.backtest.report.tables import drawdown_pct, monthly_returns
from freeride.backtest.result import BacktestResult

MAX_TRADE_ROWS = 5_000  # the page stays light; the JSON has every trade


@dataclass(frozen=True, slots=True)
class ReportFiles:
    html: Path
    json: Path
    pngs: tuple[Path, ...]


METRIC_LABELS = {
    "total_return_pct": ("Total return %", 2),
    "annual_return_pct": ("Annualised return %", 2),
    "volatility_pct": ("Volatility (ann.) %", 2),
    "sharpe": ("Sharpe", 3),
    "sortino": ("Sortino", 3),
    "calmar": ("Calmar", 3),
    "max_drawdown_pct": ("Max drawdown %", 2),
    "max_drawdown_bars": ("Max drawdown length (bars)", 0),
    "max_drawdown_days": ("Max drawdown length (days)", 1),
    "trade_count": ("Trades", 0),
    "win_rate_pct": ("Win rate %", 2),
    "profit_factor": ("Profit factor", 3),
    "expectancy": ("Expectancy per trade", 2),
    "avg_win": ("Average win", 2),
    "avg_loss": ("Average loss", 2),
    "best_trade": ("Best trade", 2),
    "worst_trade": ("Worst trade", 2),
    "avg_trade_pct": ("Average trade %", 3),
    "avg_bars_held": ("Average bars held", 1),
    "exposure_pct": ("Exposure %", 2),
    "avg_mae": ("Average MAE", 2),
    "avg_mfe": ("Average MFE", 2),
    "total_commission": ("Commission", 2),
}


def report_data(result: BacktestResult) -> dict[str, Any]:
    """Every number of the run: the summary, each trade, the equity and drawdown at every step."""
    cash = float(result.spec.cash)
    years, grid = monthly_returns(result.equity, cash)
    return {
        "summary": result.summary(),
        "trades": [msgspec.to_builtins(t) for t in result.trades],
        "equity": {
            "ts": result.equity.ts.tolist(),
            "equity": result.equity.equity.tolist(),
            "drawdown_pct": drawdown_pct(result.equity, cash).tolist(),
        },
        "monthly_returns_pct": {
            str(y): [None if not np.isfinite(v) else float(v) for v in row]
            for y, row in zip(years, grid.tolist(), strict=True)
        },
    }


def write_report(result: BacktestResult, out_dir: Path, title: str | None = None) -> ReportFiles:
    out_dir.mkdir(parents=True, exist_ok=True)
    cash = float(result.spec.cash)
    curve = result.equity
    pnl = np.array([t.pnl for t in result.trades])
    years, grid = monthly_returns(curve, cash)
    pngs = {
        "equity.png": charts.line_chart(curve.ts, [("equity", curve.equity)], "Equity", result.spec.currency),
        "drawdown.png": charts.drawdown_chart(curve.ts, drawdown_pct(curve, cash)),
        "pnl_histogram.png": charts.histogram(pnl, "P&L per trade", result.spec.currency),
        "monthly_returns.png": charts.heatmap(years, grid),
    }
    paths = []
    for name, png in pngs.items():
        path = out_dir / name
        path.write_bytes(png)
        paths.append(path)
    json_path = out_dir / "report.json"
    json_path.write_text(json.dumps(report_data(result), indent=1, allow_nan=False))
    html_path = out_dir / "report.html"
    html_path.write_text(_html(result, pngs, title), encoding="utf-8")
    return ReportFiles(html=html_path, json=json_path, pngs=tuple(paths))


def _html(result: BacktestResult, pngs: dict[str, bytes], title: str | None) -> str:
    s = result.summary()
    spec = result.spec
    params = ", ".join(f"{k}={v}" for k, v in sorted(spec.params.items())) or "defaults"
    heading = title or f"{spec.strategy} on {', '.join(s['symbols'])}"
    subtitle = (
        f"{when(s['start'])} → {when(s['end'])} · {s['bars']:,} bars · {params} · fill at "
        f"{spec.fill_timing.value.replace('_', ' ')} · {result.engine}-driven"
    )
    headline = key_values(
        [
            ("Starting cash", f"{float(spec.cash):,.2f} {spec.currency}"),
            ("Final equity", f"{s['final_equity']:,.2f} {spec.currency}"),
            ("Final cash", number(float(s["final_cash"]))),
            ("Trades opened", f"{s['trades']:,}"),
            ("Fills", f"{s['fills']:,}"),
        ]
    )
    metric_rows = [(label, number(s.get(key), digits)) for key, (label, digits) in METRIC_LABELS.items()]
    half = (len(metric_rows) + 1) // 2
    metrics = (
        f'<div class="grid">{headline}{key_values(metric_rows[:half])}{key_values(metric_rows[half:])}</div>'
    )
    charts_html = "".join(image(pngs[name], name) for name in ("equity.png", "drawdown.png"))
    dist = image(pngs["pnl_histogram.png"], "P&L histogram") + image(
        pngs["monthly_returns.png"], "monthly returns"
    )
    return page(
        heading,
        subtitle,
        [
            "<h2>Summary</h2>",
            metrics,
            "<h2>Equity and drawdown</h2>",
            charts_html,
            "<h2>Distribution</h2>",
            dist,
            "<h2>Trades</h2>",
            _trades(result),
        ],
    )


def _trades(result: BacktestResult) -> str:
    trades = result.trades
    rows = []
    for t in trades[:MAX_TRADE_ROWS]:
        rows.append(
            f"<tr><td>{t.symbol}</td><td>{t.side}{' (open)' if t.open else ''}</td><td>{t.quantity:,.6g}</td>"
            f"<td>{when(t.entry_ts)}</td><td>{t.entry_price:,.6g}</td><td>{when(t.exit_ts)}</td>"
            f"<td>{t.exit_price:,.6g}</td>{signed_cell(t.pnl)}{signed_cell(t.return_pct, 3)}"
            f"<td>{t.bars_held:,}</td><td>{t.mae:,.2f}</td><td>{t.mfe:,.2f}</td><td>{t.commission:,.2f}</td></tr>"
        )
    note = ""
    if len(trades) > MAX_TRADE_ROWS:
        shown = f"The first {MAX_TRADE_ROWS:,} of {len(trades):,} trades; report.json has all."
        note = f'<p class="note">{shown}</p>'
    headers = [
        "symbol",
        "side",
        "qty",
        "entry",
        "price",
        "exit",
        "price",
        "P&L",
        "%",
        "bars",
        "MAE",
        "MFE",
        "fees",
    ]
    return table(headers, rows) + note
