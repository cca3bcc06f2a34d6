"""TradingView alert bodies → ``WebhookAlert``: JSON or text, as TradingView sends them.

TradingView posts the alert's message verbatim: ``application/json`` when it is valid JSON,
``text/plain`` otherwise. It cannot sign requests or add headers, so the shared secret travels in
the body (``"passphrase"`` or ``"secret"``; ``passphrase=…`` in a text body). Every copy of it is
taken out before anything is kept: both keys at any depth here, and the passphrase's value
wherever else it appears once the intake has checked it (``scrub``). Placeholders are substituted
as text, so a number may arrive as ``NaN`` or ``Infinity``: that reads as "no price", not an
error, and is never stored as a number. A price is ASCII decimal notation only: Python's
``float`` would also read ``"١٢٣"`` or ``"1_000"``, which no chart prints.

The body comes from anyone who can reach the port, before the passphrase is checked, so JSON is
read with bounds on nesting and number length (``net.bounded_json``): too much is a 400, never a
``RecursionError`` or a traceback.
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
from freeride.net import bounded_json

SECRET_KEYS = ("passphrase", "secret")
SYMBOL_KEYS = ("ticker", "symbol")
MASK = "***"
_PAIR_SPLIT = re.compile(r"[\n,|;]")
_DECIMAL = re.compile(r"[+-]?(?:[0-9]+(?:\.[0-9]*)?|\.[0-9]+)(?:[eE][+-]?[0-9]+)?", re.ASCII)
_MISSING = frozenset(
    {"", "nan", "+nan", "-nan", "null", "none", "inf", "+inf", "-inf", "infinity", "+infinity", "-infinity"}
)
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
    secret = next((raw[k] for k in SECRET_KEYS if k in raw), None)
    fields = {k: _flat(v) for k, v in _without_secrets(raw).items()}
    symbol = _symbol(fields)
    action = fields.get("action") or fields.get("side")
    price = _price(fields, "price" if "price" in fields else "close")
    if is_json:
        message = (
            fields.get("message") or fields.get("text") or " ".join(f"{k}={v}" for k, v in fields.items())
        )
    else:
        message = _redacted(text)
    parsed = Parsed(
        secret=None if secret is None else _flat(secret),
        symbol=symbol,
        action=action.lower() if action else None,
        price=price,
        text=message[:500],
        fields=fields,
        body_hash=body_hash(body),
    )
    _check_encodable(parsed)
    return parsed


def scrub(parsed: Parsed, secret: str) -> Parsed:
    """``parsed`` with every other copy of ``secret`` (under any key, in any value) masked."""
    if not secret:
        return parsed

    def clean(value: str) -> str:
        return value.replace(secret, MASK)

    return msgspec.structs.replace(
        parsed,
        secret=None,
        action=None if parsed.action is None else clean(parsed.action),
        text=clean(parsed.text),
        fields={clean(k): clean(v) for k, v in parsed.fields.items()},
    )


def _json_fields(text: str) -> dict[str, Any]:
    try:
        data = bounded_json.loads(text, parse_constant=lambda _c: None)  # NaN / Infinity: no value
    except json.JSONDecodeError as exc:
        raise Malformed(
            f"body is not valid JSON: {exc.msg} at line {exc.lineno} column {exc.colno}"
        ) from None
    except bounded_json.TooComplex as exc:
        raise Malformed(f"body refused: {exc}") from None
    if not isinstance(data, dict):
        raise Malformed(f"a JSON body must be an object, got {type(data).__name__}")
    return {str(k).strip().lower(): v for k, v in data.items()}


def _without_secrets(value: Any) -> Any:
    """``value`` with every ``passphrase`` / ``secret`` key removed, at any depth."""
    if isinstance(value, dict):
        return {k: _without_secrets(v) for k, v in value.items() if str(k).strip().lower() not in SECRET_KEYS}
    if isinstance(value, list):
        return [_without_secrets(v) for v in value]
    return value


def _check_encodable(parsed: Parsed) -> None:
    """JSON may escape lone surrogates (``"\\ud800"``) that no database or chat can store."""
    try:
        msgspec.json.encode(parsed)
    except UnicodeEncodeError:
        raise Malformed("body holds text that is not valid Unicode (a lone surrogate escape)") from None


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
    return re.sub(r"(?i)\b(passphrase|secret)\s*=\s*[^\n,|;]*", rf"\1={MASK}", text).strip()


def _flat(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, str):
        return value.strip()
    return json.dumps(value, separators=(",", ":"))


def _symbol(fields: dict[str, str]) -> str | None:
    """The instrument the alert is about; ``None`` without a ticker, 422 for an empty or odd one."""
    key = next((k for k in SYMBOL_KEYS if k in fields), None)
    if key is None:
        return None
    ticker = fields[key]
    text = ticker.strip().upper()
    if not text:
        raise Malformed(f"{key} is empty: the alert message must name the instrument ({{{{ticker}}}})", key)
    if ":" in text:  # "NASDAQ:AAPL", "FX:EURUSD"
        text = text.split(":", 1)[1]
    if len(text) == 6 and text[:3] in _CURRENCIES and text[3:] in _CURRENCIES:
        text = f"{text[:3]}/{text[3:]}"
    try:
        return parse_instrument(text).symbol
    except InvalidInput:
        raise Malformed(f"{key} {ticker!r} is neither a stock ticker nor a forex pair", key) from None


def _price(fields: dict[str, str], key: str) -> float | None:
    """A price in ASCII decimal notation; NaN, Infinity and empty placeholders are no price."""
    value = fields.get(key)
    if value is None or value.strip().lower() in _MISSING:
        return None
    if len(value) > bounded_json.MAX_NUMBER_CHARS or not _DECIMAL.fullmatch(value.strip()):
        raise Malformed(f"{key} {value[:40]!r} is not a number", key)
    price = float(value)
    if not math.isfinite(price):  # too large for a float: no usable value
        return None
    if price < 0:
        raise Malformed(f"{key} {value!r} is not a usable price", key)
    return price
