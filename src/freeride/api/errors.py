"""One error body for every failure, so clients parse a single shape:

    {"error": {"status": 422, "code": "invalid", "message": "…",
               "fields": [{"field": "threshold", "message": "…"}]}}

``fields`` is present when the fault is in named fields of the request.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from pydantic import BaseModel
from starlette.exceptions import HTTPException as StarletteHTTPException
from starlette.responses import JSONResponse

from freeride.alerts.service import RuleInvalid
from freeride.core.errors import InvalidInput
from freeride.core.symbols import UnknownSymbol

_CODES = {
    400: "bad_request",
    401: "unauthorized",
    403: "forbidden",
    404: "not_found",
    405: "method_not_allowed",
    409: "conflict",
    413: "too_large",
    415: "unsupported_media_type",
    422: "invalid",
    503: "unavailable",
}


class FieldProblem(BaseModel):
    field: str
    message: str


class ErrorDetail(BaseModel):
    status: int
    code: str
    message: str
    fields: list[FieldProblem] | None = None
    suggestions: list[str] | None = None
    """Close matches of an unknown symbol (``EURUSD`` → ``["EUR/USD"]``), best first."""


class ErrorBody(BaseModel):
    """The one error shape, documented in the OpenAPI schema for every error status."""

    error: ErrorDetail


def doc(text: str) -> dict[str, Any]:
    """An error response documented with the one error shape (for a router's own statuses)."""
    return _doc(text)


def _doc(text: str) -> dict[str, Any]:
    return {"model": ErrorBody, "description": text}


ERROR_RESPONSES: dict[int | str, dict[str, Any]] = {
    400: _doc("the body cannot be read: not JSON, or cut short"),
    401: _doc("no token, or one that is unknown, revoked or expired (checked before the body is read)"),
    403: _doc("the token's scope is too low"),
    404: _doc("no such thing"),
    422: _doc("a parameter or field is invalid; `fields` names each, `suggestions` lists close matches"),
    503: _doc("that part is not running in this process"),
}


class ApiError(Exception):
    def __init__(
        self,
        status: int,
        message: str,
        *,
        code: str | None = None,
        fields: Sequence[tuple[str, str]] = (),
        headers: dict[str, str] | None = None,
        suggestions: Sequence[str] = (),
    ) -> None:
        super().__init__(message)
        self.suggestions = list(suggestions)
        self.status = status
        self.code = code or _CODES.get(status, "error")
        self.message = message
        self.fields = list(fields)
        self.headers = headers


def error_body(
    status: int,
    code: str,
    message: str,
    fields: Sequence[tuple[str, str]] = (),
    suggestions: Sequence[str] = (),
) -> dict[str, Any]:
    error: dict[str, Any] = {"status": status, "code": code, "message": message}
    if fields:
        error["fields"] = [{"field": f, "message": m} for f, m in fields]
    if suggestions:
        error["suggestions"] = list(suggestions)
    return {"error": error}


def error_response(exc: ApiError) -> JSONResponse:
    return JSONResponse(
        error_body(exc.status, exc.code, exc.message, exc.fields, exc.suggestions),
        exc.status,
        headers=exc.headers,
    )


def _loc(loc: Sequence[Any]) -> str:
    """``("body", "path")`` → ``path``: only the leading source is dropped, a field may be called ``path``."""
    parts = [str(p) for p in loc]
    if parts and parts[0] in ("body", "query", "path", "header", "cookie"):
        parts = parts[1:]
    return ".".join(parts) or "body"


async def _validation(_request: Request, exc: Exception) -> JSONResponse:
    assert isinstance(exc, RequestValidationError)
    broken = next((e for e in exc.errors() if e.get("type") == "json_invalid"), None)
    if broken is not None:  # not JSON at all: malformed (400), not a field's value (422)
        where = broken["loc"][-1] if broken.get("loc") else "?"
        why = broken.get("ctx", {}).get("error", "not valid JSON")
        return error_response(ApiError(400, f"the body is not valid JSON: {why} at character {where}"))
    fields = [(_loc(e["loc"]), str(e["msg"])) for e in exc.errors()]
    message = "; ".join(f"{f}: {m}" for f, m in fields)
    return error_response(ApiError(422, message, fields=fields))


async def _api_error(_request: Request, exc: Exception) -> JSONResponse:
    assert isinstance(exc, ApiError)
    return error_response(exc)


async def _http(_request: Request, exc: Exception) -> JSONResponse:
    assert isinstance(exc, StarletteHTTPException)
    return error_response(ApiError(exc.status_code, str(exc.detail), headers=dict(exc.headers or {})))


async def _invalid(_request: Request, exc: Exception) -> JSONResponse:
    if isinstance(exc, RuleInvalid):
        return error_response(ApiError(422, str(exc), fields=exc.problems))
    if isinstance(exc, UnknownSymbol):
        return error_response(
            ApiError(422, str(exc), fields=[("symbol", str(exc))], suggestions=exc.suggestions)
        )
    return error_response(ApiError(400, str(exc)))


def install(app: FastAPI) -> None:
    app.add_exception_handler(RequestValidationError, _validation)
    app.add_exception_handler(ApiError, _api_error)
    app.add_exception_handler(StarletteHTTPException, _http)
    app.add_exception_handler(InvalidInput, _invalid)
