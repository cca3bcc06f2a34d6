"""Alpaca behind the ``Broker`` port: REST for orders, positions and the account; the
``trade_updates`` stream for what happens to orders afterwards.

The client order id we generate (deterministic, from strategy, signal and leg) goes to Alpaca as
``client_order_id``, which Alpaca refuses to reuse ("client_order_id must be unique", even after a
cancel): that refusal is ``DuplicateOrder``, which the order manager resolves by looking the order
up, so a retry can never create a second order.

Alpaca does not replay updates missed while the stream was down. After every reconnect the broker
reads again each order it still holds open and reports what changed. The fills it missed are read
back from the account activities (``GET /v2/account/activities/FILL``, every page since the last
fill it knew of that order, or since the order was first seen) and reported one by one, each with
its own price, quantity, time and the activity id as its fill id. Only when that endpoint fails, or
does not yet account for all of Alpaca's ``filled_qty``, is the rest reported as one aggregated
fill at the price that makes the average come out at Alpaca's ``filled_avg_price`` (with a warning),
so a failure loses detail, never quantity.
"""

from __future__ import annotations

import asyncio
import contextlib
from decimal import Decimal
from typing import Any

import httpx
import structlog

from freeride.adapters.alpaca import parse
from freeride.adapters.alpaca.client import AlpacaClient, NotFound
from freeride.adapters.alpaca.config import AlpacaConfig
from freeride.adapters.alpaca.stream import TradeUpdateStream
from freeride.core.clock import NS_PER_SECOND, Clock
from freeride.core.errors import InvalidInput
from freeride.core.orders import Fill, Order, Position, fill_of
from freeride.net.errors import BadReply
from freeride.ports.broker import Amendment, BrokerAccount, BrokerUpdate, SessionState, UpdateListener

ZERO = Decimal(0)
MAX_PAGE_SIZE = 100  # Alpaca's documented maximum for the activities endpoint without ``date``
MAX_PAGES = 100  # a catch-up reading more than 10 000 fills is a broken reply, not a busy day
ACTIVITIES = "/v2/account/activities/FILL"

log = structlog.get_logger(__name__)


