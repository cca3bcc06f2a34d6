"""Trade plans for stocks and forex through one code path, and their track record."""

from __future__ import annotations

import math
from decimal import Decimal

import pytest

from freeride.core.errors import InvalidInput
from freeride.core.instruments import parse_instrument
from freeride.core.market import Bar
from freeride.core.plans import OutcomeKind, PlanDirection
from freeride.research.plans.evaluate import TrackRecord, evaluate
from freeride.research.plans.planner import PlanConfig, make_plan, story_sign
from freeride.research.plans.sizing import pip_size, size_for
from freeride.testing.research_builders import plan, scored

DAY = 86_400
S = 1_000_000_000


def trending(symbol: str, start: float, step: float, n: int = 80, wiggle: float = 0.004) -> list[Bar]:
    bars = []
    price = start
    for k in range(n):
        price += step + wiggle * start * math.sin(k)
        bars.append(
            Bar(
                symbol=symbol,
                interval="1d",
                open=price - step / 2,
                high=price + wiggle * start,
                low=price - wiggle * start,
                close=price,
                volume=1_000,
                ts_event=k * DAY * S,
                ts_init=0,
            )
        )
    return bars


def test_an_uptrend_with_good_news_is_a_long_plan_citing_every_input() -> None:
    bars = trending("AAPL", 100.0, 0.5)
    stories = [scored("finnhub|1", "Apple beats estimates", 0.7, ts_s=79 * DAY)]
    p = make_plan(parse_instrument("AAPL"), "1d", bars, stories, PlanConfig(), quote_to_account=1.0, now_ns=0)
    assert p.direction is PlanDirection.LONG
    assert p.entry_low < p.entry_high == round(bars[-1].close, 2)
    assert p.stop < p.entry_low < p.target1 < p.target2
    assert p.reward_risk >= 1.0
    assert p.quantity > 0
    assert p.risk_amount <= Decimal(1_000)
    assert p.lots is None
    assert p.story_ids == ("finnhub|1",)
    for name in ("ema20", "sma50", "rsi14", "macd_hist", "atr14", "donchian20_high", "sentiment"):
        assert any(i.name == name for i in p.inputs)
    assert "Apple beats estimates" in p.rationale
    assert "RSI14" in p.rationale
    assert "ATR14" in p.rationale
    assert p.expires_at == bars[-1].ts_event + 5 * DAY * S


def test_good_technicals_and_bad_news_disagree_and_lower_the_confidence() -> None:
    bars = trending("AAPL", 100.0, 0.5)
    good = make_plan(
        parse_instrument("AAPL"),
        "1d",
        bars,
        [scored("a", "x", 0.8, ts_s=79 * DAY)],
        PlanConfig(),
        quote_to_account=1.0,
        now_ns=0,
    )
    bad = make_plan(
        parse_instrument("AAPL"),
        "1d",
        bars,
        [scored("a", "x", -0.8, ts_s=79 * DAY)],
        PlanConfig(),
        quote_to_account=1.0,
        now_ns=0,
    )
    assert bad.confidence < good.confidence


def test_a_forex_plan_is_sized_in_micro_lots_with_pips_and_pip_value() -> None:
    bars = trending("EUR/USD", 1.08, -0.002, wiggle=0.0005)
    pair = parse_instrument("EUR/USD")
    p = make_plan(pair, "1d", bars, [], PlanConfig(), quote_to_account=1.0, now_ns=0)
    assert p.direction is PlanDirection.SHORT
    assert p.stop > p.entry_high > p.entry_low > p.target1 > p.target2
    assert p.quantity % 1_000 == 0
    assert p.lots == (p.quantity / Decimal(100_000)).quantize(Decimal("0.01"))
    assert p.pips_to_stop is not None
    assert p.pip_value == (p.quantity * Decimal("0.0001")).quantize(Decimal("0.01"))
    assert p.risk_amount <= Decimal(1_000)
    assert "units" in p.rationale


def test_sizing_converts_the_quote_currency_and_knows_yen_pips() -> None:
    usdjpy = parse_instrument("USD/JPY")
    assert pip_size(usdjpy) == Decimal("0.01")
    size = size_for(usdjpy, 0.5, Decimal(1_000), quote_to_account=0.008)  # 50 pips, JPY→USD at 125
    assert size.pips_to_stop == 50.0
    assert size.quantity == 250_000
    assert size.lots == Decimal("2.50")
    assert size.pip_value == Decimal("20.00")  # 250,000 × 0.01 JPY × 0.008
    stock = size_for(parse_instrument("SAP"), 2.0, Decimal(1_000), quote_to_account=1.1)
    assert stock.quantity == 454  # 1,000 / (2 × 1.1)


