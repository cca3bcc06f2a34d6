"""The ``Notifier`` port for a generic outbound webhook: JSON batches, signed.

Body: ``{"notifications": [{"id", "title", "text", "fields", "level", "source", "key", "ts"}]}``;
``id`` is the outbox id, so a receiver can drop a repeat delivery (delivery is at least once).
Replies: 2xx sent; 429 ``RateLimited`` (``Retry-After``); 408/5xx and transport faults temporary;
401/403 ``AuthError`` and 404/410 ``ChannelGone`` (the channel is disabled); any other 4xx
``InvalidInput`` (the message is refused for good).
"""

from __future__ import annotations

from collections.abc import Sequence

import httpx
import msgspec

from freeride.adapters.webhook.config import WebhookConfig
from freeride.adapters.webhook.signing import SIGNATURE_HEADER, sign
from freeride.core.clock import NS_PER_SECOND, Clock
from freeride.core.errors import AuthError, InvalidInput, RateLimited, TemporaryError
from freeride.core.notify import ChannelGone, Notification, target_fingerprint
from freeride.net.http import make_client, retry_after, transport_error, vendor_message
from freeride.ports.notify import Delivered, Packet


class WebhookNotifier:
    def __init__(
        self, config: WebhookConfig, clock: Clock, *, transport: httpx.AsyncBaseTransport | None = None
    ) -> None:
        self.channel = config.channel
        self.config = config
        self._clock = clock
        self._http = make_client("", transport=transport, timeout_s=config.timeout_s)
        self._fingerprint: str | None = None

    @property
    def target_fingerprint(self) -> str:
        """The digest of URL and signing secret: a 401 is fixed by changing either, so both count."""
        if self._fingerprint is None:  # scrypt: worth computing once
            self._fingerprint = target_fingerprint(self.config.url, self.config.secret)
        return self._fingerprint

    def pack(self, items: Sequence[tuple[int, Notification]]) -> list[Packet]:
        size = max(1, self.config.batch)
        packets = []
        for start in range(0, len(items), size):
            chunk = items[start : start + size]
            body = {"notifications": [_wire(oid, n) for oid, n in chunk]}
            packets.append(Packet(ids=tuple(oid for oid, _ in chunk), payload=body))
        return packets

    async def deliver(self, packet: Packet) -> Delivered:
        body = msgspec.json.encode(packet.payload)
        timestamp = self._clock.now_ns() // NS_PER_SECOND
        headers = {
            "Content-Type": "application/json",
            SIGNATURE_HEADER: sign(self.config.secret, timestamp, body),
        }
        try:
            response = await self._http.post(self.config.url, content=body, headers=headers)
        except httpx.HTTPError as exc:
            raise transport_error(self.channel, exc) from exc
        code = response.status_code
        if code < 300:
            return Delivered()
        text = f"{self.channel}: HTTP {code}: {vendor_message(response)}"
        if code == 429:
            raise RateLimited(text, retry_after(response))
        if code in (401, 403):
            raise AuthError(text)
        if code in (404, 410):
            raise ChannelGone(text)
        if code == 408 or code >= 500:
            raise TemporaryError(text)
        raise InvalidInput(text)

    async def aclose(self) -> None:
        await self._http.aclose()


def _wire(oid: int, n: Notification) -> dict[str, object]:
    return {
        "id": oid,
        "title": n.title,
        "text": n.text,
        "fields": n.fields,
        "level": n.level.value,
        "source": n.source,
        "key": n.key,
        "ts": n.ts_init,
    }
