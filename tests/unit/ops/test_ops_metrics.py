"""Metrics of every component, read back from the Prometheus text the registry renders."""

from __future__ import annotations

from decimal import Decimal

from prometheus_client.parser import text_string_to_metric_families

from freeride.bus import topics
from freeride.bus.memory import InMemoryBus
from freeride.core.clock import ManualClock
from freeride.core.latency import LatencyHistogram
from freeride.core.market import Bar
from freeride.core.notify import Delivery, DeliveryStatus
from freeride.core.orders import AccountState, Fill, OrderIntent, Side
from freeride.ops.exporters import register_bus, register_writer, topic_family
from freeride.ops.metrics import Metrics
from freeride.ops.observer import Observer


def samples(metrics: Metrics) -> dict[tuple[str, tuple[tuple[str, str], ...]], float]:
    out = {}
    for family in text_string_to_metric_families(metrics.render().decode()):
        for s in family.samples:
            out[s.name, tuple(sorted(s.labels.items()))] = s.value
    return out


def test_latency_histogram_quantiles_and_buckets() -> None:
    h = LatencyHistogram((0.001, 0.01, 0.1))
    for v in [0.0005] * 90 + [0.05] * 10:
        h.observe(v)
    assert h.count == 100
    assert h.cumulative() == [(0.001, 90), (0.01, 90), (0.1, 100), (float("inf"), 100)]
    assert 0 < h.quantile(0.5) <= 0.001
    assert 0.01 < h.quantile(0.95) <= 0.1
    h.observe(7.0)
    assert h.quantile(1.0) == 7.0


def test_bus_families_queues_and_sampled_handler_latency() -> None:
    bus = InMemoryBus(ManualClock())
    bus.sample_every = 4
    bus._countdown = 4
    metrics = Metrics()
    register_bus(metrics, bus)
    bus.subscribe_queue(topics.ALL_BARS, name="recorder", maxsize=3)
    seen: list[object] = []
    bus.subscribe(topics.ALL_BARS, seen.append)
    bar = Bar(symbol="GOOG", interval="1d", open=1, high=1, low=1, close=1, volume=1, ts_event=0, ts_init=0)
    for _ in range(8):
        bus.publish(topics.bar("GOOG", "1d"), bar)
    bus.publish(topics.quote("MSFT"), None)  # nobody listens: still counted
    bus.subscribe(topics.ALL_QUOTES, seen.append)  # routes are rebuilt: counts survive
    bus.publish(topics.quote("MSFT"), None)
    got = samples(metrics)
    assert got["freeride_bus_events_total", (("family", "data.bar"),)] == 8
    assert got["freeride_bus_events_total", (("family", "data.quote"),)] == 2
    assert got["freeride_bus_queue_depth", (("queue", "recorder"),)] == 3
    assert got["freeride_bus_queue_dropped_total", (("queue", "recorder"),)] == 5
    assert got["freeride_bus_queue_capacity", (("queue", "recorder"),)] == 3
    timed = {labels for (name, labels) in got if name == "freeride_bus_handler_seconds_count"}
    assert (("handler", "EventQueue.put[recorder]"),) in timed
    assert got["freeride_bus_handler_seconds_count", (("handler", "EventQueue.put[recorder]"),)] == 2
    assert topic_family("data.bar.BRK_B.1d") == "data.bar"


def test_writer_latency_and_rows() -> None:
    class Writer:
        write_latency = LatencyHistogram()
        flushed_rows = 12
        write_failures = 1

    w = Writer()
    w.write_latency.observe(0.003)
    metrics = Metrics()
    register_writer(metrics, "recorder", w)
    got = samples(metrics)
    assert got["freeride_db_write_seconds_count", (("writer", "recorder"),)] == 1
    assert got["freeride_db_rows_written_total", (("writer", "recorder"),)] == 12
    assert got["freeride_db_write_failures_total", (("writer", "recorder"),)] == 1


async def test_observer_measures_fills_slippage_deliveries_and_drawdown() -> None:
    bus = InMemoryBus(ManualClock())
    metrics = Metrics()
    observer = Observer(bus, metrics)
    await observer.start()
    intent = OrderIntent(
        client_order_id="fr-1",
        strategy="s",
        signal_id="x",
        symbol="GOOG",
        side=Side.BUY,
        quantity=Decimal(1),
        ts_event=0,
        ts_init=1_000_000_000,
    )
    bar = Bar(
        symbol="GOOG", interval="1d", open=1, high=1, low=1, close=100.0, volume=1, ts_event=0, ts_init=0
    )
    bus.subscribe(topics.ALL_BARS, lambda _b: bus.publish(topics.order_intent("s"), intent))
    bus.publish(topics.bar("GOOG", "1d"), bar)
    fill = Fill(
        fill_id="f",
        client_order_id="fr-1",
        strategy="s",
        symbol="GOOG",
        side=Side.BUY,
        quantity=Decimal(1),
        price=Decimal("100.10"),
        commission=Decimal(0),
        ts_event=0,
        ts_init=1_250_000_000,
    )
    bus.publish(topics.fill("GOOG"), fill)
    for equity in ("100", "120", "90"):
        bus.publish(
            topics.account("paper"),
            AccountState(
                account="paper",
                currency="USD",
                cash=Decimal(0),
                equity=Decimal(equity),
                ts_event=0,
                ts_init=0,
            ),
        )
    bus.publish(
        topics.delivery("discord"),
        Delivery(
            channel="discord",
            source="alerts",
            key="a",
            title="t",
            status=DeliveryStatus.DELIVERED,
            attempts=1,
            created_ns=0,
            ts_event=2_000_000_000,
            ts_init=0,
        ),
    )
    got = samples(metrics)
    assert got["freeride_fill_latency_seconds_sum", ()] == 0.25
    assert got["freeride_fill_slippage_bps_count", ()] == 1
    assert got["freeride_fill_slippage_bps_bucket", (("le", "10.0"),)] == 1
    assert got["freeride_fill_slippage_bps_bucket", (("le", "5.0"),)] == 0
    assert observer.last_slippage_bps is not None
    assert round(observer.last_slippage_bps, 6) == 10.0  # bought 0.1 % above the close
    assert got["freeride_account_drawdown_ratio", (("account", "paper"),)] == 0.25
    assert got["freeride_account_pnl", (("account", "paper"),)] == -10
    assert got["freeride_notifications_total", (("channel", "discord"), ("status", "delivered"))] == 1
    assert got["freeride_notification_delivery_seconds_sum", (("channel", "discord"),)] == 2.0
    assert got["freeride_order_intents_total", ()] == 1


async def test_rendering_off_the_loop_gives_the_same_text_as_rendering_on_it() -> None:
    metrics = Metrics()
    metrics.observe_request("/api/v1/orders", "GET", 200, 0.004)
    metrics.gauge("freeride_test_depth", "A gauge read at scrape time.", lambda: 7.0)
    assert await metrics.render_off_loop() == metrics.render()
    assert b"freeride_test_depth 7.0" in metrics.render()
