"""``freeride doctor --online``: each probe against the vendor's fake, through the production adapters.

The fakes speak the real wire formats (a refused key, a 429, a deleted webhook), so these tests
prove the whole path: adapter request, the adapter's error mapping, and the doctor's reading of it.
Nothing leaves the machine: fakes sit behind httpx's ASGI transport, and "unreachable" is a closed
loopback port.
"""

from __future__ import annotations

import asyncio
import json
from collections.abc import Callable
from dataclasses import dataclass
from functools import partial
from pathlib import Path
from typing import Any

import httpx
import pytest
import typer
from typer.testing import CliRunner

from freeride.app.doctor_online import (
    ProbeTransports,
    online_checks,
    probe_broker,
    probe_notify,
    probe_providers,
)
from freeride.cli.doctor import register
from freeride.config.doctor import CheckResult
from freeride.config.secrets import ChainedSecretStore, build_secret_store
from freeride.config.settings import Settings
from freeride.core.clock import ManualClock
from freeride.testing.fakes.alpaca import FakeAlpaca
from freeride.testing.fakes.alphavantage import FakeAlphaVantage
from freeride.testing.fakes.discord import FakeDiscord
from freeride.testing.fakes.finnhub import FakeFinnhub
from freeride.testing.fakes.massive import FakeMassive

VendorFake = FakeFinnhub | FakeMassive | FakeAlphaVantage
NOW = 1_717_502_400_000_000_000  # 2024-06-04 12:00 UTC
CLOSED = "http://127.0.0.1:1"  # nothing listens on port 1 of the loopback address: refused at once
TIMEOUT_S = 5.0


