"""Where bars come from, whatever produces them.

The composition root pulls bars from a feed and publishes them; a feed never touches the bus, so a
backtest and a live run differ only in which feed (and which clock) they are built with.
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from typing import Protocol

from freeride.core.market import Bar


class BarFeed(Protocol):
    """An async stream of bars in time order (``ts_event`` never decreases across the stream)."""

    @property
    def name(self) -> str:
        """A short human label for logs and progress bars."""
        ...

    @property
    def total(self) -> int | None:
        """How many bars the stream will yield, when known (a progress bar's length), else ``None``."""
        ...

    def bars(self) -> AsyncIterator[Bar]:
        """Yield the bars; ``ts_init`` is the feed clock's time at emission."""
        ...
