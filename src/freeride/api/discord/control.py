"""``/status``, ``/kill``, ``/resume`` and ``/flatten``: the engine's state, its kill switch, closing out.

``/kill``, ``/resume`` and ``/flatten`` are two-step: the reply carries a confirm button that works
for ``discord.confirm_ttl_s`` and only for the caller; the action is the same ``ExecutionControl``
call as ``POST /api/v1/kill-switch``, ``/resume`` and ``/flatten`` (and ``freeride kill``,
``freeride flatten``). A confirmed flatten waits up to ``FLATTEN_WAIT_S`` for the engine's answer:
past Discord's budget the reply is deferred and edited in when the engine has answered. ``/status`` shows
what ``/readyz``, the gateway's provider table and ``GET /api/v1/kill-switch`` show, and the
anomalies still open in the journal (as ``freeride anomalies list``).
"""

from __future__ import annotations

from freeride.api.discord.fmt import when
from freeride.api.discord.model import Call, CommandError, Confirm
from freeride.api.discord.wire import Reply
from freeride.app.journal import ANOMALY_KINDS, anomaly_rows
from freeride.app.readiness import readiness
from freeride.core.clock import NS_PER_SECOND
from freeride.execution.control import ExecutionControl
from freeride.ports.execution import FlattenRequest, FlattenState
from freeride.ports.journal import JournalQuery

ANOMALY_DAYS = 7
FLATTEN_WAIT_S = 5.0


def _control(call: Call) -> ExecutionControl:
    if call.state.control is None:
        raise CommandError("the kill switch is not available in this process")
    return call.state.control


async def status(call: Call) -> Reply:
    state = call.state
    lines = [
        f"{'✅' if c.ok else '❌'} **{c.name}**: {c.detail}"
        for c in await readiness(state.db, state.bus, state.accounts)
    ]
    if state.gateway is not None:
        for p in state.gateway.status():
            err = f" · last error: {p.last_error[:80]}" if p.last_error else ""
            lines.append(
                f"• provider **{p.name}**: circuit {p.circuit}, {p.calls} calls, {p.failures} failures{err}"
            )
    if state.control is not None:
        halts = await state.control.status()
        lines += [
            f"⛔ halted ({h.kind.value}) since {when(h.since_ns)} by {h.source}: {h.reason}" for h in halts
        ]
        if not halts:
            lines.append("▶️ trading is not halted")
    if state.repos is not None:
        since = state.clock.now_ns() - ANOMALY_DAYS * 86_400 * NS_PER_SECOND
        query = JournalQuery(kinds=ANOMALY_KINDS, start_ns=since, limit=10_000, newest_first=True)
        records = (await state.repos.journal.query(query))[::-1]
        open_ = [r for r in anomaly_rows(records) if r["resolved"] is None]
        lines += [f"⚠️ anomaly {r['key']}: {r['why']}" for r in open_[:10]]
        if not open_:
            lines.append("no open anomalies")
    return Reply(content="\n".join(lines))


async def kill(call: Call) -> Confirm:
    control = _control(call)
    reason = call.text("reason")[:500]
    by = f"discord:{call.user.username or call.user.id}"

    async def act() -> Reply:
        halt = await control.kill(reason, by)
        return Reply(content=f"⛔ Trading halted by {by}: {halt.reason}")

    return Confirm(prompt=f"Halt all trading now? Reason: {reason}", action=act, label="Halt trading")


async def resume(call: Call) -> Confirm:
    control = _control(call)
    halts = await control.status()
    if not halts:
        raise CommandError("trading is not halted; nothing to resume")
    by = f"discord:{call.user.username or call.user.id}"

    async def act() -> Reply:
        await control.resume(by, None)
        left = await control.status()
        still = "; still halted: " + ", ".join(h.kind.value for h in left) if left else ""
        return Reply(content=f"▶️ Trading resumed by {by}{still}")

    kinds = ", ".join(h.kind.value for h in halts)
    return Confirm(
        prompt=f"Lift every halt ({kinds}) and resume trading?", action=act, label="Resume trading"
    )


def flattened(request: FlattenRequest) -> str:
    """What a flatten did, as the bot says it."""
    if request.state is FlattenState.PENDING:
        return (
            f"⏳ Flatten {request.request_id} requested by {request.requested_by}, but no engine has "
            "answered yet; it expires unanswered after a minute (see /orders)."
        )
    if request.state is FlattenState.EXPIRED:
        return f"⚠️ Flatten {request.request_id} expired: {request.note}"
    lines = [f"🧹 Flattened by {request.requested_by}: {request.cancelled} open orders cancelled"]
    for o in request.orders:
        why = f" ({o.reason})" if o.reason else ""
        lines.append(f"• {o.side} {o.quantity} **{o.symbol}** at market: {o.status}{why}")
    if request.note:
        lines.append(request.note)
    return "\n".join(lines)


async def flatten(call: Call) -> Confirm:
    control = _control(call)
    ledger = call.state.ledger
    if ledger is None:
        raise CommandError("flatten is not available in this process")
    by = f"discord:{call.user.username or call.user.id}"

    async def act() -> Reply:
        return Reply(content=flattened(await control.flatten(ledger, by, FLATTEN_WAIT_S)))

    return Confirm(
        prompt=f"Cancel every open order and close every position of {ledger} at market?",
        action=act,
        label="Flatten everything",
    )
