"""One interaction in, one reply out: verify, decode, route by type, check permission, journal.

Order matters: the signature is checked on the raw bytes before anything is decoded (401), then
the body must be an interaction (400) for this application (400: Discord signs every app's
interactions with that app's key, so another id means a misrouted or forged request), PING is
answered, and an id seen before is a replay (409). Commands, buttons and autocomplete then get
answers; a caller's mistake is a private message, never a 4xx Discord would show as "interaction
failed". Every command, who sent it and what came of it is a ``discord.command`` system event:
the journal stores it with everything else.
"""

from __future__ import annotations

from typing import Any

import msgspec
import structlog

from freeride.api.cache import ReadCache
from freeride.api.discord.answers import AnswerCache
from freeride.api.discord.commands import commands_for
from freeride.api.discord.memory import Confirmations, Pending, Refusal, SeenIds, allows, scope_of
from freeride.api.discord.model import Call, Command, Confirm
from freeride.api.discord.runner import Runner, outcome_of
from freeride.api.discord.symbols import symbol_choices
from freeride.api.discord.verify import BadSignature, SignatureCheck
from freeride.api.discord.wire import (
    AUTOCOMPLETE,
    CHOICES,
    COMMAND,
    COMPONENT,
    EPHEMERAL,
    MESSAGE,
    PING,
    PONG,
    UPDATE,
    Interaction,
    Reply,
    button,
    command_path,
    decode,
    respond,
    row,
)
from freeride.api.errors import ApiError
from freeride.app.api import ApiState
from freeride.bus.system_events import SystemEvents
from freeride.config.discord import DiscordBotSettings
from freeride.core.system import Level
from freeride.ports.tokens import Scope

log = structlog.get_logger(__name__)


def _private(text: str) -> dict[str, Any]:
    return respond(MESSAGE, {"content": text, "flags": EPHEMERAL, "allowed_mentions": {"parse": []}})