def test_a_story_about_the_quote_currency_counts_against_the_pair() -> None:
    pair = parse_instrument("EUR/USD")
    fed = scored("f", "Fed hikes", 0.6, symbols=("EUR/USD",))
    assert story_sign(pair, fed) == 1.0
    import msgspec

    assert story_sign(pair, msgspec.structs.replace(fed, currencies=("USD",))) == -1.0
    assert story_sign(pair, msgspec.structs.replace(fed, currencies=("EUR", "USD"))) == 1.0


def test_too_little_history_is_refused_with_the_reason() -> None:
    with pytest.raises(InvalidInput, match="at least 60 bars"):
        make_plan(
            parse_instrument("AAPL"),
            "1d",
            trending("AAPL", 100, 1, n=10),
            [],
            PlanConfig(),
            quote_to_account=1.0,
            now_ns=0,
        )


def _bar(k: int, o: float, h: float, low: float, c: float) -> Bar:
    return Bar(
        symbol="AAPL",
        interval="1d",
        open=o,
        high=h,
        low=low,
        close=c,
        volume=1,
        ts_event=k * DAY * S,
        ts_init=0,
    )


def test_evaluate_target_stop_expiry_and_not_triggered() -> None:
    p = plan(entry=100.0, stop=95.0, ts_s=0)  # zone 99.5–100.5, targets 107.5 / 115, expires after 5 days
    target = evaluate(
        p, [_bar(1, 101, 101, 99.8, 100.2), _bar(2, 100, 108, 99.9, 107), _bar(3, 107, 116, 106, 115)]
    )
    assert target.outcome is OutcomeKind.TARGET
    assert target.target2_hit
    assert target.entry_price == 100.5
    assert target.r_multiple == pytest.approx(0.5 * 7 / 5.5 + 0.5 * 14.5 / 5.5, rel=1e-3)
    stop = evaluate(p, [_bar(1, 100, 100.4, 94, 95)])
    assert stop.outcome is OutcomeKind.STOP
    assert stop.r_multiple == pytest.approx(-1.0)
    both = evaluate(p, [_bar(1, 100, 110, 94, 100)])  # stop and target in one bar: the stop first
    assert both.outcome is OutcomeKind.STOP
    never = evaluate(p, [_bar(1, 103, 104, 102, 103), _bar(6, 103, 104, 102, 103)])
    assert never.outcome is OutcomeKind.NOT_TRIGGERED
    expired = evaluate(
        p, [_bar(1, 100, 101, 99, 100), _bar(2, 100, 102, 99, 102), _bar(5, 102, 102, 102, 102)]
    )
    assert expired.outcome is OutcomeKind.EXPIRED
    assert expired.r_multiple == pytest.approx(2 / 5.0)
    waiting = evaluate(p, [_bar(1, 100, 101, 99, 100)])
    assert waiting.outcome is OutcomeKind.OPEN


def test_track_record_per_symbol() -> None:
    p = plan(entry=100.0, stop=95.0)
    outcomes = [
        evaluate(p, [_bar(1, 100, 100.4, 94, 95)]),
        evaluate(p, [_bar(1, 100, 108, 99.9, 107), _bar(2, 107, 116, 106, 115)]),
        evaluate(p, [_bar(1, 103, 104, 102, 103), _bar(6, 103, 104, 102, 103)]),
    ]
    record = TrackRecord(outcomes).by_symbol["AAPL"]
    assert record["decided"] == 2
    assert record["hit_rate"] == 0.5
    assert record["not_triggered"] == 1


async def test_the_scheduler_plans_each_symbol_every_round_and_survives_a_failure() -> None:
    from freeride.bus.memory import InMemoryBus
    from freeride.core.clock import ManualClock
    from freeride.core.plans import TradePlan
    from freeride.research.plan_service import PlanScheduler, PlanService
    from freeride.testing.fakes.waiting import until

    saved: list[TradePlan] = []

    class Plans:
        async def save(self, plan: TradePlan, notifications: object = ()) -> TradePlan:
            saved.append(plan)
            return plan

    class News:
        async def stories(self, *args: object, **kwargs: object) -> list[object]:
            return []

    async def bars(instrument: object, interval: str, start: int, end: int) -> list[Bar]:
        if getattr(instrument, "symbol", "") == "MSFT":
            raise InvalidInput("no bars for MSFT")
        return trending("AAPL", 100.0, 0.5)

    async def rate(quote: str, account: str) -> float:
        return 1.0

    clock = ManualClock(100 * DAY * S)
    service = PlanService(Plans(), News(), bars, rate, clock, InMemoryBus(clock))  # type: ignore[arg-type]
    scheduler = PlanScheduler(service, clock, ["AAPL", "MSFT"], every_s=3_600)
    await scheduler.start()
    await until(lambda: clock.sleepers == 1)
    clock.advance(3_600)
    await until(lambda: scheduler.made == 2)
    await scheduler.stop()
    assert scheduler.failed >= 1
    assert [p.symbol for p in saved] == ["AAPL", "AAPL"]
