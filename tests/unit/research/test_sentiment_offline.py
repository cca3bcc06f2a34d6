"""The offline model: its rules one by one, and its figures on the held-out evaluation set."""

from __future__ import annotations

from pathlib import Path

import pytest

from freeride.core.sentiment import SentimentLabel
from freeride.ports.sentiment import ScoreRequest
from freeride.research.sentiment.evaluation import evaluate, load_examples, majority, plain_vader
from freeride.research.sentiment.offline import OfflineModel

DATA = Path(__file__).parents[2] / "data"
POS, NEG, NEU = SentimentLabel.POSITIVE, SentimentLabel.NEGATIVE, SentimentLabel.NEUTRAL


@pytest.fixture(scope="module")
def model() -> OfflineModel:
    return OfflineModel()


@pytest.mark.parametrize(
    ("text", "label"),
    [
        ("Quarterly profit rose 12%", POS),
        ("The net loss widened to $300 million", NEG),
        ("The net loss narrowed to $40 million", POS),
        ("Sales fell for a third quarter", NEG),
        ("Costs dropped sharply", POS),
        ("Company raises full-year guidance", POS),
        ("Company cuts its outlook", NEG),
        ("Operating income went from $2.0 billion to $1.2 billion", NEG),
        ("EPS of $1.10 versus $0.95 expected", POS),
        ("Payrolls rise by 90,000 versus 180,000 expected", NEG),
        ("Shares beat estimates", POS),
        ("Revenue missed estimates", NEG),
        ("Analyst downgrades the stock to sell", NEG),
        ("Analyst upgrades the stock", POS),
        ("ECB hikes rates, euro climbs", POS),
        ("Fed cuts rates; the dollar slides", NEG),
        ("No sign of slowing demand", POS),
        ("The company did not beat estimates", NEG),
        ("Revenue rose while costs also rose, leaving profit flat", NEU),
        ("The company will report results on Tuesday", NEU),
    ],
)
def test_rules(model: OfflineModel, text: str, label: SentimentLabel) -> None:
    assert model.analyse(text).label is label, model.analyse(text).rationale


def test_hedges_soften_the_score_and_the_confidence(model: OfflineModel) -> None:
    plain = model.analyse("Apple cuts its dividend")
    hedged = model.analyse("Apple may cut its dividend, people familiar said")
    assert plain.label is hedged.label is NEG
    assert abs(hedged.score) < abs(plain.score)
    assert hedged.confidence < plain.confidence


def test_scores_are_bounded_and_rationales_cite_the_evidence(model: OfflineModel) -> None:
    s = model.analyse("Record profit beats estimates as revenue jumps and margins widen, upgrade follows")
    assert -1 < s.score <= 1
    assert 0 <= s.confidence <= 1
    assert "beats" in s.rationale


async def test_the_port_answers_every_request_by_id(model: OfflineModel) -> None:
    results = await model.score([ScoreRequest(id="a", text="Sales fell"), ScoreRequest(id="b", text="x")])
    assert [r.id for r in results] == ["a", "b"]
    assert all(r.sentiment is not None and r.sentiment.model == "offline-1" for r in results)


def test_the_evaluation_set_is_large_and_balanced_enough() -> None:
    examples = load_examples(DATA / "sentiment_eval.tsv")
    assert len(examples) >= 400
    for label in SentimentLabel:
        assert sum(e.label is label for e in examples) >= 100
    assert {e.asset for e in examples} == {"stock", "forex"}
    assert {e.form for e in examples} == {"headline", "sentence"}
    assert {e.group for e in examples} == {"plain", "balanced", "negated", "hedged", "comparison"}
    dev = {e.text for e in load_examples(DATA / "sentiment_dev.tsv")}
    assert not dev & {e.text for e in examples}, "the held-out set shares no sentence with the dev set"


def test_offline_model_meets_its_targets_on_the_held_out_set(model: OfflineModel) -> None:
    examples = load_examples(DATA / "sentiment_eval.tsv")
    ours = evaluate(examples, lambda t: model.analyse(t).label)
    vader = evaluate(examples, plain_vader())
    base = evaluate(examples, majority(examples))
    assert ours.accuracy >= 0.85, ours
    assert ours.macro_f1 >= 0.80, ours
    assert ours.accuracy > vader.accuracy + 0.15
    assert ours.accuracy > base.accuracy + 0.4
