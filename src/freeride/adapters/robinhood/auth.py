"""Robinhood's OAuth flows: password grant with a device token, the verification workflow, TOTP
MFA, and the refresh-token grant.

The password grant may answer with tokens, with ``mfa_required`` (the older flow: send a TOTP
code, generated here from the stored secret), or with a ``verification_workflow`` (the current
flow, since late 2024): open a ``pathfinder`` machine for the workflow, read which challenge it
issued — an app prompt to approve on the phone, or a code sent by SMS or email — answer it, tell
the workflow to continue until it is approved, and ask for the tokens again. A device token that
went through the workflow once is trusted from then on, so this happens once per machine
(``freeride broker login robinhood``); the engine only ever refreshes.

Waits (the prompt poll every 5 s, the 2-minute limit) run on the injected clock. How a code is
obtained is the caller's ``Responder``: the CLI asks the person; a headless engine has none and
gets an ``AuthError`` telling the operator to run the login command.
"""

from __future__ import annotations

from typing import Any, Protocol

import httpx

from freeride.adapters.robinhood.config import RobinhoodConfig
from freeride.adapters.robinhood.tokens import Tokens
from freeride.adapters.robinhood.totp import totp
from freeride.core.clock import NS_PER_SECOND, Clock
from freeride.core.errors import AuthError, InvalidInput, RateLimited, TemporaryError
from freeride.net import http

APPROVED = "workflow_status_approved"


class Responder(Protocol):
    """The person at the keyboard during ``freeride broker login robinhood``."""

    async def code(self, channel: str) -> str:
        """The code Robinhood sent by ``channel`` (``sms`` or ``email``)."""
        ...

    async def approve_in_app(self) -> None:
        """Tell the person to approve the login in the Robinhood app (called once per prompt)."""
        ...


class Headless:
    """No person to ask: a challenge means the device is not approved yet."""

    async def code(self, channel: str) -> str:
        raise AuthError(f"robinhood asks for a code sent by {channel}: run `freeride broker login robinhood`")

    async def approve_in_app(self) -> None:
        raise AuthError("robinhood asks to approve this device: run `freeride broker login robinhood`")


