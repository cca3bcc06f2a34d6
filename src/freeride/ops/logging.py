"""structlog set-up: JSON lines for machines, pretty lines for people, secrets masked for both.

Redaction runs as the last step before rendering, on every event, including those coming from
libraries through the standard ``logging`` module: a secret that reaches a log call by mistake
(an API key in a kwarg, a password in a URL, a ``SecretStr``) is masked, not written.
"""

from __future__ import annotations

import io
import logging
import os
import re
import sys
from collections.abc import Mapping
from typing import Any, Literal, TextIO

import structlog
from pydantic import SecretStr
from structlog.typing import EventDict, ExcInfo, Processor, WrappedLogger

from freeride.config.urls import mask_url

LogLevel = Literal["debug", "info", "warning", "error"]
LogFormat = Literal["auto", "json", "console"]

REDACTED = "**********"
_SENSITIVE_KEY = re.compile(r"password|passwd|secret|token|api_?key|apikey|^authorization$", re.IGNORECASE)
HANDLER_NAME = "freeride"


def _redact_value(value: Any, depth: int = 0) -> Any:
    if isinstance(value, SecretStr):
        return REDACTED
    if isinstance(value, str):
        return mask_url(value)
    if depth > 8:  # logging must never recurse forever on a self-referencing structure
        return value
    if isinstance(value, Mapping):
        return {k: _redact_item(k, v, depth + 1) for k, v in value.items()}
    if isinstance(value, list):
        return [_redact_value(v, depth + 1) for v in value]
    if isinstance(value, tuple):
        return tuple(_redact_value(v, depth + 1) for v in value)
    return value


def _redact_item(key: Any, value: Any, depth: int) -> Any:
    if isinstance(key, str) and _SENSITIVE_KEY.search(key) and value is not None:
        return REDACTED
    return _redact_value(value, depth)


def redact_secrets(_logger: WrappedLogger, _method: str, event_dict: EventDict) -> EventDict:
    """structlog processor: mask ``SecretStr`` values, sensitive keys and URL passwords, at any depth."""
    for key in list(event_dict):
        event_dict[key] = _redact_item(key, event_dict[key], 0)
    return event_dict


def _drop_color_message(_logger: WrappedLogger, _method: str, event_dict: EventDict) -> EventDict:
    """uvicorn duplicates its message in ``color_message``; one copy is enough."""
    event_dict.pop("color_message", None)
    return event_dict


def _use_json(format: LogFormat, stream: TextIO, journald: bool = False) -> bool:
    if format == "json":
        return True
    if format == "console" or journald:  # the journal is read by people, through journalctl
        return False
    isatty = getattr(stream, "isatty", None)
    return not (callable(isatty) and isatty())


def journal_stream(stream: TextIO, environ: Mapping[str, str] | None = None) -> bool:
    """Whether ``stream`` is connected to the systemd journal.

    systemd sets ``JOURNAL_STREAM=<device>:<inode>`` for a service whose output goes to the
    journal; the stream is the journal's when its file has that device and inode (a service that
    redirects its own stderr keeps the variable but not the file).
    """
    value = (os.environ if environ is None else environ).get("JOURNAL_STREAM", "")
    device, sep, inode = value.partition(":")
    if not sep:
        return False
    try:
        stat = os.fstat(stream.fileno())
        return (stat.st_dev, stat.st_ino) == (int(device), int(inode))
    except (AttributeError, OSError, ValueError, io.UnsupportedOperation):
        return False


# syslog priorities journald reads from a "<N>" line prefix (sd-daemon.h): journalctl -p filters on them.
_PRIORITY = {"DEBUG": 7, "INFO": 6, "WARNING": 4, "ERROR": 3, "CRITICAL": 2}


class SyslogPrefix(logging.Formatter):
    """Puts the record's syslog priority before each line: ``<4>…`` for a warning.

    journald strips the prefix and stores the priority, so a service's warnings and errors stand
    out in ``journalctl`` and ``journalctl -p warning`` shows only them. Every line of a traceback
    gets it, since the journal stores each line as its own entry.
    """

    def __init__(self, inner: logging.Formatter) -> None:
        super().__init__()
        self.inner = inner

    def format(self, record: logging.LogRecord) -> str:
        prefix = f"<{_PRIORITY.get(record.levelname, 6)}>"
        return "\n".join(prefix + line for line in self.inner.format(record).split("\n"))


