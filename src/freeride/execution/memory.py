"""In-memory execution and control stores: the same contract as the SQL ones, nothing on disk.

Tests use them to simulate a process restart (a new order manager over the same store objects),
and the benchmark uses them to separate the order manager's own cost from the database's.
"""

from __future__ import annotations

from collections.abc import Sequence

import msgspec

from freeride.core.orders import Fill, Order, Position
from freeride.ports.execution import Approval, ApprovalState, FlattenRequest, FlattenState, Halt, HaltKind


class MemoryExecutionStore:
    def __init__(self) -> None:
        self.orders: dict[tuple[str, str], Order] = {}
        self.fills: dict[tuple[str, str], Fill] = {}
        self.position_rows: dict[tuple[str, str], Position] = {}
        self.order_writes = 0  # transactions that wrote orders (tests check persist-before-send)

    async def save_orders(self, run_id: str, orders: Sequence[Order]) -> None:
        self.order_writes += 1
        for order in orders:
            key = (run_id, order.client_order_id)
            known = self.orders.get(key)
            if known is None or order.ts_event >= known.ts_event:
                self.orders[key] = order

    async def add_orders(self, run_id: str, orders: Sequence[Order]) -> set[str]:
        self.order_writes += 1
        new: set[str] = set()
        for order in orders:
            key = (run_id, order.client_order_id)
            if key not in self.orders:
                self.orders[key] = order
                new.add(order.client_order_id)
        return new

    async def save_fills(self, run_id: str, fills: Sequence[Fill]) -> list[Fill]:
        new: list[Fill] = []
        for fill in fills:
            key = (run_id, fill.fill_id)
            if key not in self.fills:
                self.fills[key] = fill
                new.append(fill)
        return new

    async def save_positions(self, run_id: str, positions: Sequence[Position]) -> None:
        for position in positions:
            key = (run_id, position.symbol)
            known = self.position_rows.get(key)
            if known is None or position.ts_event >= known.ts_event:
                self.position_rows[key] = position

    async def get_order(self, run_id: str, client_order_id: str) -> Order | None:
        return self.orders.get((run_id, client_order_id))

    async def has_orders(self, run_id: str) -> bool:
        return any(r == run_id for r, _ in self.orders)

    async def open_orders(self, run_id: str) -> list[Order]:
        return [o for (r, _), o in self.orders.items() if r == run_id and o.status.is_open]

    async def fills_of(self, run_id: str, client_order_id: str) -> list[Fill]:
        return [f for (r, _), f in self.fills.items() if r == run_id and f.client_order_id == client_order_id]

    async def positions(self, run_id: str) -> list[Position]:
        return [p for (r, _), p in self.position_rows.items() if r == run_id]


class MemoryControlStore:
    def __init__(self) -> None:
        self._halts: dict[HaltKind, Halt] = {}
        self._approvals: dict[tuple[str, str], Approval] = {}
        self._flattens: dict[str, FlattenRequest] = {}

    async def halts(self) -> list[Halt]:
        return list(self._halts.values())

    async def engage(self, halt: Halt) -> None:
        self._halts[halt.kind] = halt

    async def release(self, kinds: Sequence[HaltKind] | None = None) -> list[Halt]:
        chosen = list(self._halts) if kinds is None else [k for k in kinds if k in self._halts]
        return [self._halts.pop(k) for k in chosen]

    async def request_approval(self, approval: Approval) -> None:
        self._approvals.setdefault((approval.run_id, approval.client_order_id), approval)

    async def approvals(
        self, run_id: str | None = None, state: ApprovalState | None = None
    ) -> list[Approval]:
        return [
            a
            for a in self._approvals.values()
            if (run_id is None or a.run_id == run_id) and (state is None or a.state is state)
        ]

    async def decide(self, run_id: str, client_order_id: str, state: ApprovalState, by: str, at: int) -> bool:
        key = (run_id, client_order_id)
        known = self._approvals.get(key)
        if known is None or known.state is not ApprovalState.PENDING:
            return False
        self._approvals[key] = msgspec.structs.replace(known, state=state, decided_by=by, decided_at=at)
        return True

    async def request_flatten(self, request: FlattenRequest) -> None:
        self._flattens.setdefault(request.request_id, request)

    async def flatten_requests(
        self, state: FlattenState | None = None, request_id: str | None = None
    ) -> list[FlattenRequest]:
        return [
            r
            for r in self._flattens.values()
            if (state is None or r.state is state) and (request_id is None or r.request_id == request_id)
        ]

    async def finish_flatten(self, request: FlattenRequest) -> bool:
        known = self._flattens.get(request.request_id)
        if known is None or known.state is not FlattenState.PENDING:
            return False
        self._flattens[request.request_id] = request
        return True
