"""Inbound webhook intake: check, de-duplicate, acknowledge, then process from a queue.

TradingView cancels a request after 3 s and does not retry, so ``submit`` answers at once and the
alert is published on the bus by a separate task. Checks run cheapest and least revealing first:
source address, size, parsing, passphrase (``hmac.compare_digest``), then replay de-duplication by
body hash within a window. A rejected request changes nothing: it is neither queued nor
remembered as seen, and it costs one log line (``webhook.rejected``), never a traceback: the
sender need not know the passphrase to be refused, so a refusal must be cheap to log. Once the
passphrase matched, any other copy of it in the body is masked before the alert is queued, so it
never reaches the firing history, the outbox or a chat message.
"""

from __future__ import annotations

import asyncio
import hmac
import ipaddress
from collections import OrderedDict, deque
from collections.abc import Iterable

import msgspec
import structlog

from freeride.alerts.tradingview import Malformed, parse, scrub
from freeride.bus import topics
from freeride.core.alerts import WebhookAlert
from freeride.core.clock import NS_PER_SECOND, Clock
from freeride.core.component import Component
from freeride.ports.bus import Bus

log = structlog.get_logger(__name__)
SOURCE = "tradingview"


class IntakeConfig(msgspec.Struct, frozen=True, kw_only=True):
    passphrase: str | None
    allow_ips: tuple[str, ...] = ()
    max_body_bytes: int = 16_384
    dedupe_window_s: float = 300.0
    queue_size: int = 1_000


class Verdict(msgspec.Struct, frozen=True, kw_only=True):
    """The HTTP answer: ``status``, a stable ``code`` and a message for people."""

    status: int
    code: str
    message: str
    field: str | None = None
    id: str | None = None


class WebhookIntake(Component):
    name = "webhook-intake"

    def __init__(self, config: IntakeConfig, bus: Bus, clock: Clock) -> None:
        super().__init__()
        self.config = config
        self._bus = bus
        self._clock = clock
        self._networks = _networks(config.allow_ips)
        self._seen: OrderedDict[str, int] = OrderedDict()
        self._queue: deque[WebhookAlert] = deque()
        self._wake = asyncio.Event()
        self._task: asyncio.Task[None] | None = None
        self.accepted = 0
        self.rejected = 0
        self.duplicates = 0

    async def _on_start(self) -> None:
        self._task = self.spawn(self._run)

    async def _on_stop(self) -> None:
        if self._task is not None:
            self._task.cancel()
            await asyncio.gather(self._task, return_exceptions=True)
        self._drain()

    def submit(self, body: bytes, content_type: str, client_ip: str | None) -> Verdict:
        try:
            verdict = self._check(body, content_type, client_ip)
        except Exception as exc:  # a body nobody foresaw: refused in one line, not a 500 and a traceback
            verdict = Verdict(status=400, code="malformed", message="the body could not be read")
            # the type only: an exception's text may quote the body, passphrase and all
            log.error("webhook.unreadable", error=type(exc).__name__, client=client_ip)
        if verdict.status >= 400:
            self.rejected += 1
            log.warning(
                "webhook.rejected",
                status=verdict.status,
                code=verdict.code,
                reason=verdict.message[:200],
                client=client_ip,
            )
        return verdict

    def _check(self, body: bytes, content_type: str, client_ip: str | None) -> Verdict:
        cfg = self.config
        if self._networks and not _allowed(client_ip, self._networks):
            return Verdict(
                status=403, code="ip_not_allowed", message=f"source address {client_ip} is not allowed"
            )
        if len(body) > cfg.max_body_bytes:
            return too_large(cfg.max_body_bytes)
        if cfg.passphrase is None:
            return Verdict(status=503, code="not_configured", message="no webhook passphrase is configured")
        try:
            parsed = parse(body, content_type)
        except Malformed as exc:
            status = 422 if exc.field else 400
            return Verdict(status=status, code="malformed", message=str(exc), field=exc.field)
        if parsed.secret is None:
            return Verdict(status=401, code="passphrase_missing", message="the body has no passphrase field")
        if not hmac.compare_digest(parsed.secret.encode(), cfg.passphrase.encode()):
            return Verdict(status=401, code="passphrase_wrong", message="the passphrase is wrong")
        parsed = scrub(parsed, cfg.passphrase)
        now = self._clock.now_ns()
        self._forget_before(now - int(cfg.dedupe_window_s * NS_PER_SECOND))
        short = parsed.body_hash[:16]
        if parsed.body_hash in self._seen:
            self.duplicates += 1
            return Verdict(status=200, code="duplicate", message="already received; ignored", id=short)
        if len(self._queue) >= cfg.queue_size:
            return Verdict(status=503, code="busy", message="the alert queue is full; try again shortly")
        self._seen[parsed.body_hash] = now
        self._queue.append(
            WebhookAlert(
                source=SOURCE,
                symbol=parsed.symbol,
                action=parsed.action,
                price=parsed.price,
                text=parsed.text,
                fields=parsed.fields,
                body_hash=parsed.body_hash,
                ts_event=now,
                ts_init=now,
            )
        )
        self._wake.set()
        self.accepted += 1
        return Verdict(status=200, code="accepted", message="queued", id=short)

    def _forget_before(self, cutoff_ns: int) -> None:
        seen = self._seen
        while seen:
            key, at = next(iter(seen.items()))
            if at >= cutoff_ns:
                return
            del seen[key]

    async def _run(self) -> None:
        while True:
            await self._wake.wait()
            self._wake.clear()
            self._drain()

    def _drain(self) -> None:
        while self._queue:
            alert = self._queue.popleft()
            self._bus.publish(topics.webhook_inbound(SOURCE), alert)

    @property
    def pending(self) -> int:
        return len(self._queue)


def too_large(limit: int) -> Verdict:
    return Verdict(status=413, code="too_large", message=f"body larger than {limit} bytes")


def _networks(specs: Iterable[str]) -> list[ipaddress.IPv4Network | ipaddress.IPv6Network]:
    return [ipaddress.ip_network(s.strip(), strict=False) for s in specs if s.strip()]


def _allowed(ip: str | None, networks: list[ipaddress.IPv4Network | ipaddress.IPv6Network]) -> bool:
    if ip is None:
        return False
    try:
        address = ipaddress.ip_address(ip)
    except ValueError:
        return False
    return any(address in net for net in networks)
