"""Broker health: the session is asked whether it still works, on the clock, all the time.

A dead or expired session (``AuthError``, or ``alive=False``) is a critical system event, which is
an operator alert on every configured channel, and, when ``kill_on_dead_session`` is set, the
kill switch: a bot that cannot see its orders must not keep placing them. A token refresh that
fails (the Robinhood token daemon) reports here through ``session_lost`` and is handled the same
way, at once, instead of waiting for the next check. Passing faults count towards the broker
error streak that trips the kill switch on its own.
"""

from __future__ import annotations

import asyncio

from freeride.core.clock import Clock
from freeride.core.component import Component
from freeride.core.errors import AuthError, FreerideError, TemporaryError
from freeride.core.system import Level
from freeride.execution.desk import OrderDesk
from freeride.ports.execution import HaltKind


class BrokerHealth(Component):
    name = "broker-health"

    def __init__(
        self,
        desk: OrderDesk,
        clock: Clock,
        *,
        interval_s: float = 30.0,
        kill_on_dead_session: bool = True,
    ) -> None:
        super().__init__()
        self._desk = desk
        self._clock = clock
        self.interval_s = interval_s
        self.kill_on_dead_session = kill_on_dead_session
        self.dead: dict[str, str] = {}  # broker name → why its session is dead
        self.checks = 0
        self._task: asyncio.Task[None] | None = None

    async def _on_start(self) -> None:
        await self.check_all()
        self._task = self.spawn(self._loop)

    async def _on_stop(self) -> None:
        if self._task is not None:
            self._task.cancel()
            await asyncio.gather(self._task, return_exceptions=True)
            self._task = None

    async def _loop(self) -> None:
        while True:
            await self._clock.sleep(self.interval_s)
            await self.check_all()

    async def check_all(self) -> None:
        for broker in self._desk.brokers.all():
            self.checks += 1
            try:
                state = await broker.session()
            except AuthError as exc:
                await self.session_lost(broker.name, str(exc))
                continue
            except TemporaryError as exc:
                self._desk.events.emit(
                    Level.WARNING, "session_check_failed", f"{broker.name}: session check failed: {exc}"
                )
                self._desk.broker_error(exc)
                continue
            except FreerideError as exc:
                await self.session_lost(broker.name, f"{type(exc).__name__}: {exc}")
                continue
            if not state.alive:
                await self.session_lost(broker.name, state.detail or "the session is not alive")
            elif broker.name in self.dead:
                del self.dead[broker.name]
                self._desk.events.emit(
                    Level.INFO, "session_restored", f"{broker.name}: the session works again"
                )

    async def session_lost(self, broker: str, why: str) -> None:
        """The session of ``broker`` is dead: tell the operator once, and kill when configured."""
        if broker in self.dead:
            return
        self.dead[broker] = why
        self._desk.events.emit(
            Level.CRITICAL, "session_dead", f"{broker}: the session is dead: {why}", broker=broker
        )
        if self.kill_on_dead_session and self._desk.halts.current.get(HaltKind.KILL) is None:
            await self._desk.kill(f"{broker} session dead: {why}", f"auto:session:{broker}")
