"""Every slash command the bot has, and the JSON that registers them with Discord.

A command is listed only when its capability exists in the process answering (``available``):
``/news`` and ``/plan`` need research, ``/kill`` the kill switch, and so on. Commands whose
capability is not built at all (``/leads``, ``/devlog``, ``/ask``) are not here:
Discord never shows them, so nobody gets a reply saying "not implemented".

Scopes are the API's: ``read`` to look, ``trade`` to change alerts, halt trading or flatten, ``admin`` to
resume it and to choose what the bot posts where (the same split as the REST routes).
"""

from __future__ import annotations

from typing import Any

from freeride.api.discord import channels, control, jobs, market, trading
from freeride.api.discord.model import INTEGER, NUMBER, Command, option, symbol_option
from freeride.app.api import ApiState
from freeride.bus import topics
from freeride.config.discord import TOPIC_KINDS
from freeride.config.settings import Settings
from freeride.core.alerts import AlertKind
from freeride.ports.tokens import Scope

READ, TRADE, ADMIN = Scope.READ, Scope.TRADE, Scope.ADMIN
GROUPS = {"alerts": "Price alerts: add, list, remove"}
TOPICS = tuple(TOPIC_KINDS)
ALERT_KINDS = tuple(k.value for k in AlertKind if k is not AlertKind.WEBHOOK)[:25]


def _has_research(s: ApiState) -> bool:
    return s.research is not None


def _has_run(s: ApiState) -> bool:
    return s.repos is not None and s.run_id is not None


def _has_bus(s: ApiState) -> bool:
    return s.live is not None


ALL: tuple[Command, ...] = (
    Command("quote", "Last price of a symbol", READ, market.quote, (symbol_option(),)),
    Command(
        "chart",
        "A chart of recent bars (PNG)",
        READ,
        jobs.chart,
        (symbol_option(), option("interval", "bar length", choices=("1d", "1h", "15m", "5m", "1m"))),
        available=lambda s: s.repos is not None,
    ),
    Command(
        "signals",
        "Latest strategy signals",
        READ,
        market.signals,
        (symbol_option(False),),
        available=_has_bus,
        invalidated_by=(topics.ALL_SIGNALS,),
    ),
    Command(
        "news",
        "Latest scored news",
        READ,
        market.news,
        (symbol_option(False),),
        available=_has_research,
        invalidated_by=(topics.ALL_RESEARCH,),
    ),
    Command(
        "plan",
        "The active trade plan of a symbol",
        READ,
        market.plan,
        (symbol_option(),),
        available=_has_research,
        invalidated_by=(topics.ALL_PLANS,),
    ),
    Command(
        "positions", "Open positions of the run", READ, trading.positions, ephemeral=True, available=_has_run
    ),
    Command(
        "orders",
        "Orders of the run, newest first",
        READ,
        trading.orders,
        (symbol_option(False), option("status", "only this status")),
        ephemeral=True,
        available=_has_run,
    ),
    Command(
        "pnl",
        "Realised P&L over a period",
        READ,
        trading.pnl,
        (option("period", "how far back", choices=("day", "week", "month")),),
        ephemeral=True,
        available=_has_run,
    ),
    Command(
        "alerts add",
        "Add a price alert",
        TRADE,
        trading.alerts_add,
        (
            symbol_option(),
            option("kind", "the condition", required=True, choices=ALERT_KINDS),
            option("threshold", "price level (or percent for moves)", NUMBER),
            option("window_s", "seconds a move is measured over", INTEGER),
            option("notify", "a notification channel to tell"),
        ),
        ephemeral=True,
        available=lambda s: s.alerts is not None,
    ),
    Command(
        "alerts list",
        "Active alerts",
        READ,
        trading.alerts_list,
        ephemeral=True,
        available=lambda s: s.alerts is not None,
    ),
    Command(
        "alerts remove",
        "Remove an alert",
        TRADE,
        trading.alerts_remove,
        (option("id", "the alert's id (see /alerts list)", required=True),),
        ephemeral=True,
        available=lambda s: s.alerts is not None,
    ),
    Command("status", "Providers, broker, halts and open anomalies", READ, control.status),
    Command(
        "kill",
        "Halt all trading (asks to confirm)",
        TRADE,
        control.kill,
        (option("reason", "why", required=True),),
        ephemeral=True,
        available=lambda s: s.control is not None,
    ),
    Command(
        "resume",
        "Lift the halts (asks to confirm)",
        ADMIN,
        control.resume,
        ephemeral=True,
        available=lambda s: s.control is not None,
    ),
    Command(
        "flatten",
        "Cancel every open order and close every position (asks to confirm)",
        TRADE,
        control.flatten,
        ephemeral=True,
        available=lambda s: s.control is not None and s.ledger is not None,
    ),
    Command(
        "backtest",
        "Backtest a strategy on this process's data",
        TRADE,
        jobs.backtest,
        (
            option("strategy", "e.g. sma_cross", required=True),
            symbol_option(),
            option("params", "k=v pairs, e.g. fast=10 slow=30"),
        ),
        available=lambda s: s.backtests is not None,
    ),
    Command(
        "subscribe",
        "Post a topic to this channel",
        ADMIN,
        channels.subscribe,
        (option("topic", "what to post", required=True, choices=TOPICS),),
        ephemeral=True,
        available=channels.available,
    ),
    Command(
        "unsubscribe",
        "Stop posting a topic to this channel",
        ADMIN,
        channels.unsubscribe,
        (option("topic", "what to stop", required=True, choices=TOPICS),),
        ephemeral=True,
        available=channels.available,
    ),
)


def commands_for(state: ApiState) -> dict[str, Command]:
    """The commands this process can answer, by full name (``"alerts add"``)."""
    return {c.name: c for c in ALL if c.available(state)}


RESEARCH = frozenset({"news", "plan"})


def commands_for_settings(settings: Settings) -> dict[str, Command]:
    """What a ``freeride run`` or ``freeride live`` with these settings answers: everything, but
    ``/news`` and ``/plan`` only while research is on (``research.enabled``)."""
    return {c.name: c for c in ALL if settings.research.enabled or c.name not in RESEARCH}


def definitions(commands: dict[str, Command]) -> list[dict[str, Any]]:
    """The body of ``PUT /applications/{id}/commands``: sub-commands grouped under their parent."""
    out: dict[str, dict[str, Any]] = {}
    for c in commands.values():
        top, _, sub = c.name.partition(" ")
        if not sub:
            out[top] = {"name": top, "type": 1, "description": c.description, "options": list(c.options)}
            continue
        group = out.setdefault(top, {"name": top, "type": 1, "description": GROUPS[top], "options": []})
        group["options"].append(
            {"type": 1, "name": sub, "description": c.description, "options": list(c.options)}
        )
    return list(out.values())
