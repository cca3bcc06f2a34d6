"""Alert rules, their runtime state and the events they produce.

One ``AlertRule`` type covers every kind of alert (price levels, crosses, percent moves, indicator
conditions, inbound webhooks) for stocks and forex alike: the kind says which of the optional
fields it needs, and ``rule_problems`` says, per field, what is missing or wrong. Both the REST API
and the CLI validate through it, so a rule is checked the same way wherever it comes from.
"""

from __future__ import annotations

import math
import re
from enum import StrEnum

import msgspec

from freeride.core.clock import NS_PER_SECOND
from freeride.core.market import INTERVAL_SECONDS


class AlertKind(StrEnum):
    ABOVE = "above"  # price >= threshold
    BELOW = "below"  # price <= threshold
    CROSSES_ABOVE = "crosses_above"  # previous price < threshold <= price
    CROSSES_BELOW = "crosses_below"  # previous price > threshold >= price
    CROSSES = "crosses"  # either of the two
    MOVE_UP = "move_up"  # price rose by >= threshold % within window_s
    MOVE_DOWN = "move_down"  # price fell by >= threshold % within window_s
    RSI_BELOW = "rsi_below"  # RSI(period) of interval bars <= threshold
    RSI_ABOVE = "rsi_above"  # RSI(period) of interval bars >= threshold
    SMA_CROSS_UP = "sma_cross_up"  # SMA(fast) crosses above SMA(slow) on interval bars
    SMA_CROSS_DOWN = "sma_cross_down"  # SMA(fast) crosses below SMA(slow)
    WEBHOOK = "webhook"  # an inbound webhook (TradingView) for the symbol arrived


PRICE_KINDS = frozenset(
    {AlertKind.ABOVE, AlertKind.BELOW, AlertKind.CROSSES_ABOVE, AlertKind.CROSSES_BELOW, AlertKind.CROSSES}
)
MOVE_KINDS = frozenset({AlertKind.MOVE_UP, AlertKind.MOVE_DOWN})
RSI_KINDS = frozenset({AlertKind.RSI_BELOW, AlertKind.RSI_ABOVE})
SMA_KINDS = frozenset({AlertKind.SMA_CROSS_UP, AlertKind.SMA_CROSS_DOWN})
ANY_SYMBOL = "*"  # webhook rules only: every inbound alert, whatever its ticker

_HHMM = re.compile(r"^([01]\d|2[0-3]):([0-5]\d)$")
_NAME = re.compile(r"^[A-Za-z0-9_.:\-]{1,64}$")


