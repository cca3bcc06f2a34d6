"""An engine on an in-memory bus and a manual clock, with what it fired collected."""

from __future__ import annotations

from typing import Any

from freeride.alerts.engine import AlertEngine
from freeride.bus import topics
from freeride.bus.memory import InMemoryBus
from freeride.core.alerts import AlertFired, AlertKind, AlertRule
from freeride.core.clock import NS_PER_SECOND, ManualClock
from freeride.core.market import Bar, Quote, Trade

T0 = 1_700_000_000 * NS_PER_SECOND


class Rig:
    def __init__(self) -> None:
        self.clock = ManualClock(T0)
        self.bus = InMemoryBus(self.clock)
        self.engine = AlertEngine(self.bus, self.clock)
        self.fired: list[AlertFired] = []
        self.bus.subscribe(topics.ALL_ALERTS, self.fired.append)

    async def start(self) -> Rig:
        await self.engine.start()
        return self

    def at(self, seconds: float) -> int:
        ns = T0 + int(seconds * NS_PER_SECOND)
        self.clock.set_ns(max(ns, self.clock.now_ns()))
        return ns

    def trade(self, symbol: str, price: float, at_s: float | None = None) -> list[str]:
        ts = self.at(at_s) if at_s is not None else self.clock.now_ns()
        before = len(self.fired)
        self.bus.publish(
            topics.trade(symbol), Trade(symbol=symbol, price=price, size=1, ts_event=ts, ts_init=ts)
        )
        return [f.alert_id for f in self.fired[before:]]

    def quote(self, symbol: str, bid: float, ask: float) -> list[str]:
        ts = self.clock.now_ns()
        before = len(self.fired)
        self.bus.publish(
            topics.quote(symbol), Quote(symbol=symbol, bid=bid, ask=ask, ts_event=ts, ts_init=ts)
        )
        return [f.alert_id for f in self.fired[before:]]

    def bar(self, symbol: str, close: float, interval: str = "1d") -> list[str]:
        ts = self.clock.now_ns()
        before = len(self.fired)
        bar = Bar(
            symbol=symbol, interval=interval, open=close, high=close, low=close, close=close, volume=1,
            ts_event=ts, ts_init=ts,
        )  # fmt: skip
        self.bus.publish(topics.bar(symbol, interval), bar)
        return [f.alert_id for f in self.fired[before:]]


def rule(
    alert_id: str, symbol: str, kind: AlertKind | str, threshold: float | None = None, **kw: Any
) -> AlertRule:
    return AlertRule(id=alert_id, symbol=symbol, kind=AlertKind(kind), threshold=threshold, **kw)
