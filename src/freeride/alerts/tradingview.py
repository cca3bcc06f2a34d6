"""TradingView alert bodies → ``WebhookAlert``: JSON or text, as TradingView sends them.

TradingView posts the alert's message verbatim: ``application/json`` when it is valid JSON,
``text/plain`` otherwise. It cannot sign requests or add headers, so the shared secret travels in
the body (``"passphrase"`` or ``"secret"``; ``passphrase=…`` in a text body). Placeholders are
substituted as text, so a number may arrive as ``NaN``: that reads as "no price", not an error.
"""

from __future__ import annotations

import hashlib
import json
import math
import re
from typing import Any

import msgspec

from freeride.core.errors import InvalidInput
from freeride.core.instruments import parse_instrument

SECRET_KEYS = ("passphrase", "secret")
_PAIR_SPLIT = re.compile(r"[\n,|;]")
_CURRENCIES = frozenset(
    {
        "USD",
        "EUR",
        "JPY",
        "GBP",
        "CHF",
        "CAD",
        "AUD",
        "NZD",
        "SEK",
        "NOK",
        "DKK",
        "SGD",
        "HKD",
        "CNH",
        "CNY",
        "MXN",
        "ZAR",
        "TRY",
        "PLN",
        "CZK",
        "HUF",
        "ILS",
        "INR",
        "KRW",
    }
)


class Malformed(InvalidInput):
    """The body cannot be read; ``field`` names the part at fault when there is one."""

    def __init__(self, message: str, field: str | None = None) -> None:
        super().__init__(message)
        self.field = field


class Parsed(msgspec.Struct, frozen=True, kw_only=True):
    secret: str | None
    symbol: str | None
    action: str | None
    price: float | None
    text: str
    fields: dict[str, str]
    body_hash: str


def body_hash(body: bytes) -> str:
    return hashlib.sha256(body).hexdigest()


def parse(body: bytes, content_type: str) -> Parsed:
    """Read a body; raises ``Malformed`` (HTTP 400/422) naming what is wrong."""
    try:
        text = body.decode("utf-8")
    except UnicodeDecodeError:
        raise Malformed("body is not UTF-8 text") from None
    if not text.strip():
        raise Malformed("body is empty")
    is_json = "json" in content_type.lower() or text.lstrip().startswith("{")
    raw = _json_fields(text) if is_json else _text_fields(text)
    secret = next((raw.pop(k) for k in SECRET_KEYS if k in raw), None)
    fields = {k: _flat(v) for k, v in raw.items()}
    symbol = _symbol(fields.get("ticker") or fields.get("symbol"))
    action = fields.get("action") or fields.get("side")
    price = _price(fields, "price" if "price" in fields else "close")
    if is_json:
        message = (
            fields.get("message") or fields.get("text") or " ".join(f"{k}={v}" for k, v in fields.items())
        )
    else:
        message = _redacted(text)
    return Parsed(
        secret=None if secret is None else _flat(secret),
        symbol=symbol,
        action=action.lower() if action else None,
        price=price,
        text=message[:500],
        fields=fields,
        body_hash=body_hash(body),
    )


def _json_fields(text: str) -> dict[str, Any]:
    try:
        data = json.loads(text, parse_constant=lambda _c: None)  # NaN / Infinity from placeholders
    except json.JSONDecodeError as exc:
        raise Malformed(
            f"body is not valid JSON: {exc.msg} at line {exc.lineno} column {exc.colno}"
        ) from None
    if not isinstance(data, dict):
        raise Malformed(f"a JSON body must be an object, got {type(data).__name__}")
    return {str(k).strip().lower(): v for k, v in data.items()}


def _text_fields(text: str) -> dict[str, Any]:
    """``key=value`` pairs split by newlines, commas, ``|`` or ``;``; free text has none."""
    out: dict[str, Any] = {}
    parts = [p.strip() for p in _PAIR_SPLIT.split(text) if p.strip()]
    if parts and all("=" in p for p in parts):
        for part in parts:
            key, _, value = part.partition("=")
            out[key.strip().lower()] = value.strip()
    return out


def _redacted(text: str) -> str:
    return re.sub(r"(?i)\b(passphrase|secret)\s*=\s*[^\n,|;]*", r"\1=***", text).strip()


def _flat(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, str):
        return value.strip()
    return json.dumps(value, separators=(",", ":"))


def _symbol(ticker: str | None) -> str | None:
    if not ticker:
        return None
    text = ticker.strip().upper()
    if ":" in text:  # "NASDAQ:AAPL", "FX:EURUSD"
        text = text.split(":", 1)[1]
    if len(text) == 6 and text[:3] in _CURRENCIES and text[3:] in _CURRENCIES:
        text = f"{text[:3]}/{text[3:]}"
    try:
        return parse_instrument(text).symbol
    except InvalidInput:
        raise Malformed(f"ticker {ticker!r} is neither a stock ticker nor a forex pair", "ticker") from None


def _price(fields: dict[str, str], key: str) -> float | None:
    value = fields.get(key)
    if value is None or value == "" or value.lower() in ("nan", "null", "none"):
        return None
    try:
        price = float(value)
    except ValueError:
        raise Malformed(f"{key} {value!r} is not a number", key) from None
    if not math.isfinite(price) or price < 0:
        raise Malformed(f"{key} {value!r} is not a usable price", key)
    return price
