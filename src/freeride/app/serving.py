"""How ``freeride run`` serves its dashboard: a login token per run, and serving until interrupted.

The main job runs unattended and a person only looks, so the run does not end with the feed: with
``hold`` it keeps the API (and the dashboard on it) up until Ctrl-C or SIGTERM (the runtime's
signal handling, ``app.interrupts``), then stops the components in reverse as it would have
anyway. The login token is created when the server listens, handed to ``announce`` once (the CLI
prints it; it is never stored in clear) and revoked when the run stops, so a token printed to a
terminal is worth nothing after that run.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime

import structlog
from sqlalchemy.ext.asyncio import AsyncEngine

from freeride.app.api import create_token
from freeride.core.clock import Clock
from freeride.ports.tokens import ApiToken, Scope
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
    _token: ApiToken | None = None
    _repo: TokenRepository | None = None

    async def opened(self, engine: AsyncEngine, clock: Clock, url: str) -> None:
        """Create this run's login token and announce where to use it."""
        self._repo = TokenRepository(engine)
        stamp = datetime.fromtimestamp(clock.now_ns() / 1e9, UTC).strftime("%Y%m%dT%H%M%S.%f")
        secret, self._token = await create_token(self._repo, f"run-login-{stamp}", self.scope, clock)
        self.announce(f"{url}/", secret)

    async def closed(self, clock: Clock) -> None:
        """Revoke the run's login token: it dies with the run that printed it."""
        if self._repo is not None and self._token is not None:
            await self._repo.revoke(str(self._token.id), clock.now_ns())
            self._token = None
