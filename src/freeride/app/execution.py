"""Builds execution from ``Settings``: the order manager with risk and controls, the broker, its
health watch, and the services the CLI and API call.

``replay_order_manager`` is what ``freeride run`` uses: paper brokers fed by the replay, orders and
fills stored under the run's id. ``build_execution`` is the live set-up: one broker from
``execution.broker`` (paper on live quotes, Alpaca or Robinhood), orders stored under
``execution.run_id()`` so every restart reconciles against the same history.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

from sqlalchemy.ext.asyncio import AsyncEngine

from freeride.app.brokers import feed_paper_broker, report_session_loss
from freeride.config.settings import Settings
from freeride.core.clock import Clock
from freeride.core.component import Component
from freeride.execution.alerts import OperatorAlerts
from freeride.execution.control import ExecutionControl
from freeride.execution.health import BrokerHealth
from freeride.execution.manager import ManagerConfig, OrderManager
from freeride.execution.risk import RiskManager
from freeride.ports.broker import Broker
from freeride.ports.bus import Bus
from freeride.ports.notify import OutboxRepository
from freeride.storage.execution import SqlControlStore, SqlExecutionStore
from freeride.storage.leases import Fence

# Broker updates (acks, fills) are written behind in batches at most this old; see execution.writer.
WRITE_LINGER_S = 0.2


def manager_config(settings: Settings, run_id: str, **overrides: object) -> ManagerConfig:
    ex = settings.execution
    values: dict[str, object] = {
        "run_id": run_id,
        "approval_mode": ex.approval_mode,
        "approval_timeout_s": ex.approval_timeout_s,
        "lookup_attempts": ex.lookup_attempts,
        "lookup_wait_s": ex.lookup_wait_s,
        "resend_unsent_within_s": ex.resend_unsent_within_s,
        "max_consecutive_errors": ex.kill_switch.max_consecutive_errors,
        "poll_s": ex.kill_switch.poll_s,
        "queue_size": settings.bus.queue_size,
        "write_linger_s": WRITE_LINGER_S,
    }
    values.update(overrides)
    return ManagerConfig(**values)  # type: ignore[arg-type]


def replay_order_manager(
    settings: Settings,
    engine: AsyncEngine,
    bus: Bus,
    clock: Clock,
    run_id: str,
    brokers: Mapping[str, Broker],
) -> OrderManager:
    """The order manager of ``freeride run``: risk limits and the kill switch apply to the replay too;
    approval mode does not (nobody is there to approve a replay)."""
    return OrderManager(
        bus,
        clock,
        brokers=brokers,
        store=SqlExecutionStore(engine, clock.now_ns()),
        controls=SqlControlStore(engine),
        risk=RiskManager(settings.execution.risk),
        config=manager_config(settings, run_id, approval_mode=False),
    )


@dataclass
class ExecutionSetup:
    manager: OrderManager
    health: BrokerHealth
    control: ExecutionControl
    broker: Broker
    alerts: OperatorAlerts | None = None

    @property
    def components(self) -> list[Component]:
        """In start order: operator alerts (so nothing said at start is missed), the manager
        (connects and reconciles), then the health watch."""
        first: list[Component] = [self.alerts] if self.alerts is not None else []
        return [*first, self.manager, self.health]


def build_execution(
    settings: Settings,
    engine: AsyncEngine,
    bus: Bus,
    clock: Clock,
    broker: Broker,
    outbox: OutboxRepository | None = None,
    *,
    fence: Fence | None = None,
) -> ExecutionSetup:
    """Live execution over ``broker`` (see ``app.brokers.build_broker``); with ``outbox``, every
    execution error and critical is also a notification on each configured channel; with
    ``fence`` (an execution worker's lease), every order write checks the lease is still held."""
    ex = settings.execution
    controls = SqlControlStore(engine)
    manager = OrderManager(
        bus,
        clock,
        brokers={},
        default_broker=broker,
        store=SqlExecutionStore(engine, clock.now_ns(), fence=fence),
        controls=controls,
        risk=RiskManager(ex.risk),
        config=manager_config(settings, ex.run_id()),
    )
    health = BrokerHealth(
        manager.desk,
        clock,
        interval_s=ex.health_interval_s,
        kill_on_dead_session=ex.kill_switch.on_dead_session,
    )
    feed_paper_broker(bus, broker)
    report_session_loss(broker, health)
    alerts = None
    if outbox is not None and settings.notify.channels:
        alerts = OperatorAlerts(bus, clock, outbox, settings.notify.channels)
    return ExecutionSetup(
        manager=manager,
        health=health,
        control=ExecutionControl(controls, clock),
        broker=broker,
        alerts=alerts,
    )
