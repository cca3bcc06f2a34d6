"""Builds the market-data gateway from Settings: the only place that picks concrete providers.

The chain follows ``providers.enabled``, with Yahoo moved last: it is best effort. A provider
that needs a key and has none (in settings or any secret store) is left out with a note saying
how to add it. When nothing usable is left, the simulator answers, and ``simulated`` says so, so
every command still works with no keys and never passes simulated prices off as market data.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field

import httpx
from pydantic import SecretStr

from freeride.adapters.alphavantage.config import FREE_LIMITS as AV_LIMITS
from freeride.adapters.alphavantage.config import AlphaVantageConfig
from freeride.adapters.alphavantage.data import AlphaVantageData
from freeride.adapters.finnhub.config import FREE_LIMITS as FH_LIMITS
from freeride.adapters.finnhub.config import FinnhubConfig
from freeride.adapters.finnhub.data import FinnhubData
from freeride.adapters.finnhub.stream import FinnhubStream
from freeride.adapters.massive.config import FREE_LIMITS as MS_LIMITS
from freeride.adapters.massive.config import MassiveConfig
from freeride.adapters.massive.data import MassiveData
from freeride.adapters.massive.stream import MassiveStream
from freeride.adapters.simulator.config import SimulatorConfig
from freeride.adapters.simulator.data import SimulatorData
from freeride.adapters.simulator.stream import SimulatorStream
from freeride.adapters.yahoo.config import POLITE_LIMITS as YH_LIMITS
from freeride.adapters.yahoo.config import YahooConfig
from freeride.adapters.yahoo.data import YahooData
from freeride.app.secrets import extra_secret_stores
from freeride.config.secrets import build_secret_store
from freeride.config.settings import PROVIDERS_NEEDING_KEYS, Settings
from freeride.core.clock import Clock
from freeride.gateway.config import GatewayConfig
from freeride.gateway.providers import ProviderSpec
from freeride.gateway.service import MarketDataGateway
from freeride.net.limiter import Limit
from freeride.ports.bus import Bus
from freeride.ports.calendar import MarketHours
from freeride.ports.market_data import QuoteStream
from freeride.ports.secrets import SecretStore, SecretStoreError

Transports = Mapping[str, httpx.AsyncBaseTransport]


@dataclass
class MarketDataSetup:
    gateway: MarketDataGateway
    streams: list[QuoteStream] = field(default_factory=list)
    simulated: bool = False
    notes: list[str] = field(default_factory=list)
    keys: dict[str, bool] = field(default_factory=dict)


def resolve_keys(settings: Settings, store: SecretStore | None) -> tuple[dict[str, SecretStr], list[str]]:
    """API keys per provider from settings, then the secret store; notes for lookups that failed."""
    keys: dict[str, SecretStr] = {}
    notes: list[str] = []
    for provider, secret in PROVIDERS_NEEDING_KEYS.items():
        key = settings.providers.api_key(provider)
        if key is None and store is not None:
            try:
                found = store.get(secret)
            except SecretStoreError as exc:
                notes.append(f"cannot look up {secret}: {exc.problem} — {exc.fix}")
                found = None
            key = SecretStr(found) if found else None
        if key is not None:
            keys[provider] = key
    return keys, notes


@dataclass
class ProviderSet:
    """The providers ``settings`` enable, built but not yet behind a gateway.

    ``keys`` are the resolved API keys by provider; ``notes`` say what was left out and why.
    """

    specs: list[ProviderSpec] = field(default_factory=list)
    streams: list[QuoteStream] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)
    keys: dict[str, SecretStr] = field(default_factory=dict)


def build_providers(
    settings: Settings,
    clock: Clock,
    *,
    store: SecretStore | None = None,
    transports: Transports | None = None,
    hours: MarketHours | None = None,
) -> ProviderSet:
    """Each enabled provider's adapter, in chain order, exactly as the gateway gets them.

    ``hours``: the simulator follows these market hours (silent while a market is closed).

    Factored out of ``build_market_data`` so ``freeride doctor --online`` probes the very adapters
    (URLs, keys, transports) the engine would use, without building a gateway or a bus. Nothing
    is contacted here; the caller closes the adapters it does not hand to a gateway.
    """
    p = settings.providers
    if store is None:
        store = build_secret_store(settings, extra_secret_stores(settings), warn=False)
    keys, notes = resolve_keys(settings, store)
    t = dict(transports or {})
    made = ProviderSet(notes=notes, keys=keys)
    specs, streams = made.specs, made.streams
    for name in chain_order(p.enabled):
        if name == "replay":
            continue  # replay feeds `freeride run` from files; it answers no live requests
        if name in PROVIDERS_NEEDING_KEYS and name not in keys:
            secret = PROVIDERS_NEEDING_KEYS[name]
            notes.append(f"{name} is enabled but has no API key: set FREERIDE_SECRET_{secret.upper()}")
            continue
        limits = limits_for(settings, name, FREE_PLAN_LIMITS.get(name, ()))
        if name == "alphavantage":
            av = AlphaVantageConfig(keys[name], base_url=p.alphavantage_url)
            specs.append(ProviderSpec(AlphaVantageData(av, clock, t.get(name)), limits))
        elif name == "finnhub":
            fh = FinnhubConfig(keys[name], base_url=p.finnhub_url, ws_url=p.finnhub_ws_url)
            specs.append(ProviderSpec(FinnhubData(fh, clock, t.get(name)), limits))
            streams.append(FinnhubStream(fh, clock))
        elif name == "massive":
            ms = MassiveConfig(keys[name], base_url=p.massive_url, ws_url=p.massive_ws_url)
            specs.append(ProviderSpec(MassiveData(ms, clock, t.get(name)), limits))
            streams.append(MassiveStream(ms, clock))
        elif name == "yahoo":
            yh = YahooConfig(base_url=p.yahoo_url)
            specs.append(ProviderSpec(YahooData(clock, yh, t.get(name)), limits))
        elif name == "simulator":
            specs.append(_simulator(settings, clock, hours))
            streams.append(SimulatorStream(clock, SimulatorConfig(seed=p.simulator_seed), hours))
    return made


def limits_for(settings: Settings, provider: str, free: tuple[Limit, ...]) -> tuple[Limit, ...]:
    """The plan's limits the operator set (``providers.limits``), else the free plan's."""
    configured = settings.providers.limits.get(provider)
    if not configured:
        return free
    return tuple(
        Limit.per_day_utc(r.count) if r.per == "day" else Limit(r.count, _PER_SECONDS[r.per])
        for r in configured
    )


_PER_SECONDS = {"second": 1.0, "minute": 60.0, "hour": 3_600.0}
FREE_PLAN_LIMITS = {"alphavantage": AV_LIMITS, "finnhub": FH_LIMITS, "massive": MS_LIMITS, "yahoo": YH_LIMITS}


def build_market_data(
    settings: Settings,
    bus: Bus,
    clock: Clock,
    *,
    store: SecretStore | None = None,
    transports: Transports | None = None,
    config: GatewayConfig | None = None,
    hours: MarketHours | None = None,
) -> MarketDataSetup:
    """The gateway (and streams) for ``settings``; ``transports`` swaps in fakes for tests;
    ``hours`` makes the simulator follow market hours."""
    p = settings.providers
    made = build_providers(settings, clock, store=store, transports=transports, hours=hours)
    specs, streams, notes, keys = made.specs, made.streams, made.notes, made.keys
    simulated = all(spec.name == "simulator" for spec in specs)
    if not simulated and any(spec.name == "simulator" for spec in specs):
        notes.append("the simulator is in the chain with real providers: when they fail, it answers")
    if not specs:
        specs.append(_simulator(settings, clock, hours))
        streams.append(SimulatorStream(clock, SimulatorConfig(seed=p.simulator_seed), hours))
    gateway_config = config or GatewayConfig(quote_ttl_s=p.quote_ttl_s)
    gateway = MarketDataGateway(specs, bus, clock, gateway_config)
    presence = {name: name in keys for name in PROVIDERS_NEEDING_KEYS}
    return MarketDataSetup(gateway, streams, simulated, notes, presence)


def chain_order(enabled: list[str]) -> list[str]:
    """The enabled order, except that Yahoo (best effort, no key) comes after every other provider."""
    return [n for n in enabled if n != "yahoo"] + [n for n in enabled if n == "yahoo"]


def _simulator(settings: Settings, clock: Clock, hours: MarketHours | None = None) -> ProviderSpec:
    config = SimulatorConfig(seed=settings.providers.simulator_seed)
    return ProviderSpec(SimulatorData(clock, config, hours), ())
