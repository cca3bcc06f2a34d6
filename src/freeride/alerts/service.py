"""Alert operations shared by the REST API and the CLI: validate, store, tell the engine.

Symbols and channels are checked when given a ``SymbolCheck`` and the configured channel names
(the composition root passes both): an unknown symbol is refused with close matches, an unknown
channel with the configured ones listed, before anything is stored.

The store is the source of truth. In the process that runs the engine, a change is applied to it
at once; another process (``freeride alerts add`` beside a running ``freeride run``) only writes
the store, and the running engine picks the change up through ``RuleSync``.
"""

from __future__ import annotations

import secrets
from collections.abc import Sequence

import msgspec

from freeride.alerts.engine import AlertEngine
from freeride.core.alerts import ANY_SYMBOL, AlertFired, AlertRule, rule_problems
from freeride.core.clock import Clock
from freeride.core.errors import InvalidInput
from freeride.ports.alerts import AlertRepository, StoredAlert
from freeride.ports.watchlists import SymbolCheck


class RuleInvalid(InvalidInput):
    """A rule failed validation; ``problems`` lists ``(field, what is wrong)``."""

    def __init__(self, problems: list[tuple[str, str]]) -> None:
        super().__init__("; ".join(f"{field}: {what}" for field, what in problems))
        self.problems = problems


def new_alert_id() -> str:
    return f"al_{secrets.token_hex(5)}"


class AlertService:
    def __init__(
        self,
        repo: AlertRepository,
        clock: Clock,
        engine: AlertEngine | None = None,
        *,
        symbols: SymbolCheck | None = None,
        channels: Sequence[str] | None = None,
    ) -> None:
        self.repo = repo
        self._clock = clock
        self._engine = engine
        self._symbols = symbols
        self._channels = None if channels is None else list(channels)

    def validate(self, rule: AlertRule) -> None:
        problems = rule_problems(rule)
        if self._channels is not None:
            unknown = [ch for ch in rule.notify if ch not in self._channels]
            if unknown:
                problems.append(("notify", _unknown_channels(unknown, self._channels)))
        if problems:
            raise RuleInvalid(problems)

    async def checked(self, rule: AlertRule) -> AlertRule:
        """``rule`` validated, its symbol the known instrument's spelling (``UnknownSymbol`` if none)."""
        self.validate(rule)
        if self._symbols is None or rule.symbol == ANY_SYMBOL:
            return rule
        instrument = await self._symbols.resolve(rule.symbol)
        return msgspec.structs.replace(rule, symbol=instrument.symbol)

    async def create(self, rule: AlertRule) -> StoredAlert:
        """Store ``rule`` (its ``created_at`` set now, an id made when it has none)."""
        now = self._clock.now_ns()
        rule = msgspec.structs.replace(rule, id=rule.id or new_alert_id(), created_at=now)
        rule = await self.checked(rule)
        stored = await self.repo.add(rule, now)
        if self._engine is not None:
            self._engine.upsert(stored.rule, stored.state, version=stored.updated_at)
        return stored

    async def replace(self, rule: AlertRule) -> StoredAlert | None:
        """A new definition for an existing rule; it is active again with a fresh state."""
        old = await self.repo.get(rule.id)
        if old is None:
            return None
        rule = msgspec.structs.replace(rule, created_at=old.rule.created_at)
        rule = await self.checked(rule)
        stored = await self.repo.replace(rule, self._clock.now_ns())
        if stored is not None and self._engine is not None:
            self._engine.remove(rule.id)
            self._engine.upsert(stored.rule, stored.state, version=stored.updated_at)
        return stored

    async def get(self, alert_id: str) -> StoredAlert | None:
        return await self.repo.get(alert_id)

    async def find(
        self, *, user: str | None = None, tag: str | None = None, active: bool | None = None
    ) -> list[StoredAlert]:
        return await self.repo.find(user=user, tag=tag, active=active)

    async def remove(self, alert_id: str) -> bool:
        removed = await self.repo.remove(alert_id, self._clock.now_ns())
        if removed and self._engine is not None:
            self._engine.remove(alert_id)
        return removed

    async def remove_where(self, *, user: str | None = None, tag: str | None = None) -> int:
        if user is None and tag is None:
            raise InvalidInput("name a user or a tag to remove alerts by")
        doomed = await self.repo.find(user=user, tag=tag)
        count = await self.repo.remove_where(now_ns=self._clock.now_ns(), user=user, tag=tag)
        if self._engine is not None:
            for stored in doomed:
                self._engine.remove(stored.rule.id)
        return count

    async def history(self, alert_id: str | None = None, limit: int = 100) -> list[AlertFired]:
        return await self.repo.history(alert_id, limit)


def _unknown_channels(unknown: list[str], configured: list[str]) -> str:
    names = ", ".join(repr(ch) for ch in unknown)
    if not configured:
        return (
            f"channel {names} is not configured, and no channel is: add one under [notify] in "
            'freeride.toml (e.g. FREERIDE_NOTIFY__DISCORD=\'{"alerts": "https://discord.com/api/webhooks/…"}\')'
        )
    return f"channel {names} is not configured; use one of {', '.join(configured)}"