# Libraries that narrate routine work (each migration step, each request) at INFO: their lines come
# only at debug level. httpx logs each request's URL, where vendors put keys (masked anyway by
# ``redact_secrets``).
_CHATTY = ("alembic", "sqlalchemy", "aiosqlite", "asyncio", "httpx")
# Libraries whose debug output is the wire itself: every WebSocket frame (a stream's login frame
# carries its API key in JSON no mask can know) and every HTTP header. Never below WARNING.
_WIRE = ("websockets", "httpcore", "hpack")


def configure_logging(
    level: LogLevel = "info", format: LogFormat = "auto", stream: TextIO | None = None
) -> None:
    """Route structlog and the standard ``logging`` module through one handler on ``stream``.

    ``stream`` defaults to stderr, keeping stdout for command output. Calling it again replaces
    the previous set-up (tests and the CLI both rely on that).
    """
    out = stream if stream is not None else sys.stderr
    journald = journal_stream(out)
    as_json = _use_json(format, out, journald)
    shared: list[Processor] = [
        structlog.contextvars.merge_contextvars,
        structlog.stdlib.add_log_level,
        structlog.stdlib.add_logger_name,
        structlog.processors.TimeStamper(fmt="iso", utc=True),
        structlog.stdlib.PositionalArgumentsFormatter(),
        structlog.processors.StackInfoRenderer(),
        _drop_color_message,
        # Redact before the event leaves structlog, so no other handler on the root logger
        # (error reporters, test capture) ever receives the raw values.
        redact_secrets,
    ]
    final: list[Processor]
    if as_json:
        # Exceptions become text here; redact again so URLs in their messages are masked too.
        final = [structlog.processors.format_exc_info, redact_secrets, structlog.processors.JSONRenderer()]
    else:
        colors = _colors(out) and not journald and not os.environ.get("NO_COLOR")
        renderer = structlog.dev.ConsoleRenderer(colors=colors, exception_formatter=_masked_traceback)
        final = [redact_secrets, renderer]

    structlog.configure(
        processors=[
            structlog.stdlib.filter_by_level,
            *shared,
            structlog.stdlib.ProcessorFormatter.wrap_for_formatter,
        ],
        logger_factory=structlog.stdlib.LoggerFactory(),
        wrapper_class=structlog.stdlib.BoundLogger,
        # Loggers made at import time must pick up this configuration, so none is cached.
        cache_logger_on_first_use=False,
    )
    formatter = structlog.stdlib.ProcessorFormatter(
        foreign_pre_chain=shared,
        processors=[structlog.stdlib.ProcessorFormatter.remove_processors_meta, *final],
    )
    handler = logging.StreamHandler(out)
    handler.set_name(HANDLER_NAME)
    handler.setFormatter(SyslogPrefix(formatter) if journald else formatter)
    root = logging.getLogger()
    for old in [h for h in root.handlers if h.get_name() == HANDLER_NAME]:
        root.removeHandler(old)
    root.addHandler(handler)
    root.setLevel(level.upper())
    # Libraries that narrate routine work (each migration step, each connection) speak only
    # when something is wrong, unless debug logging was asked for.
    for name in _CHATTY:
        logging.getLogger(name).setLevel(logging.DEBUG if level == "debug" else logging.WARNING)
    for name in _WIRE:
        logging.getLogger(name).setLevel(logging.WARNING)


def _masked_traceback(sio: TextIO, exc_info: ExcInfo) -> None:
    """A plain traceback with URL passwords masked (the pretty one cannot be post-processed)."""
    buffer = io.StringIO()
    structlog.dev.plain_traceback(buffer, exc_info)
    sio.write(mask_url(buffer.getvalue()))


def _colors(stream: TextIO) -> bool:
    isatty = getattr(stream, "isatty", None)
    return bool(callable(isatty) and isatty())


def get_logger(name: str) -> structlog.stdlib.BoundLogger:
    """One logger per module: ``log = get_logger(__name__)``."""
    logger: structlog.stdlib.BoundLogger = structlog.stdlib.get_logger(name)
    return logger


__all__ = ["REDACTED", "LogFormat", "LogLevel", "configure_logging", "get_logger", "redact_secrets"]
