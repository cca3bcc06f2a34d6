"""``freeride worker --role R [--shard i/n]``: one role of the service in its own process.

The worker joins its role's consumer group on the Redis bus (``app.bus``), builds the role's
components (``app.worker_roles``) in a ``Runtime`` and runs until SIGTERM or SIGINT. Stopping
drains: the bus stops taking entries and finishes the batch in hand, the components stop in
reverse (queues drained, writes committed), what was handled is acknowledged and what they
published is written; anything not handled stays pending for the next worker to claim.

Health: unless the role serves HTTP itself (the API, the bot), ``--health-port`` serves
``/healthz`` (the process answers), ``/readyz`` (database, bus and every component running; 503
with the reasons otherwise) and ``/metrics`` (the bus's lag, pending and counts, and the process's figures).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import asdict

import structlog
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import JSONResponse, PlainTextResponse, Response
from starlette.routing import Route
from starlette.types import ASGIApp

from freeride.app.api import ApiServer, ApiState
from freeride.app.bus import build_bus
from freeride.app.readiness import Check, check_bus, check_database
from freeride.app.runtime import Runtime
from freeride.app.worker_roles import SERVING, SHARDED, Role, build_role
from freeride.bus.redis import RedisBus
from freeride.bus.redis_streams import EVERY_SHARD, Shard
from freeride.config.settings import Settings
from freeride.core.clock import Clock
from freeride.core.component import ComponentState
from freeride.core.errors import ConfigError
from freeride.ops.bus_streams import register_stream_bus
from freeride.ops.exporters import register_process
from freeride.ops.metrics import CONTENT_TYPE, Metrics

log = structlog.get_logger(__name__)


def worker_group(settings: Settings, role: str) -> str:
    """The role's consumer group; execution has one per broker account (one leaseholder each)."""
    return f"execution-{settings.execution.account}" if role == "execution" else role


async def run_worker(
    settings: Settings,
    clock: Clock,
    role: str,
    shard: Shard = EVERY_SHARD,
    *,
    health_port: int | None = None,
    serve: Callable[[ApiState], ASGIApp] | None = None,
) -> str:
    """Run ``role`` until a stop is requested; returns why it stopped."""
    if settings.bus.backend != "redis":
        raise ConfigError(
            "a worker needs the Redis bus: set FREERIDE_BUS__BACKEND=redis and FREERIDE_REDIS_URL "
            "(or run every role in one process with freeride run)"
        )
    if shard.count > 1 and role not in SHARDED:
        raise ConfigError(
            f"--shard: only {', '.join(sorted(SHARDED))} are sharded; run more {role} workers unsharded"
        )
    bus = build_bus(settings, clock, role=worker_group(settings, role), shard=shard)
    assert isinstance(bus, RedisBus)
    async with Runtime.open(settings, clock, signals=True, bus=bus) as rt:
        # The health server answers from the start (an execution worker on standby is alive, not
        # ready); it is started apart from the runtime so the bus opens only once the role has
        # subscribed to everything it reads.
        state = Role(waiting=f"{role} is starting (execution: waiting for its account's lease)")
        server = None
        if health_port is not None and role not in SERVING:
            config = settings.api.model_copy(update={"port": health_port})
            server = ApiServer(health_app(rt, bus, state, role), config, clock)
            await server.start()
        try:
            built = await build_role(role, rt, bus, serve)
            if built is None:
                return rt.stop_reason or "stopped before starting"
            rt.add_all(built.components)
            await rt.start()
            state.components, state.notes, state.waiting = built.components, built.notes, None
            log.info("worker.started", role=role, shard=str(shard), group=bus.group, notes=built.notes)
            reason = await rt.wait()
            log.info("worker.stopping", role=role, reason=reason)
            return reason
        finally:
            if server is not None:
                await server.stop()


def health_app(rt: Runtime, bus: RedisBus, role: Role, name: str) -> Starlette:
    metrics = Metrics()
    register_process(metrics)
    register_stream_bus(metrics, bus)

    async def healthz(_: Request) -> Response:
        return PlainTextResponse("ok")

    async def readyz(_: Request) -> Response:
        running = [c for c in role.components if c.state is not ComponentState.RUNNING]
        parts = Check(
            "components",
            role.waiting is None and not running and not rt.stopping,
            role.waiting
            or "; ".join(f"{c.name} {c.state.value}" for c in running)
            or f"{len(role.components)} running",
        )
        checks = [await check_database(rt.engine), check_bus(bus), parts]
        body = {"role": name, "ready": all(c.ok for c in checks), "checks": [asdict(c) for c in checks]}
        return JSONResponse(body, status_code=200 if body["ready"] else 503)

    async def scrape(_: Request) -> Response:
        return Response(await metrics.render_off_loop(), media_type=CONTENT_TYPE)

    return Starlette(routes=[Route("/healthz", healthz), Route("/readyz", readyz), Route("/metrics", scrape)])
