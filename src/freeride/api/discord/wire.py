"""Discord's interaction JSON in and response JSON out (docs: interactions/receiving-and-responding).

Only the fields the bot reads are declared; the rest of Discord's object is ignored. A body that
is not an interaction (wrong types, missing ``id`` or ``type``) fails to decode: a 400.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import msgspec

from freeride.adapters.discord.split import split_content
from freeride.ports.discord import Attachment

PING, COMMAND, COMPONENT, AUTOCOMPLETE = 1, 2, 3, 4
PONG, MESSAGE, DEFERRED, DEFERRED_UPDATE, UPDATE, CHOICES = 1, 4, 5, 6, 7, 8
EPHEMERAL = 64
SUB_COMMAND, SUB_GROUP = 1, 2


class Option(msgspec.Struct, frozen=True, kw_only=True):
    name: str
    type: int
    value: str | int | float | bool | None = None
    options: list[Option] = []
    focused: bool = False


class Data(msgspec.Struct, frozen=True, kw_only=True):
    id: str = ""
    name: str = ""
    type: int = 1
    options: list[Option] = []
    custom_id: str = ""
    component_type: int = 0


class User(msgspec.Struct, frozen=True, kw_only=True):
    id: str
    username: str = ""


class Member(msgspec.Struct, frozen=True, kw_only=True):
    user: User
    roles: list[str] = []


class Interaction(msgspec.Struct, frozen=True, kw_only=True):
    id: str
    application_id: str
    type: int
    token: str = ""
    version: int = 1
    guild_id: str | None = None
    channel_id: str | None = None
    member: Member | None = None
    user: User | None = None
    data: Data | None = None

    @property
    def caller(self) -> User:
        if self.member is not None:
            return self.member.user
        return self.user or User(id="0", username="unknown")

    @property
    def roles(self) -> list[str]:
        return self.member.roles if self.member is not None else []


_DECODER = msgspec.json.Decoder(Interaction)


def decode(body: bytes) -> Interaction:
    """The interaction, or ``msgspec.DecodeError`` / ``ValidationError`` naming what is wrong."""
    return _DECODER.decode(body)


def command_path(data: Data) -> tuple[str, dict[str, Any], Option | None]:
    """``("alerts add", {"symbol": "AAPL", …}, focused option)`` from nested sub-command options."""
    names = [data.name]
    options = data.options
    while options and options[0].type in (SUB_COMMAND, SUB_GROUP):
        names.append(options[0].name)
        options = options[0].options
    values = {o.name: o.value for o in options}
    focused = next((o for o in options if o.focused), None)
    return " ".join(names), values, focused


@dataclass
class Reply:
    """One answer: text (split into messages of 2,000 at most), embeds, buttons, files."""

    content: str = ""
    embeds: list[dict[str, Any]] = field(default_factory=list)
    components: list[dict[str, Any]] = field(default_factory=list)
    files: list[Attachment] = field(default_factory=list)
    ephemeral: bool = False

    def messages(self) -> list[dict[str, Any]]:
        """The message bodies: the first carries embeds and buttons, long text continues after."""
        parts = split_content(self.content) or [""]
        out: list[dict[str, Any]] = []
        for i, part in enumerate(parts):
            body: dict[str, Any] = {"content": part, "allowed_mentions": {"parse": []}}
            if i == 0:
                body["embeds"] = self.embeds
                body["components"] = self.components
            if self.ephemeral:
                body["flags"] = EPHEMERAL
            out.append(body)
        return out


def respond(kind: int, data: dict[str, Any] | None = None) -> dict[str, Any]:
    return {"type": kind} if data is None else {"type": kind, "data": data}


def deferred(ephemeral: bool) -> dict[str, Any]:
    return respond(DEFERRED, {"flags": EPHEMERAL} if ephemeral else None)


def button(label: str, custom_id: str, style: int = 1) -> dict[str, Any]:
    return {"type": 2, "style": style, "label": label, "custom_id": custom_id}


def row(*buttons: dict[str, Any]) -> dict[str, Any]:
    return {"type": 1, "components": list(buttons)}
