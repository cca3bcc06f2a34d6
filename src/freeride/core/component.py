"""The one start/stop state machine every long-lived component shares.

Subclasses fill the ``_on_start`` / ``_on_stop`` hooks; the public ``start`` and ``stop`` are never
overridden, so every component moves through the same states and the composition root can start
them in dependency order and stop them in reverse.
"""

from __future__ import annotations

from enum import StrEnum


class ComponentState(StrEnum):
    NEW = "new"
    STARTING = "starting"
    RUNNING = "running"
    STOPPING = "stopping"
    STOPPED = "stopped"
    FAILED = "failed"


class Component:
    name: str = "component"

    def __init__(self) -> None:
        self.state = ComponentState.NEW

    async def start(self) -> None:
        if self.state is ComponentState.RUNNING:
            return
        if self.state not in (ComponentState.NEW, ComponentState.STOPPED):
            raise RuntimeError(f"{self.name}: cannot start from state {self.state.value}")
        self.state = ComponentState.STARTING
        try:
            await self._on_start()
        except BaseException:
            self.state = ComponentState.FAILED
            raise
        self.state = ComponentState.RUNNING

    async def stop(self) -> None:
        """Stop and drain; stopping a component that never ran is a no-op."""
        if self.state in (ComponentState.NEW, ComponentState.STOPPED):
            self.state = ComponentState.STOPPED
            return
        self.state = ComponentState.STOPPING
        try:
            await self._on_stop()
        except BaseException:
            self.state = ComponentState.FAILED
            raise
        self.state = ComponentState.STOPPED

    async def _on_start(self) -> None:
        """Connect, subscribe, spawn tasks."""

    async def _on_stop(self) -> None:
        """Drain, flush, disconnect."""