@pytest.fixture(autouse=True)
def isolated(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    """No ``.env``, home directory or secrets file of the developer may change a result."""
    monkeypatch.chdir(tmp_path)
    monkeypatch.setenv("HOME", str(tmp_path / "home"))


def make_settings(tmp_path: Path, **sections: Any) -> Settings:
    secrets = {"order": ["env"], "file": str(tmp_path / "secrets.json")}
    return Settings(_env_file=None, secrets=secrets, **sections)


def store_of(settings: Settings, **env: str) -> ChainedSecretStore:
    return build_secret_store(settings, {}, environ=env, warn=False)


# -- providers -----------------------------------------------------------------------------------
@dataclass(frozen=True)
class Vendor:
    make: Callable[[], VendorFake]
    key: str
    url: str  # what the adapter is pointed at through the ASGI transport
    rate_limit: str  # the fake's fault that is the vendor's own rate-limit reply


VENDORS = {
    "finnhub": Vendor(lambda: FakeFinnhub("fh-key"), "fh-key", "http://fh.test/api/v1", "rate_limited"),
    "massive": Vendor(lambda: FakeMassive("ms-key"), "ms-key", "http://ms.test", "rate_limited"),
    "alphavantage": Vendor(lambda: FakeAlphaVantage("av-key"), "av-key", "http://av.test", "burst"),
}


def provider_settings(tmp_path: Path, name: str, key: str | None, url: str) -> Settings:
    providers: dict[str, Any] = {"enabled": [name], f"{name}_url": url}
    if key is not None:
        providers[f"{name}_api_key"] = key
    return make_settings(tmp_path, providers=providers)


async def probe_one(tmp_path: Path, name: str, key: str, fake: VendorFake | None) -> CheckResult:
    vendor = VENDORS[name]
    settings = provider_settings(tmp_path, name, key, vendor.url if fake is not None else CLOSED)
    transports = {name: httpx.ASGITransport(fake.app)} if fake is not None else {}
    results = await probe_providers(settings, store_of(settings), ManualClock(NOW), TIMEOUT_S, transports)
    assert [r.name for r in results] == [f"online: {name}"]
    return results[0]


@pytest.mark.parametrize("name", list(VENDORS))
async def test_a_good_key_is_accepted(tmp_path: Path, name: str) -> None:
    fake = VENDORS[name].make()
    result = await probe_one(tmp_path, name, VENDORS[name].key, fake)
    assert result.ok, result
    assert not result.warning
    assert result.message.startswith("key accepted: AAPL")
    assert result.message.endswith(" ms")
    assert fake.total_calls == 1  # one cheap request, no retries


@pytest.mark.parametrize("name", list(VENDORS))
async def test_a_rejected_key_fails_naming_where_it_came_from(tmp_path: Path, name: str) -> None:
    result = await probe_one(tmp_path, name, "revoked-key", VENDORS[name].make())
    assert not result.ok
    assert result.message.startswith("key rejected: ")
    assert result.fix == f"replace the key in FREERIDE_PROVIDERS__{name.upper()}_API_KEY"
    assert "revoked-key" not in result.message


@pytest.mark.parametrize("name", list(VENDORS))
async def test_a_rate_limit_proves_the_key_and_warns(tmp_path: Path, name: str) -> None:
    fake = VENDORS[name].make()
    fake.fail(VENDORS[name].rate_limit)
    result = await probe_one(tmp_path, name, VENDORS[name].key, fake)
    assert (result.ok, result.warning) == (True, True)
    assert result.message == "rate-limited right now: key accepted"


@pytest.mark.parametrize("name", list(VENDORS))
async def test_a_closed_port_is_unreachable(tmp_path: Path, name: str) -> None:
    result = await probe_one(tmp_path, name, VENDORS[name].key, None)
    assert not result.ok
    assert result.message.startswith("unreachable: ")
    assert result.message.startswith("unreachable: connection failed: ConnectError")
    assert f"FREERIDE_PROVIDERS__{name.upper()}_URL" in result.fix


async def test_a_key_from_the_secret_store_names_the_secret(tmp_path: Path) -> None:
    settings = provider_settings(tmp_path, "finnhub", None, "http://fh.test/api/v1")
    store = store_of(settings, FREERIDE_SECRET_FINNHUB_API_KEY="revoked-key")
    transports = {"finnhub": httpx.ASGITransport(FakeFinnhub("fh-key").app)}
    [result] = await probe_providers(settings, store, ManualClock(NOW), TIMEOUT_S, transports)
    assert not result.ok
    assert "finnhub_api_key" in result.fix
    assert "FREERIDE_SECRET_FINNHUB_API_KEY" in result.fix


async def test_garbage_and_plan_limits_fail_with_their_message(tmp_path: Path) -> None:
    fake = FakeFinnhub("fh-key")
    fake.fail("html")
    fake.fail("premium")
    settings = provider_settings(tmp_path, "finnhub", "fh-key", "http://fh.test/api/v1")
    transports = {"finnhub": httpx.ASGITransport(fake.app)}
    clock = ManualClock(NOW)
    [garbage] = await probe_providers(settings, store_of(settings), clock, TIMEOUT_S, transports)
    [plan] = await probe_providers(settings, store_of(settings), clock, TIMEOUT_S, transports)
    assert not garbage.ok
    assert garbage.message.startswith("bad reply: an HTML page instead of JSON")
    assert not plan.ok
    assert "You don't have access to this resource." in plan.message
    assert "plan" in plan.fix


class Hang(httpx.AsyncBaseTransport):
    """A server that accepted the connection and never answers."""

    async def handle_async_request(self, request: httpx.Request) -> httpx.Response:
        await asyncio.Event().wait()
        raise AssertionError("unreachable")


async def test_the_probe_gives_up_after_the_timeout(tmp_path: Path) -> None:
    settings = provider_settings(tmp_path, "finnhub", "fh-key", "http://fh.test/api/v1")
    results = await probe_providers(settings, store_of(settings), ManualClock(NOW), 0.01, {"finnhub": Hang()})
    assert [(r.ok, r.message) for r in results] == [(False, "unreachable: no answer within 0.01s")]


async def test_simulator_replay_and_keyless_providers(tmp_path: Path) -> None:
    settings = make_settings(tmp_path, providers={"enabled": ["replay", "simulator", "finnhub"]})
    results = await probe_providers(settings, store_of(settings), ManualClock(NOW), TIMEOUT_S)
    assert [(r.name, r.ok, r.warning, r.message) for r in results] == [
        ("online: simulator", True, False, "simulated: no network, nothing to probe"),
        ("online: finnhub", True, True, "not probed: no API key (see its key check)"),
    ]
    only_replay = make_settings(tmp_path)
    [result] = await probe_providers(only_replay, store_of(only_replay), ManualClock(NOW), TIMEOUT_S)
    assert (result.ok, result.message) == (True, "no live provider enabled: replay reads local files")


# -- broker --------------------------------------------------------------------------------------
def alpaca_settings(tmp_path: Path, secret: str = "alpaca-secret") -> Settings:
    alpaca = {"key_id": "PKTEST", "secret_key": secret, "base_url": "http://alpaca.test"}
    return make_settings(tmp_path, execution={"broker": "alpaca", "alpaca": alpaca})


async def test_the_paper_broker_has_nothing_to_log_in_to(tmp_path: Path) -> None:
    settings = make_settings(tmp_path)
    results = await probe_broker(settings, store_of(settings), ManualClock(NOW), TIMEOUT_S)
    assert results == [CheckResult("online: broker paper", True, "paper broker: nothing to log in to")]


async def test_alpaca_account_lookup_proves_the_keys(tmp_path: Path) -> None:
    fake = FakeAlpaca("PKTEST", "alpaca-secret")
    settings = alpaca_settings(tmp_path)
    transport = httpx.ASGITransport(fake.app)
    [result] = await probe_broker(settings, store_of(settings), ManualClock(NOW), TIMEOUT_S, transport)
    assert result.ok, result
    assert result.message.startswith("session alive: account active")
    assert dict(fake.calls) == {"account": 1}  # read-only: no order was placed, listed or cancelled
    assert fake.orders == {}


async def test_alpaca_refusing_the_keys_fails_with_the_fix(tmp_path: Path) -> None:
    fake = FakeAlpaca("PKTEST", "alpaca-secret")
    settings = alpaca_settings(tmp_path, secret="wrong-secret")
    transport = httpx.ASGITransport(fake.app)
    [result] = await probe_broker(settings, store_of(settings), ManualClock(NOW), TIMEOUT_S, transport)
    assert not result.ok
    assert result.message.startswith("keys rejected: ")
    assert "request is not authorized" in result.message
    assert "FREERIDE_EXECUTION__ALPACA__KEY_ID" in result.fix
    assert "FREERIDE_EXECUTION__ALPACA__PAPER" in result.fix


async def test_alpaca_without_keys_says_where_to_put_them(tmp_path: Path) -> None:
    settings = make_settings(tmp_path, execution={"broker": "alpaca"})
    [result] = await probe_broker(settings, store_of(settings), ManualClock(NOW), TIMEOUT_S)
    assert not result.ok
    assert result.message == "alpaca_key_id is not set"
    assert "FREERIDE_EXECUTION__ALPACA__KEY_ID" in result.fix


async def test_robinhood_without_a_stored_session_asks_for_a_login(tmp_path: Path) -> None:
    settings = make_settings(tmp_path, execution={"broker": "robinhood"})
    [result] = await probe_broker(settings, store_of(settings), ManualClock(NOW), TIMEOUT_S)
    assert not result.ok
    assert "no stored session" in result.message
    assert result.fix == "run `freeride broker login robinhood`"


# -- notification channels -----------------------------------------------------------------------
def discord_settings(tmp_path: Path, fake: FakeDiscord, **notify: Any) -> Settings:
    return make_settings(tmp_path, notify={"discord": {"alerts": fake.url()}, **notify})


async def test_a_live_discord_webhook_is_fetched_not_posted(tmp_path: Path) -> None:
    fake = FakeDiscord({"123": "tok"})
    fake.names["123"] = "freeride alerts"
    settings = discord_settings(tmp_path, fake)
    transports = {"alerts": httpx.ASGITransport(fake.app)}
    assert await probe_notify(settings, TIMEOUT_S, transports) == [
        CheckResult("online: discord alerts", True, "webhook 'freeride alerts' alive, posts to channel 999")
    ]
    assert fake.received == []
    assert dict(fake.calls) == {"fetch": 1}


async def test_a_deleted_discord_webhook_fails(tmp_path: Path) -> None:
    fake = FakeDiscord({"123": "tok"})
    fake.delete("123")
    settings = discord_settings(tmp_path, fake)
    [result] = await probe_notify(settings, TIMEOUT_S, {"alerts": httpx.ASGITransport(fake.app)})
    assert not result.ok
    assert result.message == "the webhook was deleted (Discord: Unknown Webhook)"
    assert "FREERIDE_NOTIFY__DISCORD" in result.fix


async def test_a_wrong_discord_token_fails_and_never_shows_the_url(tmp_path: Path) -> None:
    fake = FakeDiscord({"123": "tok"})
    wrong = "http://discord.test/api/webhooks/123/nope"
    settings = make_settings(tmp_path, notify={"discord": {"alerts": wrong}})
    [result] = await probe_notify(settings, TIMEOUT_S, {"alerts": httpx.ASGITransport(fake.app)})
    assert not result.ok
    assert result.message == "webhook token rejected: HTTP 401 code 50027 Invalid Webhook Token"
    assert "nope" not in result.message + result.fix


async def test_a_rate_limited_discord_webhook_warns(tmp_path: Path) -> None:
    fake = FakeDiscord({"123": "tok"})
    fake.fail("rate_limited")
    settings = discord_settings(tmp_path, fake)
    [result] = await probe_notify(settings, TIMEOUT_S, {"alerts": httpx.ASGITransport(fake.app)})
    assert (result.ok, result.warning) == (True, True)
    assert result.message == "rate-limited right now: webhook token accepted"


async def test_outbound_webhooks_are_checked_offline(tmp_path: Path) -> None:
    secret = "s" * 32
    webhooks = {
        "ops": {"url": "https://hooks.example.com/in/t0ken?x=1", "secret": secret},
        "lan": {"url": "http://10.0.0.5/hook", "secret": secret},
    }
    settings = make_settings(tmp_path, notify={"webhooks": webhooks})
    lan, ops = await probe_notify(settings, TIMEOUT_S)  # no transport: any request would fail the test
    assert (ops.ok, ops.warning) == (True, False)
    assert ops.message == "https://hooks.example.com, signing secret set (offline check, not contacted)"
    assert (lan.ok, lan.warning) == (True, True)
    assert "plain http" in lan.message


async def test_no_channels_is_said_once(tmp_path: Path) -> None:
    settings = make_settings(tmp_path)
    assert await probe_notify(settings, TIMEOUT_S) == [
        CheckResult("online: notify", True, "no notification channels configured")
    ]


# -- the command ---------------------------------------------------------------------------------
WIDE = {"COLUMNS": "400"}


@dataclass
class Fakes:
    finnhub: FakeFinnhub
    discord: FakeDiscord

    def app(self) -> typer.Typer:
        app = typer.Typer()

        @app.callback()
        def main() -> None:
            """Group, so ``doctor`` is a subcommand as in the real CLI."""

        transports = ProbeTransports(
            providers={"finnhub": httpx.ASGITransport(self.finnhub.app)},
            notify={"alerts": httpx.ASGITransport(self.discord.app)},
        )
        online = partial(online_checks, clock=ManualClock(NOW), transports=transports)
        register(app, stores=lambda settings: {}, online=online)
        return app


@pytest.fixture
def fakes(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> Fakes:
    made = Fakes(FakeFinnhub("fh-key"), FakeDiscord({"123": "tok"}))
    monkeypatch.setenv("FREERIDE_DATABASE_URL", f"sqlite:///{tmp_path}/freeride.db")
    monkeypatch.setenv("FREERIDE_SECRETS__ORDER", "env")
    monkeypatch.setenv("FREERIDE_PROVIDERS__ENABLED", "finnhub")
    monkeypatch.setenv("FREERIDE_PROVIDERS__FINNHUB_API_KEY", "fh-key")
    monkeypatch.setenv("FREERIDE_PROVIDERS__FINNHUB_URL", "http://fh.test/api/v1")
    monkeypatch.setenv("FREERIDE_NOTIFY__DISCORD", json.dumps({"alerts": made.discord.url()}))
    return made


def test_doctor_online_probes_and_passes(fakes: Fakes) -> None:
    result = CliRunner().invoke(fakes.app(), ["doctor", "--online"], env=WIDE)
    assert result.exit_code == 0, result.output
    assert "online: finnhub" in result.output
    assert "key accepted: AAPL quote in 0 ms" in result.output
    assert "webhook 'Captain Hook' alive, posts to channel 999" in result.output
    assert "paper broker: nothing to log in to" in result.output
    assert "All checks passed." in result.output
    assert (fakes.finnhub.total_calls, fakes.discord.received) == (1, [])


def test_doctor_online_fails_on_a_deleted_webhook(fakes: Fakes) -> None:
    fakes.discord.delete("123")
    result = CliRunner().invoke(fakes.app(), ["doctor", "--online"], env=WIDE)
    assert result.exit_code == 1, result.output
    assert "the webhook was deleted (Discord: Unknown Webhook)" in result.output
    assert "1 check(s) failed." in result.output
    assert "/123/tok" not in result.output  # the webhook URL is a secret


def test_plain_doctor_stays_offline(fakes: Fakes) -> None:
    fakes.discord.delete("123")
    result = CliRunner().invoke(fakes.app(), ["doctor"], env=WIDE)
    assert result.exit_code == 0, result.output
    assert "online:" not in result.output
    assert (fakes.finnhub.total_calls, fakes.discord.total_calls) == (0, 0)
