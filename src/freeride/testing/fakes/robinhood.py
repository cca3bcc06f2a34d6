"""A fake Robinhood: the OAuth login with its challenges, token expiry and rotation, and trading.

Login (``POST /oauth2/token/``, form-encoded) behaves as the real one does for an unofficial
client:

- wrong username or password: 400 ``Unable to log in with provided credentials.``;
- a device not yet approved, when ``challenge`` is ``prompt``, ``sms`` or ``email``: 403 with a
  ``verification_workflow``; the client opens a ``pathfinder`` machine, reads the
  ``sheriff_challenge``, answers it (the app prompt is approved by ``approve_prompt`` or after
  ``prompt_polls`` polls; an SMS/email code is ``sent_codes[challenge_id]``), tells the workflow to
  continue, and the device is approved from then on;
- with ``mfa_secret`` set: 400 ``mfa_required`` until a valid TOTP ``mfa_code`` comes along;
- the refresh grant rotates: a refresh token works once, then ``invalid_grant``.

API calls need ``Authorization: Bearer``; an expired or revoked access token gets 401. Orders are
keyed by ``ref_id``: the same ``ref_id`` again returns the order already placed. Faults per request
(``fail``): ``rate_limited`` (429 with ``Retry-After``), ``down`` (503), ``lose_reply`` (the request
takes effect, the answer is lost; see ``alpaca.LostReplyTransport``).
"""

from __future__ import annotations

import secrets
import uuid
from dataclasses import dataclass, field
from datetime import UTC, datetime
from decimal import Decimal
from typing import Any
from urllib.parse import parse_qs

from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Route

from freeride.adapters.robinhood.totp import totp
from freeride.core.clock import Clock
from freeride.testing.fakes.base import FakeVendor, json_response

CLIENT_ID = "c82SH0WZOsabOXGP2sxqcj34FxkvfnWRZBKlBjFS"
BAD_LOGIN = {"detail": "Unable to log in with provided credentials."}
BAD_TOKEN = {"detail": "Invalid bearer token."}
INVALID_GRANT = {"error": "invalid_grant"}
THROTTLED = {"detail": "Request was throttled. Expected available in 5 seconds."}
_OPEN = {"queued", "unconfirmed", "confirmed", "partially_filled"}
NS = 1_000_000_000


@dataclass
class Workflow:
    id: str
    device: str
    machine: str = ""
    challenge_id: str = ""
    kind: str = ""
    status: str = "issued"
    prompt_polls: int = 0


@dataclass
class FakeOrder:
    data: dict[str, Any]
    executions: list[dict[str, Any]] = field(default_factory=list)


