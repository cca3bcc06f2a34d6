"""A systemd unit that runs freeride as a service: restarted on failure, stopped with SIGTERM.

The unit runs the very ``freeride`` of the environment that wrote it (the virtualenv's script, by
absolute path), in the folder it was written from, with an optional environment file for
secrets. Output goes to the journal: the logging set-up notices ``JOURNAL_STREAM`` and writes
plain lines with a syslog priority prefix (see ``ops.logging``), so ``journalctl -p warning``
filters by level. Rendering is pure; ``install`` writes the file.
"""

from __future__ import annotations

import os
import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path

DEFAULT_NAME = "freeride"
_NAME = re.compile(r"^[A-Za-z0-9_.@\-]{1,200}$")
# Kept when set, so the service finds the same data and settings folders as the shell that wrote it.
PINNED_VARIABLES = ("XDG_DATA_HOME", "XDG_CONFIG_HOME", "FREERIDE_CONFIG")


@dataclass(frozen=True)
class UnitSpec:
    """What the unit runs and where. ``user``: a per-user unit (``systemctl --user``); otherwise a
    system unit that runs as ``run_as``."""

    argv: Sequence[str]
    working_dir: Path
    env_file: Path
    user: bool
    run_as: str | None = None
    name: str = DEFAULT_NAME
    environment: Mapping[str, str] = field(default_factory=dict)
    restart_s: int = 10
    stop_timeout_s: int = 90

    def __post_init__(self) -> None:
        if not _NAME.match(self.name):
            raise ValueError(f"{self.name!r} is not a unit name; use letters, digits and - _ . @")

    @property
    def filename(self) -> str:
        return f"{self.name}.service"


def render(spec: UnitSpec) -> str:
    """The unit file's text."""
    shown = " ".join(spec.argv[1:]) or spec.argv[0]
    unit = ["[Unit]", f"Description=freeride trading service (freeride {shown})"]
    if not spec.user:  # a user manager has no network-online.target to wait for
        unit += ["Wants=network-online.target", "After=network-online.target"]
    service = [
        "[Service]",
        "Type=simple",
        f"WorkingDirectory={_path(spec.working_dir)}",
        f"EnvironmentFile=-{_path(spec.env_file)}",
        "Environment=PYTHONUNBUFFERED=1",
        *(f"Environment={_quote(f'{k}={v}', command=False)}" for k, v in sorted(spec.environment.items())),
        f"ExecStart={' '.join(_quote(a) for a in spec.argv)}",
        "Restart=on-failure",
        f"RestartSec={spec.restart_s}s",
        "KillSignal=SIGTERM",
        "KillMode=mixed",
        f"TimeoutStopSec={spec.stop_timeout_s}s",
        f"SyslogIdentifier={spec.name}",
    ]
    if spec.run_as is not None:
        service.append(f"User={spec.run_as}")
    install = ["[Install]", f"WantedBy={'default.target' if spec.user else 'multi-user.target'}"]
    head = [
        "# Written by `freeride service install`; run it again to rewrite this file.",
        "# Stop with `systemctl stop` (SIGTERM: orders resolved, queues drained, a summary logged).",
    ]
    return "\n".join([*head, *unit, "", *service, "", *install]) + "\n"


def unit_dir(user: bool, environ: Mapping[str, str] | None = None) -> Path:
    """Where systemd looks for units an administrator (or the user) added."""
    env = os.environ if environ is None else environ
    if not user:
        return Path("/etc/systemd/system")
    config = env.get("XDG_CONFIG_HOME") or str(Path(env.get("HOME", "~")).expanduser() / ".config")
    return Path(config) / "systemd" / "user"


def pinned_environment(environ: Mapping[str, str] | None = None) -> dict[str, str]:
    env = os.environ if environ is None else environ
    return {name: env[name] for name in PINNED_VARIABLES if env.get(name)}


ENV_FILE_STARTER = """\
# Environment of the freeride service (systemd EnvironmentFile: KEY=value lines, no `export`).
# Keep secrets here or in a secret store, never in freeride.toml; this file is private (mode 600).
# FREERIDE_SECRET_FINNHUB_API_KEY=your-key
# FREERIDE_NOTIFY__DISCORD={"alerts": "https://discord.com/api/webhooks/123/abc"}
"""


def write_private(path: Path, text: str) -> None:
    """Create ``path`` readable by its owner only (it is meant for secrets)."""
    path.parent.mkdir(parents=True, exist_ok=True)
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    with os.fdopen(fd, "w", encoding="utf-8") as handle:
        handle.write(text)


def _path(path: Path) -> str:
    return _specifiers(str(path))


def _specifiers(text: str) -> str:
    """systemd expands ``%`` specifiers in every setting: doubled, ``%`` means itself."""
    return text.replace("%", "%%")


def _quote(arg: str, *, command: bool = True) -> str:
    """One word of a command line or ``Environment=``: quoted when it holds blanks or quotes.

    In command lines systemd also expands ``$VAR``, so there ``$`` is doubled as well.
    """
    text = _specifiers(arg)
    if command:
        text = text.replace("$", "$$")
    if text and not re.search(r"[\s\"'\\;]", text):
        return text
    return '"' + text.replace("\\", "\\\\").replace('"', '\\"') + '"'
