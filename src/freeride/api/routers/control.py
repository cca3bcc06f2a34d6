"""``/api/v1/kill-switch``: see the halts in force, pull the kill switch, resume.

The same ``ExecutionControl`` service as ``freeride kill``, on the process's one database engine
(no migration or engine per request): the halt is written to the control store, which the engine
polls, so it works whichever process runs the engine. Pulling the
switch needs ``trade`` (whoever may trade may stop trading); resuming needs ``admin``.
"""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends, Request
from pydantic import BaseModel, ConfigDict, Field

from freeride.api.deps import require, state_of
from freeride.api.errors import ERROR_RESPONSES, ApiError
from freeride.execution.control import ExecutionControl
from freeride.ports.execution import Halt, HaltKind
from freeride.ports.tokens import ApiToken, Scope

router = APIRouter(prefix="/api/v1/kill-switch", tags=["control"], responses=ERROR_RESPONSES)


class KillIn(BaseModel):
    model_config = ConfigDict(extra="forbid")
    reason: str = Field(min_length=1, max_length=500, examples=["market is going crazy"])


class ResumeIn(BaseModel):
    model_config = ConfigDict(extra="forbid")
    kinds: list[HaltKind] | None = Field(default=None, description="which halts to lift; all when absent")


class HaltOut(BaseModel):
    kind: str
    reason: str
    source: str
    since_ns: int
    until_ns: int | None

    @classmethod
    def of(cls, h: Halt) -> HaltOut:
        return cls(
            kind=h.kind.value, reason=h.reason, source=h.source, since_ns=h.since_ns, until_ns=h.until_ns
        )


class HaltsOut(BaseModel):
    halted: bool
    halts: list[HaltOut]


def _control(request: Request) -> ExecutionControl:
    control = state_of(request).control
    if control is None:
        raise ApiError(503, "the kill switch is not available in this process")
    return control


@router.get("", dependencies=[Depends(require(Scope.READ))])
async def status(request: Request) -> HaltsOut:
    found = await _control(request).status()
    return HaltsOut(halted=bool(found), halts=[HaltOut.of(h) for h in found])


@router.post("", status_code=201)
async def kill(
    request: Request, body: KillIn, token: Annotated[ApiToken, Depends(require(Scope.TRADE))]
) -> HaltOut:
    halt = await _control(request).kill(body.reason, f"api:{token.name}")
    return HaltOut.of(halt)


@router.post("/resume")
async def resume(
    request: Request, body: ResumeIn, token: Annotated[ApiToken, Depends(require(Scope.ADMIN))]
) -> HaltsOut:
    control = _control(request)
    await control.resume(f"api:{token.name}", body.kinds)
    left = await control.status()
    return HaltsOut(halted=bool(left), halts=[HaltOut.of(h) for h in left])
