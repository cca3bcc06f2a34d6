"""What the bot remembers between requests: who may do what, ids already answered, pending confirms.

* Permissions: Discord user ids and role ids map to the API's scopes in settings; a caller gets
  the highest scope any of theirs maps to, and nothing when none does.
* Seen ids: Discord sends each interaction once; the same id again is a replay (a captured request
  resent within the timestamp tolerance) and is refused. Ids are kept for the life of an
  interaction token (15 minutes) on the injected clock, at most ``MAX_SEEN``.
* Confirmations: a two-step command's action waits under a random id until its button is
  pressed, by the caller only, before it expires.
"""

from __future__ import annotations

import secrets
from collections import OrderedDict
from dataclasses import dataclass

from freeride.api.discord.model import Command, Confirm
from freeride.config.discord import DiscordBotSettings
from freeride.core.clock import NS_PER_SECOND, Clock
from freeride.ports.tokens import SCOPE_RANK, Scope

TOKEN_LIFE_S = 15 * 60
MAX_SEEN = 100_000
MAX_PENDING = 1_000


def scope_of(settings: DiscordBotSettings, user_id: str, roles: list[str]) -> Scope | None:
    found = [settings.users.get(user_id), *(settings.roles.get(r) for r in roles)]
    scopes = [Scope(s) for s in found if s is not None]
    return max(scopes, key=SCOPE_RANK.__getitem__, default=None)


def allows(scope: Scope | None, needed: Scope) -> bool:
    return scope is not None and SCOPE_RANK[scope] >= SCOPE_RANK[needed]


class SeenIds:
    def __init__(self, clock: Clock) -> None:
        self._clock = clock
        self._ids: OrderedDict[str, int] = OrderedDict()

    def first(self, interaction_id: str) -> bool:
        """``True`` the first time an id is seen (within its token's life), ``False`` after."""
        now = self._clock.now_ns()
        while self._ids and (next(iter(self._ids.values())) <= now or len(self._ids) >= MAX_SEEN):
            self._ids.popitem(last=False)
        if interaction_id in self._ids:
            return False
        self._ids[interaction_id] = now + TOKEN_LIFE_S * NS_PER_SECOND
        return True


@dataclass(frozen=True)
class Refusal:
    """Why a button press does nothing: ``expired`` (or used) closes the prompt, else it stays."""

    text: str
    expired: bool


@dataclass(frozen=True)
class Pending:
    command: Command
    confirm: Confirm
    user_id: str
    expires_ns: int


class Confirmations:
    def __init__(self, clock: Clock, ttl_s: float) -> None:
        self._clock = clock
        self._ttl_ns = int(ttl_s * NS_PER_SECOND)
        self._pending: OrderedDict[str, Pending] = OrderedDict()

    def add(self, command: Command, confirm: Confirm, user_id: str) -> str:
        """Keep the action; the id goes in the buttons' ``custom_id``."""
        self._drop_expired()
        while len(self._pending) >= MAX_PENDING:
            self._pending.popitem(last=False)
        nonce = secrets.token_urlsafe(12)
        self._pending[nonce] = Pending(command, confirm, user_id, self._clock.now_ns() + self._ttl_ns)
        return nonce

    def take(self, nonce: str, user_id: str) -> Pending | Refusal:
        """The pending action for its caller (removed), or why there is none."""
        self._drop_expired()
        pending = self._pending.get(nonce)
        if pending is None:
            return Refusal("This confirmation has expired or was already used: run the command again.", True)
        if pending.user_id != user_id:
            return Refusal("Only the person who ran the command can confirm it.", False)
        del self._pending[nonce]
        return pending

    def _drop_expired(self) -> None:
        now = self._clock.now_ns()
        for key in [k for k, p in self._pending.items() if p.expires_ns <= now]:
            del self._pending[key]
