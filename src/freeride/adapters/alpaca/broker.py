"""Alpaca behind the ``Broker`` port: REST for orders, positions and the account; the
``trade_updates`` stream for what happens to orders afterwards.

The client order id we generate (deterministic, from strategy, signal and leg) goes to Alpaca as
``client_order_id``, which Alpaca refuses to reuse ("client_order_id must be unique", even after a
cancel): that refusal is ``DuplicateOrder``, which the order manager resolves by looking the order
up, so a retry can never create a second order.

Alpaca does not replay updates missed while the stream was down. After every reconnect the broker
asks for each order it still holds open and reports what changed; a fill it missed is reported as
one fill for the gap between what the stream delivered and Alpaca's ``filled_qty``, at the price
that makes the average come out at Alpaca's ``filled_avg_price``.
"""

from __future__ import annotations

import asyncio
import contextlib
from decimal import Decimal
from typing import Any

import httpx

from freeride.adapters.alpaca import parse
from freeride.adapters.alpaca.client import AlpacaClient, NotFound
from freeride.adapters.alpaca.config import AlpacaConfig
from freeride.adapters.alpaca.stream import TradeUpdateStream
from freeride.core.clock import Clock
from freeride.core.errors import InvalidInput
from freeride.core.orders import Fill, Order, Position
from freeride.net.errors import BadReply
from freeride.ports.broker import Amendment, BrokerAccount, BrokerUpdate, SessionState, UpdateListener

ZERO = Decimal(0)


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
        self.bad_frames = 0

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
        if fill is not None:
            bid = str(order.broker_order_id)
            self._filled[bid] = self._filled.get(bid, ZERO) + fill.quantity
            self._fill_value[bid] = self._fill_value.get(bid, ZERO) + fill.quantity * fill.price
            self._emit(fill)

    async def _caught_up(self, connects: int) -> None:
        """After a reconnect: ask for every order still open here and report what changed."""
        if connects <= 1:
            return
        for bid in list(self._open):
            try:
                current = await self.order_by_broker_id(bid)
            except Exception:  # the next reconnect or the manager's reconciliation tries again
                continue
            if current is None:
                continue
            gap = current.filled_quantity - self._filled.get(bid, ZERO)
            self._emit(current)
            if gap > 0:
                self._emit(self._gap_fill(current, gap))

    def _gap_fill(self, order: Order, gap: Decimal) -> Fill:
        bid = str(order.broker_order_id)
        before = self._filled.get(bid, ZERO)
        avg = order.avg_fill_price or ZERO
        previous = self._fill_value.get(bid, ZERO)
        price = (avg * order.filled_quantity - previous) / gap if avg else ZERO
        self._filled[bid] = before + gap
        self._fill_value[bid] = avg * order.filled_quantity
        now = self._clock.now_ns()
        return Fill(
            fill_id=f"{bid}:gap:{order.filled_quantity}",
            client_order_id=order.client_order_id,
            broker_order_id=order.broker_order_id,
            strategy="",
            symbol=order.symbol,
            side=order.side,
            quantity=gap,
            price=price,
            commission=ZERO,
            ts_event=order.ts_event,
            ts_init=now,
        )