class FakeRobinhood(FakeVendor):
    def __init__(
        self,
        username: str = "trader@example.com",
        password: str = "correct horse",
        *,
        challenge: str | None = None,
        mfa_secret: str | None = None,
        token_lifetime_s: int | None = None,
        cash: str = "10000",
        clock: Clock | None = None,
    ) -> None:
        super().__init__(clock=clock)
        self.username = username
        self.password = password
        self.challenge = challenge
        self.mfa_secret = mfa_secret
        self.token_lifetime_s = token_lifetime_s
        self.cash = Decimal(cash)
        self.prompt_polls = 2
        self.approved_devices: set[str] = set()
        self.workflows: dict[str, Workflow] = {}
        self.sent_codes: dict[str, str] = {}
        self.access: dict[str, int] = {}  # access token → expiry ns
        self.refresh_tokens: set[str] = set()
        self.spent_refresh: set[str] = set()
        self.logins = 0
        self.refreshes = 0
        self.orders: dict[str, FakeOrder] = {}
        self.by_ref: dict[str, str] = {}
        self.positions: dict[str, Decimal] = {}
        self.avg_price: dict[str, Decimal] = {}
        self.page_size = 50
        self.account_number = "5QR12345"
        self.order_bodies: list[dict[str, Any]] = []  # every order request, as sent
        self.quotes: dict[str, tuple[str, str]] = {}  # symbol → (bid, ask); others quote 100.00/100.02
        routes = [
            Route("/oauth2/token/", self._token, methods=["POST"]),
            Route("/pathfinder/user_machine/", self._machine, methods=["POST"]),
            Route("/pathfinder/inquiries/{machine}/user_view/", self._user_view, methods=["GET", "POST"]),
            Route("/push/{challenge}/get_prompts_status/", self._prompt_status, methods=["GET"]),
            Route("/challenge/{challenge}/respond/", self._respond, methods=["POST"]),
            Route("/accounts/", self._accounts, methods=["GET"]),
            Route("/portfolios/{account}/", self._portfolio, methods=["GET"]),
            Route("/instruments/", self._instruments, methods=["GET"]),
            Route("/instruments/{iid}/", self._instrument, methods=["GET"]),
            Route("/orders/", self._orders, methods=["GET", "POST"]),
            Route("/orders/{oid}/", self._order, methods=["GET"]),
            Route("/orders/{oid}/cancel/", self._cancel, methods=["POST"]),
            Route("/positions/", self._positions, methods=["GET"]),
            Route("/marketdata/quotes/", self._quotes, methods=["GET"]),
        ]
        self.app = Starlette(routes=routes)

    # -- test controls -------------------------------------------------------------------------
    def approve_prompt(self) -> None:
        for wf in self.workflows.values():
            if wf.kind == "prompt":
                wf.status = "validated"

    def revoke_all(self) -> None:
        """Log every session out (a password change): access and refresh tokens stop working."""
        self.access.clear()
        self.refresh_tokens.clear()

    def order_by_ref(self, ref_id: str) -> dict[str, Any] | None:
        oid = self.by_ref.get(ref_id)
        return None if oid is None else self.orders[oid].data

    def fill(self, ref_id: str, qty: str, price: str) -> dict[str, Any]:
        order = self.orders[self.by_ref[ref_id]]
        data = order.data
        q, p = Decimal(qty), Decimal(price)
        done = Decimal(data["cumulative_quantity"]) + q
        avg = (Decimal(data["average_price"] or 0) * Decimal(data["cumulative_quantity"]) + p * q) / done
        now = self._now()
        execution = {
            "id": str(uuid.uuid4()),
            "price": str(p),
            "quantity": str(q),
            "timestamp": now,
            "settlement_date": now[:10],
        }
        order.executions.append(execution)
        data.update(
            cumulative_quantity=str(done),
            average_price=str(avg),
            state="filled" if done >= Decimal(data["quantity"]) else "partially_filled",
            executions=list(order.executions),
            updated_at=now,
            last_transaction_at=now,
        )
        if data["state"] == "filled":
            data["cancel"] = None
        sign = 1 if data["side"] == "buy" else -1
        self.positions[data["symbol"]] = self.positions.get(data["symbol"], Decimal(0)) + sign * q
        self.avg_price[data["symbol"]] = p
        self.cash -= sign * q * p
        return execution

    # -- OAuth -----------------------------------------------------------------------------------
    async def _token(self, request: Request) -> Response:
        fault = await self.begin("token")
        if fault == "rate_limited":
            return json_response(THROTTLED, 429, {"Retry-After": "5"})
        if fault == "down":
            return Response("Service Unavailable", 503)
        form = {k: v[-1] for k, v in parse_qs((await request.body()).decode()).items()}
        if form.get("client_id") != CLIENT_ID:
            return json_response({"error": "invalid_client"}, 401)
        if form.get("grant_type") == "refresh_token":
            return self._refresh(str(form.get("refresh_token", "")), int(form.get("expires_in") or 86_400))
        if form.get("grant_type") != "password":
            return json_response({"error": "unsupported_grant_type"}, 400)
        if form.get("username") != self.username or form.get("password") != self.password:
            return json_response(BAD_LOGIN, 400)
        device = str(form.get("device_token", ""))
        if self.challenge and device not in self.approved_devices:
            wf = Workflow(id=str(uuid.uuid4()), device=device)
            self.workflows[wf.id] = wf
            pending = {"id": wf.id, "workflow_status": "workflow_status_internal_pending"}
            return json_response({"verification_workflow": pending}, 403)
        if self.mfa_secret:
            code = form.get("mfa_code")
            if code is None:
                return json_response({"mfa_required": True, "mfa_type": "app"}, 400)
            now_s = self.clock.now_ns() / NS
            valid = {totp(self.mfa_secret, now_s + d * 30) for d in (-1, 0, 1)}
            if code not in valid:
                return json_response({"detail": "Please enter a valid code."}, 400)
        self.logins += 1
        return self._issue(int(form.get("expires_in") or 86_400))

    def _refresh(self, token: str, expires_in: int) -> Response:
        if token not in self.refresh_tokens:
            return json_response(INVALID_GRANT, 400)
        self.refresh_tokens.discard(token)
        self.spent_refresh.add(token)
        self.refreshes += 1
        return self._issue(expires_in)

    def _issue(self, expires_in: int) -> Response:
        lifetime = self.token_lifetime_s or expires_in
        access, refresh = secrets.token_urlsafe(24), secrets.token_urlsafe(24)
        self.access[access] = self.clock.now_ns() + lifetime * NS
        self.refresh_tokens.add(refresh)
        body = {
            "access_token": access,
            "expires_in": lifetime,
            "token_type": "Bearer",
            "scope": "internal",
            "refresh_token": refresh,
            "mfa_code": None,
            "backup_code": None,
        }
        return JSONResponse(body)

    async def _machine(self, request: Request) -> Response:
        await self.begin("user_machine")
        body = await request.json()
        wf = self.workflows.get(str(body.get("input", {}).get("workflow_id")))
        if wf is None or body.get("flow") != "suv" or body.get("device_id") != wf.device:
            return json_response({"detail": "Not found."}, 404)
        wf.machine = str(uuid.uuid4())
        wf.challenge_id = str(uuid.uuid4())
        wf.kind = str(self.challenge)
        if wf.kind in ("sms", "email"):
            self.sent_codes[wf.challenge_id] = f"{secrets.randbelow(10**6):06d}"
        return JSONResponse({"id": wf.machine})

    def _by_machine(self, machine: str) -> Workflow | None:
        return next((w for w in self.workflows.values() if w.machine == machine), None)

    async def _user_view(self, request: Request) -> Response:
        await self.begin("user_view")
        wf = self._by_machine(request.path_params["machine"])
        if wf is None:
            return json_response({"detail": "Not found."}, 404)
        if request.method == "GET":
            challenge = {"id": wf.challenge_id, "type": wf.kind, "status": wf.status}
            return JSONResponse({"id": wf.machine, "context": {"sheriff_challenge": challenge}})
        body = await request.json()
        if body.get("user_input", {}).get("status") != "continue":
            return json_response({"detail": "bad input"}, 400)
        if wf.status != "validated":
            return JSONResponse({"type_context": {"result": "workflow_status_internal_pending"}})
        self.approved_devices.add(wf.device)
        return JSONResponse({"type_context": {"result": "workflow_status_approved"}})

    async def _prompt_status(self, request: Request) -> Response:
        await self.begin("prompt_status")
        wf = next(
            (w for w in self.workflows.values() if w.challenge_id == request.path_params["challenge"]), None
        )
        if wf is None:
            return json_response({"detail": "Not found."}, 404)
        wf.prompt_polls += 1
        if wf.prompt_polls >= self.prompt_polls:
            wf.status = "validated"
        return JSONResponse({"challenge_status": wf.status})

    async def _respond(self, request: Request) -> Response:
        await self.begin("respond")
        cid = request.path_params["challenge"]
        wf = next((w for w in self.workflows.values() if w.challenge_id == cid), None)
        if wf is None:
            return json_response({"detail": "Not found."}, 404)
        body = await request.json()
        if body.get("response") != self.sent_codes.get(cid):
            return json_response(
                {"detail": "Challenge response is invalid.", "challenge": {"remaining_attempts": 2}}, 400
            )
        wf.status = "validated"
        return JSONResponse({"id": cid, "type": wf.kind, "status": "validated", "remaining_attempts": 3})

    # -- API ------------------------------------------------------------------------------------
    async def _api(self, request: Request, endpoint: str) -> tuple[Response | None, str | None]:
        fault = await self.begin(endpoint)
        auth = request.headers.get("authorization", "")
        token = auth.removeprefix("Bearer ").strip()
        expiry = self.access.get(token)
        if expiry is None or self.clock.now_ns() >= expiry:
            return json_response(BAD_TOKEN, 401), None
        if fault == "rate_limited":
            return json_response(THROTTLED, 429, {"Retry-After": "5"}), None
        if fault == "down":
            return Response("Service Unavailable", 503), None
        return None, fault

    def _reply(self, data: Any, fault: str | None, status: int = 200) -> Response:
        if fault == "lose_reply":
            return Response(status_code=599, headers={"x-fake-lost-reply": "1"})
        return JSONResponse(data, status_code=status)

    def _base(self, request: Request) -> str:
        return str(request.base_url).rstrip("/")

    async def _accounts(self, request: Request) -> Response:
        refused, fault = await self._api(request, "accounts")
        if refused is not None:
            return refused
        row = {
            "url": f"{self._base(request)}/accounts/{self.account_number}/",
            "account_number": self.account_number,
            "cash": str(self.cash),
            "buying_power": str(max(self.cash, Decimal(0))),
            "type": "cash",
        }
        return self._reply({"previous": None, "results": [row], "next": None}, fault)

    async def _portfolio(self, request: Request) -> Response:
        refused, fault = await self._api(request, "portfolio")
        if refused is not None:
            return refused
        held = sum((q * self.avg_price.get(s, Decimal(0)) for s, q in self.positions.items()), Decimal(0))
        return self._reply({"equity": str(self.cash + held), "market_value": str(held)}, fault)

    def _instrument_row(self, request: Request, symbol: str) -> dict[str, Any]:
        iid = str(uuid.uuid5(uuid.NAMESPACE_DNS, symbol))
        return {
            "id": iid,
            "url": f"{self._base(request)}/instruments/{iid}/",
            "symbol": symbol,
            "tradeable": True,
        }

    async def _instruments(self, request: Request) -> Response:
        refused, fault = await self._api(request, "instruments")
        if refused is not None:
            return refused
        symbol = request.query_params.get("symbol", "")
        rows = [self._instrument_row(request, symbol)] if symbol.isalpha() else []
        return self._reply({"previous": None, "results": rows, "next": None}, fault)

    async def _quotes(self, request: Request) -> Response:
        """The shape robin_stocks' ``get_quotes`` reads; ``null`` for a symbol it does not know."""
        refused, fault = await self._api(request, "quotes")
        if refused is not None:
            return refused
        rows: list[dict[str, Any] | None] = []
        for symbol in request.query_params.get("symbols", "").split(","):
            if not symbol.isalpha():
                rows.append(None)
                continue
            bid, ask = self.quotes.get(symbol, ("100.000000", "100.020000"))
            rows.append(
                {
                    "ask_price": ask,
                    "ask_size": 100,
                    "bid_price": bid,
                    "bid_size": 200,
                    "last_trade_price": bid,
                    "last_extended_hours_trade_price": None,
                    "previous_close": bid,
                    "adjusted_previous_close": bid,
                    "previous_close_date": "2024-06-03",
                    "symbol": symbol,
                    "trading_halted": False,
                    "has_traded": True,
                    "last_trade_price_source": "consolidated",
                    "updated_at": self._now(),
                    "instrument": self._instrument_row(request, symbol)["url"],
                }
            )
        return self._reply({"results": rows}, fault)

    async def _instrument(self, request: Request) -> Response:
        refused, fault = await self._api(request, "instrument")
        if refused is not None:
            return refused
        iid = request.path_params["iid"]
        symbol = next((s for s in self.positions if str(uuid.uuid5(uuid.NAMESPACE_DNS, s)) == iid), None)
        if symbol is None:
            symbol = next(
                (o.data["symbol"] for o in self.orders.values() if iid in o.data["instrument"]), None
            )
        if symbol is None:
            return json_response({"detail": "Not found."}, 404)
        return self._reply(self._instrument_row(request, symbol), fault)

    async def _orders(self, request: Request) -> Response:
        refused, fault = await self._api(request, f"{request.method} orders")
        if refused is not None:
            return refused
        if request.method == "GET":
            return self._page(request, fault)
        body = await request.json()
        self.order_bodies.append(body)
        ref = str(body.get("ref_id") or "")
        if ref in self.by_ref:  # the idempotency key: the same order, not a second one
            return self._reply(self.orders[self.by_ref[ref]].data, fault)
        problem = _invalid(body)
        if problem:
            return json_response({"detail": problem}, 400)
        price = Decimal(str(body.get("price") or 0))
        if body["side"] == "buy" and price * Decimal(str(body["quantity"])) > self.cash:
            return json_response({"detail": "You do not have enough buying power to place this order."}, 400)
        oid = str(uuid.uuid4())
        now = self._now()
        data = {
            "id": oid,
            "ref_id": ref or str(uuid.uuid4()),
            "url": f"{self._base(request)}/orders/{oid}/",
            "account": body["account"],
            "instrument": body["instrument"],
            "symbol": body["symbol"],
            "cancel": f"{self._base(request)}/orders/{oid}/cancel/",
            "state": "confirmed",
            "side": body["side"],
            "quantity": str(Decimal(str(body["quantity"]))),
            "cumulative_quantity": "0",
            "average_price": None,
            "price": body.get("price"),
            "stop_price": body.get("stop_price"),
            "preset_percent_limit": body.get("preset_percent_limit"),
            "type": body["type"],
            "trigger": body.get("trigger", "immediate"),
            "time_in_force": body.get("time_in_force", "gfd"),
            "executions": [],
            "reject_reason": None,
            "created_at": now,
            "updated_at": now,
            "last_transaction_at": now,
        }
        self.orders[oid] = FakeOrder(data)
        self.by_ref[data["ref_id"]] = oid
        return self._reply(data, fault, 201)

    def _page(self, request: Request, fault: str | None) -> Response:
        since = request.query_params.get("updated_at[gte]", "")
        rows = sorted(
            (o.data for o in self.orders.values() if o.data["updated_at"] >= since),
            key=lambda d: d["updated_at"],
            reverse=True,
        )
        start = int(request.query_params.get("cursor", "0"))
        chunk = rows[start : start + self.page_size]
        nxt = None
        if start + self.page_size < len(rows):
            nxt = f"{self._base(request)}/orders/?updated_at[gte]={since}&cursor={start + self.page_size}"
        return self._reply({"previous": None, "results": chunk, "next": nxt}, fault)

    async def _order(self, request: Request) -> Response:
        refused, fault = await self._api(request, "order")
        if refused is not None:
            return refused
        order = self.orders.get(request.path_params["oid"])
        if order is None:
            return json_response({"detail": "Not found."}, 404)
        return self._reply(order.data, fault)

    async def _cancel(self, request: Request) -> Response:
        refused, fault = await self._api(request, "cancel")
        if refused is not None:
            return refused
        order = self.orders.get(request.path_params["oid"])
        if order is None:
            return json_response({"detail": "Not found."}, 404)
        if order.data["state"] not in _OPEN:
            return json_response({"detail": "Order cannot be cancelled."}, 400)
        order.data.update(state="cancelled", cancel=None, updated_at=self._now())
        return self._reply({}, fault)

    async def _positions(self, request: Request) -> Response:
        refused, fault = await self._api(request, "positions")
        if refused is not None:
            return refused
        rows = [
            {
                "instrument": self._instrument_row(request, s)["url"],
                "quantity": f"{q:.8f}",
                "average_buy_price": f"{self.avg_price.get(s, Decimal(0)):.4f}",
            }
            for s, q in self.positions.items()
            if q
        ]
        return self._reply({"previous": None, "results": rows, "next": None}, fault)

    def _now(self) -> str:
        ns = self.clock.now_ns()
        dt = datetime.fromtimestamp(ns // NS, tz=UTC)
        return f"{dt:%Y-%m-%dT%H:%M:%S}.{(ns % NS) // 1000:06d}Z"


def _invalid(body: dict[str, Any]) -> str:
    for key in ("account", "instrument", "symbol", "quantity", "side", "type", "ref_id"):
        if not body.get(key):
            return f"{key}: This field is required."
    if body["side"] not in ("buy", "sell"):
        return "side: not a valid choice."
    if body["type"] == "limit" and not body.get("price"):
        return "price: This field is required for limit orders."
    if Decimal(str(body["quantity"])) <= 0:
        return "quantity: Ensure this value is greater than 0."
    return ""
