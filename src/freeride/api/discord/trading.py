"""``/positions``, ``/orders``, ``/pnl`` and ``/alerts add|list|remove``: account data, private replies.

The same reads as ``GET /api/v1/positions|orders|fills`` (``api.reads``) and the same
``AlertService`` as ``/api/v1/alerts``, for the run this process is doing.
"""

from __future__ import annotations

from freeride.alerts.service import AlertService
from freeride.api.deps_v1 import norm_symbol
from freeride.api.discord.fmt import table, when
from freeride.api.discord.model import Call, CommandError
from freeride.api.discord.wire import Reply
from freeride.api.reads import realized_since, run_fills, run_orders, run_positions
from freeride.api.schemas import AlertIn
from freeride.core.clock import NS_PER_SECOND
from freeride.core.orders import OrderStatus
from freeride.storage.repositories import Repositories

SHOWN = 20
ALERTS_SHOWN = 200  # a long list continues in follow-up messages
PERIODS = {"day": 86_400, "week": 7 * 86_400, "month": 30 * 86_400}


def _run(call: Call) -> tuple[Repositories, str]:
    repos, run = call.state.repos, call.state.run_id
    if repos is None or run is None:
        raise CommandError("this process is not doing a run, so it has no positions, orders or P&L")
    return repos, run


async def positions(call: Call) -> Reply:
    repos, run = _run(call)
    rows = await run_positions(call.cache, repos, run, None, open_only=True)
    if not rows:
        return Reply(content="No open positions.", ephemeral=True)
    body = table(
        ("symbol", "quantity", "avg price", "realised"),
        [(p.symbol, str(p.quantity), str(p.avg_price), str(p.realized_pnl)) for p in rows[:SHOWN]],
    )
    return Reply(content=f"Open positions ({len(rows)}):\n{body}", ephemeral=True)


async def orders(call: Call) -> Reply:
    repos, run = _run(call)
    raw = call.options.get("symbol")
    symbol = norm_symbol(str(raw)) if raw else None
    status_name = call.options.get("status")
    try:
        status = OrderStatus(status_name) if status_name else None
    except ValueError:
        known = ", ".join(s.value for s in OrderStatus)
        raise CommandError(f"/orders: unknown status {status_name!r}; one of {known}") from None
    rows = await run_orders(call.cache, repos, run, symbol, status)
    if not rows:
        return Reply(content="No orders.", ephemeral=True)
    body = table(
        ("symbol", "side", "qty", "status", "avg fill"),
        [
            (o.symbol, o.side.value, str(o.quantity), o.status.value, str(o.avg_fill_price or "-"))
            for o in rows[:SHOWN]
        ],
    )
    more = f" (newest {SHOWN} shown)" if len(rows) > SHOWN else ""
    return Reply(content=f"Orders: {len(rows)}{more}\n{body}", ephemeral=True)


async def pnl(call: Call) -> Reply:
    repos, run = _run(call)
    period = str(call.options.get("period") or "day")
    if period not in PERIODS:
        raise CommandError(f"/pnl: unknown period {period!r}; one of day, week, month")
    since = call.state.clock.now_ns() - PERIODS[period] * NS_PER_SECOND
    realised = realized_since(await run_fills(call.cache, repos, run, None), since)
    lines = [(s, str(v)) for s, v in realised.items()]
    accounts = [(name, str(p.equity), p.currency) for name, p in sorted(call.state.accounts.items())]
    text = f"Realised P&L since {when(since)} (net of commission):\n"
    text += table(("symbol", "realised"), lines) if lines else "no fills in this run\n"
    if accounts:
        text += "\nAccounts now:\n" + table(("account", "equity", "ccy"), accounts)
    return Reply(content=text, ephemeral=True)


def _service(call: Call) -> AlertService:
    if call.state.alerts is None:
        raise CommandError("alerts are not available in this process")
    return call.state.alerts


async def alerts_add(call: Call) -> Reply:
    body = AlertIn.model_validate(
        {
            "symbol": call.text("symbol"),
            "kind": call.text("kind"),
            "threshold": call.number("threshold"),
            "window_s": call.options.get("window_s"),
            "notify": [str(call.options["notify"])] if call.options.get("notify") else [],
            "user": f"discord:{call.user.id}",
            "tags": ["discord"],
        }
    )
    stored = await _service(call).create(body.to_rule())
    return Reply(content=f"Alert `{stored.rule.id}` added: {stored.rule.describe()}", ephemeral=True)


async def alerts_list(call: Call) -> Reply:
    found = await _service(call).find(active=True)
    if not found:
        return Reply(content="No active alerts.", ephemeral=True)
    body = table(
        ("id", "alert", "fired"),
        [(a.rule.id, a.rule.describe(), str(a.state.fired_count)) for a in found[:ALERTS_SHOWN]],
    )
    return Reply(content=f"Active alerts ({len(found)}):\n{body}", ephemeral=True)


async def alerts_remove(call: Call) -> Reply:
    alert_id = call.text("id")
    if not await _service(call).remove(alert_id):
        raise CommandError(f"no alert with id {alert_id!r} (see /alerts list)")
    return Reply(content=f"Alert `{alert_id}` removed.", ephemeral=True)
