"""A fake Alpaca trading API: REST under ``/v2`` and the ``trade_updates`` WebSocket at ``/stream``.

It keeps orders, positions and an account, and speaks Alpaca's wire shapes: numbers as strings,
ISO times, ``{"code": …, "message": …}`` errors. What the real service does that matters here:

- a ``client_order_id`` is never accepted twice, not even after a cancel: HTTP 422
  ``client_order_id must be unique``;
- 403 ``insufficient buying power`` (code 40310000), 401 ``request is not authorized``, 429 with
  ``X-RateLimit-*`` headers, 5xx;
- the stream authenticates (``auth`` → ``authorization``), acknowledges ``listen`` and then sends
  ``trade_updates`` as **binary** frames; updates sent while no socket is open are lost, as they are
  at Alpaca.

Every (partial) fill is also recorded as a trade activity, served by
``GET /v2/account/activities/{activity_type}`` with Alpaca's paging (see ``_activities``), so a
client can read back, execution by execution, what it missed while its stream was down.

Faults are scripted per request (``fail("rate_limited")``; ``down``, ``bad_key``, ``lose_reply``);
``fail_activities`` scripts faults for the activities endpoint alone.
``lose_reply`` lets the request take effect and then loses the answer: ``LostReplyTransport``
raises ``httpx.ReadTimeout`` to the client instead, which is a timeout after the broker accepted.
Fills are driven by the test (``fill``), or at once for market orders when ``auto_fill`` has a price.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import re
import uuid
from collections import deque
from dataclasses import dataclass, field
from datetime import UTC, datetime
from decimal import Decimal
from typing import Any
from zoneinfo import ZoneInfo

import httpx
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Route, WebSocketRoute
from starlette.websockets import WebSocket, WebSocketDisconnect

from freeride.core.clock import Clock
from freeride.testing.fakes.base import FakeVendor, json_response

DUPLICATE = {"code": 40010001, "message": "client_order_id must be unique"}
NOT_FOUND = {"code": 40410000, "message": "order not found"}
UNAUTHORIZED = {"code": 40110000, "message": "request is not authorized"}
NO_BUYING_POWER = {"code": 40310000, "message": "insufficient buying power"}
RATE_LIMITED = {"code": 42910000, "message": "rate limit exceeded"}
INTERNAL = {"code": 50010000, "message": "internal server error"}
_OPEN = {"new", "accepted", "partially_filled", "pending_new", "pending_cancel", "pending_replace"}
ACCOUNT_ID = "e6fe16f3-64a4-4921-8928-cadf02f92f98"
# Activity types from Alpaca's trading API docs (alpacahq/alpaca-docs,
# content/api-references/trading-api/account-activities.md).
ACTIVITY_TYPES = frozenset(
    {
        *("FILL", "TRANS", "MISC", "ACATC", "ACATS", "CFEE", "CSD", "CSW", "FEE", "INT", "INTNRA", "INTTW"),
        *("DIV", "DIVCGL", "DIVCGS", "DIVFEE", "DIVFT", "DIVNRA", "DIVROC", "DIVTW", "DIVTXEX"),
        *("JNL", "JNLC", "JNLS", "MA", "NC", "OPASN", "OPEXP", "OPXRC", "PTC", "PTR", "REORG", "SC"),
        *("SSO", "SSP"),
    }
)
MAX_ACTIVITY_PAGE = 100
_NEW_YORK = ZoneInfo("America/New_York")
_DAY_OR_TIME = re.compile(r"^(\d{4}-\d\d-\d\d)(?:T(\d\d:\d\d:\d\d)(?:\.(\d+))?(Z|[+-]\d\d:\d\d))?$")


@dataclass
class FakeOrder:
    data: dict[str, Any]
    executions: list[dict[str, Any]] = field(default_factory=list)

    @property
    def open(self) -> bool:
        return self.data["status"] in _OPEN


class FakeAlpaca(FakeVendor):
    def __init__(
        self,
        key_id: str = "PKTEST",
        secret_key: str = "alpaca-secret",
        *,
        cash: str = "100000",
        clock: Clock | None = None,
    ) -> None:
        super().__init__(clock=clock)
        self.key_id = key_id
        self.secret_key = secret_key
        self.cash = Decimal(cash)
        self.orders: dict[str, FakeOrder] = {}  # by Alpaca id
        self.by_client: dict[str, str] = {}  # every client id ever used → Alpaca id
        self.positions: dict[str, Decimal] = {}
        self.avg_price: dict[str, Decimal] = {}
        self.auto_fill: dict[str, Decimal] = {}
        self.account_status = "ACTIVE"
        self.lost_replies = 0
        self.sockets: list[asyncio.Queue[bytes | None]] = []
        self.stream_connects = 0
        self.lost_updates: list[dict[str, Any]] = []
        self.activities: list[dict[str, Any]] = []  # FILL activities, in the order they happened
        self.activity_requests: list[dict[str, str]] = []  # the query of each activities call
        self._activity_faults: deque[str] = deque()
        self._listening = asyncio.Event()
        routes = [
            Route("/v2/orders:by_client_order_id", self._by_client, methods=["GET"]),
            Route("/v2/orders", self._orders, methods=["GET", "POST", "DELETE"]),
            Route("/v2/orders/{order_id}", self._order, methods=["GET", "PATCH", "DELETE"]),
            Route("/v2/positions", self._positions, methods=["GET"]),
            Route("/v2/account", self._account, methods=["GET"]),
            Route("/v2/account/activities/{activity_type}", self._activities, methods=["GET"]),
            WebSocketRoute("/stream", self._stream),
        ]
        self.app = Starlette(routes=routes)

    # -- test controls -------------------------------------------------------------------------
    def order_by_client(self, client_order_id: str) -> dict[str, Any] | None:
        oid = self.by_client.get(client_order_id)
        return None if oid is None else self.orders[oid].data

    def fill(self, client_order_id: str, qty: str, price: str) -> dict[str, Any]:
        """Execute ``qty`` of an open order at ``price`` and stream the (partial) fill."""
        order = self.orders[self.by_client[client_order_id]]
        data = order.data
        q, p = Decimal(qty), Decimal(price)
        filled = Decimal(data["filled_qty"]) + q
        old_avg = Decimal(data["filled_avg_price"] or 0)
        avg = (old_avg * Decimal(data["filled_qty"]) + p * q) / filled
        total = Decimal(data["qty"])
        data.update(
            filled_qty=str(filled),
            filled_avg_price=str(avg),
            status="filled" if filled >= total else "partially_filled",
            updated_at=self._now(),
        )
        if filled >= total:
            data["filled_at"] = data["updated_at"]
        sign = 1 if data["side"] == "buy" else -1
        self.positions[data["symbol"]] = self.positions.get(data["symbol"], Decimal(0)) + sign * q
        self.avg_price[data["symbol"]] = p
        self.cash -= sign * q * p
        execution = {
            "event": "fill" if filled >= total else "partial_fill",
            "execution_id": str(uuid.uuid4()),
            "order": dict(data),
            "timestamp": data["updated_at"],
            "price": str(p),
            "qty": str(q),
            "position_qty": str(self.positions[data["symbol"]]),
        }
        order.executions.append(execution)
        self.activities.append(self._fill_activity(data, q, p, total - filled))
        self.push(execution)
        return execution

    def _fill_activity(
        self, data: dict[str, Any], qty: Decimal, price: Decimal, leaves: Decimal
    ) -> dict[str, Any]:
        """The trade activity Alpaca records for one execution.

        Shape: alpaca-py ``alpaca/trading/models.py`` ``TradeActivity``/``BaseActivity`` and the
        sample object in alpacahq/alpaca-docs ``content/api-references/accounts/account-activities.md``:
        numbers as strings; ``id`` is ``<yyyymmddHHMMSSmmm>::<uuid>`` with the time in New York
        (the docs' ``20210510100104650::…`` is ``2021-05-10T14:01:04.650Z``), so ids sort by time.
        The UUID is not the stream's ``execution_id``: Alpaca does not document that they match,
        so the fake makes them differ and a client cannot lean on it.
        """
        ns = self.clock.now_ns()
        local = datetime.fromtimestamp(ns // 1_000_000_000, tz=UTC).astimezone(_NEW_YORK)
        millis = ns % 1_000_000_000 // 1_000_000
        done = data["status"] == "filled"
        return {
            "id": f"{local:%Y%m%d%H%M%S}{millis:03d}::{uuid.uuid4()}",
            "account_id": ACCOUNT_ID,
            "activity_type": "FILL",
            "transaction_time": data["updated_at"],
            "type": "fill" if done else "partial_fill",
            "price": str(price),
            "qty": str(qty),
            "side": data["side"],
            "symbol": data["symbol"],
            "leaves_qty": str(leaves),
            "order_id": data["id"],
            "cum_qty": data["filled_qty"],
            "order_status": data["status"],
        }

    def fail_activities(self, fault: str, times: int = 1) -> None:
        """The next ``times`` activities requests fail (``down``, ``rate_limited``, ``bad_key``)."""
        self._activity_faults.extend([fault] * times)

    def push(self, update: dict[str, Any]) -> None:
        """Send one ``trade_updates`` message to every open socket (lost when none is open)."""
        frame = json.dumps({"stream": "trade_updates", "data": update}).encode()
        if not self.sockets:
            self.lost_updates.append(update)
        for queue in self.sockets:
            queue.put_nowait(frame)

    def drop_stream(self) -> None:
        """Close every stream connection from the server side."""
        for queue in self.sockets:
            queue.put_nowait(None)

    async def wait_listening(self, connects: int = 1) -> None:
        while self.stream_connects < connects or not self.sockets:
            self._listening.clear()
            await self._listening.wait()

    # -- REST ----------------------------------------------------------------------------------
    async def _check(
        self, request: Request, endpoint: str, extra: deque[str] | None = None
    ) -> tuple[Response | None, str | None]:
        fault = await self.begin(endpoint)
        if extra:
            fault = extra.popleft()
        key = request.headers.get("apca-api-key-id")
        secret = request.headers.get("apca-api-secret-key")
        if key != self.key_id or secret != self.secret_key or fault == "bad_key":
            return json_response(UNAUTHORIZED, 401), None
        if fault == "rate_limited":
            reset = str(int(self.clock.now_ns() / 1e9) + 2)
            headers = {"X-RateLimit-Limit": "200", "X-RateLimit-Remaining": "0", "X-RateLimit-Reset": reset}
            return json_response(RATE_LIMITED, 429, headers), None
        if fault == "down":
            return json_response(INTERNAL, 500), None
        return None, fault

    def _reply(self, data: Any, fault: str | None, status: int = 200) -> Response:
        if fault == "lose_reply":
            self.lost_replies += 1
            return Response(status_code=599, headers={"x-fake-lost-reply": "1"})
        return JSONResponse(data, status_code=status)

    async def _orders(self, request: Request) -> Response:
        refused, fault = await self._check(request, f"{request.method} orders")
        if refused is not None:
            return refused
        if request.method == "GET":
            status = request.query_params.get("status", "open")
            found = [o.data for o in self.orders.values() if status == "all" or o.open == (status == "open")]
            return self._reply(found, fault)
        if request.method == "DELETE":
            for order in self.orders.values():
                if order.open:
                    self._cancel(order)
            return Response(status_code=207)
        body = await request.json()
        cid = str(body.get("client_order_id") or uuid.uuid4())
        if cid in self.by_client:
            return json_response(DUPLICATE, 422)
        problem = _invalid(body)
        if problem:
            return json_response({"code": 40010001, "message": problem}, 422)
        price = Decimal(body.get("limit_price") or self.auto_fill.get(body["symbol"], 0) or 0)
        if body["side"] == "buy" and Decimal(body["qty"]) * price > self.cash:
            return json_response(NO_BUYING_POWER, 403)
        order = self._new_order(body, cid)
        if body["type"] == "market" and body["symbol"] in self.auto_fill:
            self.fill(cid, body["qty"], str(self.auto_fill[body["symbol"]]))
        return self._reply(order.data, fault)

    def _new_order(self, body: dict[str, Any], cid: str, replaces: str | None = None) -> FakeOrder:
        oid = str(uuid.uuid4())
        now = self._now()
        data = {
            "id": oid,
            "client_order_id": cid,
            "created_at": now,
            "updated_at": now,
            "submitted_at": now,
            "filled_at": None,
            "expired_at": None,
            "canceled_at": None,
            "failed_at": None,
            "replaced_at": None,
            "replaced_by": None,
            "replaces": replaces,
            "asset_id": str(uuid.uuid5(uuid.NAMESPACE_DNS, body["symbol"])),
            "symbol": body["symbol"],
            "asset_class": "us_equity",
            "notional": None,
            "qty": str(body["qty"]),
            "filled_qty": "0",
            "filled_avg_price": None,
            "order_class": "simple",
            "order_type": body["type"],
            "type": body["type"],
            "side": body["side"],
            "time_in_force": body["time_in_force"],
            "limit_price": body.get("limit_price"),
            "stop_price": body.get("stop_price"),
            "status": "accepted",
            "extended_hours": False,
            "legs": None,
            "trail_percent": None,
            "trail_price": None,
            "hwm": None,
            "position_intent": "buy_to_open" if body["side"] == "buy" else "sell_to_close",
        }
        order = FakeOrder(data)
        self.orders[oid] = order
        self.by_client[cid] = oid
        self.push({"event": "new", "order": dict(data), "timestamp": now})
        return order

    async def _by_client(self, request: Request) -> Response:
        refused, fault = await self._check(request, "by_client_order_id")
        if refused is not None:
            return refused
        oid = self.by_client.get(request.query_params.get("client_order_id", ""))
        if oid is None:
            return json_response(NOT_FOUND, 404)
        return self._reply(self.orders[oid].data, fault)

    async def _order(self, request: Request) -> Response:
        refused, fault = await self._check(request, f"{request.method} order")
        if refused is not None:
            return refused
        order = self.orders.get(request.path_params["order_id"])
        if order is None:
            return json_response(NOT_FOUND, 404)
        if request.method == "GET":
            return self._reply(order.data, fault)
        if not order.open:
            return json_response({"code": 42210000, "message": "order is not cancelable"}, 422)
        if request.method == "DELETE":
            self._cancel(order)
            return self._reply(None, fault, 204) if fault == "lose_reply" else Response(status_code=204)
        body = await request.json()
        cid = str(body.get("client_order_id") or uuid.uuid4())
        if cid in self.by_client:
            return json_response(DUPLICATE, 422)
        merged = {**order.data, "qty": body.get("qty", order.data["qty"])}
        for key in ("limit_price", "stop_price"):
            if key in body:
                merged[key] = body[key]
        order.data.update(status="replaced", replaced_at=self._now())
        new = self._new_order(merged, cid, replaces=order.data["id"])
        order.data["replaced_by"] = new.data["id"]
        self.push({"event": "replaced", "order": dict(order.data), "timestamp": self._now()})
        return self._reply(new.data, fault)

    def _cancel(self, order: FakeOrder) -> None:
        order.data.update(status="canceled", canceled_at=self._now(), updated_at=self._now())
        self.push({"event": "canceled", "order": dict(order.data), "timestamp": self._now()})

    async def _positions(self, request: Request) -> Response:
        refused, fault = await self._check(request, "positions")
        if refused is not None:
            return refused
        rows = [
            {
                "asset_id": str(uuid.uuid5(uuid.NAMESPACE_DNS, symbol)),
                "symbol": symbol,
                "exchange": "NASDAQ",
                "asset_class": "us_equity",
                "avg_entry_price": str(self.avg_price.get(symbol, 0)),
                "qty": str(qty),
                "side": "long" if qty > 0 else "short",
                "market_value": str(qty * self.avg_price.get(symbol, Decimal(0))),
            }
            for symbol, qty in self.positions.items()
            if qty
        ]
        return self._reply(rows, fault)

    async def _account(self, request: Request) -> Response:
        refused, fault = await self._check(request, "account")
        if refused is not None:
            return refused
        equity = self.cash + sum(
            (q * self.avg_price.get(s, Decimal(0)) for s, q in self.positions.items()), Decimal(0)
        )
        data = {
            "id": ACCOUNT_ID,
            "account_number": "PA3TEST01",
            "status": self.account_status,
            "currency": "USD",
            "cash": str(self.cash),
            "buying_power": str(max(self.cash, Decimal(0)) * 2),
            "equity": str(equity),
            "portfolio_value": str(equity),
            "trading_blocked": False,
            "account_blocked": False,
            "pattern_day_trader": False,
        }
        return self._reply(data, fault)

    async def _activities(self, request: Request) -> Response:
        """``GET /v2/account/activities/{activity_type}``: a JSON array, one page of it.

        Paging as Alpaca documents it (alpacahq/alpaca-docs
        ``content/api-references/trading-api/account-activities.md``) and alpaca-py pages it
        (``TradingClient._get_account_activities_iterator`` in ``alpaca/trading/client.py``):
        ``direction`` ``asc`` or ``desc`` (the default); ``page_token`` is the id of the last
        activity of the previous page — ``asc`` goes on with the ids after it, ``desc`` with those
        before; ``page_size`` at most 100 without ``date``; an empty array is the end. ``after`` and
        ``until`` (``YYYY-MM-DD`` or ``YYYY-MM-DDTHH:MM:SSZ``) bound ``transaction_time`` and cannot
        be combined with ``date``. Activities are ordered by id, as at Alpaca, so executions within
        one millisecond may come out of ``cum_qty`` order (Alpaca-API issue #170).

        Bad parameters get Alpaca's 422 body ``{"code": 40010001, "message": …}``; the message for
        an unknown type is the recorded one (``invalid activity type: FFFFF``, a recorded reply in
        jrusso1020/alpaca_elixir); the other messages are this fake's wording.
        """
        refused, fault = await self._check(request, "activities", self._activity_faults)
        if refused is not None:
            return refused
        query = dict(request.query_params)
        self.activity_requests.append(query)
        kind = request.path_params["activity_type"]
        if kind not in ACTIVITY_TYPES:
            return _bad_param(f"invalid activity type: {kind}")
        direction = query.get("direction", "desc")
        if direction not in ("asc", "desc"):
            return _bad_param(f"invalid direction: {direction}")
        bounds: dict[str, int] = {}
        for name in ("date", "after", "until"):
            text = query.get(name)
            if text is None:
                continue
            when = _time_ns(text)
            if when is None:
                return _bad_param(f"invalid {name}: {text}")
            bounds[name] = when
        if "date" in bounds and ("after" in bounds or "until" in bounds):
            return _bad_param("date cannot be used with after or until")
        try:
            size = int(query.get("page_size", MAX_ACTIVITY_PAGE))
        except ValueError:
            return _bad_param(f"invalid page_size: {query['page_size']}")
        if size < 1 or (size > MAX_ACTIVITY_PAGE and "date" not in bounds):
            return _bad_param(f"page_size must be between 1 and {MAX_ACTIVITY_PAGE}")
        rows = sorted(self.activities if kind == "FILL" else [], key=lambda a: str(a["id"]))
        day = 86_400 * 1_000_000_000
        rows = [
            a
            for a in rows
            if ("after" not in bounds or _at(a) > bounds["after"])
            and ("until" not in bounds or _at(a) < bounds["until"])
            and ("date" not in bounds or 0 <= _at(a) - bounds["date"] < day)
        ]
        if direction == "desc":
            rows.reverse()
        token = query.get("page_token")
        if token:
            rows = [a for a in rows if (a["id"] > token if direction == "asc" else a["id"] < token)]
        return self._reply(rows[:size], fault)

    # -- stream ----------------------------------------------------------------------------------
    async def _stream(self, ws: WebSocket) -> None:
        await ws.accept()
        try:
            auth = json.loads(await ws.receive_text())
            ok = auth.get("key") == self.key_id and auth.get("secret") == self.secret_key
            status = "authorized" if ok else "unauthorized"
            reply = {"stream": "authorization", "data": {"action": "authenticate", "status": status}}
            await ws.send_bytes(json.dumps(reply).encode())
            if not ok:
                await ws.close(code=1008)
                return
            listen = json.loads(await ws.receive_text())
            streams = listen.get("data", {}).get("streams", [])
            await ws.send_bytes(json.dumps({"stream": "listening", "data": {"streams": streams}}).encode())
        except WebSocketDisconnect:
            return
        queue: asyncio.Queue[bytes | None] = asyncio.Queue()
        self.sockets.append(queue)
        self.stream_connects += 1
        self._listening.set()
        try:
            while True:
                frame = await queue.get()
                if frame is None:
                    break
                await ws.send_bytes(frame)
        except (WebSocketDisconnect, RuntimeError):
            pass
        finally:
            self.sockets.remove(queue)
            with contextlib.suppress(RuntimeError, WebSocketDisconnect):
                await ws.close(code=1011)

    def _now(self) -> str:
        ns = self.clock.now_ns()
        dt = datetime.fromtimestamp(ns // 1_000_000_000, tz=UTC)
        return f"{dt:%Y-%m-%dT%H:%M:%S}.{ns % 1_000_000_000:09d}Z"


def _time_ns(text: str) -> int | None:
    """``YYYY-MM-DD`` or an RFC 3339 time → ns since the epoch (``None`` when it is neither)."""
    match = _DAY_OR_TIME.match(text)
    if match is None:
        return None
    day, clock, frac, zone = match.groups()
    offset = "+00:00" if zone in (None, "Z") else zone
    try:
        dt = datetime.fromisoformat(f"{day}T{clock or '00:00:00'}{offset}")
    except ValueError:
        return None
    return int(dt.timestamp()) * 1_000_000_000 + int(((frac or "") + "000000000")[:9])


def _at(activity: dict[str, Any]) -> int:
    return _time_ns(str(activity["transaction_time"])) or 0


def _bad_param(message: str) -> Response:
    return json_response({"code": 40010001, "message": message}, 422)


def _invalid(body: dict[str, Any]) -> str:
    if body.get("side") not in ("buy", "sell"):
        return "invalid side"
    if body.get("type") not in ("market", "limit", "stop", "stop_limit"):
        return "invalid order type"
    if body.get("type") in ("limit", "stop_limit") and not body.get("limit_price"):
        return "limit_price is required"
    try:
        if Decimal(str(body.get("qty"))) <= 0:
            return "qty must be > 0"
    except ArithmeticError:
        return "invalid qty"
    return ""


class LostReplyTransport(httpx.AsyncBaseTransport):
    """An ASGI transport that turns a fake's ``lose_reply`` into the client's read timeout.

    The fake has already acted on the request (the order exists); the client only sees that no
    answer came, as when a response is lost on the wire after the broker accepted the order.
    """

    def __init__(self, app: Any) -> None:
        self._inner = httpx.ASGITransport(app=app)

    async def handle_async_request(self, request: httpx.Request) -> httpx.Response:
        response = await self._inner.handle_async_request(request)
        if response.headers.get("x-fake-lost-reply"):
            await response.aclose()
            raise httpx.ReadTimeout("the reply was lost after the request took effect", request=request)
        return response

    async def aclose(self) -> None:
        await self._inner.aclose()
