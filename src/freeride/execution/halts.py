"""The halts in force: the kill switch, a storage halt, a reconciliation halt, the daily-loss halt.

They live in the control store (the database in production), so a halt set by ``freeride kill``
in another process reaches a running engine at its next poll, and a halt survives a restart. This
object is the engine's copy: ``blocking`` is checked before every order and costs a dict lookup.
"""

from __future__ import annotations

from collections.abc import Sequence

from freeride.bus.system_events import SystemEvents
from freeride.core.clock import Clock
from freeride.core.system import Level
from freeride.ports.execution import ControlStore, Halt, HaltKind

_ORDER = (HaltKind.KILL, HaltKind.STORAGE, HaltKind.RECONCILE, HaltKind.DAILY_LOSS)
# A flatten's closing order removes risk: the halts that only stop new risk let it through.
_CLOSING_ORDER = (HaltKind.STORAGE, HaltKind.RECONCILE)


class Halts:
    def __init__(self, store: ControlStore, clock: Clock, events: SystemEvents) -> None:
        self._store = store
        self._clock = clock
        self._events = events
        self.current: dict[HaltKind, Halt] = {}
        self._local: dict[HaltKind, Halt] = {}  # held here, not in the store yet

    def blocking(self, now_ns: int, *, closing: bool = False) -> Halt | None:
        """The halt that stops new orders now (the kill switch first), or ``None``.

        ``closing``: for a flatten's order that takes a position towards zero, which only a
        storage or reconciliation halt stops (see ``execution.flatten``)."""
        if not self.current:
            return None
        for kind in _CLOSING_ORDER if closing else _ORDER:
            halt = self.current.get(kind)
            if halt is not None and halt.active(now_ns):
                return halt
        return None

    def hold_locally(self, kind: HaltKind, reason: str, source: str, until_ns: int | None = None) -> None:
        """Block at once, before the store has it (``engage`` follows from an async context).

        A refresh from the store keeps it until ``engage`` stored it: a halt the database could not
        take yet is not mistaken for one released elsewhere.
        """
        halt = Halt(kind=kind, reason=reason, source=source, since_ns=self._clock.now_ns(), until_ns=until_ns)
        self.current[kind] = self._local[kind] = halt

    async def engage(self, kind: HaltKind, reason: str, source: str, until_ns: int | None = None) -> Halt:
        halt = Halt(kind=kind, reason=reason, source=source, since_ns=self._clock.now_ns(), until_ns=until_ns)
        await self._store.engage(halt)
        self._local.pop(kind, None)
        self.current[kind] = halt
        self._announce(halt)
        return halt

    async def release(self, kinds: Sequence[HaltKind] | None = None, by: str = "operator") -> list[Halt]:
        cleared = await self._store.release(kinds)
        for halt in cleared:
            self.current.pop(halt.kind, None)
            self._events.emit(
                Level.WARNING,
                "halt_released",
                f"{halt.kind.value} halt released by {by}",
                halt=halt.kind.value,
            )
        return cleared

    async def refresh(self) -> tuple[list[Halt], list[Halt]]:
        """Catch up with the store: returns (halts set elsewhere, halts cleared elsewhere)."""
        stored = {h.kind: h for h in await self._store.halts()}
        for kind, halt in self._local.items():
            stored.setdefault(kind, halt)
        new = [h for k, h in stored.items() if self.current.get(k) != h]
        gone = [h for k, h in self.current.items() if k not in stored]
        self.current = stored
        for halt in new:
            self._announce(halt)
        for halt in gone:
            self._events.emit(
                Level.WARNING, "halt_released", f"{halt.kind.value} halt released", halt=halt.kind.value
            )
        return new, gone

    def _announce(self, halt: Halt) -> None:
        level = Level.CRITICAL if halt.kind is not HaltKind.DAILY_LOSS else Level.ERROR
        self._events.emit(
            level,
            f"halt_{halt.kind.value}",
            f"trading halted ({halt.kind.value}): {halt.reason}",
            halt=halt.kind.value,
            source=halt.source,
            until_ns=halt.until_ns,
        )
