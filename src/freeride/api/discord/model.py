"""What a command is and what its handler receives and returns.

A handler is a plain async function ``(Call) -> Reply | Confirm`` over the services the REST routes
use. It raises ``CommandError`` (or the API's own ``ApiError`` / ``InvalidInput``) for anything the
caller got wrong; the dispatcher turns those into a private message naming the problem.
``Confirm`` asks for a second step: the action runs only when the caller presses the button
before it expires.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from typing import Any

from freeride.api.cache import ReadCache
from freeride.api.discord.wire import Reply, User
from freeride.app.api import ApiState
from freeride.ports.tokens import Scope

STRING, INTEGER, BOOLEAN, NUMBER = 3, 4, 5, 10


class CommandError(Exception):
    """The caller asked for something that cannot be done; the message says what and why."""


@dataclass(frozen=True)
class Confirm:
    prompt: str
    action: Callable[[], Awaitable[Reply]]
    label: str = "Confirm"


@dataclass
class Call:
    state: ApiState
    cache: ReadCache
    command: str
    options: dict[str, Any]
    user: User
    scope: Scope
    channel_id: str | None
    extras: dict[str, Any] = field(default_factory=dict)

    def text(self, name: str, default: str | None = None) -> str:
        value = self.options.get(name, default)
        if value is None:
            raise CommandError(f"/{self.command}: the option {name!r} is required")
        return str(value)

    def number(self, name: str) -> float | None:
        value = self.options.get(name)
        if value is None:
            return None
        if isinstance(value, bool) or not isinstance(value, int | float):
            raise CommandError(f"/{self.command}: {name} must be a number, got {value!r}")
        return float(value)


Handler = Callable[[Call], Awaitable[Reply | Confirm]]


@dataclass(frozen=True)
class Command:
    """One slash command (``name`` is ``"alerts add"`` for a sub-command)."""

    name: str
    description: str
    scope: Scope
    handler: Handler
    options: tuple[dict[str, Any], ...] = ()
    ephemeral: bool = False
    invalidated_by: tuple[str, ...] = ()  # bus patterns that change its answer (``answers``)
    available: Callable[[ApiState], bool] = lambda _state: True


def option(
    name: str,
    description: str,
    kind: int = STRING,
    *,
    required: bool = False,
    autocomplete: bool = False,
    choices: tuple[str, ...] = (),
) -> dict[str, Any]:
    """One option as Discord's command JSON has it."""
    out: dict[str, Any] = {"type": kind, "name": name, "description": description, "required": required}
    if autocomplete:
        out["autocomplete"] = True
    if choices:
        out["choices"] = [{"name": c, "value": c} for c in choices]
    return out


def symbol_option(required: bool = True) -> dict[str, Any]:
    return option("symbol", "a ticker (AAPL) or a pair (EUR/USD)", required=required, autocomplete=True)
