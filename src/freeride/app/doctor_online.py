"""``freeride doctor --online``: one real, read-only request to each provider, the broker and Discord.

The offline doctor proves the settings hang together, but it cannot tell a revoked key from a good
one or a deleted Discord webhook from a live one. These probes ask each service once, through the
production adapters (the same URLs, keys, transports and error mapping the engine uses), and
translate the outcome with the error tree: a refused key names where the key came from, a rate
limit proves the key was accepted, an unreachable host gives the reason. Nothing is sent that
changes anything: no order is placed or cancelled and no message is posted.

The probes live in ``app`` because they build concrete adapters; ``config.doctor`` may not.
"""

from __future__ import annotations

import asyncio
import json
from collections.abc import Awaitable, Callable, Mapping
from dataclasses import dataclass, field, replace
from typing import Any
from urllib.parse import urlsplit

import httpx

from freeride.adapters.discord.client import check as discord_reply
from freeride.adapters.robinhood import RobinhoodBroker, TokenVault
from freeride.app.brokers import build_broker, robinhood_config
from freeride.app.doctor_discord import probe_discord_bot
from freeride.app.gateway import build_providers, chain_order
from freeride.config.doctor import CheckResult
from freeride.config.notify import OutboundWebhookSettings
from freeride.config.secrets import ChainedSecretStore
from freeride.config.settings import PROVIDERS_NEEDING_KEYS, Settings
from freeride.core.clock import NS_PER_SECOND, Clock, LiveClock
from freeride.core.errors import AuthError, FreerideError, NotAvailable, RateLimited, TemporaryError
from freeride.core.instruments import stock
from freeride.core.notify import ChannelGone
from freeride.net.errors import BadReply, QuotaExhausted
from freeride.net.http import make_client, transport_error
from freeride.ports.broker import Broker
from freeride.ports.market_data import MarketData

PROBE_SYMBOL = stock("AAPL")
_DAY_NS = 86_400 * NS_PER_SECOND
_LOOPBACK = ("127.0.0.1", "localhost", "::1")


@dataclass(frozen=True)
class ProbeTransports:
    """Swaps the network for tests: providers and Discord channels by name, and the broker's."""

    providers: Mapping[str, httpx.AsyncBaseTransport] = field(default_factory=dict)
    broker: httpx.AsyncBaseTransport | None = None
    notify: Mapping[str, httpx.AsyncBaseTransport] = field(default_factory=dict)
    discord_bot: httpx.AsyncBaseTransport | None = None


@dataclass(frozen=True)
class _Advice:
    """What to tell the operator per outcome, in the words of the thing probed."""

    vendor: str  # its own "<vendor>: " prefix is dropped from messages: the row already names it
    credential: str  # "key", "keys", "session", "webhook token"
    auth_fix: str
    reach_fix: str


async def online_checks(
    settings: Settings,
    store: ChainedSecretStore,
    timeout_s: float,
    *,
    clock: Clock | None = None,
    transports: ProbeTransports | None = None,
) -> list[CheckResult]:
    """Every probe, run concurrently; rows come in order: providers, the broker, notification
    channels, the Discord bot."""
    clock = clock or LiveClock()
    t = transports or ProbeTransports()
    groups = await asyncio.gather(
        probe_providers(settings, store, clock, timeout_s, t.providers),
        probe_broker(settings, store, clock, timeout_s, t.broker),
        probe_notify(settings, timeout_s, t.notify),
        probe_discord_bot(settings, clock, timeout_s, t.discord_bot),
    )
    return [result for group in groups for result in group]


# -- market data ---------------------------------------------------------------------------------
async def probe_providers(
    settings: Settings,
    store: ChainedSecretStore,
    clock: Clock,
    timeout_s: float,
    transports: Mapping[str, httpx.AsyncBaseTransport] | None = None,
) -> list[CheckResult]:
    """One cheap request per enabled provider, through the adapters ``build_market_data`` would build."""
    made = build_providers(settings, clock, store=store, transports=transports)
    try:
        probed = await asyncio.gather(
            *(_probe_provider(spec.provider, settings, clock, timeout_s) for spec in made.specs)
        )
    finally:
        for spec in made.specs:
            await spec.provider.aclose()
    by_name = {result.name: result for result in probed}
    results: list[CheckResult] = []
    for name in chain_order(settings.providers.enabled):
        check = f"online: {name}"
        if check in by_name:
            results.append(by_name[check])
        elif name in PROVIDERS_NEEDING_KEYS:  # left out for want of a key, which the key check reports
            skipped = "not probed: no API key (see its key check)"
            results.append(CheckResult(check, True, skipped, warning=True))
    if not results:
        results.append(
            CheckResult("online: providers", True, "no live provider enabled: replay reads local files")
        )
    return results


