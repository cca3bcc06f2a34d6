"""Every topic string is built here and nowhere else.

A topic is dot-separated segments, most general first, so a subscriber picks a slice with
wildcards: ``*`` matches one segment, ``>`` matches one or more trailing segments
(``data.bar.>`` is every bar of every symbol and interval). Symbols keep their ``/`` (``EUR/USD``);
a ``.`` inside a symbol (``BRK.B``) becomes ``_`` so it cannot split a segment.
"""

from __future__ import annotations

from freeride.core.system import Level

ONE = "*"
REST = ">"


def _key(symbol: str) -> str:
    return symbol.replace(".", "_")


def bar(symbol: str, interval: str) -> str:
    return f"data.bar.{_key(symbol)}.{interval}"


def bars_of(symbol: str) -> str:
    """Every interval of one symbol's bars."""
    return f"data.bar.{_key(symbol)}.{ONE}"


def quote(symbol: str) -> str:
    return f"data.quote.{_key(symbol)}"


def trade(symbol: str) -> str:
    return f"data.trade.{_key(symbol)}"


def signal(strategy: str) -> str:
    return f"strategy.signal.{_key(strategy)}"


def order_intent(strategy: str) -> str:
    return f"order.intent.{_key(strategy)}"


def order_update(symbol: str) -> str:
    return f"order.update.{_key(symbol)}"


def fill(symbol: str) -> str:
    return f"order.fill.{_key(symbol)}"


def position(symbol: str) -> str:
    return f"portfolio.position.{_key(symbol)}"


def account(name: str) -> str:
    return f"portfolio.account.{_key(name)}"


def system(level: Level, source: str) -> str:
    return f"system.{level.value}.{_key(source)}"


def alert_fired(symbol: str) -> str:
    return f"alert.fired.{_key(symbol)}"


def webhook_inbound(source: str) -> str:
    return f"webhook.inbound.{_key(source)}"


def news(symbol: str) -> str:
    return f"research.news.{_key(symbol)}"


def sentiment(symbol: str) -> str:
    return f"research.sentiment.{_key(symbol)}"


def trade_plan(symbol: str) -> str:
    return f"research.plan.{_key(symbol)}"


def backtest_progress(run_id: str) -> str:
    return f"backtest.progress.{_key(run_id)}"


ALL_BARS = "data.bar.>"
ALL_QUOTES = "data.quote.>"
ALL_TRADES = "data.trade.>"
ALL_SIGNALS = "strategy.signal.>"
ALL_INTENTS = "order.intent.>"
ALL_ORDER_UPDATES = "order.update.>"
ALL_FILLS = "order.fill.>"
ALL_POSITIONS = "portfolio.position.>"
ALL_ACCOUNTS = "portfolio.account.>"
ALL_SYSTEM = "system.>"
ALL_ALERTS = "alert.fired.>"
ALL_WEBHOOKS = "webhook.inbound.>"
ALL_NEWS = "research.news.>"
ALL_PLANS = "research.plan.>"
ALL_RESEARCH = "research.>"
ALL_BACKTEST_PROGRESS = "backtest.progress.>"
EVERYTHING = ">"


def matches(pattern: str, topic: str) -> bool:
    """Whether ``topic`` falls under ``pattern`` (``*`` one segment, ``>`` the rest)."""
    p_parts = pattern.split(".")
    t_parts = topic.split(".")
    for i, part in enumerate(p_parts):
        if part == REST:
            return i == len(p_parts) - 1 and len(t_parts) > i
        if i >= len(t_parts):
            return False
        if part != ONE and part != t_parts[i]:
            return False
    return len(p_parts) == len(t_parts)


def validate_pattern(pattern: str) -> str:
    """Reject patterns that could never match what they seem to mean (``a.>.b``, empty segments)."""
    parts = pattern.split(".")
    if any(not p for p in parts):
        raise ValueError(f"topic pattern {pattern!r} has an empty segment")
    if REST in parts[:-1]:
        raise ValueError(f"topic pattern {pattern!r}: '>' may only be the last segment")
    return pattern


def outbox_ready() -> str:
    """Notifications were committed to the outbox: the relay wakes without polling."""
    return "notify.outbox.ready"


def delivery(channel: str) -> str:
    """What became of a notification on ``channel`` (delivered, retrying, dead)."""
    return f"notify.delivery.{_key(channel)}"


ALL_DELIVERIES = "notify.delivery.>"


def anomaly(detector: str) -> str:
    """An anomaly opened or resolved, by the detector (rule) that saw it."""
    return f"ops.anomaly.{_key(detector)}"


ALL_ANOMALIES = "ops.anomaly.>"


# -- families: what a bus between processes carries, and where per-key order matters ----------------
# A topic's family is its first two segments; the third names the key (a symbol, a strategy, a
# source). The Redis bus gives each family its streams; in the ordered families the key is hashed
# onto one of ``shards`` streams, so one key's events stay in order on one stream.
ORDERED_FAMILIES: tuple[str, ...] = (
    "data.bar",
    "data.quote",
    "data.trade",
    "strategy.signal",
    "order.intent",
    "order.update",
    "order.fill",
    "portfolio.position",
    "portfolio.account",
    "alert.fired",
    "research.news",
    "research.sentiment",
    "research.plan",
)
UNORDERED_FAMILIES: tuple[str, ...] = (
    *(f"system.{level.value}" for level in Level),
    "webhook.inbound",
    "backtest.progress",
    "notify.outbox",
    "notify.delivery",
    "ops.anomaly",
)
FAMILIES: tuple[str, ...] = ORDERED_FAMILIES + UNORDERED_FAMILIES


def family_of(topic: str) -> tuple[str, str]:
    """``(family, key)`` of a topic: ``data.bar.AAPL.1m`` → ``("data.bar", "AAPL")``."""
    first, _, rest = topic.partition(".")
    second, _, tail = rest.partition(".")
    return f"{first}.{second}", tail.partition(".")[0]


def families_matching(pattern: str) -> tuple[str, ...]:
    """The families a subscription pattern can receive events of (``>`` is every family)."""
    parts = validate_pattern(pattern).split(".")
    out: list[str] = []
    for family in FAMILIES:
        a, b = family.split(".")
        if parts[0] == REST:
            out.append(family)
        elif parts[0] not in (ONE, a) or len(parts) == 1:
            continue
        elif parts[1] in (REST, ONE, b):
            out.append(family)
    return tuple(out)
