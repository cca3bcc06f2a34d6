"""The offline sentiment rules: VADER's word list read the way financial news means it.

One pass over the tokens collects *contributions*, each a signed weight at a token position:

1. **Direction × quantity.** A movement word (``rose``, ``widened``, ``cut``, ``slumps``) takes
   the sign of the financial quantity it moves, found within four tokens in the same clause:
   "profit rose" and "loss narrowed" are good, "loss widened" and "sales fell" bad, "raises
   guidance" good, "cuts outlook" bad. A movement with no quantity moves the subject (the stock
   or currency the headline is about): "Apple jumps" is good.
2. **Comparisons.** "X versus Y expected" and "went from X to Y" compare the numbers, signed by
   the quantity, and outweigh the verb ("payrolls rise by 90,000 versus 180,000 expected" is bad).
3. **Finance lexicon.** beat/miss, upgrades/downgrades, recalls, probes, hawkish/dovish, highs
   and lows (``finance_terms.LEXICON``); other words take half their VADER valence, except words
   VADER misreads in finance (``share``, ``interest``, ``liability``…), which are ignored.
4. **Negation** within three tokens before a contribution flips it ("no sign of slowing",
   "failed to beat"); **hedges** (may, could, reportedly) soften the result and its confidence;
   after **but** / despite the clause counts 1.5×, before it 0.5×; **balancers** (flat, mixed,
   offset, in line) pull the result toward neutral.

The sum ``S`` becomes a score ``S / sqrt(S² + 1)`` in (−1, 1); within ±0.12 it reads neutral.
"""

from __future__ import annotations

import math
import re
from dataclasses import dataclass, field

from freeride.core.sentiment import SentimentLabel
from freeride.research.sentiment import finance_terms as ft
from freeride.research.sentiment.vader_lexicon import vader_lexicon

NEUTRAL_BAND = 0.12
WINDOW = 4
_TOKEN = re.compile(
    r"[a-z]+(?:[-'’/][a-z]+)*|\$?\d+(?:[.,]\d+)*%?|[,;.:!?()]",
)
_CLAUSE_BREAK = frozenset(",;.:!?()")
_NUMBER = re.compile(r"^\$?(\d+(?:[.,]\d+)*)%?$")


@dataclass
class Reading:
    """What the rules found: the score, the label, how sure, and the evidence (for rationales)."""

    score: float
    label: SentimentLabel
    confidence: float
    evidence: list[str] = field(default_factory=list)


def tokens(text: str) -> list[str]:
    return _TOKEN.findall(text.lower().replace("’", "'"))


def _number(token: str) -> float | None:
    match = _NUMBER.match(token)
    if match is None:
        return None
    try:
        return float(match.group(1).replace(",", ""))
    except ValueError:
        return None


