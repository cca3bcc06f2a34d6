"""Rule kinds and options through the engine, on a manual clock (no real waiting)."""

from __future__ import annotations

import itertools
import math

import pytest
from alert_rig import Rig, rule

from freeride.alerts.notifications import notifications_for
from freeride.bus import topics
from freeride.core.alerts import AlertKind, AlertRule, AlertState, QuietHours, WebhookAlert, rule_problems
from freeride.core.clock import NS_PER_SECOND
from freeride.indicators.rsi import RSI
from freeride.indicators.sma import SMA


async def test_fire_once_carries_price_and_latency_then_deactivates() -> None:
    rig = await Rig().start()
    rig.engine.upsert(rule("a1", "AAPL", "above", 200, notify=("discord",), message="breakout"))
    assert rig.trade("AAPL", 199.5) == []
    assert rig.trade("AAPL", 200.0) == ["a1"]
    fired = rig.fired[0]
    assert (fired.price, fired.threshold, fired.active, fired.fired_count) == (200.0, 200, False, 1)
    assert fired.latency_ns == 0  # the manual clock did not move between tick and firing
    assert fired.description == "AAPL above 200"
    assert rig.trade("AAPL", 250.0) == []
    assert rig.engine.stats() == {"rules": 1, "armed": 0, "fired": 1}


async def test_repeat_rearms_only_after_the_cooldown() -> None:
    rig = await Rig().start()
    rig.engine.upsert(rule("r", "EUR/USD", "below", 1.08, repeat=True, cooldown_s=60))
    assert rig.trade("EUR/USD", 1.07, at_s=0) == ["r"]
    assert rig.fired[0].cooldown_until == rig.clock.now_ns() + 60 * NS_PER_SECOND
    assert rig.trade("EUR/USD", 1.07, at_s=59) == []
    assert rig.trade("EUR/USD", 1.07, at_s=60) == ["r"]
    assert rig.fired[-1].fired_count == 2
    assert rig.fired[-1].active


async def test_a_quiet_symbol_rearms_through_the_timers() -> None:
    rig = await Rig().start()
    rig.engine.upsert(rule("r", "AAPL", "above", 10, repeat=True, cooldown_s=5))
    rig.trade("AAPL", 11, at_s=0)
    assert not rig.engine.rules["r"].armed
    rig.engine.run_timers(rig.at(5))
    assert rig.engine.rules["r"].armed


async def test_expired_rules_never_fire() -> None:
    rig = await Rig().start()
    rig.engine.upsert(rule("e", "AAPL", "above", 10, expires_at=rig.at(0) + 30 * NS_PER_SECOND))
    assert rig.trade("AAPL", 9, at_s=10) == []
    assert rig.trade("AAPL", 11, at_s=31) == []
    assert not rig.engine.rules["e"].state.active


async def test_crosses_fires_either_way_and_only_on_a_crossing() -> None:
    rig = await Rig().start()
    rig.engine.upsert(rule("x", "AAPL", "crosses", 100, repeat=True))
    assert rig.trade("AAPL", 101) == []  # the first price crosses nothing
    assert rig.trade("AAPL", 102) == []
    assert rig.trade("AAPL", 99) == ["x"]
    assert rig.trade("AAPL", 100) == ["x"]


async def test_quotes_use_the_mid_for_forex() -> None:
    rig = await Rig().start()
    rig.engine.upsert(rule("fx", "EUR/USD", "above", 1.1000))
    assert rig.quote("EUR/USD", 1.0998, 1.1001) == []
    assert rig.quote("EUR/USD", 1.0999, 1.1003) == ["fx"]
    assert rig.fired[0].price == pytest.approx(1.1001)


async def test_quiet_hours_fire_but_notify_nobody() -> None:
    rig = await Rig().start()
    rig.at(0)  # T0 is 22:13 UTC
    rig.engine.upsert(
        rule("q", "AAPL", "above", 1, notify=("discord",), quiet=QuietHours(start="22:00", end="07:00"))
    )
    assert rig.trade("AAPL", 2) == ["q"]
    assert rig.fired[0].quiet
    assert notifications_for(rig.fired[0]) == []


async def test_percent_move_within_a_window() -> None:
    rig = await Rig().start()
    rig.engine.upsert(rule("up", "TSLA", "move_up", 3, window_s=60))
    rig.engine.upsert(rule("down", "TSLA", "move_down", 5, window_s=60))
    assert rig.trade("TSLA", 100, at_s=0) == []
    assert rig.trade("TSLA", 102, at_s=30) == []  # +2 % on 100
    assert rig.trade("TSLA", 103.5, at_s=50) == ["up"]  # +3.5 % on 100
    assert rig.trade("TSLA", 98, at_s=100) == ["down"]  # 100 and 102 left the window: -5.3 % on 103.5
    assert rig.fired[-1].kind is AlertKind.MOVE_DOWN


