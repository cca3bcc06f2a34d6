"""Logging: JSON off a terminal, pretty on one, UTC ISO timestamps, and no secret ever written."""

from __future__ import annotations

import io
import json
import logging
import os
from collections.abc import Iterator
from typing import Any

import pytest
import structlog
from pydantic import SecretStr

from freeride.ops.logging import REDACTED, configure_logging, get_logger

SECRET = "hunter2-very-secret"


class Terminal(io.StringIO):
    def isatty(self) -> bool:
        return True


@pytest.fixture(autouse=True)
def restore_logging() -> Iterator[None]:
    root = logging.getLogger()
    handlers, level = list(root.handlers), root.level
    yield
    for handler in list(root.handlers):
        if handler not in handlers:
            root.removeHandler(handler)
    root.setLevel(level)
    structlog.reset_defaults()


def lines(stream: io.StringIO) -> list[dict[str, Any]]:
    return [json.loads(line) for line in stream.getvalue().splitlines()]


def test_json_lines_when_not_a_terminal() -> None:
    out = io.StringIO()
    configure_logging("info", "auto", stream=out)
    get_logger("freeride.test").info("started", n=1)
    (record,) = lines(out)
    assert record["event"] == "started"
    assert record["n"] == 1
    assert record["level"] == "info"
    assert record["logger"] == "freeride.test"
    assert record["timestamp"].endswith("Z")
    assert "T" in record["timestamp"]


def test_pretty_on_a_terminal() -> None:
    out = Terminal()
    configure_logging("info", "auto", stream=out)
    get_logger("t").info("started", n=1)
    text = out.getvalue()
    assert "started" in text
    assert "\x1b[" in text
    with pytest.raises(json.JSONDecodeError):
        json.loads(text)


def test_format_can_be_forced() -> None:
    terminal = Terminal()
    configure_logging("info", "json", stream=terminal)
    get_logger("t").info("x")
    assert lines(terminal)[0]["event"] == "x"
    plain = io.StringIO()
    configure_logging("info", "console", stream=plain)
    get_logger("t").info("x")
    assert not plain.getvalue().startswith("{")


def test_level_filters() -> None:
    out = io.StringIO()
    configure_logging("warning", "json", stream=out)
    log = get_logger("t")
    log.info("hidden")
    log.warning("shown")
    logging.getLogger("lib").info("hidden too")
    assert [r["event"] for r in lines(out)] == ["shown"]


def test_reconfiguring_does_not_duplicate_lines() -> None:
    out = io.StringIO()
    configure_logging("info", "json", stream=out)
    configure_logging("info", "json", stream=out)
    get_logger("t").info("once")
    assert len(lines(out)) == 1


@pytest.mark.parametrize("format", ["json", "console"])
def test_secrets_never_reach_the_output(format: str) -> None:
    out = io.StringIO()
    configure_logging("debug", format, stream=out)  # type: ignore[arg-type]
    log = get_logger("t")
    log.info(
        f"connecting to postgresql://user:{SECRET}@db:5432/x",
        key=SecretStr(SECRET),
        password=SECRET,
        db_password=SECRET,
        client_secret=SECRET,
        access_token=SECRET,
        api_key=SECRET,
        apikey=SECRET,
        Authorization=f"Bearer {SECRET}",
        url=f"redis://:{SECRET}@cache:6379/0",
        nested={"finnhub_api_key": SECRET, "urls": [f"https://u:{SECRET}@h/"], "cfg": {"token": SECRET}},
        pair=(SecretStr(SECRET), "fine"),
    )
    logging.getLogger("sqlalchemy").warning("engine %s", f"postgresql://u:{SECRET}@h/db")
    try:
        raise ConnectionError(f"cannot reach postgresql://u:{SECRET}@h/db")
    except ConnectionError:
        log.exception("failed", token=SECRET)
    text = out.getvalue()
    assert text.count("\n") >= 3
    assert SECRET not in text
    assert REDACTED in text
    assert "***@" in text


@pytest.mark.parametrize("level", ["info", "debug"])
def test_http_client_request_lines_carry_no_key_or_webhook_token(level: str) -> None:
    out = io.StringIO()
    configure_logging(level, "json", stream=out)  # type: ignore[arg-type]
    http = logging.getLogger("httpx")
    for url in (
        f"https://discord.com/api/webhooks/1234567890/{SECRET}",
        f"https://discord.com/api/v10/webhooks/1234567890/{SECRET}?wait=true",
        f"https://www.alphavantage.co/query?function=GLOBAL_QUOTE&symbol=GOOG&apikey={SECRET}",
        f"https://finnhub.io/api/v1/quote?symbol=GOOG&token={SECRET}",
        f"https://api.massive.com/v2/last/trade/GOOG?apiKey={SECRET}&x=1",
    ):
        http.warning('HTTP Request: GET %s "HTTP/1.1 200 OK"', url)
    http.info("HTTP Request: GET https://finnhub.io/api/v1/quote?symbol=GOOG 200")
    text = out.getvalue()
    assert len(lines(out)) == (6 if level == "debug" else 5)  # routine requests only at debug
    assert SECRET not in text
    assert "webhooks/1234567890/***" in text
    assert "apikey=***" in text
    assert "&x=1" in text  # the rest of the URL stays readable


