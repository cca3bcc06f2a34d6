"""The served API under abuse: forwarded-header spoofing, slow and half-sent requests, clients
leaving mid-body, binary and over-deep WebSocket frames. Real uvicorn on loopback, real sockets."""

from __future__ import annotations

import asyncio
import json
import logging
from pathlib import Path

import httpx
import pytest
import structlog
import websockets
from served_rig import PASSPHRASE, Served, served

from freeride.config.api import ApiSettings
from freeride.testing.fakes.waiting import until

HOOK = "/webhooks/tradingview"
ALERT = json.dumps({"passphrase": PASSPHRASE, "ticker": "AAPL", "action": "buy"}).encode()
JSON = {"Content-Type": "application/json"}


async def post_alert(s: Served, forwarded: str) -> int:
    async with httpx.AsyncClient(base_url=s.url) as http:
        response = await http.post(HOOK, content=ALERT, headers={**JSON, "X-Forwarded-For": forwarded})
    return response.status_code


async def test_forwarded_for_is_ignored_unless_trusted(tmp_path: Path) -> None:
    async with served(tmp_path, allow_ips=("10.9.9.9",)) as s:
        assert await post_alert(s, "10.9.9.9") == 403  # the loopback client cannot claim 10.9.9.9
        assert s.intake.pending == 0


async def test_trusted_forwarded_for_takes_the_right_most_untrusted_hop(tmp_path: Path) -> None:
    async with served(tmp_path, allow_ips=("10.9.9.9",), trusted_proxies=("127.0.0.1",)) as s:
        # the client wrote 10.9.9.9 itself; the proxy appended the address it really came from
        assert await post_alert(s, "10.9.9.9, 203.0.113.7") == 403
        # the proxy saw 10.9.9.9: whatever the client claimed before it does not count
        assert await post_alert(s, "203.0.113.7, 10.9.9.9") == 200
        # a second trusted proxy in the chain is skipped over
        assert await post_alert(s, "10.9.9.9, 127.0.0.1") == 200


async def test_trusted_proxies_may_be_networks_written_loosely(tmp_path: Path) -> None:
    async with served(tmp_path, allow_ips=("10.9.9.9",), trusted_proxies=("127.0.0.5/8",)) as s:
        assert await post_alert(s, "10.9.9.9") == 200  # 127.0.0.1 is in 127.0.0.0/8


async def open_raw(s: Served, first: bytes) -> tuple[asyncio.StreamReader, asyncio.StreamWriter]:
    reader, writer = await asyncio.open_connection(s.host, s.port)
    if first:
        writer.write(first)
        await writer.drain()
    return reader, writer


async def closed_with(reader: asyncio.StreamReader) -> bytes:
    """Everything the server sent before closing (fails when it keeps the connection open)."""
    return await asyncio.wait_for(reader.read(), timeout=10)


async def settle(s: Served, pending: int) -> None:
    await until(lambda: len(s.server.guard.pending) == pending)


async def test_slow_requests_are_closed_after_the_request_timeout(tmp_path: Path) -> None:
    api = ApiSettings(request_timeout_s=10)
    async with served(tmp_path, api=api) as s:
        idle = [await open_raw(s, b"") for _ in range(3)]
        headers = [await open_raw(s, b"GET /healthz HTTP/1.1\r\nHost: x\r\n") for _ in range(3)]
        body = [
            await open_raw(
                s, b"POST " + HOOK.encode() + b" HTTP/1.1\r\nHost: x\r\nContent-Length: 500\r\n\r\n{"
            )
            for _ in range(3)
        ]
        await settle(s, 9)
        s.clock.advance(9)
        await until(lambda: s.clock.sleepers > 0)  # the sweep ran and sleeps again
        assert len(s.server.guard.pending) == 9  # not yet
        with structlog.testing.capture_logs() as logs:
            s.clock.advance(2)
            answers = [await closed_with(r) for r, _ in idle + headers + body]
            await settle(s, 0)
        assert all(a.startswith(b"HTTP/1.1 408 ") for a in answers[:6])
        assert answers[6:] == [b""] * 3  # the handler had the headers: it sees the disconnect
        events = [e["event"] for e in logs]
        assert events.count("http.slow_clients") == 1
        assert events.count("webhook.disconnected") == 3
        assert s.server.guard.timed_out == 9
        for _, writer in idle + headers + body:
            writer.close()
        async with httpx.AsyncClient(base_url=s.url) as http:  # the server is fine
            assert (await http.get("/healthz")).status_code == 200


async def test_connections_past_the_pending_cap_are_refused_at_once(tmp_path: Path) -> None:
    async with served(tmp_path, api=ApiSettings(max_pending_connections=4)) as s:
        held = [await open_raw(s, b"GET /healthz HTTP/1.1\r\n") for _ in range(4)]
        await settle(s, 4)
        reader, writer = await open_raw(s, b"")
        refused = await closed_with(reader)
        assert refused.startswith(b"HTTP/1.1 503 ")
        assert s.server.guard.refused == 1
        for _, w in [*held, (reader, writer)]:
            w.close()
        await settle(s, 0)
        async with httpx.AsyncClient(base_url=s.url) as http:  # room again once they are gone
            assert (await http.get("/healthz")).status_code == 200


async def test_a_client_leaving_mid_body_costs_one_log_line(
    tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    async with served(tmp_path) as s:
        with structlog.testing.capture_logs() as logs, caplog.at_level(logging.ERROR):
            _reader, writer = await open_raw(
                s, b"POST " + HOOK.encode() + b' HTTP/1.1\r\nHost: x\r\nContent-Length: 900\r\n\r\n{"pass'
            )
            await settle(s, 1)
            writer.close()
            await settle(s, 0)
            await until(lambda: any(e["event"] == "webhook.disconnected" for e in logs))
        assert [e["event"] for e in logs] == ["webhook.disconnected"]
        assert [r for r in caplog.records if r.levelno >= logging.ERROR] == []
        assert s.intake.pending == 0


async def drain(ws: websockets.ClientConnection) -> None:
    """Read until the server closes the connection."""
    try:
        while True:
            await ws.recv()
    except websockets.ConnectionClosed:
        return


async def ws_closed_by(s: Served, frame: str | bytes) -> tuple[int | None, str | None]:
    url = s.url.replace("http://", "ws://") + "/ws?token=" + s.tokens["read"]
    async with websockets.connect(url) as ws:
        await ws.send(frame)
        await asyncio.wait_for(drain(ws), timeout=10)
        return ws.close_code, ws.close_reason


async def test_binary_and_over_deep_websocket_frames_are_closed_with_a_code(
    tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    async with served(tmp_path, api=ApiSettings(ws_max_message_bytes=4_096)) as s:
        with structlog.testing.capture_logs() as logs, caplog.at_level(logging.ERROR):
            binary = await ws_closed_by(s, b"\x00\x01subscribe")
            deep = await ws_closed_by(s, '{"op": "subscribe", "topics": ' + "[" * 500 + "]" * 500 + "}")
            huge = await ws_closed_by(s, json.dumps({"op": "subscribe", "topics": ["x" * 5_000]}))
        assert binary[0] == 1003
        assert deep[0] == 1008
        assert "nested 501 levels" in (deep[1] or "")
        assert huge[0] == 1009  # refused by the server before the app sees it
        assert [e["event"] for e in logs] == ["ws.refused", "ws.refused"]
        assert [r for r in caplog.records if r.levelno >= logging.ERROR] == []
