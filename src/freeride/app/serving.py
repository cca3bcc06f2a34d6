"""How ``freeride run`` serves its dashboard: a login token per run, and serving until interrupted.

The main job runs unattended and a person only looks, so the run does not end with the feed: with
``hold`` it keeps the API (and the dashboard on it) up until Ctrl-C or SIGTERM (the runtime's
signal handling, ``app.interrupts``), then stops the components in reverse as it would have
anyway. The login token is created when the server listens, handed to ``announce`` once (the CLI
prints it; it is never stored in clear) and revoked when the run stops, so a token printed to a
terminal is worth nothing after that run. A run that dies without stopping leaves a token that
expires by itself and is revoked by the next start (``app.run_login``).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

import structlog
from sqlalchemy.ext.asyncio import AsyncEngine

from freeride.app.run_login import RunLogin
from freeride.core.clock import Clock
from freeride.ports.tokens import Scope
from freeride.storage.repositories import TokenRepository

log = structlog.get_logger(__name__)

Announce = Callable[[str, str], None]
"""Called once with the dashboard URL and the login token."""


@dataclass
class Serving:
    """Options and state of a served run; ``hold`` decides whether a replay outlives its feed."""

    announce: Announce
    hold: bool = True
    scope: Scope = Scope.ADMIN
    _login: RunLogin | None = None

    async def opened(self, engine: AsyncEngine, clock: Clock, url: str) -> None:
        """Create this run's login token (leftovers of dead runs revoked first) and announce it."""
        self._login = await RunLogin.open(TokenRepository(engine), clock, self.scope)
        self.announce(f"{url}/", self._login.secret)

    async def closed(self, clock: Clock) -> None:
        """Revoke the run's login token: it dies with the run that printed it."""
        if self._login is not None:
            await self._login.close()
            self._login = None
