"""The execution worker's lease on its broker account: taken before anything trades, renewed
while it runs, and its loss stops the process at once (the fence already refuses its writes)."""

from __future__ import annotations

import asyncio
import os
import socket
from collections.abc import Callable

import structlog

from freeride.core.clock import NS_PER_SECOND, Clock
from freeride.core.component import Component
from freeride.storage.leases import Fence, LeaseRepository

log = structlog.get_logger(__name__)


def holder_name(role: str) -> str:
    return f"{role}@{socket.gethostname()}:{os.getpid()}"


async def take_lease(
    repo: LeaseRepository,
    clock: Clock,
    account: str,
    holder: str,
    ttl_s: float,
    stopping: Callable[[], bool],
) -> Fence | None:
    """Wait until this worker holds the account's lease (standby meanwhile, checking every third
    of the lease's time to live); ``None`` when asked to stop first."""
    announced = False
    while not stopping():
        fence = await repo.acquire(account, holder, clock.now_ns(), int(ttl_s * NS_PER_SECOND))
        if fence is not None:
            log.info("execution.lease_taken", account=account, holder=holder, fence=fence.token)
            return fence
        if not announced:
            current = await repo.holder(account)
            log.info("execution.standby", account=account, held_by=current[0] if current else None)
            announced = True
        await clock.sleep(ttl_s / 3)
    return None


class LeaseKeeper(Component):
    """Renews the lease every third of its time to live; when it is gone, asks the process to stop."""

    name = "execution-lease"

    def __init__(
        self,
        repo: LeaseRepository,
        clock: Clock,
        fence: Fence,
        ttl_s: float,
        lost: Callable[[str], None],
    ) -> None:
        super().__init__()
        self._repo, self._clock, self.fence, self._ttl_s, self._lost = repo, clock, fence, ttl_s, lost
        self._task: asyncio.Task[None] | None = None
        self.held = True

    async def _on_start(self) -> None:
        self._task = self.spawn(self._keep, "renew")

    async def _keep(self) -> None:
        while True:
            await self._clock.sleep(self._ttl_s / 3)
            if not await self._repo.renew(self.fence, self._clock.now_ns(), int(self._ttl_s * NS_PER_SECOND)):
                message = (
                    f"execution lease of {self.fence.account!r} lost (token {self.fence.token}): stopping"
                )
                log.critical("execution.lease_lost", account=self.fence.account, fence=self.fence.token)
                self.held = False
                self._lost(message)
                return

    async def _on_stop(self) -> None:
        if self._task is not None:
            self._task.cancel()
            await asyncio.gather(self._task, return_exceptions=True)
        if self.held:
            await self._repo.release(self.fence)
