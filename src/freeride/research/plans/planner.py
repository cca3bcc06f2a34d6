"""Technical state plus the recent stories' sentiment → one trade plan, stocks and forex alike.

* **Direction**: a weighted sum of trend (EMA20/SMA50), momentum (RSI14, MACD histogram) and the
  stories' sentiment (confidence-weighted, halving every ``half_life_s``); long when ≥ 0.
  For a pair, a story about only its quote currency counts against it (a hawkish Fed is bad
  for EUR/USD).
* **Levels**: the entry zone is the last close and ``entry_atr`` ATRs toward the trade; the stop
  ``stop_atr`` ATRs beyond the zone's middle; target 1 at ``target1_r`` R (or the Donchian
  channel's far side when that comes first but beyond 1 R), target 2 at ``target2_r`` R.
* **Size** from the risk budget (``sizing``); **confidence** from the strength of the signal,
  more when technicals and sentiment agree, less when they do not; **expiry** after
  ``expiry_bars`` bars. The rationale cites every input with its value and each story behind it.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass
from decimal import Decimal

from freeride.core.clock import NS_PER_SECOND
from freeride.core.instruments import Instrument
from freeride.core.market import INTERVAL_SECONDS, Bar
from freeride.core.plans import PlanDirection, PlanInput, TradePlan
from freeride.core.sentiment import StorySentiment
from freeride.research.plans.sizing import size_for
from freeride.research.plans.technical import Technicals, technicals


@dataclass(frozen=True)
class PlanConfig:
    equity: Decimal = Decimal(100_000)
    risk_fraction: float = 0.01
    account_currency: str = "USD"
    entry_atr: float = 0.25
    stop_atr: float = 1.5
    target1_r: float = 1.5
    target2_r: float = 3.0
    expiry_bars: int = 5
    half_life_s: float = 86_400.0
    sentiment_weight: float = 0.4
    max_stories: int = 20


@dataclass(frozen=True)
class SentimentReading:
    value: float
    stories: list[tuple[StorySentiment, float]]  # each with the sign it counted with


def story_sign(instrument: Instrument, story: StorySentiment) -> float:
    """+1 when the story is about the instrument (or a pair's base), -1 about a pair's quote only."""
    if not instrument.is_forex:
        return 1.0
    base = instrument.base_currency in story.currencies
    quote = instrument.quote_currency in story.currencies
    return -1.0 if quote and not base else 1.0


def sentiment_of(
    instrument: Instrument, stories: Sequence[StorySentiment], now_ns: int, config: PlanConfig
) -> SentimentReading:
    recent = sorted(stories, key=lambda s: s.ts_event, reverse=True)[: config.max_stories]
    total = weight_sum = 0.0
    used = []
    for story in recent:
        age_s = max(0.0, (now_ns - story.ts_event) / NS_PER_SECOND)
        weight = story.confidence * 0.5 ** (age_s / config.half_life_s)
        sign = story_sign(instrument, story)
        total += weight * sign * story.score
        weight_sum += weight
        used.append((story, sign))
    return SentimentReading(total / weight_sum if weight_sum else 0.0, used)


def _round(value: float, precision: int) -> float:
    return round(value, precision)


def make_plan(
    instrument: Instrument,
    interval: str,
    bars: Sequence[Bar],
    stories: Sequence[StorySentiment],
    config: PlanConfig,
    *,
    quote_to_account: float,
    now_ns: int,
) -> TradePlan:
    tech = technicals(bars)
    tech_score = 0.6 * tech.trend + 0.4 * tech.momentum
    reading = sentiment_of(instrument, stories, tech.ts_event, config)
    w = config.sentiment_weight if reading.stories else 0.0
    combined = (1 - w) * tech_score + w * reading.value
    direction = PlanDirection.LONG if combined >= 0 else PlanDirection.SHORT
    sign = direction.sign
    confidence = abs(combined)
    if reading.stories and tech_score * reading.value > 0:
        confidence *= 1.2
    elif reading.stories and tech_score * reading.value < 0:
        confidence *= 0.7
    confidence = round(max(0.05, min(0.95, confidence)), 3)

    p = instrument.price_precision
    atr, close = tech.atr14, tech.close
    far = close - sign * config.entry_atr * atr
    entry_low, entry_high = sorted((_round(far, p), _round(close, p)))
    entry = (entry_low + entry_high) / 2
    stop = _round(entry - sign * config.stop_atr * atr, p)
    risk = abs(entry - stop)
    target1 = entry + sign * config.target1_r * risk
    channel = tech.donchian_high if sign > 0 else tech.donchian_low
    channel_note = ""
    if sign * (channel - entry) > risk and sign * (channel - target1) < 0:
        target1, channel_note = channel, " (the Donchian channel, before 1.5 R)"
    target1 = _round(target1, p)
    target2 = _round(entry + sign * config.target2_r * risk, p)
    budget = (config.equity * Decimal(repr(config.risk_fraction))).quantize(Decimal("0.01"))
    size = size_for(instrument, risk, budget, quote_to_account)
    seconds = INTERVAL_SECONDS.get(interval, 86_400)
    inputs = _inputs(tech, tech_score, reading, combined)
    rationale = _rationale(
        instrument,
        direction,
        confidence,
        tech,
        reading,
        entry_low,
        entry_high,
        stop,
        target1,
        target2,
        channel_note,
        size.quantity,
        size.risk_amount,
        budget,
        config,
    )
    return TradePlan(
        plan_id="",
        symbol=instrument.symbol,
        asset_class=instrument.asset_class.value,
        version=0,
        direction=direction,
        entry_low=entry_low,
        entry_high=entry_high,
        stop=stop,
        target1=target1,
        target2=target2,
        quantity=size.quantity,
        lots=size.lots,
        pips_to_stop=size.pips_to_stop,
        pip_value=size.pip_value,
        risk_amount=size.risk_amount,
        account_currency=config.account_currency,
        reward_risk=round(abs(target1 - entry) / risk, 2),
        confidence=confidence,
        interval=interval,
        inputs=inputs,
        story_ids=tuple(s.story_id for s, _ in reading.stories),
        rationale=rationale,
        expires_at=tech.ts_event + config.expiry_bars * seconds * NS_PER_SECOND,
        ts_event=tech.ts_event,
        ts_init=now_ns,
    )


def _inputs(
    tech: Technicals, tech_score: float, reading: SentimentReading, combined: float
) -> tuple[PlanInput, ...]:
    return (
        PlanInput(name="close", value=tech.close),
        PlanInput(name="ema20", value=round(tech.ema20, 6)),
        PlanInput(
            name="sma50", value=round(tech.sma50, 6), reading="trend up" if tech.trend > 0 else "trend down"
        ),
        PlanInput(name="rsi14", value=round(tech.rsi14, 2)),
        PlanInput(name="macd_hist", value=round(tech.macd_hist, 6)),
        PlanInput(name="atr14", value=round(tech.atr14, 6), reading="volatility"),
        PlanInput(name="donchian20_high", value=tech.donchian_high),
        PlanInput(name="donchian20_low", value=tech.donchian_low),
        PlanInput(name="technical_score", value=round(tech_score, 3)),
        PlanInput(name="sentiment", value=round(reading.value, 3), reading=f"{len(reading.stories)} stories"),
        PlanInput(name="combined", value=round(combined, 3)),
    )


def _fmt(value: float) -> str:
    if value == 0 or not math.isfinite(value):
        return f"{value:g}"
    digits = max(2, 5 - math.floor(math.log10(abs(value))))
    return f"{value:,.{min(digits, 6)}f}"


def _rationale(
    instrument: Instrument,
    direction: PlanDirection,
    confidence: float,
    tech: Technicals,
    reading: SentimentReading,
    entry_low: float,
    entry_high: float,
    stop: float,
    target1: float,
    target2: float,
    channel_note: str,
    quantity: Decimal,
    risk_amount: Decimal,
    budget: Decimal,
    config: PlanConfig,
) -> str:
    trend = "up" if tech.trend > 0 else "down"
    compare = "above" if tech.ema20 > tech.sma50 else "below"
    parts = [
        f"{instrument.symbol} {direction.value} (confidence {confidence:.2f}).",
        f"Trend {trend}: EMA20 {_fmt(tech.ema20)} {compare} SMA50 {_fmt(tech.sma50)}, "
        f"close {_fmt(tech.close)}.",
        f"Momentum: RSI14 {tech.rsi14:.1f}, MACD histogram {tech.macd_hist:+.5g}.",
        f"Volatility: ATR14 {_fmt(tech.atr14)}. "
        f"Levels: Donchian20 {_fmt(tech.donchian_low)}–{_fmt(tech.donchian_high)}.",
    ]
    if reading.stories:
        cited = "; ".join(
            f"“{s.headline[:70]}” {s.score * sign:+.2f} ({', '.join(s.sources) or s.model}, {s.story_id})"
            for s, sign in reading.stories[:5]
        )
        more = f" and {len(reading.stories) - 5} more" if len(reading.stories) > 5 else ""
        parts.append(f"Sentiment {reading.value:+.2f} from {len(reading.stories)} stories: {cited}{more}.")
    else:
        parts.append("Sentiment: no recent stories, technicals alone.")
    unit = "units" if instrument.is_forex else "shares"
    parts.append(
        f"Entry {_fmt(entry_low)}–{_fmt(entry_high)}, stop {_fmt(stop)} ({config.stop_atr:g} ATR), "
        f"targets {_fmt(target1)}{channel_note} / {_fmt(target2)}; {quantity} {unit} risking "
        f"{risk_amount} {config.account_currency} "
        f"(budget {budget}, {config.risk_fraction:.2%} of {config.equity})."
    )
    return " ".join(parts)
