"""The walk-forward report: the folds (what won in sample, how it did out of sample), the chained
out-of-sample equity and its metrics, as HTML, JSON and PNG."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import msgspec

from freeride.backtest.report import charts
from freeride.backtest.report.build import METRIC_LABELS, ReportFiles
from freeride.backtest.report.html import image, key_values, number, page, signed_cell, table, when
from freeride.backtest.report.tables import drawdown_pct
from freeride.backtest.walkforward import WalkForwardResult


def walkforward_data(wf: WalkForwardResult, header: dict[str, Any]) -> dict[str, Any]:
    return {
        **header,
        "metric": wf.metric,
        "metrics": wf.metrics.to_json(),
        "folds": [msgspec.to_builtins(f) for f in wf.folds],
        "trades": [msgspec.to_builtins(t) for t in wf.trades],
        "equity": {"ts": wf.equity.ts.tolist(), "equity": wf.equity.equity.tolist()},
    }


def write_walkforward_report(
    wf: WalkForwardResult, out_dir: Path, title: str, header: dict[str, Any]
) -> ReportFiles:
    out_dir.mkdir(parents=True, exist_ok=True)
    curve = wf.equity
    pngs = {
        "walkforward_equity.png": charts.line_chart(
            curve.ts, [("out-of-sample equity", curve.equity)], "Chained out-of-sample equity", "equity"
        ),
        "walkforward_drawdown.png": charts.drawdown_chart(curve.ts, drawdown_pct(curve, wf.cash)),
    }
    paths = []
    for name, png in pngs.items():
        (out_dir / name).write_bytes(png)
        paths.append(out_dir / name)
    json_path = out_dir / "walkforward.json"
    json_path.write_text(json.dumps(walkforward_data(wf, header), indent=1, allow_nan=False))
    metrics = wf.metrics.to_json()
    rows = [(label, number(metrics.get(key), digits)) for key, (label, digits) in METRIC_LABELS.items()]
    fold_rows = [
        f"<tr><td>{f.index + 1}</td><td>{when(f.train_start)}</td><td>{when(f.train_end)}</td>"
        f"<td>{when(f.test_end)}</td><td>{', '.join(f'{k}={v}' for k, v in f.best_params.items())}</td>"
        f"<td>{number(f.train_metric, 3)}</td><td>{f.test_trades}</td>{signed_cell(f.test_return_pct)}"
        f"<td>{number(f.test_metrics.get('sharpe'), 3)}</td>"
        f"<td>{number(f.test_metrics.get('max_drawdown_pct'))}</td></tr>"
        for f in wf.folds
    ]
    headers = ["fold", "train from", "test from", "test to", "best parameters", f"train {wf.metric}",
               "test trades", "test return %", "test Sharpe", "test max DD %"]  # fmt: skip
    half = len(rows) // 2
    html_path = out_dir / "walkforward.html"
    html_path.write_text(
        page(
            title,
            f"{len(wf.folds)} folds · ranked in sample by {wf.metric} · out-of-sample results chained",
            [
                "<h2>Out-of-sample metrics</h2>",
                f'<div class="grid">{key_values(rows[:half])}{key_values(rows[half:])}</div>',
                "<h2>Chained out-of-sample equity</h2>",
                image(pngs["walkforward_equity.png"], "equity"),
                image(pngs["walkforward_drawdown.png"], "drawdown"),
                "<h2>Folds</h2>",
                table(headers, fold_rows),
            ],
        ),
        encoding="utf-8",
    )
    return ReportFiles(html=html_path, json=json_path, pngs=tuple(paths))
