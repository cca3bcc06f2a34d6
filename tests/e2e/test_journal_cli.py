"""``freeride events`` and ``freeride trace`` on what a real ``freeride run`` journaled."""

from __future__ import annotations

import asyncio
import json
from pathlib import Path

import pytest
from typer.testing import CliRunner

from freeride.app.embedded import run_embedded
from freeride.cli.main import app
from freeride.config.settings import load_settings
from freeride.core.clock import ManualClock


@pytest.fixture
def journaled(feeds: tuple[Path, Path]) -> str:
    summary = asyncio.run(run_embedded(load_settings(), ManualClock(1_700_000_000_000_000_000)))
    return summary.run_id


def lines(text: str) -> list[dict[str, object]]:
    return [json.loads(line) for line in text.splitlines() if line.strip()]


def test_events_filters_and_trace_follows_one_order_from_its_bar(journaled: str) -> None:
    runner = CliRunner()
    fills = lines(
        runner.invoke(app, ["events", "--kind", "fill", "--symbol", "GOOG", "--json", "--limit", "5"]).stdout
    )
    assert 0 < len(fills) <= 5
    assert all(f["kind"] == "fill" and f["symbol"] == "GOOG" and f["run_id"] == journaled for f in fills)
    assert [f["ts_event"] for f in fills] == sorted(f["ts_event"] for f in fills)  # oldest first

    process = lines(runner.invoke(app, ["events", "--component", "process", "--json"]).stdout)
    assert [p["kind"] for p in process] == ["process_started", "process_stopped"]
    assert process[0]["data"]["version"]

    result = runner.invoke(app, ["trace", str(fills[-1]["correlation_id"]), "--json"])
    assert result.exit_code == 0, result.output
    chain = lines(result.stdout)
    kinds = [h["kind"] for h in chain]
    assert kinds[:3] == ["bar", "signal", "order_intent"]
    assert "order_filled" in kinds
    assert kinds[-1] == "fill"
    assert chain[0]["since_start_ns"] == 0
    assert chain[-1]["since_start_ns"] == sum(h["after_ns"] for h in chain)  # type: ignore[misc]

    text = runner.invoke(app, ["trace", str(fills[-1]["correlation_id"])]).stdout
    assert "market/bar" in text
    assert "execution/fill" in text
    assert "total" in text


def test_unknown_chains_and_bad_times_are_refused_clearly(journaled: str) -> None:
    runner = CliRunner()
    missing = runner.invoke(app, ["trace", "nope-1"])
    assert missing.exit_code == 1
    assert "no journal entries carry correlation id 'nope-1'" in missing.stderr
    bad = runner.invoke(app, ["events", "--since", "yesterday-ish"])
    assert bad.exit_code == 2
    assert "--since: 'yesterday-ish' is neither a duration" in bad.stderr
    warn = lines(runner.invoke(app, ["events", "--level", "warning", "--json"]).stdout)
    assert all(w["level"] in ("warning", "error", "critical") for w in warn)
