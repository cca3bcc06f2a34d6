"""The admin login token of a served run: a short lease, renewed while the run lives.

``freeride run`` prints an admin token "revoked when this run stops". A run killed with ``kill -9``
(or by the OOM killer, or a power cut) never gets to revoke it, so the token must end by itself:
it is created with an expiry ``LEASE_S`` ahead, and the run moves the expiry forward every
``RENEW_S`` while it lives. A dead run's token therefore stops working within ``LEASE_S``.

The next run to start on the same database does better: it revokes every leftover login token
whose run is known to be gone at once. A token's name records the process that made it
(``run-login-<UTC time>-<pid>@<host>``); on the same host, a process id that no longer exists, or
that is our own (a container restarts its main process under the same id), marks a leftover.
Tokens of runs on other hosts, or of processes still alive, are left to their lease: two runs may
share one database, and one must never log the other's dashboard out.
"""

from __future__ import annotations

import asyncio
import contextlib
import os
import re
import socket
from dataclasses import dataclass, field
from datetime import UTC, datetime

import structlog

from freeride.app.api import create_token
from freeride.core.clock import NS_PER_SECOND, Clock
from freeride.ports.tokens import ApiToken, Scope
from freeride.storage.repositories import TokenRepository

log = structlog.get_logger(__name__)

PREFIX = "run-login-"
LEASE_S = 15 * 60
RENEW_S = 5 * 60
_OWNER = re.compile(r"-(?P<pid>\d+)@(?P<host>[^@]+)$")


def login_name(clock: Clock, pid: int | None = None, host: str | None = None) -> str:
    stamp = datetime.fromtimestamp(clock.now_ns() / NS_PER_SECOND, UTC).strftime("%Y%m%dT%H%M%S.%f")
    return f"{PREFIX}{stamp}-{pid or os.getpid()}@{host or _host()}"


def _host() -> str:
    return socket.gethostname()[:64] or "localhost"


def _process_gone(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return True
    except PermissionError:  # someone else's process: alive
        return False
    return False


def is_leftover(token: ApiToken, now_ns: int) -> bool:
    """Whether ``token`` (a run's login) outlived its run: expired, or its process is gone."""
    if token.expires_at is not None and token.expires_at <= now_ns:
        return True
    owner = _OWNER.search(token.name)
    if owner is None:  # an older run's token, made before names carried their owner
        return True
    if owner["host"] != _host():
        return False
    pid = int(owner["pid"])
    return pid == os.getpid() or _process_gone(pid)


@dataclass
class RunLogin:
    """One run's login token: created, renewed on the clock, revoked at the end."""

    repo: TokenRepository
    clock: Clock
    token: ApiToken
    secret: str = field(repr=False)
    _renewer: asyncio.Task[None] | None = None

    @classmethod
    async def open(cls, repo: TokenRepository, clock: Clock, scope: Scope = Scope.ADMIN) -> RunLogin:
        """Revoke the leftovers of dead runs, create this run's token and start renewing it."""
        await revoke_leftovers(repo, clock)
        secret, token = await create_token(repo, login_name(clock), scope, clock, expires_in_s=LEASE_S)
        login = cls(repo, clock, token, secret)
        login._renewer = asyncio.create_task(login._renew(), name="run-login-renewal")
        return login

    async def _renew(self) -> None:
        while True:
            await self.clock.sleep(RENEW_S)
            try:
                await self.repo.extend(self.token.id, self.clock.now_ns() + LEASE_S * NS_PER_SECOND)
            except Exception as exc:  # the database may be away for a moment; the lease has room
                log.warning("run_login.renew_failed", error=repr(exc)[:200])

    async def close(self) -> None:
        """Stop renewing and revoke the token: it dies with the run that printed it."""
        if self._renewer is not None:
            self._renewer.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._renewer
            self._renewer = None
        await self.repo.revoke(str(self.token.id), self.clock.now_ns())


async def revoke_leftovers(repo: TokenRepository, clock: Clock) -> list[ApiToken]:
    """Revoke every run login token whose run is gone; returns them."""
    now = clock.now_ns()
    gone = [t for t in await repo.active_named(PREFIX) if is_leftover(t, now)]
    for token in gone:
        await repo.revoke(str(token.id), now)
    if gone:
        log.info("run_login.leftovers_revoked", count=len(gone), names=[t.name for t in gone][:10])
    return gone