def _provider_request(provider: MarketData, clock: Clock) -> tuple[str, Callable[[], Awaitable[object]]]:
    """The cheapest request each provider answers on a free plan, and what to call it.

    Massive's free plan has no last trade (the quote the gateway asks for), only end-of-day
    aggregates, so it is asked for last week's daily bars: a free key must not look refused.
    """
    if provider.name == "massive":
        today = clock.now_ns() // _DAY_NS * _DAY_NS
        end = today - _DAY_NS
        return "AAPL daily bars", lambda: provider.bars(PROBE_SYMBOL, "1d", end - 7 * _DAY_NS, end)
    return "AAPL quote", lambda: provider.latest(PROBE_SYMBOL)


async def _probe_provider(
    provider: MarketData, settings: Settings, clock: Clock, timeout_s: float
) -> CheckResult:
    name = provider.name
    check = f"online: {name}"
    if name == "simulator":
        return CheckResult(check, True, "simulated: no network, nothing to probe")
    what, request = _provider_request(provider, clock)
    secret = PROVIDERS_NEEDING_KEYS.get(name)
    if secret is None:
        auth_fix = f"{name} needs no key; it refused this client, usually for a while: try again later"
    elif settings.providers.api_key(name) is not None:
        auth_fix = f"replace the key in FREERIDE_PROVIDERS__{secret.upper()}"
    else:
        auth_fix = f"replace the secret {secret} (e.g. FREERIDE_SECRET_{secret.upper()}) in your secret store"
    advice = _Advice(
        name,
        "key" if secret else "client",
        auth_fix,
        f"check the network and FREERIDE_PROVIDERS__{name.upper()}_URL",
    )
    started = clock.now_ns()
    try:
        async with asyncio.timeout(timeout_s):
            await request()
    except Exception as exc:  # every outcome becomes a line; one broken provider hides no other
        return _failure(check, exc, timeout_s, advice)
    accepted = "answered" if secret is None else "key accepted"
    return CheckResult(check, True, f"{accepted}: {what} in {_ms(clock, started)} ms")


# -- broker --------------------------------------------------------------------------------------
async def probe_broker(
    settings: Settings,
    store: ChainedSecretStore,
    clock: Clock,
    timeout_s: float,
    transport: httpx.AsyncBaseTransport | None = None,
) -> list[CheckResult]:
    """Is the broker session alive? A read-only account (Alpaca) or positions (Robinhood) lookup."""
    name = settings.execution.broker
    check = f"online: broker {name}"
    if name == "paper":
        return [CheckResult(check, True, "paper broker: nothing to log in to")]
    try:
        broker, advice = _session_broker(settings, store, clock, transport)
    except FreerideError as exc:  # keys missing: the message says which and where to put them
        problem, _, fix = str(exc).partition(" — ")
        return [CheckResult(check, False, problem, fix)]
    started = clock.now_ns()
    try:
        async with asyncio.timeout(timeout_s):
            if isinstance(broker, RobinhoodBroker):
                state = await broker.check_session()  # never refreshes: an engine may hold the token
            else:
                state = await broker.session()  # Alpaca: a read of the account, nothing to refresh
    except Exception as exc:
        return [_failure(check, exc, timeout_s, advice)]
    finally:
        await broker.close()
    if not state.alive:
        return [CheckResult(check, False, f"session dead: {state.detail}", advice.auth_fix)]
    return [CheckResult(check, True, f"session alive: {state.detail} ({_ms(clock, started)} ms)")]


def _session_broker(
    settings: Settings, store: ChainedSecretStore, clock: Clock, transport: httpx.AsyncBaseTransport | None
) -> tuple[Broker, _Advice]:
    """The broker as the engine builds it, minus its background work (stream, order polling)."""
    if settings.execution.broker == "robinhood":
        config = robinhood_config(settings)
        broker = RobinhoodBroker(config, clock, TokenVault(store), transport=transport, poll=False)
        advice = _Advice(
            "robinhood",
            "session",
            "run `freeride broker login robinhood`",
            "check the network and FREERIDE_EXECUTION__ROBINHOOD__BASE_URL",
        )
        return broker, advice
    mode = "paper" if settings.execution.alpaca.paper else "live"
    advice = _Advice(
        "alpaca",
        "keys",
        "check FREERIDE_EXECUTION__ALPACA__KEY_ID and __SECRET_KEY (or the secrets alpaca_key_id and "
        f"alpaca_secret_key) hold {mode} keys: paper keys work only with FREERIDE_EXECUTION__ALPACA__PAPER"
        "=true, live keys only with false",
        "check the network and FREERIDE_EXECUTION__ALPACA__BASE_URL",
    )
    return build_broker(settings, clock, store, transport), advice


# -- notification channels -----------------------------------------------------------------------
async def probe_notify(
    settings: Settings,
    timeout_s: float,
    transports: Mapping[str, httpx.AsyncBaseTransport] | None = None,
) -> list[CheckResult]:
    """Each Discord webhook is fetched (``GET`` posts nothing); outbound webhooks are checked offline."""
    t = transports or {}
    notify = settings.notify
    discord = await asyncio.gather(
        *(
            _probe_discord(name, url.get_secret_value(), timeout_s, t.get(name))
            for name, url in sorted(notify.discord.items())
        )
    )
    hooks = [_check_outbound(name, hook) for name, hook in sorted(notify.webhooks.items())]
    if not discord and not hooks:
        return [CheckResult("online: notify", True, "no notification channels configured")]
    return [*discord, *hooks]


