"""Sending one order so that it exists at the broker exactly once, or is known not to.

The client order id is the broker's idempotency key, which is what makes this safe:

- a refusal (``InvalidInput``) is final: the order is rejected;
- ``DuplicateOrder`` means the broker already has it: look it up and adopt what it says;
- a passing fault before anything was sent (``TemporaryError``, ``RateLimited``) is retried;
- ``UnknownOutcome`` (a timeout after the request left, a dropped connection) is resolved by
  looking the order up by its client id; only when the broker says twice that it does not have
  it is the same order (same id) sent again, and if that one arrives after all the broker
  refuses it as a duplicate, which leads back to the lookup. It is never sent blindly.

An outcome that stays unknown is reported as such; the order manager keeps asking later.
"""

from __future__ import annotations

from dataclasses import dataclass

from freeride.core.clock import Clock
from freeride.core.errors import AuthError, FreerideError, InvalidInput, TemporaryError, UnknownOutcome
from freeride.core.orders import Order
from freeride.ports.broker import Broker, DuplicateOrder


@dataclass(slots=True)
class Sent:
    """What became of a send: the broker's order, or why there is none."""

    order: Order | None = None
    rejected: str | None = None  # the broker refused it: final
    unknown: str | None = None  # still unknown after every lookup
    failed: str | None = None  # never reached the broker
    error: FreerideError | None = None  # a broker fault, for the kill switch's count


class Sender:
    def __init__(
        self, clock: Clock, *, lookup_attempts: int = 5, lookup_wait_s: float = 1.0, submit_attempts: int = 3
    ) -> None:
        self._clock = clock
        self.lookup_attempts = lookup_attempts
        self.lookup_wait_s = lookup_wait_s
        self.submit_attempts = submit_attempts
        self.lookups = 0
        self.resends = 0

    async def send(self, broker: Broker, order: Order) -> Sent:
        last: FreerideError | None = None
        for attempt in range(self.submit_attempts):
            if attempt:
                self.resends += 1
            try:
                return Sent(order=await broker.submit(order))
            except DuplicateOrder:
                found, _ = await self.lookup(broker, order.client_order_id)
                if found is not None:
                    return Sent(order=found)
                return Sent(unknown="the broker reports a duplicate but cannot find it")
            except InvalidInput as exc:
                return Sent(rejected=str(exc))
            except AuthError as exc:
                return Sent(failed=f"not sent: {exc}", error=exc)
            except UnknownOutcome as exc:
                last = exc
                found, absent = await self.lookup(broker, order.client_order_id)
                if found is not None:
                    return Sent(order=found, error=exc)
                if absent:
                    continue  # known not to be there: the same id again is safe
                return Sent(unknown=str(exc), error=exc)
            except TemporaryError as exc:
                last = exc
                hint = getattr(exc, "retry_after", None)
                await self._clock.sleep(float(hint) if hint is not None else self.lookup_wait_s)
        if isinstance(last, UnknownOutcome):
            return Sent(unknown=str(last), error=last)
        return Sent(failed=f"not sent after {self.submit_attempts} attempts: {last}", error=last)

    async def lookup(
        self, broker: Broker, client_order_id: str, *, confirmations: int = 2
    ) -> tuple[Order | None, bool]:
        """``(order, False)`` when found, ``(None, True)`` when surely absent, ``(None, False)``
        when the broker could not be asked.

        Right after a send the broker may not list the order yet, so absence counts only after
        ``confirmations`` answers a moment apart; after a restart one answer is enough.
        """
        misses = 0
        for attempt in range(self.lookup_attempts):
            if attempt:
                await self._clock.sleep(self.lookup_wait_s)
            self.lookups += 1
            try:
                found = await broker.order_by_client_id(client_order_id)
            except (TemporaryError, UnknownOutcome):
                continue
            if found is not None:
                return found, False
            misses += 1
            if misses >= confirmations:
                return None, True
        return None, False
