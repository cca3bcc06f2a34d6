"""What the HTTP API is built from, and the server that runs it as a component.

The FastAPI app itself (``freeride.api.create_app``) sits a layer above ``app``; this module builds
the state it runs on (``ApiState``: services, token checks, the bus) and ``ApiServer``, which
serves any ASGI app with uvicorn inside the running event loop. The caller joins the two:

    state = build_api_state(settings, db, clock, bus, alerts)
    server = ApiServer(create_app(state), settings.api, clock, trusted_proxies=trusted_proxies(settings))

Tokens: ``fr_`` + 43 URL-safe characters (256 random bits). Only the SHA-256 of a token is stored;
with that much entropy a slow password hash would buy nothing and cost every request. A checked
token is trusted for ``token_cache_s`` seconds on the injected clock, so revoking takes effect
within that time without a database round trip per request; concurrent requests with the same
token share one lookup when the cache has expired.
"""

from __future__ import annotations

import asyncio
import contextlib
import gc
import hashlib
import ipaddress
import secrets
from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass, field

import structlog
import uvicorn
from sqlalchemy.ext.asyncio import AsyncEngine
from starlette.types import ASGIApp

from freeride.alerts.intake import WebhookIntake
from freeride.alerts.service import AlertService
from freeride.app.alerts import AlertsSetup, checked_alert_service
from freeride.app.backtest_jobs import BacktestJobs
from freeride.app.backtest_reports import BacktestReports
from freeride.app.discord import DiscordPosting, build_discord_rest
from freeride.app.http_guard import SlowClientGuard
from freeride.app.live import LiveViews
from freeride.app.research import ResearchSetup
from freeride.app.sessions import SessionAuth
from freeride.app.symbols import SymbolBook
from freeride.app.watchlists import build_watchlists
from freeride.config.api import ApiSettings
from freeride.config.discord import DiscordBotSettings
from freeride.config.settings import Settings
from freeride.core.clock import NS_PER_SECOND, Clock
from freeride.core.component import Component
from freeride.core.errors import InvalidInput
from freeride.core.instruments import Instrument
from freeride.exchange.portfolio import Portfolio
from freeride.execution.control import ExecutionControl
from freeride.gateway.service import MarketDataGateway
from freeride.gateway.watchlists import WatchlistService
from freeride.notify.subscriptions import ChannelTopics
from freeride.ops.metrics import Metrics
from freeride.ports.bus import Bus
from freeride.ports.calendar import MarketHours
from freeride.ports.discord import DiscordRest
from freeride.ports.tokens import ApiToken, Scope, TokenRepository
from freeride.storage.execution import SqlControlStore
from freeride.storage.repositories import Repositories, SessionRepository
from freeride.storage.repositories import TokenRepository as SqlTokenRepository

log = structlog.get_logger(__name__)

TOKEN_PREFIX = "fr_"
SHUTDOWN_GRACE_S = 10
"""How long a stopping server lets requests in progress finish before cancelling them."""


def new_token() -> str:
    return TOKEN_PREFIX + secrets.token_urlsafe(32)


