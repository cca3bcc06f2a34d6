"""How ``freeride run`` serves its dashboard: a login token per run, and serving until interrupted.

The main job runs unattended and a person only looks, so the run does not end with the feed: it
keeps the API (and the dashboard on it) up until Ctrl-C or SIGTERM, then stops the components in
reverse as it would have anyway. The login token is created when the server listens, handed to
``announce`` once (the CLI prints it; it is never stored in clear) and revoked when the run
stops, so a token printed to a terminal is worth nothing after that run.
"""

from __future__ import annotations

import asyncio
import signal
from collections.abc import Callable, Coroutine
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

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
    """Options and state of a served run; ``hold`` decides whether it outlives the feed."""

    announce: Announce
    hold: bool = True
    scope: Scope = Scope.ADMIN
    stop: asyncio.Event = field(default_factory=asyncio.Event)
    _token: ApiToken | None = None
    _repo: TokenRepository | None = None
    _signals: list[signal.Signals] = field(default_factory=list)

    async def opened(self, engine: AsyncEngine, clock: Clock, url: str) -> None:
        """Create this run's login token and announce where to use it."""
        self._repo = TokenRepository(engine)
        stamp = datetime.fromtimestamp(clock.now_ns() / 1e9, UTC).strftime("%Y%m%dT%H%M%S.%f")
        secret, self._token = await create_token(self._repo, f"run-login-{stamp}", self.scope, clock)
        self.announce(f"{url}/", secret)

    async def feed(self, work: Coroutine[Any, Any, None]) -> None:
        """Run the feed until it is exhausted or the run is interrupted (then the feed is cancelled)."""
        self._listen()
        task = asyncio.ensure_future(work)
        stopper = asyncio.ensure_future(self.stop.wait())
        try:
            await asyncio.wait({task, stopper}, return_when=asyncio.FIRST_COMPLETED)
        finally:
            for pending in (task, stopper):
                pending.cancel()
            await asyncio.gather(stopper, return_exceptions=True)
            if task.cancelled() or not task.done():
                await asyncio.gather(task, return_exceptions=True)
        if not task.cancelled():
            task.result()

    async def wait(self) -> None:
        """After the feed: serve until interrupted (SIGINT or SIGTERM), unless not holding."""
        if not self.hold or self.stop.is_set():
            return
        log.info("run.serving", message="the feed is exhausted; serving until interrupted")
        await self.stop.wait()

    def _listen(self) -> None:
        """Ctrl-C and SIGTERM set ``stop`` instead of tearing the loop down mid-step."""
        loop = asyncio.get_running_loop()
        for sig in (signal.SIGINT, signal.SIGTERM):
            try:
                loop.add_signal_handler(sig, self.stop.set)
                self._signals.append(sig)
            except (NotImplementedError, RuntimeError, ValueError):  # not the main thread, or no signals
                pass

    async def closed(self, clock: Clock) -> None:
        """Revoke the run's login token: it dies with the run that printed it."""
        if self._repo is not None and self._token is not None:
            await self._repo.revoke(str(self._token.id), clock.now_ns())
            self._token = None
        loop = asyncio.get_running_loop()
        while self._signals:
            loop.remove_signal_handler(self._signals.pop())
