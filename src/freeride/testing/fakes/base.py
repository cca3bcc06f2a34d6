"""What every fake vendor shares: a fault script, call counting, latency and canned bad replies.

A test scripts faults in order (``fake.fail("rate_limited", times=2)``) or sets one for every call
(``fake.always("down")``); each request takes the next scripted fault, if any. Latency is slept
on an injected clock so a benchmark can add 20 ms of real time while tests stay instant.
"""

from __future__ import annotations

import hashlib
from collections import Counter, deque
from datetime import UTC, date, datetime, timedelta

from starlette.responses import JSONResponse, Response

from freeride.core.clock import Clock, LiveClock

HTML_PAGE = (
    "<!DOCTYPE html><html><head><title>502 Bad Gateway</title></head>"
    "<body><h1>502 Bad Gateway</h1><hr><center>cloudflare</center></body></html>"
)


def base_price(symbol: str) -> float:
    """A stable made-up price per symbol (forex pairs near 1, stocks 20–500)."""
    h = int.from_bytes(hashlib.blake2b(symbol.encode(), digest_size=4).digest(), "big")
    if "/" in symbol or symbol.startswith(("C:", "OANDA:")) or symbol.endswith("=X") or len(symbol) == 6:
        return round(0.8 + (h % 6000) / 10_000, 5)
    return round(20 + (h % 48_000) / 100, 2)


def weekdays_back(today: date, n: int) -> list[date]:
    """The ``n`` weekdays up to and including ``today``, newest first."""
    out: list[date] = []
    day = today
    while len(out) < n:
        if day.weekday() < 5:
            out.append(day)
        day -= timedelta(days=1)
    return out


def epoch_s(day: date, hour: int = 0, minute: int = 0) -> int:
    return int(datetime(day.year, day.month, day.day, hour, minute, tzinfo=UTC).timestamp())


class FakeVendor:
    """Fault script, per-path call counter and latency, shared by the vendor fakes."""

    def __init__(self, *, latency_s: float = 0.0, clock: Clock | None = None) -> None:
        self.latency_s = latency_s
        self.clock: Clock = clock or LiveClock()
        self.calls: Counter[str] = Counter()
        self._script: deque[str] = deque()
        self._always: str | None = None
        self.today = date(2024, 6, 3)
        self.prices: dict[str, float] = {}

    @property
    def total_calls(self) -> int:
        return sum(self.calls.values())

    def fail(self, fault: str, times: int = 1) -> None:
        self._script.extend([fault] * times)

    def always(self, fault: str | None) -> None:
        """Every call fails this way until ``always(None)``."""
        self._always = fault

    def price(self, symbol: str) -> float:
        return self.prices.get(symbol, base_price(symbol))

    async def begin(self, endpoint: str) -> str | None:
        """Count the call, wait the latency, and return the fault to act out (or ``None``)."""
        self.calls[endpoint] += 1
        if self.latency_s > 0:
            await self.clock.sleep(self.latency_s)
        if self._script:
            return self._script.popleft()
        return self._always


def html(status: int = 502) -> Response:
    return Response(HTML_PAGE, status_code=status, media_type="text/html")


def truncated(body: str = '{"c": 261.74, "d": 2.29, "dp": 0.88') -> Response:
    return Response(body, status_code=200, media_type="application/json")


def raw_json(text: str, status: int = 200) -> Response:
    """A body written by hand (e.g. with a ``NaN`` literal no JSON encoder would produce)."""
    return Response(text, status_code=status, media_type="application/json")


def json_response(data: object, status: int = 200, headers: dict[str, str] | None = None) -> JSONResponse:
    return JSONResponse(data, status_code=status, headers=headers)