def test_credential_parameters_are_masked_whatever_their_prefix() -> None:
    out = io.StringIO()
    configure_logging("info", "json", stream=out)
    for text in (
        f"grant_type=refresh_token&refresh_token={SECRET}&client_id=freeride",
        f"password={SECRET}&username=bob",
        f"https://x.test/oauth?client_secret={SECRET}",
        f"https://x.test/?api-key={SECRET}",
        f"https://x.test/?access_key={SECRET}",
    ):
        get_logger("t").info(text)
    text = out.getvalue()
    assert SECRET not in text
    assert "grant_type=refresh_token" in text  # a credential *word* as a value stays
    assert "client_id=freeride" in text


async def test_websocket_frames_are_not_logged_even_at_debug() -> None:
    """A stream's login frame carries its key inside JSON: the wire is never logged."""
    from websockets.asyncio.client import connect
    from websockets.asyncio.server import ServerConnection, serve

    out = io.StringIO()
    configure_logging("debug", "json", stream=out)

    async def drain(connection: ServerConnection) -> None:
        async for _ in connection:
            pass

    async with serve(drain, "127.0.0.1", 0) as server:
        port = server.sockets[0].getsockname()[1]
        async with connect(f"ws://127.0.0.1:{port}/", compression=None) as client:
            await client.send(json.dumps({"action": "auth", "params": SECRET}))
    assert SECRET not in out.getvalue()


def test_other_root_handlers_receive_redacted_events(caplog: pytest.LogCaptureFixture) -> None:
    configure_logging("info", "json", stream=io.StringIO())
    with caplog.at_level(logging.INFO):
        get_logger("t").info("x", password=SECRET, url=f"redis://:{SECRET}@h")
    assert SECRET not in caplog.text


def test_redaction_keeps_what_is_not_secret() -> None:
    out = io.StringIO()
    configure_logging("info", "json", stream=out)
    get_logger("t").info("ok", symbol="GOOG", api_key=None, url="https://example.com/x", count=3)
    (record,) = lines(out)
    assert record["symbol"] == "GOOG"
    assert record["api_key"] is None
    assert record["url"] == "https://example.com/x"
    assert record["count"] == 3


def _journal(monkeypatch: pytest.MonkeyPatch, tmp_path: Any) -> io.TextIOWrapper:
    """A file standing in for the journal's stream, with ``JOURNAL_STREAM`` naming it as systemd does."""
    stream = open(tmp_path / "journal", "w+", encoding="utf-8")  # noqa: SIM115 - closed by the test
    stat = os.fstat(stream.fileno())
    monkeypatch.setenv("JOURNAL_STREAM", f"{stat.st_dev}:{stat.st_ino}")
    return stream


def test_under_journald_plain_lines_with_syslog_priorities(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Any
) -> None:
    stream = _journal(monkeypatch, tmp_path)
    with stream:
        configure_logging("debug", "auto", stream=stream)
        log = get_logger("freeride.svc")
        log.debug("detail")
        log.info("started", n=1)
        log.warning("slow", provider="yahoo")
        try:
            raise ValueError("boom")
        except ValueError:
            log.exception("failed")
        stream.flush()
        text = (tmp_path / "journal").read_text(encoding="utf-8")
    assert "\x1b[" not in text  # no colour codes in the journal
    lines_ = text.splitlines()
    assert lines_[0].startswith("<7>")
    assert "detail" in lines_[0]
    assert lines_[1].startswith("<6>")
    assert "started" in lines_[1]
    assert "n=1" in lines_[1]
    assert lines_[2].startswith("<4>")
    assert "slow" in lines_[2]
    failed = lines_[3:]
    assert failed[0].startswith("<3>")
    assert "failed" in failed[0]
    assert len(failed) > 2
    assert all(line.startswith("<3>") for line in failed)
    assert any("ValueError: boom" in line for line in failed)


def test_json_under_journald_keeps_the_prefix_outside_the_object(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Any
) -> None:
    stream = _journal(monkeypatch, tmp_path)
    with stream:
        configure_logging("info", "json", stream=stream)
        get_logger("t").error("broken", what="x")
        stream.flush()
        line = (tmp_path / "journal").read_text(encoding="utf-8").strip()
    assert line.startswith("<3>{")
    assert json.loads(line.removeprefix("<3>"))["event"] == "broken"


def test_another_stream_with_journal_stream_set_is_not_the_journal(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Any
) -> None:
    journal = _journal(monkeypatch, tmp_path)
    with journal, open(tmp_path / "elsewhere", "w+", encoding="utf-8") as other:
        configure_logging("info", "auto", stream=other)
        get_logger("t").info("started")
        other.flush()
        text = (tmp_path / "elsewhere").read_text(encoding="utf-8")
    assert json.loads(text)["event"] == "started"  # a redirected stderr is a file: JSON, no prefix


def test_no_color_is_honoured_on_a_terminal(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("NO_COLOR", "1")
    out = Terminal()
    configure_logging("info", "auto", stream=out)
    get_logger("t").info("started")
    assert "started" in out.getvalue()
    assert "\x1b[" not in out.getvalue()
