"""The one mapping from HTTP replies to core errors, and the checks on every number."""

from __future__ import annotations

import httpx
import pytest

from freeride.core.errors import AuthError, InvalidInput, NotAvailable, RateLimited, TemporaryError
from freeride.net import checks, http
from freeride.net.errors import BadReply, QuotaExhausted, reason
from freeride.testing.fakes.base import HTML_PAGE


def reply(status: int, body: str = "{}", headers: dict[str, str] | None = None) -> httpx.Response:
    return httpx.Response(status, content=body.encode(), headers=headers)


@pytest.mark.parametrize(
    ("status", "kind"),
    [
        (401, AuthError),
        (403, NotAvailable),
        (404, InvalidInput),
        (429, RateLimited),
        (500, TemporaryError),
        (502, TemporaryError),
        (503, TemporaryError),
    ],
)
def test_status_errors(status: int, kind: type[Exception]) -> None:
    error = http.status_error("vendor", reply(status), "why")
    assert isinstance(error, kind)
    assert str(error) == f"vendor: HTTP {status}: why"


def test_ok_is_no_error_and_retry_after_is_read() -> None:
    assert http.status_error("v", reply(200), "") is None
    error = http.status_error("v", reply(429, headers={"Retry-After": "7"}), "slow down")
    assert isinstance(error, RateLimited)
    assert error.retry_after == 7.0


@pytest.mark.parametrize(
    ("body", "problem"),
    [
        (HTML_PAGE, "an HTML page instead of JSON"),
        ('{"c": 261.74, "d": 2.2', "not valid JSON"),
        ('{"c": NaN}', "not valid JSON"),
        ("", "empty body"),
    ],
)
def test_garbage_bodies_are_bad_replies(body: str, problem: str) -> None:
    with pytest.raises(BadReply, match=problem) as caught:
        http.decode_json("finnhub", reply(200, body))
    assert caught.value.provider == "finnhub"
    assert isinstance(caught.value, TemporaryError)


def test_vendor_message_prefers_error_then_message_then_text() -> None:
    assert http.vendor_message(reply(429, '{"error": "API limit reached"}')) == "API limit reached"
    assert http.vendor_message(reply(403, '{"status": "x", "message": "not entitled"}')) == "not entitled"
    assert http.vendor_message(reply(429, "Too Many Requests\r\n")) == "Too Many Requests"


@pytest.mark.parametrize("value", [float("nan"), float("inf"), "NaN", "abc", None, True, -1.0, 0])
def test_prices_must_be_finite_and_positive(value: object) -> None:
    with pytest.raises(BadReply, match="price"):
        checks.price("v", "price", value)


def test_numbers_from_strings_and_percentages() -> None:
    assert checks.price("v", "p", "141.0000") == 141.0
    assert checks.number("v", "p", "-0.1148%") == pytest.approx(-0.1148)
    assert checks.size("v", "s", 0) == 0.0
    with pytest.raises(BadReply):
        checks.size("v", "s", -3)


def test_wrong_symbol_and_inconsistent_bars() -> None:
    checks.same_symbol("v", "aapl", "AAPL")
    with pytest.raises(BadReply, match="asked for AAPL but the reply is about MSFT"):
        checks.same_symbol("v", "AAPL", "MSFT")
    with pytest.raises(BadReply, match="inconsistent bar"):
        checks.ohlc("v", "2024-01-02", 10, 9, 8, 10)


def test_reasons_name_the_kind_of_failure() -> None:
    assert reason(QuotaExhausted("av: 25 per day", 10)).startswith("quota exhausted: ")
    assert reason(RateLimited("x", 1)).startswith("rate limited: ")
    assert reason(BadReply("v", "html")).startswith("bad reply: ")
    assert reason(TemporaryError("x")).startswith("down: ")
    assert reason(NotAvailable("x")).startswith("not available: ")
