"""The labelled evaluation sets and the figures every model is judged by (accuracy, macro-F1)."""

from __future__ import annotations

import csv
from collections import Counter
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path

from freeride.core.errors import DataFileError
from freeride.core.sentiment import SentimentLabel, label_of

LABELS = tuple(SentimentLabel)


@dataclass(frozen=True)
class Example:
    label: SentimentLabel
    asset: str
    form: str
    group: str
    text: str


def load_examples(path: Path) -> list[Example]:
    """Rows of a TSV with a header (``label asset form group text``); ``#`` lines are comments."""
    lines = [ln for ln in path.read_text(encoding="utf-8").splitlines() if ln and not ln.startswith("#")]
    out: list[Example] = []
    reader = csv.DictReader(lines, delimiter="\t", quoting=csv.QUOTE_NONE)
    for n, row in enumerate(reader, start=2):
        try:
            out.append(
                Example(SentimentLabel(row["label"]), row["asset"], row["form"], row["group"], row["text"])
            )
        except (KeyError, ValueError, TypeError) as exc:
            raise DataFileError(str(path), n, f"bad row: {exc}") from None
    return out


@dataclass(frozen=True)
class Figures:
    n: int
    accuracy: float
    macro_f1: float
    per_label_f1: dict[str, float]
    confusion: dict[str, dict[str, int]]  # truth → predicted → count


def figures(truth: Sequence[SentimentLabel], predicted: Sequence[SentimentLabel]) -> Figures:
    n = len(truth)
    confusion = {t.value: {p.value: 0 for p in LABELS} for t in LABELS}
    for t, p in zip(truth, predicted, strict=True):
        confusion[t.value][p.value] += 1
    f1s: dict[str, float] = {}
    for label in LABELS:
        tp = confusion[label.value][label.value]
        fp = sum(confusion[t.value][label.value] for t in LABELS if t is not label)
        fn = sum(confusion[label.value][p.value] for p in LABELS if p is not label)
        precision = tp / (tp + fp) if tp + fp else 0.0
        recall = tp / (tp + fn) if tp + fn else 0.0
        f1s[label.value] = 2 * precision * recall / (precision + recall) if precision + recall else 0.0
    correct = sum(1 for t, p in zip(truth, predicted, strict=True) if t is p)
    return Figures(
        n=n,
        accuracy=correct / n if n else 0.0,
        macro_f1=sum(f1s.values()) / len(f1s),
        per_label_f1=f1s,
        confusion=confusion,
    )


def evaluate(examples: Sequence[Example], classify: Callable[[str], SentimentLabel]) -> Figures:
    return figures([e.label for e in examples], [classify(e.text) for e in examples])


def majority(examples: Iterable[Example]) -> Callable[[str], SentimentLabel]:
    """Always the most frequent label of ``examples`` (the baseline any model must beat)."""
    most = Counter(e.label for e in examples).most_common(1)[0][0]
    return lambda _text: most


def plain_vader() -> Callable[[str], SentimentLabel]:
    """VADER as shipped, with its own convention: compound ≥ 0.05 positive, ≤ −0.05 negative."""
    from vaderSentiment.vaderSentiment import SentimentIntensityAnalyzer

    analyzer = SentimentIntensityAnalyzer()
    return lambda text: label_of(analyzer.polarity_scores(text)["compound"], 0.05)
