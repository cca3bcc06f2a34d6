"""``freeride news``, ``sentiment``, ``plan`` and ``plans`` from the shell, feeds served on loopback."""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path

import pytest
import typer
from typer.testing import CliRunner

from freeride.cli.research import register
from freeride.testing.fakes.rss import FakeFeeds


@pytest.fixture
def app(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> Iterator[typer.Typer]:
    monkeypatch.chdir(tmp_path)
    monkeypatch.setenv("FREERIDE_SECRETS__ORDER", "env")
    made = typer.Typer()
    register(made)
    return made


def test_sentiment_of_one_text_explains_itself(app: typer.Typer) -> None:
    result = CliRunner().invoke(
        app, ["sentiment", "Quarterly profit fell 30% and the company cut its dividend"]
    )
    assert result.exit_code == 0, result.output
    assert "negative" in result.output
    assert "why:" in result.output


def test_sentiment_file_json_is_one_object_per_line_and_names_bad_lines(
    app: typer.Typer, tmp_path: Path
) -> None:
    texts = tmp_path / "texts.txt"
    texts.write_bytes(
        b"Apple beats estimates\n\nECB cuts rates, euro slides\n\xff\xfe broken\nNothing happened today\n"
    )
    result = CliRunner().invoke(app, ["sentiment", "--file", str(texts), "--json"])
    assert result.exit_code == 0, result.output
    lines = [json.loads(line) for line in result.stdout.splitlines()]
    assert len(lines) == 5
    assert lines[0]["label"] == "positive"
    assert set(lines[0]) == {"label", "score", "confidence", "model"}
    assert lines[1] == {"line": 2, "error": "empty line"}
    assert lines[2]["label"] == "negative"
    assert "not UTF-8" in lines[3]["error"]
    assert lines[4]["label"] == "neutral"


def test_sentiment_names_a_missing_file(app: typer.Typer) -> None:
    result = CliRunner().invoke(app, ["sentiment", "--file", "nope.txt"])
    assert result.exit_code == 2
    assert "nope.txt" in result.output


def test_plan_list_and_evaluate_with_the_simulator(app: typer.Typer) -> None:
    runner = CliRunner()
    made = runner.invoke(app, ["plan", "AAPL", "EUR/USD", "--json"])
    assert made.exit_code == 0, made.output
    plans = [json.loads(line) for line in made.stdout.splitlines()]
    assert [p["plan_id"] for p in plans] == ["AAPL#1", "EUR/USD#1"]
    assert plans[1]["lots"] is not None
    assert "bars come from the simulator" in made.output
    listed = runner.invoke(app, ["plans", "list", "--json"])
    assert len(listed.stdout.splitlines()) == 2
    evaluated = runner.invoke(app, ["plans", "evaluate", "--json"])
    assert json.loads(evaluated.stdout.splitlines()[-1])["track_record"]["AAPL"]["plans"] == 1
    bad = runner.invoke(app, ["plan", "NOT A SYMBOL"])
    assert bad.exit_code == 2
    assert "neither a stock ticker" in bad.output


async def test_news_from_loopback_feeds_names_the_broken_one(
    app: typer.Typer, monkeypatch: pytest.MonkeyPatch
) -> None:
    from freeride.testing.fakes.server import serve

    fake = FakeFeeds()
    async with serve(fake.app) as address:
        feeds = {
            "bank": f"http://{address}/feeds/central-bank",
            "broken": f"http://{address}/feeds/broken-xml",
        }
        monkeypatch.setenv("FREERIDE_RESEARCH__RSS", json.dumps(feeds))
        import asyncio

        result = await asyncio.to_thread(
            CliRunner().invoke, app, ["news", "EUR/USD", "--since", "2000d", "--json"]
        )
    assert result.exit_code == 0, result.output
    stories = [json.loads(line) for line in result.stdout.splitlines()]
    assert any(sorted(s["sources"]) == ["rss:bank", "rss:broken"] for s in stories)
    assert all("EUR/USD" in s["symbols"] for s in stories)


async def test_a_plan_posted_to_discord_goes_through_the_outbox(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    import httpx

    from freeride.app.research_cli import make_plans
    from freeride.config.settings import load_settings
    from freeride.core.clock import LiveClock
    from freeride.testing.fakes.discord import FakeDiscord

    fake = FakeDiscord()
    monkeypatch.setenv("FREERIDE_SECRETS__ORDER", "env")
    monkeypatch.setenv("FREERIDE_NOTIFY__DISCORD", json.dumps({"discord": fake.url()}))
    settings = load_settings(_env_file=None, database_url=f"sqlite+aiosqlite:///{tmp_path / 'p.db'}")
    plans, notes = await make_plans(
        settings, LiveClock(), ["EUR/USD"], ["discord", "nowhere"], {"discord": httpx.ASGITransport(fake.app)}
    )
    assert "posted to discord" in notes
    assert any("nowhere: not a configured channel" in n for n in notes)
    [sent] = fake.received
    text = json.dumps(sent.body)
    assert "EUR/USD short plan" in text or "EUR/USD long plan" in text
    assert "pips to stop" in text
    assert plans[0].plan_id == "EUR/USD#1"