class AlpacaBroker:
    def __init__(
        self,
        config: AlpacaConfig,
        clock: Clock,
        transport: httpx.AsyncBaseTransport | None = None,
        *,
        stream: bool = True,
    ) -> None:
        self.name = config.name
        self.config = config
        self._clock = clock
        self.client = AlpacaClient(config, clock, transport)
        self.stream = TradeUpdateStream(config, clock, self._on_stream, self._caught_up) if stream else None
        self._task: asyncio.Task[None] | None = None
        self._listeners: list[UpdateListener] = []
        self._open: dict[str, Order] = {}  # broker order id → last state, while open
        self._filled: dict[str, Decimal] = {}  # broker order id → quantity reported in fills
        self._fill_value: dict[str, Decimal] = {}  # broker order id → Σ quantity × price reported
        self._since: dict[str, int] = {}  # broker order id → ts of the order when first seen
        self._last_fill: dict[str, int] = {}  # broker order id → ts of the last fill reported
        self._caught: dict[str, Decimal] = {}  # broker order id → filled quantity a catch-up covered
        self._stream_fill_ids: set[str] = set()
        self.bad_frames = 0
        self.aggregated_fills = 0  # catch-up fills that stand for several executions
        self.covered_stream_fills = 0  # stream fills dropped because a catch-up had reported them

    # -- lifecycle -----------------------------------------------------------------------------
    def on_update(self, listener: UpdateListener) -> None:
        self._listeners.append(listener)

    async def connect(self) -> None:
        if self.stream is not None and self._task is None:
            self._task = asyncio.create_task(self.stream.run(), name=f"{self.name}:trade_updates")

    async def close(self) -> None:
        await TradeUpdateStream.stop(self._task)
        self._task = None
        await self.client.aclose()

    async def session(self) -> SessionState:
        data = await self.client.request("GET", "/v2/account")
        if self.stream is not None and self.stream.auth_error is not None:
            return SessionState(alive=False, detail=str(self.stream.auth_error))
        status = str(data.get("status", ""))
        if status != "ACTIVE" or data.get("trading_blocked") or data.get("account_blocked"):
            return SessionState(alive=False, detail=f"account status {status}, trading blocked")
        return SessionState(alive=True, detail="account active")

    # -- orders --------------------------------------------------------------------------------
    async def submit(self, order: Order) -> Order:
        data = await self.client.request(
            "POST", "/v2/orders", json_body=parse.order_request(order), client_order_id=order.client_order_id
        )
        return self._seen(parse.order(data, self._clock.now_ns()))

    async def cancel(self, client_order_id: str) -> Order:
        known = await self.order_by_client_id(client_order_id)
        if known is None:
            raise InvalidInput(f"{self.name}: no order with client id {client_order_id!r}")
        if known.status.is_open:
            # filled or cancelled meanwhile (404, 422): the state read next says which
            with contextlib.suppress(NotFound, InvalidInput):
                await self.client.request("DELETE", f"/v2/orders/{known.broker_order_id}")
        after = await self.order_by_broker_id(str(known.broker_order_id))
        return after or known

    async def replace(self, client_order_id: str, new_client_order_id: str, change: Amendment) -> Order:
        known = await self.order_by_client_id(client_order_id)
        if known is None:
            raise InvalidInput(f"{self.name}: no order with client id {client_order_id!r}")
        body: dict[str, Any] = {"client_order_id": new_client_order_id}
        for field in ("quantity", "limit_price", "stop_price"):
            value = getattr(change, field)
            if value is not None:
                body["qty" if field == "quantity" else field] = str(value)
        data = await self.client.request(
            "PATCH",
            f"/v2/orders/{known.broker_order_id}",
            json_body=body,
            client_order_id=new_client_order_id,
        )
        return self._seen(parse.order(data, self._clock.now_ns()))

    async def order_by_client_id(self, client_order_id: str) -> Order | None:
        try:
            data = await self.client.request(
                "GET", "/v2/orders:by_client_order_id", params={"client_order_id": client_order_id}
            )
        except NotFound:
            return None
        return self._seen(parse.order(data, self._clock.now_ns()))

    async def order_by_broker_id(self, broker_order_id: str) -> Order | None:
        try:
            data = await self.client.request("GET", f"/v2/orders/{broker_order_id}")
        except NotFound:
            return None
        return self._seen(parse.order(data, self._clock.now_ns()))

    async def open_orders(self) -> list[Order]:
        data = await self.client.request("GET", "/v2/orders", params={"status": "open", "limit": "500"})
        now = self._clock.now_ns()
        return [self._seen(parse.order(item, now)) for item in data or []]

    async def positions(self) -> list[Position]:
        data = await self.client.request("GET", "/v2/positions")
        now = self._clock.now_ns()
        return [parse.position(item, now) for item in data or []]

    async def account(self) -> BrokerAccount:
        return parse.account(await self.client.request("GET", "/v2/account"), self._clock.now_ns())

    # -- updates -------------------------------------------------------------------------------
    def _seen(self, order: Order) -> Order:
        bid = str(order.broker_order_id)
        if order.status.is_open:
            self._open[bid] = order
            self._since.setdefault(bid, order.ts_event)
        else:
            self._open.pop(bid, None)
        return order

    def _emit(self, update: BrokerUpdate) -> None:
        for listener in self._listeners:
            listener(update)

    def _on_stream(self, data: dict[str, Any]) -> None:
        try:
            order, fill = parse.trade_update(data, self._clock.now_ns())
        except (BadReply, KeyError, TypeError):
            self.bad_frames += 1
            return
        self._seen(order)
        self._emit(order)
        if fill is None:
            return
        bid = str(order.broker_order_id)
        if fill.fill_id in self._stream_fill_ids:
            self._emit(fill)  # delivered twice: the order manager counts it once, by its id
            return
        if order.filled_quantity <= self._caught.get(bid, ZERO):
            # An execution the catch-up after a reconnect already reported (under its activity id,
            # or inside the aggregated fill): its frame was still in flight when the order was read.
            self.covered_stream_fills += 1
            return
        self._stream_fill_ids.add(fill.fill_id)
        self._count(bid, fill)
        self._emit(fill)

    def _count(self, bid: str, fill: Fill) -> None:
        self._filled[bid] = self._filled.get(bid, ZERO) + fill.quantity
        self._fill_value[bid] = self._fill_value.get(bid, ZERO) + fill.quantity * fill.price
        self._last_fill[bid] = max(self._last_fill.get(bid, 0), fill.ts_event)

    async def _caught_up(self, connects: int) -> None:
        """After a reconnect: read every order still open here again and report what changed.

        An order that filled further while the socket was down gets its missed executions from
        the account activities, one ``Fill`` each. Alpaca does not document that a stream
        ``execution_id`` equals the activity id (the stream sends a bare UUID, the activity id is
        ``<date>::<uuid>``), so fill ids cannot be what keeps a fill from being booked twice.
        Quantities do: every activity carries the order's ``cum_qty`` after it, so an activity is
        booked only for the part of the order beyond what this broker already reported, and never
        beyond the ``filled_qty`` just read (later executions arrive on the stream, which is
        listening again). Stream frames for executions the catch-up reported are dropped.
        """
        if connects <= 1:
            return
        current: list[Order] = []
        for bid in list(self._open):
            try:
                order = await self.order_by_broker_id(bid)
            except Exception as exc:  # the next reconnect or the manager's reconciliation tries again
                log.warning(
                    "alpaca_catchup_read_failed",
                    broker=self.name,
                    order=bid,
                    error=f"{type(exc).__name__}: {exc}",
                    detail="the order stays open here and is read again after the next reconnect",
                )
                continue
            if order is not None:
                current.append(order)
        behind = {
            str(o.broker_order_id): o
            for o in current
            if o.filled_quantity > self._filled.get(str(o.broker_order_id), ZERO)
        }
        executions: dict[str, list[parse.FillActivity]] | None = {}
        problem = ""
        if behind:
            since = min(self._last_fill.get(bid) or self._since.get(bid, 0) for bid in behind)
            try:
                executions = await self._fill_activities(since, set(behind))
            except Exception as exc:  # any failure: fall back to the aggregate, never lose quantity
                executions, problem = None, f"{type(exc).__name__}: {exc}"
        for order in current:
            self._emit(order)
            bid = str(order.broker_order_id)
            if bid in behind:
                found = None if executions is None else executions.get(bid, [])
                for fill in self._missed_fills(order, found, problem):
                    self._emit(fill)

    async def _fill_activities(self, since_ns: int, orders: set[str]) -> dict[str, list[parse.FillActivity]]:
        """The FILL activities of ``orders`` since ``since_ns``, every page, oldest first.

        Paging follows Alpaca's docs and alpaca-py's ``_get_account_activities_iterator``: the next
        page starts after the id of the last activity of this one (``page_token``), and an empty
        page is the end. ``after`` takes whole seconds, so it starts one second early; what that
        reads twice is told apart by ``cum_qty``.
        """
        size = max(1, min(self.config.activities_page_size, MAX_PAGE_SIZE))
        params = {
            "after": parse.iso_seconds(since_ns - NS_PER_SECOND),
            "direction": "asc",
            "page_size": str(size),
        }
        found: dict[str, list[parse.FillActivity]] = {}
        seen: set[str] = set()
        for _ in range(MAX_PAGES):
            page = await self.client.request("GET", ACTIVITIES, params=params)
            if not isinstance(page, list):
                raise BadReply(self.name, "account activities are not a list")
            if not page:
                return found
            for item in page:
                activity = parse.fill_activity(item)
                if activity is not None and activity.order_id in orders and activity.activity_id not in seen:
                    seen.add(activity.activity_id)
                    found.setdefault(activity.order_id, []).append(activity)
            token = str(page[-1].get("id") or "")
            if not token or token == params.get("page_token"):
                raise BadReply(self.name, "account activities page did not advance")
            params["page_token"] = token
        raise BadReply(self.name, f"account activities: more than {MAX_PAGES} pages")

    def _missed_fills(
        self, order: Order, activities: list[parse.FillActivity] | None, problem: str
    ) -> list[Fill]:
        """The fills of ``order`` beyond what was reported: one per activity, the rest aggregated.

        An activity covers the order's quantity from ``cum_qty − qty`` to ``cum_qty``; only the
        part above what this broker already reported, and not above ``filled_qty``, is booked.
        Activities in one millisecond may come out of order (Alpaca-API issue #170), so they are
        taken by ``cum_qty``.
        """
        bid = str(order.broker_order_id)
        covered = self._filled.get(bid, ZERO)  # the order's quantity up to here is reported
        target = order.filled_quantity
        fills: list[Fill] = []
        for activity in sorted(activities or [], key=lambda a: a.cum_quantity):
            if activity.cum_quantity > target:
                break  # after the order was read: the listening stream reports it
            start = max(covered, activity.cum_quantity - activity.quantity)
            if activity.cum_quantity <= start:
                continue  # reported before the socket dropped
            fill = self._activity_fill(order, activity, activity.cum_quantity - start)
            covered = activity.cum_quantity
            self._count(bid, fill)
            fills.append(fill)
        gap = target - self._filled.get(bid, ZERO)
        if gap > 0:
            reason = problem or "the account activities do not account for all of it yet"
            log.warning(
                "alpaca_fill_aggregated",
                broker=self.name,
                order=bid,
                quantity=str(gap),
                reason=reason,
                detail="one fill at the average price stands for the executions missed while the "
                "trade stream was down; their own prices and times are not known",
            )
            self.aggregated_fills += 1
            fills.append(self._gap_fill(order, gap))
        self._caught[bid] = max(self._caught.get(bid, ZERO), target)
        return fills

    def _activity_fill(self, order: Order, activity: parse.FillActivity, quantity: Decimal) -> Fill:
        return self._fill(order, activity.activity_id, quantity, activity.price, activity.ts_event)

    def _fill(self, order: Order, fill_id: str, quantity: Decimal, price: Decimal, ts_event: int) -> Fill:
        """A fill of ``order`` learnt from REST rather than from the stream (no commission on Alpaca)."""
        return fill_of(
            order,
            fill_id=fill_id,
            quantity=quantity,
            price=price,
            ts_event=ts_event,
            ts_init=self._clock.now_ns(),
        )

    def _gap_fill(self, order: Order, gap: Decimal) -> Fill:
        bid = str(order.broker_order_id)
        before = self._filled.get(bid, ZERO)
        avg = order.avg_fill_price or ZERO
        previous = self._fill_value.get(bid, ZERO)
        price = (avg * order.filled_quantity - previous) / gap if avg else ZERO
        self._filled[bid] = before + gap
        self._fill_value[bid] = avg * order.filled_quantity
        return self._fill(order, f"{bid}:gap:{order.filled_quantity}", gap, price, order.ts_event)
