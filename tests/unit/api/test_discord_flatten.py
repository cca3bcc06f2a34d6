"""Discord's ``/flatten``: two-step (only the caller's confirm button, expiring), then the same
flatten as the API: a real order manager on the paper broker buys back the short; a reader is
refused; without an answering engine the reply says the request is pending."""

from __future__ import annotations

import asyncio
from decimal import Decimal

from discord_rig import READER, TRADER, Bot, parked
from discord_rig import bot as bot  # the fixture
from flatten_rig import live_engine

from freeride.storage.execution import SqlControlStore


async def test_flatten_is_two_step_and_closes_the_positions(bot: Bot) -> None:
    manager = await live_engine(bot.bus, bot.clock, bot.state.db, bot.state.ledger)
    asked = (await bot.command("flatten")).json()["data"]
    assert asked["flags"] == 64
    assert "close every position" in asked["content"]
    confirm, cancel = (b["custom_id"] for b in asked["components"][0]["components"])
    assert await SqlControlStore(bot.state.db).flatten_requests() == []  # type: ignore[arg-type]
    other = (await bot.press(confirm, user=TRADER)).json()["data"]
    assert "Only the person" in other["content"]
    pressing = asyncio.ensure_future(bot.press(confirm))
    await parked(bot.clock, 2)  # Discord's inline budget and the wait for the engine's answer
    await manager.poll_controls()  # the engine's next look at the control store
    bot.clock.advance(0.25)
    done = (await pressing).json()
    assert done["type"] == 7
    text = done["data"]["content"]
    assert "Flattened by discord:user11: 0 open orders cancelled" in text
    assert "buy 4 **TSLA** at market: filled" in text
    assert manager.book.positions["TSLA"] == Decimal(0)
    assert "expired or was already used" in (await bot.press(confirm)).json()["data"]["content"]
    assert "expired" in (await bot.press(cancel)).json()["data"]["content"]
    outcomes = [str(e.data["outcome"]) for e in bot.journal()]
    assert "confirmed: answered" in outcomes
    await manager.stop()


async def test_an_expired_button_flattens_nothing_and_readers_are_refused(bot: Bot) -> None:
    refused = (await bot.command("flatten", user=READER)).json()["data"]
    assert "needs the 'trade' permission" in refused["content"]
    asked = (await bot.command("flatten")).json()["data"]
    confirm = asked["components"][0]["components"][0]["custom_id"]
    bot.clock.advance(61)
    late = (await bot.press(confirm)).json()
    assert "expired" in late["data"]["content"]
    assert late["data"]["components"] == []
    assert await SqlControlStore(bot.state.db).flatten_requests() == []  # type: ignore[arg-type]


async def test_without_an_engine_the_answer_says_pending(bot: Bot) -> None:
    asked = (await bot.command("flatten")).json()["data"]
    pressing = asyncio.ensure_future(bot.press(asked["components"][0]["components"][0]["custom_id"]))
    await parked(bot.clock, 2)
    bot.clock.advance(2)  # past Discord's inline budget: deferred, then edited in
    assert (await pressing).json() == {"type": 6}
    for _ in range(12):
        await parked(bot.clock)
        bot.clock.advance(0.25)
        if bot.fake.to("original"):
            break
    await bot.bot.aclose()
    [edit] = bot.fake.to("original")
    assert "no engine has answered yet" in edit.body["content"]
    [pending] = await SqlControlStore(bot.state.db).flatten_requests()  # type: ignore[arg-type]
    assert pending.requested_by == "discord:user11"
