"""Events/s through the in-memory bus, one publisher to three subscribers, beside a plain fan-out.

The plain fan-out (a list of three callbacks called in a loop) is the limit: it is what the bus
does minus routing, isolation and ordering. Both deliver the same pre-built ``Bar`` events to the
same three handlers, on topics spread over ten symbols so route caching is exercised.

    python benchmarks/bus.py [--events N]
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from rich.console import Console
from rich.table import Table

from _util import best_rate, peak_mib
from freeride.bus import topics
from freeride.bus.memory import InMemoryBus
from freeride.core.clock import ManualClock
from freeride.core.market import Bar

TARGET_RATIO = 0.40


class Counter:
    """A handler doing the least a real one does: look at the event and count it."""

    def __init__(self) -> None:
        self.n = 0
        self.last_close = 0.0

    def __call__(self, event: Bar) -> None:
        self.n += 1
        self.last_close = event.close


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--events", type=int, default=1_000_000)
    args = parser.parse_args()
    n = args.events
    symbols = [f"SYM{i}" for i in range(10)]
    events = [
        (
            topics.bar(symbols[i % 10], "1m"),
            Bar(
                symbol=symbols[i % 10],
                interval="1m",
                open=1.0,
                high=1.0,
                low=1.0,
                close=float(i),
                volume=1.0,
                ts_event=i,
                ts_init=i,
            ),
        )
        for i in range(n)
    ]

    plain_handlers = [Counter(), Counter(), Counter()]

    def plain() -> None:
        hs = plain_handlers
        for _topic, event in events:
            for h in hs:
                h(event)

    bus = InMemoryBus(ManualClock())
    bus_handlers = [Counter(), Counter(), Counter()]
    bus.subscribe(topics.ALL_BARS, bus_handlers[0])
    bus.subscribe("data.bar.*.1m", bus_handlers[1])
    bus.subscribe(">", bus_handlers[2])
    publish = bus.publish

    def through_bus() -> None:
        for topic, event in events:
            publish(topic, event)

    empty = InMemoryBus(ManualClock())

    def no_subscribers() -> None:
        p = empty.publish
        for topic, event in events:
            p(topic, event)

    plain_rate = best_rate(n, plain)
    bus_rate = best_rate(n, through_bus)
    empty_rate = best_rate(n, no_subscribers)
    assert [h.n for h in bus_handlers] == [h.n for h in plain_handlers], "bus and fan-out disagree"
    ratio = bus_rate / plain_rate

    table = Table(title=f"{n:,} events, 1 publisher → 3 subscribers (best of 5)")
    table.add_column("path")
    table.add_column("events/s", justify="right")
    table.add_row("plain callback fan-out (the limit)", f"{plain_rate:,.0f}")
    table.add_row("InMemoryBus.publish", f"{bus_rate:,.0f}")
    table.add_row("InMemoryBus.publish, no subscribers", f"{empty_rate:,.0f}")
    Console().print(table)
    verdict = "meets" if ratio >= TARGET_RATIO else "MISSES"
    print(f"bus / plain = {ratio:.2f} ({verdict} the {TARGET_RATIO:.0%} target)")
    print(
        json.dumps(
            {
                "bus_events_per_s": round(bus_rate),
                "plain_fanout_events_per_s": round(plain_rate),
                "ratio": round(ratio, 3),
                "no_subscriber_publish_per_s": round(empty_rate),
                "peak_mib": round(peak_mib(), 1),
            }
        )
    )


if __name__ == "__main__":
    main()