class Rules:
    def __init__(self) -> None:
        generic = vader_lexicon()
        self._generic = {w: v * 0.5 for w, v in generic.items() if w not in ft.NEUTRALISED}

    def read(self, text: str) -> Reading:
        toks = tokens(text)
        n = len(toks)
        contributions: list[tuple[int, float, str]] = []
        used: set[int] = set()
        hedged = any(t in ft.HEDGES for t in toks)
        balancers = sum(1 for t in toks if t in ft.BALANCERS)
        if "in" in toks:
            balancers += sum(1 for i in range(n - 1) if toks[i] == "in" and toks[i + 1] == "line")
        comparison = self._comparison(toks)
        if comparison is not None:
            pos, value, why = comparison
            contributions.append((pos, value, why))
        for i, tok in enumerate(toks):
            if tok in _CLAUSE_BREAK or i in used:
                continue
            if tok in ft.UP or tok in ft.DOWN:
                direction = 1.0 if tok in ft.UP else -1.0
                if tok in ("weigh", "weighs", "weighed", "weighing"):
                    continue
                q = self._quantity(toks, i)
                if q is not None:
                    used.add(q)
                    polarity = 1.0 if toks[q] in ft.GOOD else -1.0
                    contributions.append((i, direction * polarity, f"{toks[q]} {tok}"))
                else:
                    value = ft.LEXICON.get(tok, direction * 0.7)
                    contributions.append((i, direction * 0.7 if tok not in ft.LEXICON else value, tok))
            elif tok in ("weigh", "weighs", "weighed", "weighing") and i + 1 < n and toks[i + 1] == "on":
                contributions.append((i, -0.8, "weighs on"))
            elif tok in ft.LEXICON:
                if ft.LEXICON[tok]:
                    contributions.append((i, ft.LEXICON[tok], tok))
            elif tok in ft.BAD and tok in ("loss", "losses", "layoffs", "writedown", "writedowns"):
                contributions.append((i, -0.6, tok))
            elif tok in ("profit", "profits") and i not in used:
                contributions.append((i, 0.4, tok))
            elif tok in self._generic and tok not in ft.NEGATORS:
                contributions.append((i, self._generic[tok], tok))
        contributions = [c for c in contributions if c[0] not in used or c[2] != toks[c[0]]]
        total = 0.0
        pivot = next((i for i, t in enumerate(toks) if t in ft.BUT), None)
        evidence: list[str] = []
        for pos, value, why in contributions:
            v = value
            if self._negated(toks, pos):
                v = -0.8 * v
                why = f"not {why}"
            if pivot is not None and toks[pivot] != "despite":
                v *= 1.5 if pos > pivot else 0.5
            elif pivot is not None and pos > pivot:  # "despite X": X is the concession
                v *= 0.5
            total += v
            evidence.append(f"{why} {v:+.2f}")
        if balancers:
            total *= 0.3**balancers
        if hedged:
            total *= 0.8
        score = total / math.sqrt(total * total + 1.0)
        if abs(score) < NEUTRAL_BAND:
            label = SentimentLabel.NEUTRAL
            confidence = 0.5 + 0.4 * (1 - abs(score) / NEUTRAL_BAND)
        else:
            label = SentimentLabel.POSITIVE if score > 0 else SentimentLabel.NEGATIVE
            confidence = min(0.95, 0.45 + 0.5 * abs(score) + 0.05 * len(contributions))
        if hedged:
            confidence *= 0.8
        return Reading(round(score, 4), label, round(confidence, 3), evidence)

    @staticmethod
    def _quantity(toks: list[str], i: int) -> int | None:
        """The nearest financial quantity within the window, before first, same clause only."""
        for step in range(1, WINDOW + 1):
            for j in (i - step, i + step):
                if 0 <= j < len(toks):
                    between = toks[min(i, j) + 1 : max(i, j)]
                    if any(t in _CLAUSE_BREAK for t in between) or toks[j] in _CLAUSE_BREAK:
                        continue
                    if toks[j] in ft.GOOD or toks[j] in ft.BAD:
                        return j
        return None

    @staticmethod
    def _negated(toks: list[str], pos: int) -> bool:
        for j in range(max(0, pos - 3), pos):
            if toks[j] in ft.NEGATORS:
                return not any(t in _CLAUSE_BREAK for t in toks[j:pos])
        return False

    def _comparison(self, toks: list[str]) -> tuple[int, float, str] | None:
        """``A versus B expected`` or ``from A to B`` / ``to A from B``: the sign of the change."""
        n = len(toks)
        for i, tok in enumerate(toks):
            if tok in ft.VERSUS:
                a = self._value_before(toks, i)
                b = self._value_after(toks, i)
                if a is not None and b is not None and a[0] != b[0]:
                    window = toks[i : min(n, i + 6)]
                    if any(t in ft.EXPECTATION for t in window):
                        sign = self._sign_of_quantity(toks, i)
                        return i, 2.0 * sign * (1.0 if a[0] > b[0] else -1.0), "versus expected"
            if tok == "from" and i + 1 < n:
                a = self._value_after(toks, i)
                if a is None:
                    continue
                after = toks[a[1] + 1 : a[1] + 2]
                if after == ["to"]:
                    b = self._value_after(toks, a[1] + 1)
                    if b is not None and b[0] != a[0]:
                        sign = self._sign_of_quantity(toks, i)
                        return i, 1.5 * sign * (1.0 if b[0] > a[0] else -1.0), "from … to"
        return None

    @staticmethod
    def _value_after(toks: list[str], i: int) -> tuple[float, int] | None:
        for j in range(i + 1, min(len(toks), i + 4)):
            value = _number(toks[j])
            if value is not None:
                if j + 1 < len(toks) and toks[j + 1] in ft.MULTIPLIERS:
                    return value * ft.MULTIPLIERS[toks[j + 1]], j + 1
                return value, j
        return None

    @staticmethod
    def _value_before(toks: list[str], i: int) -> tuple[float, int] | None:
        for j in range(i - 1, max(-1, i - 4), -1):
            if toks[j] in ft.MULTIPLIERS and j > 0:
                value = _number(toks[j - 1])
                if value is not None:
                    return value * ft.MULTIPLIERS[toks[j]], j
            value = _number(toks[j])
            if value is not None:
                return value, j
        return None

    @staticmethod
    def _sign_of_quantity(toks: list[str], i: int) -> float:
        for j in range(i - 1, -1, -1):
            if toks[j] in ft.BAD:
                return -1.0
            if toks[j] in ft.GOOD:
                return 1.0
        return 1.0