class RobinhoodAuth:
    def __init__(
        self, config: RobinhoodConfig, clock: Clock, transport: httpx.AsyncBaseTransport | None = None
    ) -> None:
        self._config = config
        self._clock = clock
        self._http = http.make_client(config.base_url, transport=transport, timeout_s=config.timeout_s)
        self.challenges: list[str] = []  # which challenges were met (for status and tests)

    async def aclose(self) -> None:
        await self._http.aclose()

    # -- grants ----------------------------------------------------------------------------------
    async def login(
        self,
        username: str,
        password: str,
        device_token: str,
        responder: Responder,
        *,
        totp_secret: str | None = None,
    ) -> Tokens:
        form = {
            "client_id": self._config.client_id,
            "expires_in": str(self._config.expires_in_s),
            "grant_type": "password",
            "password": password,
            "scope": "internal",
            "username": username,
            "device_token": device_token,
            "try_passkeys": "false",
            "token_request_path": "/login",
            "create_read_only_secondary_token": "true",
        }
        for _ in range(3):  # tokens, or one challenge (MFA or workflow) and then tokens
            data = await self._token_request(form)
            if "access_token" in data:
                return self._tokens(data, device_token)
            if data.get("mfa_required"):
                if not totp_secret:
                    raise AuthError("robinhood asks for an MFA code and no robinhood_totp_secret is stored")
                form["mfa_code"] = totp(totp_secret, self._clock.now_ns() / NS_PER_SECOND)
                self.challenges.append("mfa")
                continue
            workflow = data.get("verification_workflow")
            if isinstance(workflow, dict) and workflow.get("id"):
                await self._workflow(str(workflow["id"]), device_token, responder)
                continue
            raise AuthError(f"robinhood: login failed: {_detail(data)}")
        raise AuthError("robinhood: login did not complete after the challenge")

    async def refresh(self, tokens: Tokens) -> Tokens:
        form = {
            "client_id": self._config.client_id,
            "expires_in": str(self._config.expires_in_s),
            "grant_type": "refresh_token",
            "refresh_token": tokens.refresh_token,
            "scope": "internal",
        }
        data = await self._token_request(form)
        if "access_token" not in data:
            raise AuthError(f"robinhood: refresh refused: {_detail(data)}")
        return self._tokens(data, tokens.device_token)

    def _tokens(self, data: dict[str, Any], device_token: str) -> Tokens:
        expires_in = int(data.get("expires_in") or self._config.expires_in_s)
        return Tokens(
            access_token=str(data["access_token"]),
            refresh_token=str(data.get("refresh_token") or ""),
            expires_at_ns=self._clock.now_ns() + expires_in * NS_PER_SECOND,
            device_token=device_token,
            token_type=str(data.get("token_type") or "Bearer"),
            scope=str(data.get("scope") or "internal"),
        )

    async def _token_request(self, form: dict[str, str]) -> dict[str, Any]:
        response = await self._post("/oauth2/token/", data=form)
        data = _json(response)
        code = response.status_code
        if code < 300 or (code in (400, 401, 403) and _is_challenge(data)):
            return data
        if code in (400, 401):  # bad credentials, spent or revoked refresh token
            raise AuthError(f"robinhood: HTTP {code}: {_detail(data)}")
        raise self._error(response, data)

    # -- verification workflow -------------------------------------------------------------------
    async def _workflow(self, workflow_id: str, device_token: str, responder: Responder) -> None:
        machine = await self._json_call(
            "POST",
            "/pathfinder/user_machine/",
            {"device_id": device_token, "flow": "suv", "input": {"workflow_id": workflow_id}},
        )
        machine_id = str(machine["id"])
        view = f"/pathfinder/inquiries/{machine_id}/user_view/"
        deadline = self._clock.now_ns() + round(self._config.challenge_timeout_s * NS_PER_SECOND)
        challenge: dict[str, Any] = {}
        while not challenge:
            inquiry = await self._json_call("GET", view)
            found = (inquiry.get("context") or {}).get("sheriff_challenge")
            if isinstance(found, dict) and found.get("id"):
                challenge = found
                break
            await self._wait(deadline, "the verification challenge")
        kind, cid = str(challenge.get("type")), str(challenge["id"])
        self.challenges.append(kind)
        if challenge.get("status") != "validated":
            if kind == "prompt":
                await responder.approve_in_app()
                while True:
                    status = await self._json_call("GET", f"/push/{cid}/get_prompts_status/")
                    if status.get("challenge_status") == "validated":
                        break
                    await self._wait(deadline, "the approval in the Robinhood app")
            elif kind in ("sms", "email"):
                await self._answer(cid, kind, responder)
            else:
                raise AuthError(f"robinhood: unknown verification challenge {kind!r}")
        while True:
            result = await self._json_call(
                "POST", view, {"sequence": 0, "user_input": {"status": "continue"}}
            )
            if (result.get("type_context") or {}).get("result") == APPROVED:
                return
            await self._wait(deadline, "the workflow approval")

    async def _answer(self, challenge_id: str, channel: str, responder: Responder) -> None:
        for _ in range(3):
            code = await responder.code(channel)
            response = await self._post(f"/challenge/{challenge_id}/respond/", json={"response": code})
            data = _json(response)
            if response.status_code < 300 and data.get("status") == "validated":
                return
            left = (data.get("challenge") or {}).get("remaining_attempts")
            if left == 0:
                break
        raise AuthError(f"robinhood: the {channel} code was not accepted")

    async def _wait(self, deadline_ns: int, what: str) -> None:
        if self._clock.now_ns() >= deadline_ns:
            raise AuthError(
                f"robinhood: gave up waiting for {what} after {self._config.challenge_timeout_s:.0f} s"
            )
        await self._clock.sleep(self._config.challenge_poll_s)

    # -- transport -------------------------------------------------------------------------------
    async def _post(self, path: str, **kwargs: Any) -> httpx.Response:
        try:
            return await self._http.post(path, **kwargs)
        except httpx.HTTPError as exc:
            raise http.transport_error("robinhood", exc) from exc

    async def _json_call(self, method: str, path: str, body: dict[str, Any] | None = None) -> dict[str, Any]:
        try:
            response = await self._http.request(method, path, json=body)
        except httpx.HTTPError as exc:
            raise http.transport_error("robinhood", exc) from exc
        data = _json(response)
        if response.status_code >= 300:
            raise self._error(response, data)
        return data

    def _error(self, response: httpx.Response, data: dict[str, Any]) -> Exception:
        code = response.status_code
        text = f"robinhood: HTTP {code}: {_detail(data) or response.text[:120]}"
        if code == 429:
            return RateLimited(text, http.retry_after(response))
        if code in (401, 403):
            return AuthError(text)
        if code in (400, 404, 422):
            return InvalidInput(text)
        return TemporaryError(text)


def _json(response: httpx.Response) -> dict[str, Any]:
    try:
        data = response.json()
    except ValueError:
        return {}
    return data if isinstance(data, dict) else {}


def _is_challenge(data: dict[str, Any]) -> bool:
    return bool(data.get("mfa_required")) or isinstance(data.get("verification_workflow"), dict)


def _detail(data: dict[str, Any]) -> str:
    for key in ("detail", "error_description", "error", "message"):
        if data.get(key):
            return str(data[key])
    return "no reason given"
