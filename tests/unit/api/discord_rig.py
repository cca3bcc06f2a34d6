"""The API with the Discord bot on: a seeded run (as ``v1_rig``), an Ed25519 key made here, the
fake Discord REST API behind the bot's REST client, and helpers that sign interactions."""

from __future__ import annotations

import asyncio
import itertools
import json
from collections.abc import AsyncIterator
from dataclasses import dataclass
from decimal import Decimal
from pathlib import Path
from typing import Any

import httpx
import pytest
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from cryptography.hazmat.primitives.serialization import Encoding, PublicFormat
from v1_rig import RUN, T0, seed

from freeride.adapters.discord.rest import DiscordRestClient
from freeride.alerts.service import AlertService
from freeride.api import create_app
from freeride.api.discord.bot import InteractionBot
from freeride.app.api import ApiState, TokenAuth
from freeride.app.backtest_jobs import BacktestJobs
from freeride.app.live import LiveViews
from freeride.bus.memory import InMemoryBus
from freeride.config.api import ApiSettings
from freeride.config.discord import TOPIC_KINDS, DiscordBotSettings
from freeride.config.settings import load_settings
from freeride.core.clock import NS_PER_SECOND, ManualClock
from freeride.core.system import SystemEvent
from freeride.exchange.portfolio import Portfolio
from freeride.execution.control import ExecutionControl
from freeride.notify.subscriptions import ChannelTopics
from freeride.storage.engine import create_engine
from freeride.storage.execution import SqlControlStore
from freeride.storage.migrate import upgrade_engine
from freeride.storage.repositories import Repositories
from freeride.testing.fakes.discord_api import FakeDiscordApi

APP_ID = "1000"
ADMIN, READER, TRADER, STRANGER = "11", "22", "33", "44"
TRADE_ROLE = "777"
CHANNEL = "645027906669510667"
_ids = itertools.count(1)


@dataclass
class Bot:
    http: httpx.AsyncClient
    state: ApiState
    bot: InteractionBot
    fake: FakeDiscordApi
    rest: DiscordRestClient
    clock: ManualClock
    bus: InMemoryBus
    key: Ed25519PrivateKey
    events: list[SystemEvent]

    def sign(
        self, body: bytes, *, timestamp: int | None = None, key: Ed25519PrivateKey | None = None
    ) -> dict[str, str]:
        ts = str(timestamp if timestamp is not None else self.clock.now_ns() // NS_PER_SECOND)
        signature = (key or self.key).sign(ts.encode() + body).hex()
        return {
            "X-Signature-Ed25519": signature,
            "X-Signature-Timestamp": ts,
            "Content-Type": "application/json",
        }

    async def post(self, payload: dict[str, Any], **sign: Any) -> httpx.Response:
        body = json.dumps(payload).encode()
        return await self.http.post("/discord/interactions", content=body, headers=self.sign(body, **sign))

    async def command(
        self, name: str, user: str = ADMIN, roles: tuple[str, ...] = (), **options: Any
    ) -> httpx.Response:
        return await self.post(interaction(2, command_data(name, options), user, roles))

    async def press(self, custom_id: str, user: str = ADMIN) -> httpx.Response:
        return await self.post(interaction(3, {"custom_id": custom_id, "component_type": 2}, user))

    def journal(self) -> list[SystemEvent]:
        return [e for e in self.events if e.source == "discord" and e.kind == "command"]


def command_data(name: str, options: dict[str, Any]) -> dict[str, Any]:
    top, _, sub = name.partition(" ")
    opts = [{"name": k, "type": 3, "value": v} for k, v in options.items()]
    if sub:
        opts = [{"name": sub, "type": 1, "options": opts}]
    return {"id": "9", "name": top, "type": 1, "options": opts}


def interaction(
    kind: int, data: dict[str, Any] | None, user: str = ADMIN, roles: tuple[str, ...] = ()
) -> dict[str, Any]:
    body: dict[str, Any] = {
        "id": str(786008729715212338 + next(_ids)),
        "application_id": APP_ID,
        "type": kind,
        "token": f"tok-{next(_ids)}",
        "version": 1,
        "guild_id": "290926798626357999",
        "channel_id": CHANNEL,
        "member": {"user": {"id": user, "username": f"user{user}"}, "roles": list(roles), "permissions": "0"},
    }
    if data is not None:
        body["data"] = data
    return body


@pytest.fixture
async def bot(tmp_path: Path) -> AsyncIterator[Bot]:
    db = create_engine(f"sqlite+aiosqlite:///{tmp_path / 'bot.db'}")
    await upgrade_engine(db)
    clock = ManualClock(T0)
    bus = InMemoryBus(clock)
    events: list[SystemEvent] = []
    bus.subscribe("system.>", events.append)
    repos = Repositories.from_engine(db)
    live = LiveViews(bus)
    await seed(repos, bus)
    settings = load_settings(_env_file=None, database_url=f"sqlite+aiosqlite:///{tmp_path / 'bot.db'}")
    account = Portfolio(cash=Decimal("95000"), currency="USD")
    key = Ed25519PrivateKey.generate()
    public = key.public_key().public_bytes(Encoding.Raw, PublicFormat.Raw).hex()
    discord = DiscordBotSettings(
        application_id=APP_ID,
        public_key=public,
        users={ADMIN: "admin", READER: "read"},
        roles={TRADE_ROLE: "trade"},
        confirm_ttl_s=60,
    )
    fake = FakeDiscordApi(APP_ID, "bot-token", clock=clock)
    rest = DiscordRestClient(
        fake.url(), APP_ID, clock, bot_token="bot-token", transport=httpx.ASGITransport(fake.app)
    )
    state = ApiState(
        settings=ApiSettings(),
        clock=clock,
        tokens=TokenAuth(repos.tokens, clock, cache_s=0),
        bus=bus,
        alerts=AlertService(repos.alerts, clock),
        repos=repos,
        run_id=RUN,
        accounts={"GOOG": account},
        live=live,
        full_settings=settings,
        backtests=BacktestJobs(settings, bus, clock),
        db=db,
        control=ExecutionControl(SqlControlStore(db), clock),
        discord=discord,
        discord_rest=rest,
        chat_topics=ChannelTopics({}, TOPIC_KINDS),
    )
    app = create_app(state)
    transport = httpx.ASGITransport(app)
    async with httpx.AsyncClient(transport=transport, base_url="http://api.test") as http:
        rig = Bot(http, state, app.state.discord_bot, fake, rest, clock, bus, key, events)
        yield rig
    await rig.bot.aclose()
    await rest.aclose()
    await db.dispose()


async def parked(clock: ManualClock, at_least: int = 1) -> None:
    """Yield to the loop until some task sleeps on the clock (no real time passes)."""
    for _ in range(10_000):
        if clock.sleepers >= at_least:
            return
        await asyncio.sleep(0)
    raise AssertionError("nothing parked on the clock")
