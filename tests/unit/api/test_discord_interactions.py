"""``POST /discord/interactions``: signatures, PING, commands inline and deferred, buttons,
autocomplete, permissions, the journal and bad input, against the fake Discord REST API."""

from __future__ import annotations

import asyncio
import json

import pytest
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from discord_rig import (
    ADMIN,
    APP_ID,
    READER,
    STRANGER,
    TRADE_ROLE,
    TRADER,
    Bot,
    bot,
    command_data,
    interaction,
    parked,
)

from freeride.api.schemas import AlertIn
from freeride.bus import topics
from freeride.core.clock import NS_PER_SECOND
from freeride.core.orders import Direction, Signal
from freeride.core.snapshot import Snapshot

__all__ = ["bot"]


async def test_ping_is_answered_pong(bot: Bot) -> None:
    response = await bot.post({"id": "1", "application_id": APP_ID, "type": 1, "token": "t", "version": 1})
    assert response.status_code == 200
    assert response.json() == {"type": 1}


@pytest.mark.parametrize("fault", ["missing", "not_hex", "short", "wrong_key", "tampered", "stale", "future"])
async def test_bad_signatures_are_401(bot: Bot, fault: str) -> None:
    body = json.dumps({"id": "1", "application_id": APP_ID, "type": 1}).encode()
    headers = bot.sign(body)
    if fault == "missing":
        del headers["X-Signature-Ed25519"]
    elif fault == "not_hex":
        headers["X-Signature-Ed25519"] = "zz" * 64
    elif fault == "short":
        headers["X-Signature-Ed25519"] = headers["X-Signature-Ed25519"][:64]
    elif fault == "wrong_key":
        headers = bot.sign(body, key=Ed25519PrivateKey.generate())
    elif fault == "tampered":
        body = body.replace(b'"type": 1', b'"type": 2')
    elif fault == "stale":
        headers = bot.sign(body, timestamp=bot.clock.now_ns() // NS_PER_SECOND - 301)
    elif fault == "future":
        headers = bot.sign(body, timestamp=bot.clock.now_ns() // NS_PER_SECOND + 301)
    response = await bot.http.post("/discord/interactions", content=body, headers=headers)
    assert response.status_code == 401
    assert "signature" in response.json()["error"]["message"]


async def test_quote_is_answered_inline(bot: Bot) -> None:
    response = await bot.command("quote", symbol="goog")
    assert response.status_code == 200
    answer = response.json()
    assert answer["type"] == 4
    assert "**GOOG** 130" in answer["data"]["content"]  # the last seeded bar's close
    assert "flags" not in answer["data"]  # market data is public
    [event] = bot.journal()
    assert event.data["command"] == "quote"
    assert event.data["user"] == ADMIN
    assert event.data["outcome"] == "answered"


async def test_unknown_symbol_command_and_option_get_private_answers(bot: Bot) -> None:
    for name, options, expected in [
        ("quote", {"symbol": "ZZZZ"}, "no price for ZZZZ"),
        ("quote", {"symbol": "$$$"}, "symbol"),
        ("leads", {}, "Unknown command /leads"),
        ("quote", {"symbol": "GOOG", "venue": "x"}, "no option venue"),
    ]:
        response = await bot.command(name, **options)
        assert response.status_code == 200, response.text
        data = response.json()["data"]
        assert data["flags"] == 64
        assert expected in data["content"]
    outcomes = [e.data["outcome"] for e in bot.journal()]
    assert all(str(o).startswith("refused") for o in outcomes), outcomes


async def test_bad_requests_are_4xx(bot: Bot) -> None:
    other = interaction(2, command_data("quote", {"symbol": "GOOG"}))
    other["application_id"] = "999"
    assert (await bot.post(other)).status_code == 400
    not_interaction = b'{"hello": "world"}'
    response = await bot.http.post(
        "/discord/interactions", content=not_interaction, headers=bot.sign(not_interaction)
    )
    assert response.status_code == 400
    garbage = b"{not json"
    assert (
        await bot.http.post("/discord/interactions", content=garbage, headers=bot.sign(garbage))
    ).status_code == 400
    once = interaction(2, command_data("quote", {"symbol": "GOOG"}))
    assert (await bot.post(once)).status_code == 200
    replay = await bot.post(once)
    assert replay.status_code == 409
    assert "replay" in replay.json()["error"]["message"]
    huge = json.dumps({**once, "padding": "x" * 70_000}).encode()
    assert (
        await bot.http.post("/discord/interactions", content=huge, headers=bot.sign(huge))
    ).status_code == 413
    unknown_type = interaction(9, None)
    assert (await bot.post(unknown_type)).status_code == 400


async def test_permissions_follow_users_and_roles(bot: Bot) -> None:
    refused = (await bot.command("kill", user=READER, reason="x")).json()["data"]
    assert refused["flags"] == 64
    assert "needs the 'trade' permission" in refused["content"]
    stranger = (await bot.command("quote", user=STRANGER, symbol="GOOG")).json()["data"]
    assert "you have no access" in stranger["content"]
    by_role = (await bot.command("kill", user=TRADER, roles=(TRADE_ROLE,), reason="x")).json()
    assert by_role["data"]["components"][0]["components"][0]["custom_id"].startswith("confirm:")
    assert await bot.state.control.status() == []  # type: ignore[union-attr]  # nothing until confirmed
    journal = bot.journal()
    assert [e.data["user"] for e in journal] == [READER, STRANGER, TRADER]
    assert "needs trade" in str(journal[0].data["outcome"])


async def test_kill_is_two_step_and_the_button_expires(bot: Bot) -> None:
    asked = (await bot.command("kill", reason="market is going crazy")).json()["data"]
    assert asked["flags"] == 64
    confirm, cancel = (b["custom_id"] for b in asked["components"][0]["components"])
    other = (await bot.press(confirm, user=TRADER)).json()["data"]
    assert "Only the person" in other["content"]
    done = (await bot.press(confirm)).json()
    assert done["type"] == 7
    assert "Trading halted" in done["data"]["content"]
    [halt] = await bot.state.control.status()  # type: ignore[union-attr]
    assert halt.reason == "market is going crazy"
    assert halt.source == "discord:user11"
    again = (await bot.press(confirm)).json()
    assert again["type"] == 7
    assert "expired or was already used" in again["data"]["content"]
    assert "expired" in (await bot.press(cancel)).json()["data"]["content"]

    asked = (await bot.command("resume")).json()["data"]
    confirm = asked["components"][0]["components"][0]["custom_id"]
    bot.clock.advance(61)
    late = (await bot.press(confirm)).json()
    assert "expired" in late["data"]["content"]
    assert late["data"]["components"] == []
    assert await bot.state.control.status() != []  # type: ignore[union-attr]
    asked = (await bot.command("resume")).json()["data"]
    resumed = (await bot.press(asked["components"][0]["components"][0]["custom_id"])).json()
    assert "Trading resumed" in resumed["data"]["content"]
    assert await bot.state.control.status() == []  # type: ignore[union-attr]
    outcomes = [str(e.data["outcome"]) for e in bot.journal()]
    assert outcomes.count("asked to confirm") == 3
    assert "confirmed: answered" in outcomes


class SlowGateway:
    """Prices nobody streams, answered only when the test says so."""

    def __init__(self) -> None:
        self.release = asyncio.Event()

    async def latest(self, symbol: str) -> Snapshot:
        await self.release.wait()
        return Snapshot(symbol=symbol, price=42.5, provider="slowprov", ts_event=1, ts_init=1)  # type: ignore[call-arg]


async def test_a_slow_command_is_deferred_at_the_budget_and_completed_by_patch(bot: Bot) -> None:
    gateway = SlowGateway()
    bot.state.gateway = gateway  # type: ignore[assignment]
    pending = asyncio.ensure_future(bot.command("quote", symbol="MSFT"))
    await parked(bot.clock)
    assert not pending.done()
    bot.clock.advance(1.99)
    await asyncio.sleep(0)
    assert not pending.done()
    bot.clock.advance(0.01)  # the inline budget (2 s of Discord's 3) on the injected clock
    answer = (await pending).json()
    assert answer == {"type": 5}
    assert bot.fake.to("original") == []
    gateway.release.set()
    await bot.bot.aclose()
    [edit] = bot.fake.to("original")
    assert "**MSFT** 42.5" in edit.body["content"]
    assert "gateway:slowprov" in edit.body["content"]
    assert str(bot.journal()[-1].data["outcome"]) == "answered (deferred)"


async def test_autocomplete_offers_known_symbols(bot: Bot) -> None:
    data = {
        "id": "9",
        "name": "quote",
        "type": 1,
        "options": [{"name": "symbol", "type": 3, "value": "go", "focused": True}],
    }
    answer = (await bot.post(interaction(4, data))).json()
    assert answer["type"] == 8
    assert {"name": "GOOG", "value": "GOOG"} in answer["data"]["choices"]
    assert len(answer["data"]["choices"]) <= 25
    nobody = (await bot.post(interaction(4, data, user=STRANGER))).json()
    assert nobody == {"type": 8, "data": {"choices": []}}


async def test_account_data_is_ephemeral(bot: Bot) -> None:
    for name, expected in [("positions", "GOOG"), ("orders", "EUR/USD"), ("pnl", "Realised P&L")]:
        data = (await bot.command(name, user=READER)).json()["data"]
        assert data["flags"] == 64, name
        assert expected in data["content"], name


async def test_alerts_add_list_remove(bot: Bot) -> None:
    added = (
        await bot.command(
            "alerts add", user=TRADER, roles=(TRADE_ROLE,), symbol="aapl", kind="above", threshold=200
        )
    ).json()
    assert "added" in added["data"]["content"], added
    alert_id = added["data"]["content"].split("`")[1]
    listed = (await bot.command("alerts list", user=READER)).json()["data"]["content"]
    assert alert_id in listed
    assert "AAPL" in listed
    bad = (await bot.command("alerts add", symbol="AAPL", kind="sideways", threshold=1)).json()["data"]
    assert bad["flags"] == 64
    assert "kind" in bad["content"]
    removed = (await bot.command("alerts remove", user=TRADER, roles=(TRADE_ROLE,), id=alert_id)).json()
    assert "removed" in removed["data"]["content"]
    gone = (await bot.command("alerts remove", id=alert_id)).json()["data"]["content"]
    assert "no alert with id" in gone


async def test_status_shows_checks_and_halts(bot: Bot) -> None:
    content = (await bot.command("status", user=READER)).json()["data"]["content"]
    assert "database" in content
    assert "trading is not halted" in content
    assert "no open anomalies" in content


async def test_chart_is_deferred_and_sent_as_a_png_attachment(bot: Bot) -> None:
    answer = (await bot.command("chart", user=READER, symbol="GOOG")).json()
    assert answer == {"type": 5}
    await bot.bot.aclose()
    [edit] = bot.fake.to("original")
    [(name, png)] = edit.files.items()
    assert name == "GOOG-1d.png"
    assert png.startswith(b"\x89PNG")
    assert edit.body["attachments"] == [{"id": 0, "filename": "GOOG-1d.png"}]
    assert edit.body["embeds"][0]["image"]["url"] == "attachment://GOOG-1d.png"


async def test_subscribe_and_unsubscribe_this_channel(bot: Bot) -> None:
    topics = bot.state.chat_topics
    assert topics is not None
    said = (await bot.command("subscribe", topic="fills")).json()["data"]["content"]
    assert "Subscribed" in said
    assert topics.channels_for("fills") == ["645027906669510667"]
    refused = (await bot.command("subscribe", user=READER, topic="fills")).json()["data"]["content"]
    assert "needs the 'admin' permission" in refused
    bad = (await bot.command("subscribe", topic="gossip")).json()["data"]["content"]
    assert "unknown topic" in bad
    said = (await bot.command("unsubscribe", topic="fills")).json()["data"]["content"]
    assert "Unsubscribed" in said
    assert topics.channels_for("fills") == []


async def test_not_configured_is_503(bot: Bot) -> None:
    bot.http._transport.app.state.discord_bot = None  # type: ignore[attr-defined]
    response = await bot.post({"id": "1", "application_id": APP_ID, "type": 1})
    assert response.status_code == 503


async def test_unchanged_answers_are_kept_until_the_bus_changes_them(bot: Bot) -> None:
    first = (await bot.command("signals", user=READER)).json()["data"]["content"]
    again = (await bot.command("signals", user=READER)).json()["data"]["content"]
    assert again == first
    assert bot.journal()[-1].data["outcome"] == "answered (unchanged since last asked)"
    bot.bus.publish(
        topics.signal("sma_cross:GOOG"),
        Signal(
            signal_id="s-new",
            strategy="sma_cross:GOOG",
            symbol="GOOG",
            direction=Direction.SHORT,
            reason="fresh cross",
            ts_event=bot.clock.now_ns(),
            ts_init=bot.clock.now_ns(),
        ),
    )
    fresh = (await bot.command("signals", user=READER)).json()["data"]["content"]
    assert "fresh cross" in fresh
    assert bot.journal()[-1].data["outcome"] == "answered"
    assert bot.bot.answers.hits == 1


async def test_a_long_answer_continues_in_follow_ups(bot: Bot) -> None:
    service = bot.state.alerts
    assert service is not None
    for i in range(80):
        await service.create(
            AlertIn(symbol="AAPL", kind="above", threshold=100 + i, message="x" * 20).to_rule()
        )
    first = (await bot.command("alerts list", user=READER)).json()["data"]
    assert len(first["content"]) <= 2_000
    await bot.bot.aclose()
    follow = bot.fake.to("followup")
    assert follow
    parts = [first["content"], *(f.body["content"] for f in follow)]
    for part in parts:
        assert len(part) <= 2_000
        assert part.count("```") == 2  # each message's table fenced on its own
    assert all(f.body["flags"] == 64 for f in follow)  # as private as the answer
    assert sum(p.count("al_") for p in parts) == 80


async def test_backtest_answers_with_figures_and_the_report(bot: Bot) -> None:
    answer = await bot.command(
        "backtest",
        user=TRADER,
        roles=(TRADE_ROLE,),
        strategy="sma_cross",
        symbol="GOOG",
        params="fast=10 slow=30 size=50",
    )
    data = answer.json()["data"]  # done within the budget (the clock stands still): inline
    assert "flags" not in data
    content = data["content"]
    assert "final_equity:" in content
    assert "trades:" in content
    run_id = content.split("`")[1]
    assert f"/api/v1/backtests/{run_id}/report" in content
    for strategy, params, problem in [
        ("sma_cross", "fast", "key=value"),
        ("sma_cross", "fast=-3", "fast"),
        ("moon", "size=1", "unknown 'moon'"),
    ]:
        refused = (await bot.command("backtest", strategy=strategy, symbol="GOOG", params=params)).json()[
            "data"
        ]
        assert refused["flags"] == 64  # a mistake is told privately, at once
        assert problem in refused["content"]
    outcomes = [str(e.data["outcome"]) for e in bot.journal()]
    assert outcomes[0] == "answered"
    assert all(o.startswith("refused") for o in outcomes[1:]), outcomes


async def test_chart_of_an_unknown_symbol_is_refused_privately_at_once(bot: Bot) -> None:
    data = (await bot.command("chart", user=READER, symbol="ZZZZ")).json()["data"]
    assert data["flags"] == 64
    assert "no 1d bars stored for ZZZZ" in data["content"]
    assert bot.fake.to("original") == []


async def test_metrics_count_inline_and_deferred_answers(bot: Bot) -> None:
    await bot.command("quote", symbol="GOOG")
    await bot.command("chart", user=READER, symbol="GOOG")
    await bot.bot.aclose()
    text = bot.http._transport.app.state.metrics.render().decode()  # type: ignore[attr-defined]
    assert "freeride_discord_answered_inline 1.0" in text
    assert "freeride_discord_deferred 1.0" in text
    assert "freeride_discord_deferred_undelivered 0.0" in text
