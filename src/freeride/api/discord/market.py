"""``/quote``, ``/signals``, ``/news`` and ``/plan``: market and research reads, public replies.

The same reads as ``GET /api/v1/quotes|signals|news|plans``: ``api.reads`` for prices and
signals, the research setup's news repository and plan store for the rest.
"""

from __future__ import annotations

from freeride.api.deps_v1 import norm_symbol
from freeride.api.discord.fmt import table, when
from freeride.api.discord.model import Call, CommandError
from freeride.api.discord.wire import Reply
from freeride.api.reads import last_prices, recent_signals
from freeride.app.research import ResearchSetup

SHOWN = 10


def symbol_of(call: Call, name: str = "symbol") -> str:
    return norm_symbol(call.text(name), name)


async def quote(call: Call) -> Reply:
    symbol = symbol_of(call)
    found, _missing = await last_prices(call.state, [symbol])
    if not found:
        raise CommandError(
            f"no price for {symbol}: not a symbol this process streams, and no provider knows it"
        )
    q = found[0]
    spread = f" (bid {q.bid:g} / ask {q.ask:g})" if q.bid is not None and q.ask is not None else ""
    return Reply(content=f"**{q.symbol}** {q.price:g}{spread} · {q.source} · {when(q.ts_event)}")


async def signals(call: Call) -> Reply:
    if call.state.live is None:
        raise CommandError("no event bus in this process, so no signals")
    raw = call.options.get("symbol")
    rows = recent_signals(call.state.live, norm_symbol(str(raw)) if raw else None, None)
    if not rows:
        return Reply(content="No signals yet.")
    body = table(
        ("symbol", "direction", "strategy", "reason"),
        [(s.symbol, str(s.direction.value), s.strategy, s.reason[:40]) for s in rows[:SHOWN]],
    )
    return Reply(content=f"Latest signals ({min(len(rows), SHOWN)} of {len(rows)}):\n{body}")


def _research(call: Call) -> ResearchSetup:
    if call.state.research is None:
        raise CommandError("research (news and plans) is not running in this process")
    return call.state.research


async def news(call: Call) -> Reply:
    raw = call.options.get("symbol")
    symbol = norm_symbol(str(raw)) if raw else None
    stories = await _research(call).news.stories(symbol, 0, SHOWN)
    if not stories:
        return Reply(content=f"No stories{' for ' + symbol if symbol else ''} yet.")
    lines = [
        f"• {s.label.value} {s.score:+.2f} [{s.headline[:150]}](<{s.url}>) {', '.join(s.symbols[:4])}"
        for s in stories
    ]
    return Reply(content="\n".join(lines))


async def plan(call: Call) -> Reply:
    symbol = symbol_of(call)
    found = await _research(call).plans.plans.find(symbol, active_only=True, limit=1)
    if not found:
        raise CommandError(f"no active plan for {symbol}")
    p, _outcome = found[0]
    text = (
        f"**{p.symbol}** plan `{p.plan_id}`: {p.direction.value} entry {p.entry_low:g}-{p.entry_high:g}, "
        f"stop {p.stop:g}, targets {p.target1:g} / {p.target2:g}, size {p.quantity} "
        f"(risk {p.risk_amount} {p.account_currency}, R:R {p.reward_risk:.2f}, "
        f"confidence {p.confidence:.0%}), until {when(p.expires_at)}"
    )
    if p.rationale:
        text += f"\n{p.rationale[:1500]}"
    return Reply(content=text)
