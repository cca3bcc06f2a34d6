"""The bus names chains: one per top-level publish, inherited by everything published inside it,
adoptable by a handler, continuable from outside a dispatch; system events are stamped."""

from __future__ import annotations

from typing import Any

from freeride.bus.memory import InMemoryBus
from freeride.core.clock import ManualClock
from freeride.core.system import SystemEvent


def event(kind: str, cid: str | None = None) -> SystemEvent:
    return SystemEvent(source="t", kind=kind, message=kind, ts_event=1, ts_init=1, correlation_id=cid)


def test_each_top_level_publish_is_a_chain_and_nested_ones_inherit_it() -> None:
    bus = InMemoryBus(ManualClock())
    seen: list[tuple[str, str | None]] = []
    bus.subscribe("a", lambda e: (seen.append(("a", bus.correlation_id)), bus.publish("b", e)))
    bus.subscribe("b", lambda e: seen.append(("b", bus.correlation_id)))
    bus.publish("a", 1)
    bus.publish("a", 2)
    assert seen[0][1] == seen[1][1]
    assert seen[2][1] == seen[3][1]
    assert seen[0][1] != seen[2][1]
    assert str(seen[0][1]).startswith(bus.chain_prefix + "-")
    assert bus.correlation_id is None


def test_nested_system_events_are_stamped_and_own_ids_kept() -> None:
    bus = InMemoryBus(ManualClock())
    got: list[SystemEvent] = []
    bus.subscribe("sys", got.append)
    bus.subscribe(
        "go", lambda _e: (bus.publish("sys", event("nested")), bus.publish("sys", event("own", "x-1")))
    )
    bus.publish("sys", event("top"))
    bus.publish("go", None)
    assert got[0].correlation_id is None  # a top-level system event is a chain of one: not stamped
    assert got[1].correlation_id is not None
    assert got[2].correlation_id == "x-1"


def test_a_handler_that_adopts_an_older_chain_moves_the_rest_of_the_dispatch() -> None:
    bus = InMemoryBus(ManualClock())
    seen: list[str | None] = []
    bus.subscribe("fill", lambda _e: bus.adopt("old-7"), priority=-1)
    bus.subscribe("fill", lambda _e: (seen.append(bus.correlation_id), bus.publish("pos", None)))
    bus.subscribe("pos", lambda _e: seen.append(bus.correlation_id))
    bus.publish("fill", None)
    assert seen == ["old-7", "old-7"]
    bus.publish("fill", None)
    bus.adopt("ignored")  # outside a dispatch: nothing to adopt
    assert bus.correlation_id is None


def test_continuing_carries_a_chain_into_top_level_publishes() -> None:
    bus = InMemoryBus(ManualClock())
    seen: list[Any] = []
    bus.subscribe("x", lambda _e: seen.append(bus.correlation_id))
    with bus.continuing("c-9"):
        bus.publish("x", None)
    bus.publish("x", None)
    assert seen[0] == "c-9"
    assert seen[1] != "c-9"


def test_the_root_is_the_event_that_started_the_dispatch() -> None:
    bus = InMemoryBus(ManualClock())
    roots: list[Any] = []
    bus.subscribe("a", lambda _e: bus.publish("b", "child"))
    bus.subscribe("b", lambda _e: roots.append(bus.root))
    bus.publish("a", "parent")
    assert roots == ["parent"]
    assert bus.root is None