async def _probe_discord(
    channel: str, url: str, timeout_s: float, transport: httpx.AsyncBaseTransport | None
) -> CheckResult:
    check = f"online: discord {channel}"
    where = f"the URL of {channel!r} in FREERIDE_NOTIFY__DISCORD"
    advice = _Advice(
        "discord", "webhook token", f"copy the webhook URL from Discord again into {where}", f"check {where}"
    )
    client = make_client("", transport=transport, timeout_s=timeout_s)
    try:
        async with asyncio.timeout(timeout_s):
            try:
                response = await client.get(url)
            except httpx.HTTPError as exc:
                raise transport_error("discord", exc) from exc
            discord_reply(response)
            hook = _webhook_object(response)
    except ChannelGone:
        return CheckResult(
            check,
            False,
            "the webhook was deleted (Discord: Unknown Webhook)",
            f"create a new one (channel settings → Integrations → Webhooks) and put its URL in {where}",
        )
    except Exception as exc:
        failed = _failure(check, exc, timeout_s, advice)
        return replace(failed, message=failed.message.replace(url, "<webhook URL>"))
    finally:
        await client.aclose()
    label = f"{hook.get('name')!r}" if hook.get("name") else "unnamed"
    return CheckResult(check, True, f"webhook {label} alive, posts to channel {hook.get('channel_id')}")


def _webhook_object(response: httpx.Response) -> dict[str, Any]:
    """Discord's webhook object, or ``BadReply`` when the URL answered something else."""
    try:
        data = json.loads(response.content)
    except ValueError:
        data = None
    if not isinstance(data, dict) or "id" not in data:
        raise BadReply("discord", "not a webhook object: is this a Discord webhook URL?")
    return data


def _check_outbound(channel: str, hook: OutboundWebhookSettings) -> CheckResult:
    """Offline on purpose: a test POST would deliver a real event to someone else's system."""
    check = f"online: webhook {channel}"
    parts = urlsplit(hook.url)
    shown = f"{parts.scheme}://{parts.hostname}"  # the path may carry a token: never printed
    if parts.scheme not in ("http", "https") or not parts.hostname:
        return CheckResult(
            check, False, f"{shown} is not an http(s) URL", "use e.g. https://example.com/hook"
        )
    if not hook.secret.get_secret_value():
        return CheckResult(check, False, "no signing secret", f"set the secret of {channel!r}")
    if parts.scheme == "http" and parts.hostname not in _LOOPBACK:
        return CheckResult(
            check,
            True,
            f"{shown} is plain http: signed but readable on the way (offline check, not contacted)",
            "use https:// unless the receiver is on a trusted network",
            warning=True,
        )
    return CheckResult(check, True, f"{shown}, signing secret set (offline check, not contacted)")


# -- outcomes ------------------------------------------------------------------------------------
def _failure(check: str, exc: BaseException, timeout_s: float, advice: _Advice) -> CheckResult:
    """What one probe's exception means, by the error tree; a rate limit counts as accepted."""
    text = str(exc).removeprefix(f"{advice.vendor}: ")
    if isinstance(exc, TimeoutError):
        return CheckResult(check, False, f"unreachable: no answer within {timeout_s:g}s", advice.reach_fix)
    if isinstance(exc, AuthError):
        return CheckResult(check, False, f"{advice.credential} rejected: {text}", advice.auth_fix)
    if isinstance(exc, QuotaExhausted):
        hours = f" (resets in {exc.retry_after / 3600:.1f} h)" if exc.retry_after else ""
        message = f"quota used up{hours}: {advice.credential} accepted, but no data until it resets"
        return CheckResult(check, True, message, "wait for the reset or spread the calls", warning=True)
    if isinstance(exc, RateLimited):
        message = f"rate-limited right now: {advice.credential} accepted"
        return CheckResult(check, True, message, warning=True)
    if isinstance(exc, BadReply):
        return CheckResult(
            check, False, f"bad reply: {exc.problem}", f"try again later; if it persists, {advice.reach_fix}"
        )
    if isinstance(exc, TemporaryError):
        return CheckResult(check, False, f"unreachable: {text}", advice.reach_fix)
    if isinstance(exc, NotAvailable):  # e.g. HTTP 403: the plan does not include the request
        plan = f"check what the plan behind the {advice.credential} includes"
        return CheckResult(check, False, text, plan)
    if isinstance(exc, FreerideError):
        return CheckResult(check, False, text, "the service refused the request; see its message")
    return CheckResult(check, False, f"unexpected {type(exc).__name__}: {exc}", "report this as a bug")


def _ms(clock: Clock, started_ns: int) -> int:
    return round((clock.now_ns() - started_ns) / 1_000_000)
