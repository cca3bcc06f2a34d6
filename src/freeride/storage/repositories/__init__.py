"""SQLAlchemy implementations of the repository ports (``freeride.ports.repositories``).

Every method opens its own short transaction and speaks domain types only; rows never leave.
``Repositories.from_engine`` builds the whole set for the composition root.
"""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy.ext.asyncio import AsyncEngine

from freeride.storage.repositories.alerts import AlertRepository
from freeride.storage.repositories.channels import ChannelStateRepository
from freeride.storage.repositories.equity import EquityRepository
from freeride.storage.repositories.journal import JournalRepository
from freeride.storage.repositories.market import BarRepository, InstrumentRepository
from freeride.storage.repositories.outbox import OutboxRepository
from freeride.storage.repositories.runs import RunRepository, SystemEventRepository
from freeride.storage.repositories.sessions import SessionRepository
from freeride.storage.repositories.tokens import TokenRepository
from freeride.storage.repositories.trading import FillRepository, OrderRepository, PositionRepository

__all__ = [
    "AlertRepository",
    "BarRepository",
    "ChannelStateRepository",
    "EquityRepository",
    "FillRepository",
    "InstrumentRepository",
    "JournalRepository",
    "OrderRepository",
    "OutboxRepository",
    "PositionRepository",
    "Repositories",
    "RunRepository",
    "SessionRepository",
    "SystemEventRepository",
    "TokenRepository",
]


@dataclass(frozen=True, slots=True)
class Repositories:
    """One of each repository over the same engine."""

    instruments: InstrumentRepository
    bars: BarRepository
    orders: OrderRepository
    fills: FillRepository
    positions: PositionRepository
    system_events: SystemEventRepository
    runs: RunRepository
    alerts: AlertRepository
    outbox: OutboxRepository
    tokens: TokenRepository
    channels: ChannelStateRepository
    journal: JournalRepository
    equity: EquityRepository

    @classmethod
    def from_engine(cls, engine: AsyncEngine) -> Repositories:
        return cls(
            instruments=InstrumentRepository(engine),
            bars=BarRepository(engine),
            orders=OrderRepository(engine),
            fills=FillRepository(engine),
            positions=PositionRepository(engine),
            system_events=SystemEventRepository(engine),
            runs=RunRepository(engine),
            alerts=AlertRepository(engine),
            outbox=OutboxRepository(engine),
            tokens=TokenRepository(engine),
            channels=ChannelStateRepository(engine),
            journal=JournalRepository(engine),
            equity=EquityRepository(engine),
        )
