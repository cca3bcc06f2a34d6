"""Long text → Discord messages of at most 2,000 characters, cut where a reader expects a break.

Cuts fall between lines; a single line longer than a message is cut at a space, else hard. A cut
inside a fenced code block (```` ``` ````) closes the fence at the end of one message and opens it
again, with its language, at the start of the next, so every message renders as the whole did.
"""

from __future__ import annotations

from freeride.adapters.discord.limits import CONTENT

FENCE = "```"


def _pieces(line: str, room: int) -> list[str]:
    """``line`` in pieces of at most ``room`` characters, at spaces where there are any."""
    out: list[str] = []
    while len(line) > room:
        cut = line.rfind(" ", 0, room)
        cut = cut if cut > room // 2 else room
        out.append(line[:cut])
        line = line[cut:].lstrip(" ") if cut < room else line[cut:]
    out.append(line)
    return out


def split_content(text: str, limit: int = CONTENT) -> list[str]:
    """The messages ``text`` needs, each at most ``limit`` characters, none empty."""
    if len(text) <= limit:
        return [text] if text else []
    messages: list[str] = []
    current: list[str] = []
    size = 0
    fence: str | None = None  # the opening line of the code block we are in, if any
    for raw in text.split("\n"):
        reserve = len(FENCE) + 1  # room to close a fence opened in this message
        for line in _pieces(raw, limit - reserve - (len(fence) + 1 if fence else 0)):
            extra = len(line) + (1 if current else 0)
            if current and size + extra + (reserve if fence or line.startswith(FENCE) else 0) > limit:
                if fence is not None:
                    current.append(FENCE)
                messages.append("\n".join(current))
                current = [fence] if fence is not None else []
                size = len(fence) if fence is not None else 0
                extra = len(line) + (1 if current else 0)
            current.append(line)
            size += extra
            if line.lstrip().startswith(FENCE):
                fence = None if fence is not None else line.strip()
    if current:
        messages.append("\n".join(current))
    return [m for m in messages if m.strip()]
