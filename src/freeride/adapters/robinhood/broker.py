"""Robinhood behind the ``Broker`` port, with its session kept alive by the token daemon.

Orders carry a ``ref_id`` derived from the client order id (``parse.ref_id_for``): the same order
sent twice is one order. Robinhood has no order stream, so open orders are polled every
``poll_s`` on the clock; each execution becomes a fill under Robinhood's execution id, and the
same execution seen on the next poll is recognised (here and again by the order manager).
Robinhood has no replace either: ``replace`` cancels and places the new order.
"""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import Awaitable, Callable
from datetime import UTC, datetime
from decimal import Decimal
from typing import Any

import httpx

from freeride.adapters.robinhood import parse
from freeride.adapters.robinhood.auth import RobinhoodAuth
from freeride.adapters.robinhood.client import NotFound, RobinhoodClient
from freeride.adapters.robinhood.config import RobinhoodConfig
from freeride.adapters.robinhood.tokens import TokenDaemon, Tokens, TokenVault
from freeride.core.clock import NS_PER_SECOND, Clock
from freeride.core.errors import AuthError, FreerideError, InvalidInput
from freeride.core.orders import Order, OrderType, Position
from freeride.ports.broker import (
    Amendment,
    BrokerAccount,
    BrokerUpdate,
    DuplicateOrder,
    SessionState,
    UpdateListener,
)

OnLost = Callable[[AuthError], Awaitable[None]]


