"""A gateway over scripted providers, a manual clock and a bus that records what it carried."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from freeride.bus import topics
from freeride.bus.memory import InMemoryBus
from freeride.core.clock import ManualClock
from freeride.core.system import SystemEvent
from freeride.gateway.config import GatewayConfig
from freeride.gateway.providers import ProviderSpec
from freeride.gateway.service import MarketDataGateway
from freeride.net.limiter import Limit
from freeride.testing.fakes.provider import ScriptedProvider

START = 19_875 * 86_400 * 10**9 + 12 * 3_600 * 10**9  # 2024-06-03 12:00 UTC


@dataclass
class Rig:
    clock: ManualClock
    bus: InMemoryBus
    gateway: MarketDataGateway
    providers: dict[str, ScriptedProvider]
    events: list[Any] = field(default_factory=list)

    def system(self, kind: str | None = None) -> list[SystemEvent]:
        return [e for e in self.events if isinstance(e, SystemEvent) and (kind is None or e.kind == kind)]

    def market(self) -> list[Any]:
        return [e for e in self.events if not isinstance(e, SystemEvent)]


def rig(
    *names: str,
    limits: dict[str, tuple[Limit, ...]] | None = None,
    config: GatewayConfig | None = None,
) -> Rig:
    clock = ManualClock(START)
    bus = InMemoryBus(clock)
    providers = {name: ScriptedProvider(name, clock, price=100.0 + i) for i, name in enumerate(names)}
    specs = [ProviderSpec(p, (limits or {}).get(n, ())) for n, p in providers.items()]
    gateway = MarketDataGateway(specs, bus, clock, config or GatewayConfig(quote_ttl_s=0.0, bars_ttl_s=0.0))
    made = Rig(clock, bus, gateway, providers)
    bus.subscribe(topics.EVERYTHING, made.events.append)
    return made
