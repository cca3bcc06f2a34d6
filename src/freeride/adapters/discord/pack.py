"""Notifications → Discord message bodies, as few as the limits allow (pure, no I/O).

A handful (up to ten) become one message with a card (embed) each. A burst becomes lines packed
into embed descriptions (``embeds`` style: up to ten embeds and 6,000 characters a message) or
into ``content`` (``text`` style: under 2,000 characters a message). Messages break only between
lines, and one notification never spans two messages, so each message carries exactly the outbox
ids it reports. A line longer than a limit is cut with an ellipsis rather than rejected by Discord.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from freeride.adapters.discord import limits as L
from freeride.core.clock import ns_to_datetime
from freeride.core.notify import Notification
from freeride.core.system import Level

Item = tuple[int, Notification]
Body = dict[str, Any]

_COLOURS = {Level.DEBUG: 0x95A5A6, Level.INFO: 0x3498DB, Level.WARNING: 0xF1C40F, Level.ERROR: 0xE74C3C}


def clip(text: str, limit: int) -> str:
    return text if len(text) <= limit else text[: limit - 1] + "…"


def embed_size(embed: Body) -> int:
    """Characters Discord counts towards the 6,000 a message may hold."""
    size = len(embed.get("title", "")) + len(embed.get("description", ""))
    size += sum(len(f["name"]) + len(f["value"]) for f in embed.get("fields", ()))
    size += len(embed.get("footer", {}).get("text", "")) + len(embed.get("author", {}).get("name", ""))
    return size


def card(n: Notification) -> Body:
    fields = [
        {"name": clip(k, L.FIELD_NAME), "value": clip(v or "-", L.FIELD_VALUE), "inline": True}
        for k, v in list(n.fields.items())[: L.FIELDS]
    ]
    embed: Body = {
        "title": clip(n.title, L.TITLE),
        "description": clip(n.text, L.DESCRIPTION),
        "color": _COLOURS.get(n.level, 0xE74C3C),
        "timestamp": ns_to_datetime(n.ts_init).isoformat(),
    }
    if fields:
        embed["fields"] = fields
    return embed


def pack(items: Sequence[Item], style: str = "embeds") -> list[tuple[list[int], Body]]:
    """``(outbox ids, body)`` per message, in order."""
    if not items:
        return []
    if style == "embeds" and len(items) <= L.EMBEDS_PER_MESSAGE:
        cards = [card(n) for _, n in items]
        if sum(embed_size(c) for c in cards) <= L.EMBED_TOTAL:
            return [([i for i, _ in items], {"embeds": cards})]
    if style == "embeds":
        return _pack_embeds(items)
    return _pack_text(items)


def _pack_text(items: Sequence[Item]) -> list[tuple[list[int], Body]]:
    out: list[tuple[list[int], Body]] = []
    ids: list[int] = []
    lines: list[str] = []
    size = 0
    for oid, n in items:
        line = clip(n.line(), L.CONTENT - 1)
        extra = len(line) + (1 if lines else 0)
        if lines and size + extra > L.CONTENT - 1:  # strictly under 2,000
            out.append((ids, {"content": "\n".join(lines)}))
            ids, lines, size, extra = [], [], 0, len(line)
        ids.append(oid)
        lines.append(line)
        size += extra
    out.append((ids, {"content": "\n".join(lines)}))
    return out


def _pack_embeds(items: Sequence[Item]) -> list[tuple[list[int], Body]]:
    out: list[tuple[list[int], Body]] = []
    ids: list[int] = []
    embeds: list[list[str]] = [[]]
    used = 0  # characters in this message's embeds
    size = 0  # characters in the current embed
    for oid, n in items:
        line = clip(n.line(), L.DESCRIPTION)
        extra = len(line) + (1 if embeds[-1] else 0)
        if size + extra > L.DESCRIPTION or used + extra > L.EMBED_TOTAL:
            fits_message = used + len(line) <= L.EMBED_TOTAL and len(embeds) < L.EMBEDS_PER_MESSAGE
            if fits_message and size + extra > L.DESCRIPTION:
                embeds.append([])
            else:
                out.append((ids, _embeds_body(embeds)))
                ids, embeds, used = [], [[]], 0
            size = 0
            extra = len(line)
        ids.append(oid)
        embeds[-1].append(line)
        size += extra
        used += extra
    out.append((ids, _embeds_body(embeds)))
    return out


def _embeds_body(embeds: list[list[str]]) -> Body:
    return {
        "embeds": [
            {"description": "\n".join(lines), "color": _COLOURS[Level.INFO]} for lines in embeds if lines
        ]
    }
