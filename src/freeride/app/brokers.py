"""Builds the broker named by ``execution.broker`` from settings and the secret stores.

Keys and tokens come from settings when set there, else from the secret chain under the names in
``config.brokers.BROKER_SECRETS``. ``transport`` replaces the network (tests pass
``httpx.ASGITransport(fake.app)``); production passes nothing.
"""

from __future__ import annotations

import httpx
from pydantic import SecretStr

from freeride.adapters.alpaca import AlpacaBroker, AlpacaConfig
from freeride.adapters.paper.broker import PaperBroker
from freeride.adapters.robinhood import RobinhoodBroker, RobinhoodConfig, TokenVault
from freeride.bus import topics
from freeride.config.secrets import ChainedSecretStore
from freeride.config.settings import Settings
from freeride.core.clock import Clock
from freeride.core.errors import AuthError, ConfigError
from freeride.exchange.costs import PercentCommission
from freeride.exchange.engine import ExchangeConfig, SimulatedExchange
from freeride.exchange.portfolio import Portfolio
from freeride.execution.health import BrokerHealth
from freeride.ports.broker import Broker
from freeride.ports.bus import Bus, Subscription


def _secret(value: SecretStr | None, secrets: ChainedSecretStore, name: str, env: str) -> SecretStr:
    if value is not None:
        return value
    stored = secrets.get(name)
    if not stored:
        raise ConfigError(f"{name} is not set — store it as the secret {name!r} or set {env}")
    return SecretStr(stored)


def build_broker(
    settings: Settings,
    clock: Clock,
    secrets: ChainedSecretStore,
    transport: httpx.AsyncBaseTransport | None = None,
    *,
    observer: bool = False,
) -> Broker:
    """The configured broker. ``observer``: for a look from another process (``broker status``)
    while an engine may be running: Robinhood then neither polls orders nor refreshes tokens,
    whose refresh token is single-use and would be spent from under the engine."""
    ex = settings.execution
    if ex.broker == "alpaca":
        a = ex.alpaca
        config = AlpacaConfig(
            key_id=_secret(a.key_id, secrets, "alpaca_key_id", "FREERIDE_EXECUTION__ALPACA__KEY_ID"),
            secret_key=_secret(
                a.secret_key, secrets, "alpaca_secret_key", "FREERIDE_EXECUTION__ALPACA__SECRET_KEY"
            ),
            base_url=a.rest_url(),
            stream_url=a.ws_url(),
            timeout_s=a.timeout_s,
        )
        return AlpacaBroker(config, clock, transport)
    if ex.broker == "robinhood":
        return RobinhoodBroker(
            robinhood_config(settings),
            clock,
            TokenVault(secrets),
            transport=transport,
            poll=not observer,
            manage_tokens=not observer,
        )
    exchange = SimulatedExchange(
        Portfolio(cash=settings.run.starting_cash),
        ExchangeConfig(commission=PercentCommission(settings.run.commission_rate), name="paper"),
    )
    return PaperBroker(exchange, clock, name="paper")


def robinhood_config(settings: Settings) -> RobinhoodConfig:
    r = settings.execution.robinhood
    return RobinhoodConfig(
        base_url=r.base_url,
        expires_in_s=r.token_expires_in_s,
        refresh_ahead_s=r.refresh_ahead_s,
        poll_s=r.poll_s,
        timeout_s=r.timeout_s,
    )


def feed_paper_broker(bus: Bus, broker: Broker) -> list[Subscription]:
    """A paper broker trading live fills against the gateway's quotes and trades, seen first."""
    if not isinstance(broker, PaperBroker):
        return []
    return [
        bus.subscribe(topics.ALL_QUOTES, broker.on_quote, priority=-100),
        bus.subscribe(topics.ALL_TRADES, broker.on_trade, priority=-100),
    ]


def report_session_loss(broker: Broker, health: BrokerHealth) -> None:
    """A broker that learns of a dead session by itself (a refused token refresh) says so at once."""
    if isinstance(broker, RobinhoodBroker):
        name = broker.name

        async def lost(exc: AuthError) -> None:
            await health.session_lost(name, str(exc))

        broker.on_session_lost(lost)
