"""A fake Azure Key Vault reached through the Azure SDK's own transport seam (no network).

``SecretClient(vault_url, credential, transport=FakeKeyVault().transport())`` sends its requests
here instead of over HTTP. The vault speaks the REST shapes the SDK parses:

- the bearer challenge first: a request without ``Authorization`` gets 401 with
  ``WWW-Authenticate: Bearer authorization="https://login.microsoftonline.com/<tenant>",
  resource="https://vault.azure.net"``; the SDK then asks the credential for a token and repeats;
- ``GET /secrets/<name>/`` → the secret bundle, or 404 ``SecretNotFound``;
- ``PUT /secrets/<name>`` with ``{"value": …}`` → a new version;
- names outside ``[0-9A-Za-z-]{1,127}`` → 400 ``BadParameter``; a token the vault did not issue
  → 401; ``deny`` a permission (``get``/``set``) → 403 ``Forbidden``.
"""

from __future__ import annotations

import json
import re
import time
import uuid
from typing import Any
from urllib.parse import urlparse

from azure.core.credentials import AccessToken
from azure.core.pipeline.transport import HttpTransport
from azure.core.rest._http_response_impl import HttpResponseImpl
from azure.core.utils import CaseInsensitiveDict

TENANT = "72f988bf-86f1-41af-91ab-2d7cd011db47"
TOKEN = "fake-kv-token"
_NAME = re.compile(r"^[0-9A-Za-z-]{1,127}$")


class FakeCredential:
    """A ``TokenCredential`` that hands out the fake vault's token (never the real identity chain)."""

    def __init__(self, token: str = TOKEN, *, fail: Exception | None = None) -> None:
        self.token = token
        self.fail = fail
        self.scopes: list[str] = []

    def get_token(self, *scopes: str, **kwargs: Any) -> AccessToken:
        if self.fail is not None:
            raise self.fail
        self.scopes.extend(scopes)
        return AccessToken(self.token, int(time.time()) + 3600)

    def close(self) -> None:
        return None


def _response(request: Any, status: int, body: Any = None, headers: dict[str, str] | None = None) -> Any:
    """A finished response in the shape the SDK's pipeline reads (``azure.core.rest``)."""
    content = b"" if body is None else json.dumps(body).encode()
    all_headers = CaseInsensitiveDict({"Content-Type": "application/json; charset=utf-8", **(headers or {})})
    response = HttpResponseImpl(
        request=request,
        internal_response=_Raw(),
        status_code=status,
        reason=_REASONS.get(status, "Error"),
        content_type=all_headers["Content-Type"],
        headers=all_headers,
        stream_download_generator=None,
    )
    response._content = content
    response._is_stream_consumed = True
    return response


class _Raw:
    """What a transport's raw response must offer the pipeline: a ``close``."""

    def close(self) -> None:
        return None


_REASONS = {200: "OK", 400: "Bad Request", 401: "Unauthorized", 403: "Forbidden", 404: "Not Found"}


class FakeKeyVault:
    def __init__(self, vault_url: str = "https://freeride-test.vault.azure.net") -> None:
        self.vault_url = vault_url.rstrip("/")
        self.secrets: dict[str, list[str]] = {}  # name → versions' values, newest last
        self.denied: set[str] = set()
        self.requests: list[tuple[str, str]] = []
        self.challenges = 0

    def deny(self, permission: str) -> None:
        self.denied.add(permission)

    def transport(self) -> HttpTransport[Any, Any]:
        return _Transport(self)

    def value(self, name: str) -> str | None:
        versions = self.secrets.get(name)
        return versions[-1] if versions else None

    def handle(self, request: Any) -> Any:
        path = urlparse(request.url).path
        self.requests.append((request.method, path))
        auth = request.headers.get("Authorization")
        if auth is None:
            self.challenges += 1
            challenge = (
                f'Bearer authorization="https://login.microsoftonline.com/{TENANT}", '
                'resource="https://vault.azure.net"'
            )
            return _response(
                request,
                401,
                _error("Unauthorized", "AKV10000: Request is missing a Bearer or PoP token."),
                {"WWW-Authenticate": challenge},
            )
        if auth != f"Bearer {TOKEN}":
            return _response(request, 401, _error("Unauthorized", "AKV10032: Invalid issuer."))
        parts = [p for p in path.split("/") if p]
        if len(parts) < 2 or parts[0] != "secrets":
            return _response(request, 404, _error("NotFound", "no such endpoint"))
        name = parts[1]
        if not _NAME.match(name):
            return _response(
                request, 400, _error("BadParameter", "The request URI contains an invalid name: " + name)
            )
        if request.method == "GET":
            if "get" in self.denied:
                return _response(request, 403, _forbidden("get"))
            value = self.value(name)
            if value is None:
                message = f"A secret with (name/id) {name} was not found in this key vault."
                return _response(request, 404, _error("SecretNotFound", message))
            return _response(request, 200, self._bundle(name, value))
        if request.method == "PUT":
            if "set" in self.denied:
                return _response(request, 403, _forbidden("set"))
            value = json.loads(request.body or b"{}").get("value")
            self.secrets.setdefault(name, []).append(str(value))
            return _response(request, 200, self._bundle(name, str(value)))
        return _response(request, 405, _error("MethodNotAllowed", request.method))

    def _bundle(self, name: str, value: str) -> dict[str, Any]:
        version = uuid.uuid5(uuid.NAMESPACE_URL, f"{name}/{len(self.secrets.get(name, []))}").hex
        now = 1_717_430_400
        return {
            "value": value,
            "contentType": "text/plain",
            "id": f"{self.vault_url}/secrets/{name}/{version}",
            "attributes": {
                "enabled": True,
                "created": now,
                "updated": now,
                "recoveryLevel": "Recoverable+Purgeable",
            },
            "tags": {},
        }


class _Transport(HttpTransport[Any, Any]):
    def __init__(self, vault: FakeKeyVault) -> None:
        self._vault = vault

    def send(self, request: Any, **kwargs: Any) -> Any:
        return self._vault.handle(request)

    def open(self) -> None:
        return None

    def close(self) -> None:
        return None

    def __enter__(self) -> _Transport:
        return self

    def __exit__(self, *args: Any) -> None:
        return None


def _error(code: str, message: str) -> dict[str, Any]:
    return {"error": {"code": code, "message": message}}


def _forbidden(permission: str) -> dict[str, Any]:
    message = (
        f"The user, group or application 'appid=00000000-0000-0000-0000-000000000000' does not have secrets "
        f"{permission} permission on key vault 'freeride-test'."
    )
    return {"error": {"code": "Forbidden", "message": message, "innererror": {"code": "AccessDenied"}}}
