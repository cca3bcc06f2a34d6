"""The official SDK client, built for us, and its errors mapped onto ``core.errors``.

The SDK's own retries are off (``max_retries=0``): they sleep on the wall clock. We retry on the
injected clock instead, and only what may succeed later: a 429 ``rate_limit_exceeded`` (waiting
what ``retry-after`` or the message says), 408/409 and 5xx. A 429 ``insufficient_quota`` is final
(``QuotaExhausted``, no retry: the account needs money), 401 is ``AuthError``, 400 ``InvalidInput``.
"""

from __future__ import annotations

import re
from typing import Any

import httpx2
import openai

from freeride.adapters.openai.config import OpenAIConfig
from freeride.core.errors import AuthError, FreerideError, InvalidInput, RateLimited, TemporaryError
from freeride.net.errors import NotEntitled, QuotaExhausted

NAME = "openai"
_TRY_AGAIN = re.compile(r"try again in (\d+(?:\.\d+)?)(ms|s)", re.IGNORECASE)
QUOTA_BLOCK_S = 3_600.0


def make_client(
    config: OpenAIConfig, transport: httpx2.AsyncBaseTransport | None = None
) -> openai.AsyncOpenAI:
    http_client = httpx2.AsyncClient(transport=transport) if transport is not None else None
    return openai.AsyncOpenAI(
        api_key=config.api_key.get_secret_value(),
        base_url=config.base_url,
        max_retries=0,
        timeout=config.timeout_s,
        http_client=http_client,
    )


def _error_body(exc: openai.APIStatusError) -> dict[str, Any]:
    body = exc.body
    if isinstance(body, dict):
        inner = body.get("error", body)
        return inner if isinstance(inner, dict) else {}
    return {}


def _retry_after(exc: openai.APIStatusError, message: str) -> float | None:
    header = exc.response.headers.get("retry-after-ms")
    if header:
        try:
            return float(header) / 1_000
        except ValueError:
            pass
    header = exc.response.headers.get("retry-after")
    if header:
        try:
            return float(header)
        except ValueError:
            pass
    match = _TRY_AGAIN.search(message)
    if match:
        value = float(match.group(1))
        return value / 1_000 if match.group(2).lower() == "ms" else value
    return None


def map_error(exc: Exception) -> FreerideError:
    """The ``core.errors`` member an SDK exception means."""
    if isinstance(exc, openai.APITimeoutError):
        return TemporaryError(f"{NAME}: timed out")
    if isinstance(exc, openai.APIConnectionError):
        return TemporaryError(f"{NAME}: connection failed: {exc}")
    if isinstance(exc, openai.APIStatusError):
        err = _error_body(exc)
        message = str(err.get("message") or exc.message)[:300]
        code = str(err.get("code") or err.get("type") or "")
        text = f"{NAME}: HTTP {exc.status_code} {code}: {message}"
        if exc.status_code == 429:
            if code == "insufficient_quota" or err.get("type") == "insufficient_quota":
                return QuotaExhausted(text, QUOTA_BLOCK_S)
            return RateLimited(text, _retry_after(exc, message))
        if exc.status_code == 401:
            return AuthError(text)
        if exc.status_code == 403:
            return NotEntitled(text)
        if exc.status_code in (400, 404, 422):
            return InvalidInput(text)
        return TemporaryError(text)
    if isinstance(exc, FreerideError):
        return exc
    return TemporaryError(f"{NAME}: {type(exc).__name__}: {exc}")
