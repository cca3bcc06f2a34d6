"""Request and response bodies of the alerts API (pydantic at the edge, domain types inside)."""

from __future__ import annotations

from datetime import datetime
from typing import Any

import msgspec
from pydantic import BaseModel, ConfigDict, Field, field_validator

from freeride.app.symbols import with_suggestions
from freeride.core.alerts import ANY_SYMBOL, AlertKind, AlertRule, QuietHours
from freeride.core.clock import datetime_to_ns, ns_to_datetime
from freeride.core.errors import InvalidInput
from freeride.core.instruments import parse_instrument
from freeride.ports.alerts import StoredAlert


class QuietIn(BaseModel):
    model_config = ConfigDict(extra="forbid")
    start: str = Field(examples=["22:00"])
    end: str = Field(examples=["07:00"])


class AlertIn(BaseModel):
    """A rule as a client writes it; which optional fields are needed depends on ``kind``."""

    model_config = ConfigDict(extra="forbid")

    symbol: str = Field(examples=["AAPL", "EUR/USD"])
    kind: AlertKind
    threshold: float | None = Field(default=None, allow_inf_nan=False)
    window_s: int | None = None
    interval: str | None = None
    period: int | None = None
    fast: int | None = None
    slow: int | None = None
    match: str | None = Field(default=None, max_length=200)
    repeat: bool = False
    cooldown_s: float = Field(default=0.0, allow_inf_nan=False)
    expires_at: datetime | None = None
    user: str = "default"
    tags: list[str] = Field(default_factory=list, max_length=20)
    notify: list[str] = Field(default_factory=list, max_length=10)
    quiet: QuietIn | None = None
    message: str | None = None

    @field_validator("symbol")
    @classmethod
    def _symbol(cls, value: str) -> str:
        if value.strip() == ANY_SYMBOL:
            return ANY_SYMBOL
        try:
            return parse_instrument(value).symbol
        except InvalidInput as exc:
            raise ValueError(with_suggestions(value, str(exc))) from None

    def to_rule(self, alert_id: str = "") -> AlertRule:
        return AlertRule(
            id=alert_id,
            symbol=self.symbol,
            kind=self.kind,
            threshold=self.threshold,
            window_s=self.window_s,
            interval=self.interval,
            period=self.period,
            fast=self.fast,
            slow=self.slow,
            match=self.match,
            repeat=self.repeat,
            cooldown_s=self.cooldown_s,
            expires_at=None if self.expires_at is None else datetime_to_ns(self.expires_at),
            user=self.user,
            tags=tuple(self.tags),
            notify=tuple(self.notify),
            quiet=None if self.quiet is None else QuietHours(start=self.quiet.start, end=self.quiet.end),
            message=self.message,
        )


class AlertOut(BaseModel):
    id: str
    description: str
    rule: dict[str, Any]
    active: bool
    fired_count: int
    cooldown_until: datetime | None
    last_fired_at: datetime | None
    created_at: datetime
    expires_at: datetime | None

    @classmethod
    def of(cls, stored: StoredAlert) -> AlertOut:
        rule, state = stored.rule, stored.state
        return cls(
            id=rule.id,
            description=rule.describe(),
            rule=msgspec.to_builtins(rule),
            active=state.active,
            fired_count=state.fired_count,
            cooldown_until=ns_to_datetime(state.cooldown_until) if state.cooldown_until else None,
            last_fired_at=None if state.last_fired_at is None else ns_to_datetime(state.last_fired_at),
            created_at=ns_to_datetime(rule.created_at),
            expires_at=None if rule.expires_at is None else ns_to_datetime(rule.expires_at),
        )


class AlertList(BaseModel):
    items: list[AlertOut]
    count: int


class FiringOut(BaseModel):
    alert_id: str
    symbol: str
    price: float | None
    description: str
    message: str | None
    latency_ms: float
    fired_at: datetime
    ts_event: int = 0  # the market time of the price that fired it, ns
