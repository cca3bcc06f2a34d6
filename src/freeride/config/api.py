"""Settings of the HTTP API (REST, WebSocket, inbound webhooks)."""

from __future__ import annotations

from typing import Annotated, Any

from pydantic import Field, field_validator
from pydantic_settings import NoDecode

from freeride.config.alerts import split_list
from freeride.config.problems import problem
from freeride.config.run import FrozenConfig


class ApiSettings(FrozenConfig):
    enabled: bool = False
    host: str = "127.0.0.1"
    port: int = 8000
    cors_origins: Annotated[list[str], NoDecode] = Field(default_factory=list)
    ws_queue_size: int = 1_000
    token_cache_s: float = 5.0
    session_ttl_s: float = 30 * 86_400.0
    """How long a dashboard login (the session cookie) lasts; it ends sooner when its token does."""
    ws_heartbeat_s: float = 20.0
    ws_coalesce_s: float = 0.02
    ws_compression: bool = False
    """permessage-deflate on ``/ws``. Off by default: each connection compresses with its own
    context, so the one frame built for 500 clients is compressed 500 times, the bulk of the CPU
    a fan-out costs. Turn it on when clients sit behind a slow link and the clients are few."""
    request_timeout_s: float = 10.0
    """Time a client has to send a whole request (headers and body) once its connection opens or
    its next request begins; a slower one is closed (408 when its headers never finished)."""
    max_pending_connections: int = 128
    """Connections still sending their request at once; one more is refused at once with 503."""
    keep_alive_s: float = 5.0
    """How long an idle kept-alive connection stays open between requests."""
    ws_max_message_bytes: int = 65_536
    """Largest WebSocket message a client may send (subscriptions are small); larger closes with 1009."""

    @field_validator("cors_origins", mode="before")
    @classmethod
    def _origins(cls, value: Any) -> Any:
        return split_list(value)

    @field_validator("port")
    @classmethod
    def _port(cls, value: int) -> int:
        if not 0 <= value <= 65_535:
            raise problem(f"port {value} is out of range", "use 1-65535 (0 picks a free port)")
        return value

    @field_validator("ws_queue_size")
    @classmethod
    def _queue(cls, value: int) -> int:
        if value <= 0:
            raise problem(f"must be > 0, got {value}", "set events buffered per WebSocket client, e.g. 1000")
        return value

    @field_validator("ws_heartbeat_s")
    @classmethod
    def _heartbeat(cls, value: float) -> float:
        if value <= 0:
            raise problem(f"must be > 0, got {value}", "set seconds between WebSocket heartbeats, e.g. 20")
        return value

    @field_validator("ws_coalesce_s")
    @classmethod
    def _coalesce(cls, value: float) -> float:
        if not 0 <= value <= 1:
            raise problem(
                f"must be between 0 and 1, got {value}", "set seconds to gather events per frame, e.g. 0.02"
            )
        return value

    @field_validator("session_ttl_s")
    @classmethod
    def _session_ttl(cls, value: float) -> float:
        if not 60 <= value <= 366 * 86_400:
            raise problem(
                f"must be between 60 seconds and a year, got {value}", "set seconds, e.g. 2592000 (30 days)"
            )
        return value

    @field_validator("request_timeout_s", "keep_alive_s")
    @classmethod
    def _timeouts(cls, value: float) -> float:
        if not 0 < value <= 3_600:
            raise problem(f"must be between 0 and 3600 seconds, got {value}", "set seconds, e.g. 10")
        return value

    @field_validator("max_pending_connections")
    @classmethod
    def _pending(cls, value: int) -> int:
        if value <= 0:
            raise problem(f"must be > 0, got {value}", "set connections allowed to be mid-request, e.g. 128")
        return value

    @field_validator("ws_max_message_bytes")
    @classmethod
    def _ws_max(cls, value: int) -> int:
        if not 1_024 <= value <= 16 * 1_048_576:
            raise problem(f"must be between 1 KiB and 16 MiB, got {value}", "set bytes, e.g. 65536")
        return value

    @field_validator("token_cache_s")
    @classmethod
    def _cache(cls, value: float) -> float:
        if value < 0:
            raise problem(f"must be >= 0, got {value}", "set seconds a checked token is trusted, e.g. 5")
        return value