class InteractionBot:
    def __init__(self, state: ApiState, settings: DiscordBotSettings, cache: ReadCache) -> None:
        assert settings.public_key is not None
        self.state = state
        self.settings = settings
        self.cache = cache
        self.check = SignatureCheck(settings.public_key, state.clock, settings.timestamp_tolerance_s)
        self.commands = commands_for(state)
        self.seen = SeenIds(state.clock)
        self.confirms = Confirmations(state.clock, settings.confirm_ttl_s)
        self.runner = Runner(state.clock, state.discord_rest, settings.inline_budget_s)
        self.events = (
            SystemEvents(state.bus, state.clock, "discord", logged=False) if state.bus is not None else None
        )
        self.journal: list[tuple[str, str, str]] = []  # (command, user id, outcome) of the last few
        self.answers = AnswerCache(state.bus, self.commands.values())

    async def handle(self, signature: str | None, timestamp: str | None, body: bytes) -> dict[str, Any]:
        try:
            self.check.verify(signature, timestamp, body)
        except BadSignature as exc:
            raise ApiError(401, f"invalid request signature: {exc}", code="invalid_signature") from None
        try:
            interaction = decode(body)
        except (msgspec.DecodeError, msgspec.ValidationError) as exc:
            raise ApiError(400, f"the body is not a Discord interaction: {exc}") from None
        if interaction.application_id != self.settings.application_id:
            raise ApiError(400, f"interaction for application {interaction.application_id}, not this one")
        if interaction.type == PING:
            return respond(PONG)
        if not self.seen.first(interaction.id):
            raise ApiError(409, f"interaction {interaction.id} was received already (a replay)")
        if interaction.type == COMMAND:
            return await self._command(interaction)
        if interaction.type == COMPONENT:
            return await self._component(interaction)
        if interaction.type == AUTOCOMPLETE:
            return await self._autocomplete(interaction)
        raise ApiError(400, f"interaction type {interaction.type} is not one this bot handles")

    # -- slash commands ------------------------------------------------------------------------
    async def _command(self, it: Interaction) -> dict[str, Any]:
        if it.data is None:
            raise ApiError(400, "a command interaction without data")
        name, options, _ = command_path(it.data)
        user = it.caller
        command = self.commands.get(name)
        if command is None:
            self._record(name, it, "refused: unknown command")
            return _private(f"Unknown command /{name}: this freeride has {self._names()}.")
        unknown = sorted(set(options) - {o["name"] for o in command.options})
        if unknown:
            self._record(name, it, f"refused: unknown option {', '.join(unknown)}")
            return _private(f"/{name} has no option {', '.join(unknown)}.")
        scope = scope_of(self.settings, user.id, it.roles)
        if not allows(scope, command.scope):
            have = f"you have {scope.value!r}" if scope else "you have no access"
            self._record(name, it, f"refused: needs {command.scope.value}, {have}")
            return _private(
                f"/{name} needs the {command.scope.value!r} permission; {have}. Ask the operator."
            )
        assert scope is not None
        call = Call(self.state, self.cache, name, options, user, scope, it.channel_id)
        kept = self.answers.get(name, options)

        async def answer() -> tuple[Reply, str]:
            if kept is not None:
                return kept, "answered (unchanged since last asked)"
            result, outcome = await outcome_of(lambda: command.handler(call))
            if isinstance(result, Confirm):
                return self._ask(command, result, user.id), outcome
            if outcome == "answered":
                self.answers.put(name, options, result)
            return result, outcome

        return await self.runner.run(
            it.token,
            answer,
            lambda outcome: self._record(name, it, outcome),
            ephemeral=command.ephemeral,
        )

    def _ask(self, command: Command, confirm: Confirm, user_id: str) -> Reply:
        nonce = self.confirms.add(command, confirm, user_id)
        seconds = f"{self.settings.confirm_ttl_s:g}"
        buttons = row(button(confirm.label, f"confirm:{nonce}", 4), button("Cancel", f"cancel:{nonce}", 2))
        return Reply(
            content=f"{confirm.prompt}\n(the button works for {seconds} s)",
            components=[buttons],
            ephemeral=True,
        )

    # -- buttons -------------------------------------------------------------------------------
    async def _component(self, it: Interaction) -> dict[str, Any]:
        custom_id = it.data.custom_id if it.data is not None else ""
        verb, _, nonce = custom_id.partition(":")
        if verb not in ("confirm", "cancel") or not nonce:
            return _private(f"This button ({custom_id[:50]!r}) is not one of this bot's.")
        found = self.confirms.take(nonce, it.caller.id)
        if isinstance(found, Refusal):
            if not found.expired:
                return _private(found.text)
            return respond(UPDATE, {"content": found.text, "components": []})
        name = found.command.name
        if verb == "cancel":
            self._record(name, it, "cancelled")
            return respond(UPDATE, {"content": "Cancelled: nothing was done.", "components": []})
        if not allows(scope_of(self.settings, it.caller.id, it.roles), found.command.scope):
            self._record(name, it, "refused at confirmation: permission withdrawn")
            return respond(
                UPDATE, {"content": f"/{name} needs {found.command.scope.value!r}.", "components": []}
            )
        return await self._confirmed(it, found)

    async def _confirmed(self, it: Interaction, pending: Pending) -> dict[str, Any]:
        async def answer() -> tuple[Reply, str]:
            result, outcome = await outcome_of(pending.confirm.action)
            assert isinstance(result, Reply)
            return result, f"confirmed: {outcome}"

        return await self.runner.run(
            it.token, answer, lambda o: self._record(pending.command.name, it, o), ephemeral=True, update=True
        )

    # -- autocomplete --------------------------------------------------------------------------
    async def _autocomplete(self, it: Interaction) -> dict[str, Any]:
        if it.data is None:
            raise ApiError(400, "an autocomplete interaction without data")
        _, _, focused = command_path(it.data)
        if focused is None or not allows(scope_of(self.settings, it.caller.id, it.roles), Scope.READ):
            return respond(CHOICES, {"choices": []})
        choices = await symbol_choices(self.state, self.cache, str(focused.value or ""))
        return respond(CHOICES, {"choices": [{"name": s, "value": s} for s in choices]})

    # -- the journal ---------------------------------------------------------------------------
    def _record(self, name: str, it: Interaction, outcome: str) -> None:
        user = it.caller
        who = f"{user.username or '?'} ({user.id})"
        level = Level.WARNING if outcome.startswith("failed") else Level.INFO
        if self.events is not None:
            self.events.emit(
                level,
                "command",
                f"/{name} by {who}: {outcome}"[:500],
                command=name,
                user=user.id,
                outcome=outcome[:200],
                channel=it.channel_id,
                interaction=it.id,
            )
        else:
            log.info("discord.command", command=name, user=user.id, outcome=outcome)
        self.journal.append((name, user.id, outcome))
        del self.journal[:-200]

    def _names(self) -> str:
        return ", ".join(sorted({f"/{n.split(' ')[0]}" for n in self.commands})) or "no commands"

    async def aclose(self) -> None:
        self.answers.close()
        await self.runner.aclose()