def hash_token(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


async def create_token(
    repo: TokenRepository, name: str, scope: Scope, clock: Clock, *, expires_in_s: float | None = None
) -> tuple[str, ApiToken]:
    """A new token: the secret (shown once, never stored) and its stored record; with
    ``expires_in_s`` it stops working that long from now unless extended."""
    if not name.strip():
        raise InvalidInput("a token needs a name (--name), e.g. dashboard")
    if expires_in_s is not None and expires_in_s <= 0:
        raise InvalidInput(f"a token's lifetime must be > 0 seconds, got {expires_in_s}")
    token = new_token()
    now = clock.now_ns()
    record = await repo.create(
        name=name.strip(),
        scope=scope,
        secret_hash=hash_token(token),
        prefix=token[:8],
        now_ns=now,
        expires_at=None if expires_in_s is None else now + round(expires_in_s * NS_PER_SECOND),
    )
    return token, record


class TokenAuth:
    """Checks bearer tokens against their stored hashes, with a short cache."""

    def __init__(self, repo: TokenRepository, clock: Clock, cache_s: float = 5.0) -> None:
        self.repo = repo
        self._clock = clock
        self._cache_ns = int(cache_s * NS_PER_SECOND)
        self._cache: dict[str, tuple[ApiToken | None, int]] = {}
        self._flights: dict[str, asyncio.Future[ApiToken | None]] = {}

    async def check(self, token: str | None) -> ApiToken | None:
        """The token's record when it is known, not revoked and not expired, else ``None``."""
        if not token or not token.startswith(TOKEN_PREFIX) or len(token) > 200:
            return None
        digest = hash_token(token)
        now = self._clock.now_ns()
        hit = self._cache.get(digest)
        if hit is not None and hit[1] > now:
            return hit[0] if hit[0] is not None and hit[0].valid_at(now) else None
        flight = self._flights.get(digest)
        if flight is None:  # one lookup per token however many requests wait on it (single flight)
            flight = self._flights[digest] = asyncio.ensure_future(self.repo.by_hash(digest))
            flight.add_done_callback(lambda _f: self._flights.pop(digest, None))
        record = await asyncio.shield(flight)
        if record is not None and record.revoked_at is not None:
            record = None
        if self._cache_ns > 0:
            if len(self._cache) > 10_000:  # bounded: a flood of bad tokens cannot grow it forever
                self._cache.clear()
            self._cache[digest] = (record, now + self._cache_ns)
        return record if record is not None and record.valid_at(now) else None

    def forget(self) -> None:
        self._cache.clear()


@dataclass
class ApiState:
    """Everything route handlers reach through ``request.app.state.freeride``."""

    settings: ApiSettings
    clock: Clock
    tokens: TokenAuth
    bus: Bus | None = None
    alerts: AlertService | None = None
    intake: WebhookIntake | None = None
    extras: dict[str, object] = field(default_factory=dict)
    repos: Repositories | None = None
    run_id: str | None = None  # the run this process is doing, the default for per-run reads
    accounts: Mapping[str, Portfolio] = field(default_factory=dict)  # live paper accounts by symbol
    live: LiveViews | None = None
    full_settings: Settings | None = None  # for the masked settings view
    db: AsyncEngine | None = None  # for the readiness check only
    backtests: BacktestJobs | None = None
    reports: BacktestReports | None = None  # HTML reports of stored backtests
    gateway: MarketDataGateway | None = None  # answers quotes and bars the bus and storage lack
    research: ResearchSetup | None = None  # news, stories, sentiment and trade plans
    metrics: Metrics | None = None  # the process's registry (components' metrics); else the app makes one
    control: ExecutionControl | None = None  # the kill switch, on this process's one engine
    hours: MarketHours | None = None  # the market hours a live run follows (GET /api/v1/markets)
    market_instruments: list[Instrument] = field(default_factory=list)  # what it streams
    sessions: SessionAuth | None = None  # dashboard logins by cookie (``app.sessions``)
    watchlists: WatchlistService | None = None  # stored and configured watchlists
    discord: DiscordBotSettings | None = None  # the bot answering POST /discord/interactions
    discord_rest: DiscordRest | None = None  # its follow-ups and deferred answers go through this
    chat_topics: ChannelTopics | None = None  # what the bot posts to which channel (/subscribe)
    wall: Clock | None = None  # the wall's time for people (heartbeats, request timings); None: ``clock``
    broker: str | None = None  # the broker this process trades through (readiness names it)
    dead_sessions: Mapping[str, str] = field(default_factory=dict)  # broker -> why, by the health watch
    feed: str | None = None  # what drives a replay ("replay of 2 files"), for the status
    equity_runs: str | None = None  # the run name whose equity marks continue across starts ("live")

    @property
    def ledger(self) -> str | None:
        """The ledger a flatten closes: the live account's (``execution.run_id()``), whose engine
        takes the request; ``None`` without settings."""
        return None if self.full_settings is None else self.full_settings.execution.run_id()


def build_api_state(
    settings: Settings,
    db: AsyncEngine,
    clock: Clock,
    bus: Bus | None = None,
    alerts: AlertsSetup | None = None,
    *,
    run_id: str | None = None,
    accounts: Mapping[str, Portfolio] | None = None,
    gateway: MarketDataGateway | None = None,
    metrics: Metrics | None = None,
    wall: Clock | None = None,
    symbols: SymbolBook | None = None,
) -> ApiState:
    """``wall`` keeps people's time (tokens, sessions, heartbeats, request timings) when ``clock``
    is a market's sped-up time (``freeride live --speed``)."""
    repos = Repositories.from_engine(db)
    tokens = TokenAuth(SqlTokenRepository(db), wall or clock, settings.api.token_cache_s)
    sessions = SessionAuth(
        SessionRepository(db),
        tokens.check,
        wall or clock,
        settings.api.session_ttl_s,
        settings.api.token_cache_s,
    )
    return ApiState(
        settings=settings.api,
        clock=clock,
        wall=wall,
        tokens=tokens,
        sessions=sessions,
        bus=bus,
        alerts=(
            alerts.service
            if alerts is not None
            else checked_alert_service(settings, db, clock, symbols=symbols)
        ),
        intake=alerts.intake if alerts is not None else None,
        repos=repos,
        run_id=run_id,
        accounts=dict(accounts or {}),
        live=LiveViews(bus) if bus is not None else None,
        full_settings=settings,
        db=db,
        backtests=BacktestJobs(settings, bus, clock),
        reports=BacktestReports(repos.runs),
        gateway=gateway,
        control=ExecutionControl(SqlControlStore(db), clock),
        metrics=metrics,
        watchlists=build_watchlists(settings, db, clock, symbols=symbols),
        discord=settings.discord if settings.discord.enabled else None,
        discord_rest=build_discord_rest(settings, clock) if settings.discord.enabled else None,
    )


def serve_discord(state: ApiState, posting: DiscordPosting | None) -> None:
    """Let the API's bot use the channel posting's client (one global limit for the whole bot)
    and its subscriptions (``/subscribe``)."""
    if posting is None or state.discord is None:
        return
    state.discord_rest = posting.rest
    state.chat_topics = posting.topics


class _QuietServer(uvicorn.Server):
    """uvicorn's server without its own signal handlers: the runtime owns SIGINT and SIGTERM.

    uvicorn replaces the process's handlers while it serves and re-raises the signal after its
    shutdown, so one Ctrl-C reached the runtime only after the server had gone, as a second one.
    """

    @contextlib.contextmanager
    def capture_signals(self) -> Iterator[None]:
        yield


def trusted_proxies(settings: Settings) -> tuple[str, ...]:
    """The proxies whose ``X-Forwarded-For`` the server believes: none unless
    ``alerts.tradingview.trust_forwarded_for`` is on."""
    tv = settings.alerts.tradingview
    return tuple(tv.trusted_proxies) if tv.trust_forwarded_for else ()


class ApiServer(Component):
    """Serves ``asgi_app`` with uvicorn on the running loop until stopped.

    Hardened for a port the internet may reach: ``X-Forwarded-For`` is honoured only from
    ``trusted_proxies`` (none by default; uvicorn's own default trusts 127.0.0.1, so any local
    client could claim any address), and then as the right-most address they did not add; each
    request must arrive within ``request_timeout_s`` and at most ``max_pending_connections`` may
    be arriving at once (``app.http_guard``); WebSocket messages are capped at
    ``ws_max_message_bytes``.
    """

    name = "api-server"

    def __init__(
        self,
        asgi_app: ASGIApp,
        settings: ApiSettings,
        clock: Clock,
        *,
        trusted_proxies: Sequence[str] = (),
    ) -> None:
        super().__init__()
        self._clock = clock
        self.guard = SlowClientGuard(clock, settings.request_timeout_s, settings.max_pending_connections)
        proxies = [_network(p) for p in trusted_proxies]
        config = uvicorn.Config(
            asgi_app,
            host=settings.host,
            port=settings.port,
            log_level="warning",
            lifespan="off",
            http=self.guard.protocol(),
            ws="auto",
            ws_per_message_deflate=settings.ws_compression,
            ws_max_size=settings.ws_max_message_bytes,
            proxy_headers=bool(proxies),
            forwarded_allow_ips=proxies or None,
            timeout_keep_alive=settings.keep_alive_s,  # type: ignore[arg-type]  # a float works
            timeout_graceful_shutdown=SHUTDOWN_GRACE_S,
        )
        self.server = _QuietServer(config)
        self._task: asyncio.Task[None] | None = None
        self._sweeper: asyncio.Task[None] | None = None

    @property
    def url(self) -> str:
        host, port = self.server.servers[0].sockets[0].getsockname()[:2]
        return f"http://{host}:{port}"

    async def _on_start(self) -> None:
        self._sweeper = asyncio.create_task(self.guard.run(), name=f"{self.name}-guard")
        self._task = asyncio.create_task(self.server.serve(), name=self.name)
        try:
            while not self.server.started:
                if self._task.done():
                    self._task.result()
                    raise RuntimeError("the API server stopped before it started")
                await self._clock.sleep(0.01)
        except BaseException:
            self._sweeper.cancel()
            raise
        # What exists by now (modules, settings, the app, the engine) lives as long as the process:
        # out of the collector's sight, a full collection scans a tenth as much and the event loop
        # stops for tens of milliseconds instead of hundreds (measured in benchmarks/abuse.py).
        gc.freeze()
        log.info("api.listening", url=self.url)

    async def _on_stop(self) -> None:
        self.server.should_exit = True
        if self._task is not None:
            await self._task
        if self._sweeper is not None:
            self._sweeper.cancel()
            await asyncio.gather(self._sweeper, return_exceptions=True)


def _network(spec: str) -> str:
    """``10.0.0.1/8`` as uvicorn parses networks (``10.0.0.0/8``); a plain address as it is."""
    return str(ipaddress.ip_network(spec.strip(), strict=False)) if "/" in spec else spec.strip()
