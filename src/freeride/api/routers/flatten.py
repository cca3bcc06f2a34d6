"""``/api/v1/flatten``: cancel every open order and close every position, and see what was sent.

The same ``ExecutionControl.flatten`` as ``freeride flatten`` and Discord's ``/flatten``: the
request is written to the control store, the engine trading the live ledger acts on it at its next
poll, and the route waits up to ``wait_s`` for its answer. 200 with the closing orders when the
engine answered, 202 with the request still ``pending`` when it did not (follow it with ``GET
/api/v1/flatten/{request_id}``; it expires unanswered after a minute). Flattening needs ``trade``,
like pulling the kill switch: both stop risk.
"""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends, Request, Response
from pydantic import BaseModel, ConfigDict, Field

from freeride.api.deps import require, state_of
from freeride.api.errors import ERROR_RESPONSES, ApiError
from freeride.execution.control import ExecutionControl
from freeride.ports.execution import FlattenRequest, FlattenState
from freeride.ports.tokens import ApiToken, Scope

router = APIRouter(prefix="/api/v1/flatten", tags=["control"], responses=ERROR_RESPONSES)
MAX_WAIT_S = 10.0


class FlattenIn(BaseModel):
    model_config = ConfigDict(extra="forbid")
    wait_s: float = Field(
        default=5.0, ge=0, le=MAX_WAIT_S, description="how long to wait for the engine's answer"
    )


class ClosingOut(BaseModel):
    client_order_id: str
    symbol: str
    side: str
    quantity: str
    status: str
    reason: str


class FlattenOut(BaseModel):
    request_id: str
    run_id: str
    state: str
    requested_by: str
    requested_at_ns: int
    done_at_ns: int | None
    cancelled: int
    orders: list[ClosingOut]
    note: str

    @classmethod
    def of(cls, r: FlattenRequest) -> FlattenOut:
        return cls(
            request_id=r.request_id,
            run_id=r.run_id,
            state=r.state.value,
            requested_by=r.requested_by,
            requested_at_ns=r.requested_at,
            done_at_ns=r.done_at,
            cancelled=r.cancelled,
            orders=[ClosingOut(**{f: getattr(o, f) for f in ClosingOut.model_fields}) for o in r.orders],
            note=r.note,
        )


def _control(request: Request) -> tuple[ExecutionControl, str]:
    state = state_of(request)
    if state.control is None or state.ledger is None:
        raise ApiError(503, "flatten is not available in this process")
    return state.control, state.ledger


@router.post("", responses={202: {"description": "no engine answered within wait_s"}})
async def flatten(
    request: Request,
    response: Response,
    token: Annotated[ApiToken, Depends(require(Scope.TRADE))],
    body: FlattenIn | None = None,
) -> FlattenOut:
    control, ledger = _control(request)
    wait_s = (body or FlattenIn()).wait_s
    done = await control.flatten(ledger, f"api:{token.name}", wait_s)
    if done.state is FlattenState.PENDING:
        response.status_code = 202
    return FlattenOut.of(done)


@router.get("/{request_id}", dependencies=[Depends(require(Scope.READ))])
async def flatten_status(request: Request, request_id: str) -> FlattenOut:
    control, _ = _control(request)
    found = await control.flatten_request(request_id)
    if found is None:
        raise ApiError(404, f"no flatten request {request_id!r}")
    return FlattenOut.of(found)