async def test_rsi_and_sma_cross_on_bars_of_their_interval() -> None:
    rig = await Rig().start()
    rig.engine.upsert(rule("rsi", "AAPL", "rsi_below", 30, interval="1d", period=14))
    rig.engine.upsert(rule("sma", "AAPL", "sma_cross_up", interval="1d", fast=3, slow=5))
    closes = [100 - i for i in range(20)]
    fired = [a for c in closes for a in rig.bar("AAPL", c)]
    assert fired == ["rsi"]
    assert rig.bar("AAPL", 90, interval="1h") == []  # another interval feeds other indicators
    fired = [a for c in [90, 95, 100, 105] for a in rig.bar("AAPL", c)]
    assert fired == ["sma"]


async def test_webhook_rules_match_symbol_and_text() -> None:
    rig = await Rig().start()
    rig.engine.upsert(rule("buy", "AAPL", "webhook", match="buy"))
    rig.engine.upsert(rule("any", "*", "webhook", repeat=True))
    alert = WebhookAlert(
        source="tradingview", symbol="AAPL", action="sell", price=190.0, text="sell it", fields={},
        body_hash="h", ts_event=rig.clock.now_ns(), ts_init=rig.clock.now_ns(),
    )  # fmt: skip
    rig.bus.publish(topics.webhook_inbound("tradingview"), alert)
    assert [f.alert_id for f in rig.fired] == ["any"]
    rig.bus.publish(
        topics.webhook_inbound("tradingview"), msgspec_replace(alert, action="buy", text="buy it")
    )
    assert [f.alert_id for f in rig.fired] == ["any", "buy", "any"]
    assert (rig.fired[1].message, rig.fired[1].price, rig.fired[1].symbol) == ("buy it", 190.0, "AAPL")


async def test_restart_state_and_removal() -> None:
    rig = await Rig().start()
    state = AlertState(alert_id="c", cooldown_until=rig.at(0) + 10 * NS_PER_SECOND, fired_count=3)
    rig.engine.load([(rule("c", "AAPL", "above", 1, repeat=True, cooldown_s=10), state)])
    assert rig.trade("AAPL", 2, at_s=5) == []
    assert rig.trade("AAPL", 2, at_s=10) == ["c"]
    assert rig.fired[-1].fired_count == 4
    assert rig.engine.remove("c")
    assert rig.trade("AAPL", 3, at_s=30) == []
    rig.engine.load([(rule("d", "AAPL", "above", 1), AlertState(alert_id="d", active=False))])
    assert rig.trade("AAPL", 4) == []


async def test_reading_a_rule_back_at_the_same_version_does_not_rearm_it() -> None:
    rig = await Rig().start()
    once = rule("o", "AAPL", "above", 1)
    rig.engine.upsert(once, version=5)
    assert rig.trade("AAPL", 2) == ["o"]
    rig.engine.upsert(once, AlertState(alert_id="o"), version=5)  # the store had not caught up yet
    assert rig.trade("AAPL", 3) == []
    rig.engine.upsert(once, AlertState(alert_id="o"), version=6)  # a newer definition: armed again
    assert rig.trade("AAPL", 4) == ["o"]


def test_rule_problems_name_the_field() -> None:
    bad = AlertRule(id="x", symbol="AAPL", kind=AlertKind.MOVE_UP, threshold=-1, cooldown_s=-1, tags=("a b",))
    fields = [f for f, _ in rule_problems(bad)]
    assert fields == ["threshold", "window_s", "cooldown_s", "tags"]
    assert rule_problems(AlertRule(id="x", symbol="*", kind=AlertKind.ABOVE, threshold=1))[0][0] == "symbol"
    sma = AlertRule(id="x", symbol="A", kind=AlertKind.SMA_CROSS_UP, interval="1d", fast=30, slow=10)
    assert rule_problems(sma) == [("fast", "fast (30) must be smaller than slow (10)")]


def test_the_indicators_alerts_watch_match_naive_formulas() -> None:
    closes = [100 + math.sin(i / 3) * 5 + i * 0.1 for i in range(60)]
    sma = SMA(7)
    for i, c in enumerate(closes):
        value = sma.update(c)
        if i >= 6:
            assert value == pytest.approx(sum(closes[i - 6 : i + 1]) / 7)
    rsi = RSI(14)
    values = [rsi.update(c) for c in closes]
    changes = [b - a for a, b in itertools.pairwise(closes)]
    gain = sum(max(c, 0) for c in changes[:14]) / 14
    loss = sum(max(-c, 0) for c in changes[:14]) / 14
    assert values[14] == pytest.approx(100 - 100 / (1 + gain / loss))
    for c in changes[14:]:
        gain += (max(c, 0) - gain) / 14
        loss += (max(-c, 0) - loss) / 14
    assert values[-1] == pytest.approx(100 - 100 / (1 + gain / loss))


def msgspec_replace(alert: WebhookAlert, **changes: object) -> WebhookAlert:
    import msgspec

    return msgspec.structs.replace(alert, **changes)
