"""The shell commands of README.md and docs/*.md, as a reader would paste them.

A fenced block (at any indentation: list items hold some) whose info string starts with ``sh``
holds commands; ``console`` blocks hold a
session whose commands start with ``$``. A block is run unless its info string says why not:
```` ```sh not-run: needs a Discord webhook ````. Commands end at the end of a line unless the
line ends with ``\\`` or a quote is still open. ``export``, ``source`` and bare ``NAME=value``
lines change the environment of the commands after them in the same block, as in a shell.
"""

from __future__ import annotations

import re
import shlex
from dataclasses import dataclass, field
from pathlib import Path

FENCE = re.compile(
    r"^(?P<indent>[ \t]*)```(?P<info>[^\n`]*)\n(?P<body>.*?)^(?P=indent)```[ \t]*$", re.S | re.M
)
NOT_RUN = re.compile(r"^not-run:\s*(?P<why>\S.*)$")
ASSIGNMENT = re.compile(r"^[A-Za-z_][A-Za-z0-9_]*=")


@dataclass
class Block:
    file: str
    line: int
    commands: list[str]
    not_run: str | None = None
    where: str = field(init=False)

    def __post_init__(self) -> None:
        self.where = f"{self.file}:{self.line}"


def doc_files(root: Path) -> list[Path]:
    return [root / "README.md", *sorted((root / "docs").glob("*.md"))]


def blocks(root: Path) -> list[Block]:
    found: list[Block] = []
    for path in doc_files(root):
        text = path.read_text()
        for match in FENCE.finditer(text):
            info, body = match["info"].strip(), match["body"]
            indent = len(match["indent"])  # a fence inside a list item: its lines are indented too
            lang, _, rest = info.partition(" ")
            if lang not in ("sh", "console"):
                continue
            lines = [x[indent:] if x[:indent].isspace() else x for x in body.splitlines()]
            if lang == "console":
                lines = [x[2:] for x in lines if x.startswith("$ ")]
            why = NOT_RUN.match(rest.strip())
            if rest.strip() and why is None:
                raise ValueError(f"{path.name}: block info {info!r}: write 'sh not-run: <why>'")
            line = text[: match.start()].count("\n") + 1
            found.append(Block(path.name, line, split(lines), why["why"] if why else None))
    return found


def split(lines: list[str]) -> list[str]:
    """Commands, one per logical line: ``\\`` continuations and open quotes are joined."""
    commands: list[str] = []
    pending = ""
    for raw in lines:
        if not pending:
            pending = raw
        elif pending.endswith(" "):  # after a continuation
            pending += raw.lstrip()
        else:  # inside an open quote
            pending = f"{pending}\n{raw}"
        if pending.endswith("\\"):
            pending = pending[:-1].rstrip() + " "
            continue
        try:
            shlex.split(pending, comments=True)
        except ValueError:  # a quote still open
            continue
        if pending.strip() and not pending.strip().startswith("#"):
            commands.append(pending.strip())
        pending = ""
    if pending.strip():
        raise ValueError(f"unterminated command: {pending!r}")
    return commands


def without_assignments(command: str) -> str:
    """The command after its leading ``NAME=value`` words: ``A=1 B='x y' freeride run`` is
    ``freeride run``."""
    words = shlex.split(command, comments=True)
    while words and ASSIGNMENT.match(words[0]):
        words.pop(0)
    return shlex.join(words)


def changes_environment(command: str) -> bool:
    """``export X=…``, ``source …`` and ``X=…`` with no command after it."""
    if command.startswith(("export ", "source ", ". ")):
        return True
    words = shlex.split(command, comments=True)
    return bool(words) and all(ASSIGNMENT.match(w) for w in words)