class RobinhoodBroker:
    def __init__(
        self,
        config: RobinhoodConfig,
        clock: Clock,
        vault: TokenVault,
        *,
        transport: httpx.AsyncBaseTransport | None = None,
        poll: bool = True,
        manage_tokens: bool = True,
    ) -> None:
        """``manage_tokens=False`` for an observer beside a running engine: the stored tokens are
        used but never refreshed, since the refresh token is single-use and the engine holds it."""
        self.name = config.name
        self.config = config
        self._clock = clock
        self._vault = vault
        self.auth = RobinhoodAuth(config, clock, transport)
        self._transport = transport
        self.daemon: TokenDaemon | None = None
        self.client = RobinhoodClient(config, self._current, self._refresh_after_401, transport)
        self._poll = poll
        self._manage_tokens = manage_tokens
        self._task: asyncio.Task[None] | None = None
        self._listeners: list[UpdateListener] = []
        self._on_lost: list[OnLost] = []
        self._ids: dict[str, str] = {}  # client order id → Robinhood order id
        self._cids: dict[str, str] = {}  # Robinhood order id → client order id
        self._open: dict[str, Order] = {}  # Robinhood id → last state reported, while open
        self._emitted: set[str] = set()  # execution ids already reported
        self._symbols: dict[str, str] = {}  # instrument URL → symbol
        self._instruments: dict[str, str] = {}  # symbol → instrument URL
        self._account_url: str | None = None
        self.polls = 0

    # -- session ---------------------------------------------------------------------------------
    def on_session_lost(self, callback: OnLost) -> None:
        """Called once, at once, when the session dies (a refresh refused, a token revoked)."""
        self._on_lost.append(callback)

    def _current(self) -> Tokens:
        if self.daemon is None:
            raise AuthError("robinhood: no stored session: run `freeride broker login robinhood`")
        return self.daemon.tokens

    async def _refresh_after_401(self, seen: str) -> Tokens:
        if self.daemon is None:
            raise AuthError("robinhood: no stored session: run `freeride broker login robinhood`")
        if not self._manage_tokens:
            raise AuthError(
                "robinhood: the access token was refused and an observer never refreshes it: a running "
                "engine does, else run `freeride broker login robinhood`"
            )
        return await self.daemon.refresh_now(seen=seen)

    async def _lost(self, exc: AuthError) -> None:
        for callback in self._on_lost:
            await callback(exc)

    async def connect(self) -> None:
        tokens = await self._vault.load()
        if tokens is not None and self.daemon is None:
            self.daemon = TokenDaemon(
                tokens,
                self.auth.refresh,
                self._vault,
                self._clock,
                refresh_ahead_s=self.config.refresh_ahead_s,
                on_failure=self._lost,
            )
            if self._manage_tokens:
                self.daemon.start()
        if self._poll and self._task is None:
            self._task = asyncio.create_task(self._poll_loop(), name=f"{self.name}:orders")

    async def close(self) -> None:
        if self._task is not None:
            self._task.cancel()
            await asyncio.gather(self._task, return_exceptions=True)
            self._task = None
        if self.daemon is not None:
            await self.daemon.stop()
        await self.client.aclose()
        await self.auth.aclose()

    async def session(self) -> SessionState:
        if self.daemon is None:
            return SessionState(
                alive=False, detail="no stored session: run `freeride broker login robinhood`"
            )
        if self.daemon.failure is not None:
            raise self.daemon.failure
        await self.client.request("GET", "/positions/", params={"nonzero": "true"})
        return SessionState(alive=True, detail="token valid", expires_at_ns=self.daemon.tokens.expires_at_ns)

    async def check_session(self) -> SessionState:
        """The stored session checked with one read and never refreshed, without ``connect``.

        For a check from another process (``freeride doctor --online``): refresh tokens are
        single-use, so refreshing here would spend the one a running engine holds and kill its
        session. An expired or refused access token is reported, not repaired.
        """
        tokens = await self._vault.load()
        login = "run `freeride broker login robinhood`"
        if tokens is None:
            return SessionState(alive=False, detail=f"no stored session: {login}")
        if tokens.expires_at_ns <= self._clock.now_ns():
            return SessionState(
                alive=False,
                detail=f"the access token has expired: a running engine refreshes it, else {login}",
                expires_at_ns=tokens.expires_at_ns,
            )

        async def no_refresh(_seen: str) -> Tokens:
            raise AuthError(f"robinhood: the access token was refused (a check never refreshes): {login}")

        probe = RobinhoodClient(self.config, lambda: tokens, no_refresh, self._transport)
        try:
            await probe.request("GET", "/positions/", params={"nonzero": "true"})
        finally:
            await probe.aclose()
        return SessionState(alive=True, detail="token valid", expires_at_ns=tokens.expires_at_ns)

    # -- orders ----------------------------------------------------------------------------------
    async def submit(self, order: Order) -> Order:
        book = await self._quote(order.symbol) if order.order_type is OrderType.MARKET else None
        body = parse.order_request(order, await self._account(), await self._instrument(order.symbol), book)
        try:
            data = await self.client.request(
                "POST", "/orders/", json_body=body, client_order_id=order.client_order_id
            )
        except InvalidInput as exc:
            if "ref_id" in str(exc):
                raise DuplicateOrder(str(exc), order.client_order_id) from exc
            raise
        return self._read(data, order.client_order_id)

    async def cancel(self, client_order_id: str) -> Order:
        known = await self.order_by_client_id(client_order_id)
        if known is None:
            raise InvalidInput(f"{self.name}: no order with client id {client_order_id!r}")
        if known.status.is_open:
            # it filled or ended meanwhile (404, 400): the state read next says which
            with contextlib.suppress(NotFound, InvalidInput):
                await self.client.request("POST", f"/orders/{known.broker_order_id}/cancel/")
        return await self.order_by_broker_id(str(known.broker_order_id)) or known

    async def replace(self, client_order_id: str, new_client_order_id: str, change: Amendment) -> Order:
        old = await self.cancel(client_order_id)
        if old.status.is_open:
            raise InvalidInput(f"{self.name}: {client_order_id} could not be cancelled to be replaced")
        new = Order(
            client_order_id=new_client_order_id,
            strategy=old.strategy,
            symbol=old.symbol,
            side=old.side,
            quantity=change.quantity if change.quantity is not None else old.quantity - old.filled_quantity,
            order_type=old.order_type,
            limit_price=change.limit_price if change.limit_price is not None else old.limit_price,
            stop_price=change.stop_price if change.stop_price is not None else old.stop_price,
            time_in_force=old.time_in_force,
            status=old.status.PENDING_NEW,
            ts_event=self._clock.now_ns(),
            ts_init=self._clock.now_ns(),
        )
        return await self.submit(new)

    async def order_by_broker_id(self, broker_order_id: str) -> Order | None:
        try:
            data = await self.client.request("GET", f"/orders/{broker_order_id}/")
        except NotFound:
            return None
        return self._read(data)

    async def order_by_client_id(self, client_order_id: str) -> Order | None:
        known = self._ids.get(client_order_id)
        if known is not None:
            return await self.order_by_broker_id(known)
        ref_id = parse.ref_id_for(client_order_id)
        for data in await self._recent():
            if data.get("ref_id") == ref_id:
                return self._read(data, client_order_id)
        return None

    async def open_orders(self) -> list[Order]:
        return [o for o in (self._read(d) for d in await self._recent()) if o.status.is_open]

    async def _recent(self) -> list[dict[str, Any]]:
        since = self._clock.now_ns() - round(self.config.order_lookback_s * NS_PER_SECOND)
        params = {"updated_at[gte]": _iso(since)}
        page: Any = await self.client.request("GET", "/orders/", params=params)
        found: list[dict[str, Any]] = []
        while isinstance(page, dict):
            found.extend(page.get("results") or [])
            nxt = page.get("next")
            page = await self.client.request("GET", str(nxt)) if nxt else None
        return found

    async def positions(self) -> list[Position]:
        data = await self.client.request("GET", "/positions/", params={"nonzero": "true"})
        now = self._clock.now_ns()
        return [
            parse.position(row, await self._symbol(str(row["instrument"])), now)
            for row in data.get("results", [])
        ]

    async def account(self) -> BrokerAccount:
        data = await self.client.request("GET", "/accounts/")
        row = (data.get("results") or [{}])[0]
        portfolio = await self.client.request("GET", f"/portfolios/{row.get('account_number')}/")
        equity = Decimal(str(portfolio["equity"])) if portfolio and portfolio.get("equity") else None
        return parse.account(row, equity, self._clock.now_ns())

    # -- lookups ---------------------------------------------------------------------------------
    async def _account(self) -> str:
        if self._account_url is None:
            data = await self.client.request("GET", "/accounts/")
            rows = data.get("results") or []
            if not rows:
                raise AuthError(f"{self.name}: the login has no brokerage account")
            self._account_url = str(rows[0]["url"])
        return self._account_url

    async def _quote(self, symbol: str) -> parse.BidAsk:
        data = await self.client.request("GET", "/marketdata/quotes/", params={"symbols": symbol})
        return parse.quote(data, symbol)

    async def _instrument(self, symbol: str) -> str:
        url = self._instruments.get(symbol)
        if url is None:
            data = await self.client.request("GET", "/instruments/", params={"symbol": symbol})
            rows = data.get("results") or []
            if not rows:
                raise InvalidInput(f"{self.name}: no instrument {symbol!r}")
            url = str(rows[0]["url"])
            self._instruments[symbol] = url
            self._symbols[url] = symbol
        return url

    async def _symbol(self, instrument_url: str) -> str:
        symbol = self._symbols.get(instrument_url)
        if symbol is None:
            data = await self.client.request("GET", instrument_url)
            symbol = str(data["symbol"])
            self._symbols[instrument_url] = symbol
            self._instruments[symbol] = instrument_url
        return symbol

    def _read(self, data: dict[str, Any], client_order_id: str | None = None) -> Order:
        rid = str(data["id"])
        cid = (
            client_order_id
            or self._cids.get(rid)
            or parse.client_id_from(str(data.get("ref_id", "")))
            or f"rh:{data.get('ref_id') or rid}"
        )
        self._ids[cid], self._cids[rid] = rid, cid
        symbol = str(data.get("symbol") or self._symbols.get(str(data.get("instrument")), ""))
        now = self._clock.now_ns()
        order = parse.order(data, symbol, cid, parse.iso_ns(data.get("updated_at"), now), now)
        if order.status.is_open:
            self._open.setdefault(rid, order)
        return order

    # -- polling for updates ---------------------------------------------------------------------
    def on_update(self, listener: UpdateListener) -> None:
        self._listeners.append(listener)

    def _emit(self, update: BrokerUpdate) -> None:
        for listener in self._listeners:
            listener(update)

    async def _poll_loop(self) -> None:
        while True:
            await self._clock.sleep(self.config.poll_s)
            try:
                await self.poll_once()
            except AuthError as exc:
                await self._lost(exc)
            except FreerideError:
                continue  # a passing fault: the next poll asks again

    async def poll_once(self) -> None:
        """Ask for every open order once; report state changes and new executions."""
        self.polls += 1
        for rid, before in list(self._open.items()):
            try:
                data = await self.client.request("GET", f"/orders/{rid}/")
            except NotFound:
                self._open.pop(rid, None)
                continue
            current = self._read(data)
            if (current.status, current.filled_quantity) != (before.status, before.filled_quantity):
                self._emit(current)
            for fill in parse.executions(data, current):
                if fill.fill_id not in self._emitted:
                    self._emitted.add(fill.fill_id)
                    self._emit(fill)
            if current.status.is_open:
                self._open[rid] = current
            else:
                self._open.pop(rid, None)


def _iso(ns: int) -> str:
    return datetime.fromtimestamp(ns // NS_PER_SECOND, tz=UTC).strftime("%Y-%m-%dT%H:%M:%SZ")