class QuietHours(msgspec.Struct, frozen=True, kw_only=True):
    """A daily span (UTC, ``HH:MM``) in which firings are recorded and pushed live but not notified.

    ``start`` after ``end`` wraps midnight: ``22:00``–``07:00`` is quiet overnight.
    """

    start: str
    end: str

    def contains(self, ts_ns: int) -> bool:
        minute = (ts_ns // (60 * NS_PER_SECOND)) % 1_440
        start, end = _minutes(self.start), _minutes(self.end)
        if start <= end:
            return start <= minute < end
        return minute >= start or minute < end


def _minutes(hhmm: str) -> int:
    match = _HHMM.match(hhmm)
    if match is None:
        raise ValueError(f"{hhmm!r} is not HH:MM")
    return int(match.group(1)) * 60 + int(match.group(2))


class AlertRule(msgspec.Struct, frozen=True, kw_only=True):
    """What to watch and what to do when it happens.

    ``repeat`` false fires once and deactivates the rule; true re-arms it ``cooldown_s`` after each
    firing. ``expires_at`` (ns) ends the rule whether or not it fired. ``user`` and ``tags`` group
    rules for listing and bulk removal; ``notify`` names the channels a firing is sent to.
    """

    id: str
    symbol: str
    kind: AlertKind
    threshold: float | None = None
    window_s: int | None = None
    interval: str | None = None
    period: int | None = None
    fast: int | None = None
    slow: int | None = None
    match: str | None = None
    repeat: bool = False
    cooldown_s: float = 0.0
    expires_at: int | None = None
    user: str = "default"
    tags: tuple[str, ...] = ()
    notify: tuple[str, ...] = ()
    quiet: QuietHours | None = None
    message: str | None = None
    created_at: int = 0

    def describe(self) -> str:
        """One line a person reads: ``AAPL above 200``, ``EUR/USD rsi_below 30 (RSI 14, 1h)``."""
        k = self.kind
        if k in PRICE_KINDS:
            return f"{self.symbol} {k.value} {self.threshold:g}"
        if k in MOVE_KINDS:
            return f"{self.symbol} {k.value} {self.threshold:g}% in {self.window_s}s"
        if k in RSI_KINDS:
            return f"{self.symbol} {k.value} {self.threshold:g} (RSI {self.period}, {self.interval})"
        if k in SMA_KINDS:
            return f"{self.symbol} {k.value} (SMA {self.fast}/{self.slow}, {self.interval})"
        suffix = f" matching {self.match!r}" if self.match else ""
        return f"{self.symbol} webhook{suffix}"


class AlertState(msgspec.Struct, kw_only=True):
    """What changes as a rule fires: persisted in one batched write per group of firings."""

    alert_id: str
    active: bool = True
    cooldown_until: int = 0
    fired_count: int = 0
    last_fired_at: int | None = None


class AlertFired(msgspec.Struct, frozen=True, kw_only=True):
    """A rule fired. ``ts_event`` is when the triggering tick happened, ``ts_init`` when it fired.

    ``latency_ns`` is from the moment the tick was received (its ``ts_init``) to the firing.
    ``quiet`` firings fell in the rule's quiet hours: stored and pushed live, not notified.
    ``active`` and ``cooldown_until`` are the rule's state after this firing.
    """

    alert_id: str
    symbol: str
    kind: AlertKind
    price: float
    threshold: float | None
    description: str
    message: str | None
    user: str
    tags: tuple[str, ...]
    notify: tuple[str, ...]
    quiet: bool
    fired_count: int
    active: bool
    cooldown_until: int
    latency_ns: int
    ts_event: int
    ts_init: int


class WebhookAlert(msgspec.Struct, frozen=True, kw_only=True):
    """An authenticated inbound webhook (TradingView) after parsing; the passphrase is not kept."""

    source: str
    symbol: str | None
    action: str | None
    price: float | None
    text: str
    fields: dict[str, str]
    body_hash: str
    ts_event: int
    ts_init: int


def rule_problems(rule: AlertRule) -> list[tuple[str, str]]:
    """Every problem with ``rule`` as ``(field, what is wrong)``; empty when the rule is sound."""
    out: list[tuple[str, str]] = []
    k = rule.kind
    t = rule.threshold
    if rule.symbol == ANY_SYMBOL and k is not AlertKind.WEBHOOK:
        out.append(("symbol", "'*' (any symbol) is only allowed for webhook alerts"))
    if k in PRICE_KINDS or k in MOVE_KINDS or k in RSI_KINDS:
        if t is None:
            out.append(("threshold", f"a {k.value} alert needs a threshold"))
        elif not math.isfinite(t):
            out.append(("threshold", "must be a finite number"))
        elif k in PRICE_KINDS and t <= 0:
            out.append(("threshold", f"a price must be > 0, got {t:g}"))
        elif k in MOVE_KINDS and not 0 < t < 1_000:
            out.append(("threshold", f"a percent move must be > 0 and < 1000, got {t:g}"))
        elif k in RSI_KINDS and not 0 < t < 100:
            out.append(("threshold", f"an RSI level must be between 0 and 100, got {t:g}"))
    if k in MOVE_KINDS and (rule.window_s is None or rule.window_s <= 0):
        out.append(("window_s", "a percent move needs a window in seconds > 0"))
    if (k in RSI_KINDS or k in SMA_KINDS) and rule.interval not in INTERVAL_SECONDS:
        out.append(("interval", f"give the bar interval, one of {', '.join(INTERVAL_SECONDS)}"))
    if k in RSI_KINDS and (rule.period is None or not 2 <= rule.period <= 500):
        out.append(("period", "the RSI period must be between 2 and 500"))
    if k in SMA_KINDS:
        if rule.fast is None or rule.fast < 1:
            out.append(("fast", "the fast SMA window must be >= 1"))
        if rule.slow is None or rule.slow < 2:
            out.append(("slow", "the slow SMA window must be >= 2"))
        elif rule.fast is not None and rule.fast >= rule.slow:
            out.append(("fast", f"fast ({rule.fast}) must be smaller than slow ({rule.slow})"))
    if not math.isfinite(rule.cooldown_s) or rule.cooldown_s < 0:
        out.append(("cooldown_s", "must be >= 0 seconds"))
    if rule.expires_at is not None and rule.expires_at <= rule.created_at:
        out.append(("expires_at", "must be later than the rule's creation"))
    if not _NAME.match(rule.user):
        out.append(("user", "1-64 letters, digits or _ . : -"))
    out.extend(
        ("tags", f"tag {tag!r}: 1-64 letters, digits or _ . : -") for tag in rule.tags if not _NAME.match(tag)
    )
    out.extend(
        ("notify", f"channel {ch!r}: 1-64 letters, digits or _ . : -")
        for ch in rule.notify
        if not _NAME.match(ch)
    )
    if rule.quiet is not None:
        for name in ("start", "end"):
            if not _HHMM.match(getattr(rule.quiet, name)):
                out.append((f"quiet.{name}", "must be HH:MM (UTC), e.g. 22:00"))
    if rule.message is not None and len(rule.message) > 1_000:
        out.append(("message", "at most 1000 characters"))
    return out
