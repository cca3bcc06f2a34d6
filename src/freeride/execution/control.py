"""Operator controls as service methods: kill, resume, flatten, approve, reject, status.

The CLI (``freeride kill``, ``freeride orders approve``) and the API call these same methods. They
work on the control store alone, so they need no running engine: a running engine sees the change
at its next poll (``execution.kill_switch.poll_s``), and an engine started later starts halted.
"""

from __future__ import annotations

import uuid
from collections.abc import Sequence

from freeride.core.clock import NS_PER_SECOND, Clock
from freeride.execution.flatten import expired, expiry
from freeride.ports.execution import (
    Approval,
    ApprovalState,
    ControlStore,
    FlattenRequest,
    FlattenState,
    Halt,
    HaltKind,
)

FLATTEN_POLL_S = 0.25  # how often ``flatten`` looks whether the engine has answered


class ExecutionControl:
    def __init__(self, controls: ControlStore, clock: Clock) -> None:
        self._controls = controls
        self._clock = clock

    async def kill(self, reason: str, by: str) -> Halt:
        """Engage the kill switch: open orders are cancelled and nothing new is sent until resumed."""
        halt = Halt(
            kind=HaltKind.KILL,
            reason=reason or "kill switch engaged",
            source=by,
            since_ns=self._clock.now_ns(),
        )
        await self._controls.engage(halt)
        return halt

    async def resume(self, by: str, kinds: Sequence[HaltKind] | None = None) -> list[Halt]:
        """Clear halts (all by default); returns what was cleared. ``by`` is recorded by the engine."""
        return await self._controls.release(kinds)

    async def flatten(self, run_id: str, by: str, wait_s: float = 0.0) -> FlattenRequest:
        """Ask the engine trading ``run_id`` to cancel every open order and close every position.

        The request is stored; the engine acts at its next poll. This waits up to ``wait_s`` for
        its answer (what was cancelled and sent) and returns the request as last seen: still
        ``pending`` when no engine answered in time (it expires unanswered after
        ``execution.flatten.REQUEST_TTL_S``)."""
        request = FlattenRequest(
            request_id=uuid.uuid4().hex[:16],
            run_id=run_id,
            requested_by=by,
            requested_at=self._clock.now_ns(),
        )
        await self._controls.request_flatten(request)
        deadline = request.requested_at + int(wait_s * NS_PER_SECOND)
        while (left := deadline - self._clock.now_ns()) > 0:
            await self._clock.sleep(min(FLATTEN_POLL_S, left / NS_PER_SECOND))
            seen = await self.flatten_request(request.request_id)
            if seen is not None and seen.state is not FlattenState.PENDING:
                return seen
        return await self.flatten_request(request.request_id) or request

    async def flatten_request(self, request_id: str) -> FlattenRequest | None:
        """The request as stored; one still pending past its time to live is marked expired here
        (no engine took it, and none may any more), so asking about it never says "pending" for ever."""
        found = await self._controls.flatten_requests(request_id=request_id)
        if not found:
            return None
        request, now = found[0], self._clock.now_ns()
        if request.state is FlattenState.PENDING and expired(request, now):
            lapsed = expiry(request, now)
            if await self._controls.finish_flatten(lapsed):
                return lapsed
            found = await self._controls.flatten_requests(request_id=request_id)  # an engine just answered
            return found[0] if found else None
        return request

    async def status(self) -> list[Halt]:
        """The halts in force now (an expired daily-loss halt is left out)."""
        now = self._clock.now_ns()
        return [h for h in await self._controls.halts() if h.active(now)]

    async def pending_approvals(self, run_id: str | None = None) -> list[Approval]:
        return await self._controls.approvals(run_id, ApprovalState.PENDING)

    async def approve(self, run_id: str, client_order_id: str, by: str) -> bool:
        return await self._decide(run_id, client_order_id, ApprovalState.APPROVED, by)

    async def reject(self, run_id: str, client_order_id: str, by: str) -> bool:
        return await self._decide(run_id, client_order_id, ApprovalState.REJECTED, by)

    async def _decide(self, run_id: str, client_order_id: str, state: ApprovalState, by: str) -> bool:
        return await self._controls.decide(run_id, client_order_id, state, by, self._clock.now_ns())
