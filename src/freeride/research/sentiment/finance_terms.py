"""The finance lexicon and word classes the offline sentiment rules use: data, written for freeride.

VADER's lexicon is tuned on social media, where "share", "interest" and "gain" carry feeling and
"cut", "low" or "loss" mean something else than in a results release. These lists say what the
words mean in financial news. Word forms are listed out (no stemmer): exact, fast and readable.
"""

from __future__ import annotations


def _forms(*groups: str) -> frozenset[str]:
    return frozenset(w for g in groups for w in g.split())


# Verbs and nouns of movement: their sign is applied to the financial quantity they move.
UP = _forms(
    "rise rises rose risen rising rise climb climbs climbed climbing jump jumps jumped jumping",
    "surge surges surged surging soar soars soared soaring gain gains gained gaining",
    "grow grows grew grown growing increase increases increased increasing rally rallies rallied",
    "rallying advance advances advanced advancing firm firms firmed firming strengthen strengthens",
    "strengthened strengthening accelerate accelerates accelerated accelerating expand expands",
    "expanded expanding widen widens widened widening double doubles doubled doubling triple",
    "tripled raise raises raised raising lift lifts lifted lifting boost boosts boosted boosting",
    "hike hikes hiked hiking higher up edges spike spikes spiked climb upturn skyrocket",
    "skyrocketed hot hotter stronger outpace outpaced outpacing swell swelled extend extends extended",
    "add adds added adding",
)
DOWN = _forms(
    "fall falls fell fallen falling drop drops dropped dropping decline declines declined declining",
    "slide slides slid sliding slip slips slipped slipping sink sinks sank sinking slump slumps",
    "slumped slumping plunge plunges plunged plunging tumble tumbles tumbled tumbling crash crashes",
    "crashed plummet plummets plummeted shrink shrinks shrank shrunk shrinking contract contracts",
    "contracted contracting narrow narrows narrowed narrowing cut cuts cutting lower lowers lowered",
    "lowering reduce reduces reduced reducing slash slashes slashed slashing trim trims trimmed",
    "halve halves halved ease eases eased easing cool cools cooled cooling cooler weaken weakens",
    "weakened weakening slow slows slowed slowing slowdown decelerate decelerated dip dips dipped",
    "retreat retreats retreated sag sags sagged erode erodes eroded softer soften softens softened",
    "down weaker slower slowest pull pulls pulled withdraw withdraws withdrew suspend suspends",
    "suspended sheds shed shedding undershoot undershoots undershot crater craters cratered",
    "collapse collapses collapsed slowing pare pares pared",
)

# Quantities: what rising means for them. +1: more is good (revenue, the currency itself,
# its rates and yields); -1: more is bad (losses, costs, debt, unemployment).
GOOD = _forms(
    "revenue revenues sales profit profits earnings income eps margin margins demand orders",
    "bookings backlog guidance outlook forecast forecasts dividend dividends payout buyback",
    "buybacks repurchase growth output production deliveries shipments subscribers users",
    "customers traffic volumes volume shares share stock stocks target rating ratings cash flow",
    "productivity wages wage payrolls jobs employment hiring gdp economy exports retail pmi",
    "confidence sentiment yields yield rates rate inflation prices price valuation reserves",
    "euro dollar pound sterling yen franc aussie loonie kiwi yuan renminbi greenback currency",
    "bund gilt treasuries bonds eur/usd gbp/usd usd/jpy aud/usd usd/cad nzd/usd usd/chf index",
    "market value stake visits occupancy order",
)
BAD = _forms(
    "loss losses cost costs expense expenses debt deficit unemployment jobless claims layoffs",
    "churn defaults delinquencies provisions writedowns writedown impairment impairments charges",
    "inventories outflows spreads spread fears fear concerns worries risks headwinds",
    "borrowing risk",
)

# Words with a meaning of their own in financial news (score per mention, before weighting).
LEXICON: dict[str, float] = {
    # results against expectations
    "beat": 1.0,
    "beats": 1.0,
    "beating": 1.0,
    "tops": 0.9,
    "topped": 0.9,
    "top": 0.3,
    "exceed": 0.9,
    "exceeds": 0.9,
    "exceeded": 0.9,
    "surpass": 0.9,
    "surpassed": 0.9,
    "miss": -1.0,
    "misses": -1.0,
    "missed": -1.0,
    "missing": -1.0,
    "shortfall": -0.9,
    "disappoint": -0.9,
    "disappoints": -0.9,
    "disappointed": -0.9,
    "disappointing": -0.9,
    "upbeat": 0.8,
    "downbeat": -0.8,
    "tepid": -0.6,
    "lackluster": -0.7,
    "sluggish": -0.6,
    # analysts and ratings
    "upgrade": 1.0,
    "upgrades": 1.0,
    "upgraded": 1.0,
    "downgrade": -1.0,
    "downgrades": -1.0,
    "downgraded": -1.0,
    "outperform": 0.6,
    "overweight": 0.5,
    "underweight": -0.6,
    "underperform": -0.6,
    "junk": -0.8,
    # corporate events
    "record": 0.45,
    "approval": 0.8,
    "approves": 0.7,
    "approved": 0.7,
    "wins": 0.7,
    "win": 0.6,
    "won": 0.6,
    "succeeds": 0.8,
    "success": 0.6,
    "successful": 0.7,
    "backlog": 0.3,
    "buyback": 0.6,
    "repurchase": 0.5,
    "robust": 0.7,
    "strong": 0.7,
    "strength": 0.5,
    "solid": 0.5,
    "weak": -0.7,
    "weakness": -0.6,
    "soft": -0.4,
    "recovery": 0.5,
    "rebound": 0.7,
    "rebounds": 0.7,
    "rebounded": 0.7,
    "recover": 0.6,
    "recovers": 0.6,
    "recovered": 0.6,
    "improve": 0.8,
    "improves": 0.8,
    "improved": 0.8,
    "improving": 0.8,
    "improvement": 0.6,
    "deteriorate": -0.8,
    "deteriorated": -0.8,
    "deteriorating": -0.8,
    "deterioration": -0.8,
    "worsen": -0.8,
    "worsened": -0.8,
    "worsening": -0.8,
    "stall": -0.6,
    "stalls": -0.6,
    "stalled": -0.6,
    "falters": -0.6,
    "faltered": -0.6,
    "struggle": -0.6,
    "struggled": -0.6,
    "struggles": -0.6,
    "squeezed": -0.6,
    "squeeze": -0.5,
    "recall": -0.7,
    "recalls": -0.7,
    "recalled": -0.7,
    "lawsuit": -0.6,
    "lawsuits": -0.6,
    "probe": -0.6,
    "investigation": -0.6,
    "fine": -0.6,
    "fines": -0.6,
    "fined": -0.7,
    "penalty": -0.6,
    "damages": -0.6,
    "bankruptcy": -1.0,
    "bankrupt": -1.0,
    "default": -0.8,
    "fraud": -1.0,
    "delay": -0.6,
    "delays": -0.6,
    "delayed": -0.6,
    "halted": -0.7,
    "halt": -0.6,
    "rejects": -0.8,
    "rejected": -0.8,
    "reject": -0.7,
    "layoffs": -0.6,
    "warn": -0.6,
    "warns": -0.7,
    "warned": -0.7,
    "warning": -0.6,
    "warnings": -0.6,
    "crackdown": -0.7,
    "restrictions": -0.4,
    "dismissed": 0.3,
    "overhang": -0.2,
    "turmoil": -0.3,
    "unsettling": -0.6,
    "hurt": -0.7,
    "hurts": -0.7,
    "hurting": -0.7,
    "drag": -0.5,
    "dragging": -0.5,
    "dragged": -0.5,
    "pressure": -0.6,
    "pressures": -0.6,
    "support": 0.6,
    "supports": 0.6,
    "supported": 0.6,
    "supporting": 0.6,
    "benefit": 0.5,
    "benefits": 0.5,
    "upside": 0.5,
    "downside": -0.5,
    "contraction": -0.7,
    "recession": -0.7,
    "expansion": 0.5,
    "crisis": -0.8,
    "worst": -0.8,
    "best": 0.6,
    "help": 0.5,
    "helps": 0.5,
    "helped": 0.5,
    "helping": 0.5,
    "profitability": 0.2,
    "profitable": 0.5,
    "hawkish": 0.8,
    "dovish": -0.8,
    "intervention": 0.3,
    "safe-haven": 0.5,
    "safety": 0.3,
    "shrugs": 0.3,
    "high": 0.6,
    "highs": 0.6,
    "highest": 0.6,
    "all-time": 0.2,
    "low": -0.6,
    "lows": -0.6,
    "lowest": -0.6,
    "weakest": -0.7,
    "strongest": 0.7,
    "stronger-than-expected": 0.9,
    "better-than-expected": 0.9,
    "weaker-than-expected": -0.9,
    "worse-than-expected": -0.9,
    "hotter-than-expected": 0.7,
    "softer-than-expected": -0.7,
    "swung": 0.0,
    "concerns": -0.4,
    "fears": -0.4,
    "worries": -0.4,
    "wider": -0.2,
    "collapse": -0.8,
}

# VADER words that mean nothing (or something else) in financial news: ignored.
NEUTRALISED = _forms(
    "share shares interest capital credit liability gross tax bull bear fund funds trust security "
    "cool ease eases top crush short like joint party matter gross care save saved saves stake dear "
    "demand growth united protection free fair value pretty please positive negative reserve reserves "
    "kind god play plays yes no sure increase expected certain clear easing chance clean ready great "
    "greater"
)

NEGATORS = _forms(
    "not no never none without unable fails fail failed failing cannot nor neither lack lacks lacking "
    "avoid avoids avoided escape escapes isn't wasn't aren't weren't doesn't don't didn't won't can't "
    "couldn't hasn't haven't hadn't"
)
HEDGES = _forms(
    "may might could reportedly possibly possible considering consider considers weighs mulls mulling "
    "seen likely unlikely unclear uncertain whether if perhaps potential potentially rumored rumoured "
    "expected expect expects think thinks"
)
# Words that say the news balances out: the score is pulled toward neutral.
BALANCERS = _forms(
    "flat unchanged steady mixed offset offsets offsetting rangebound sideways consolidates "
    "consolidate stable match matches matched met reaffirms reaffirmed reaffirm maintained maintains "
    "await awaits awaited awaiting balanced inline barely range ranges divided choppy two-way calm "
    "quiet"
)
BUT = frozenset({"but", "however", "although", "though", "yet", "despite"})
EXPECTATION = frozenset(
    ["expected", "expectations", "estimate", "estimates", "forecast", "forecasts", "consensus", "forecasted"]
)
VERSUS = frozenset({"versus", "vs", "against"})
MULTIPLIERS = {"thousand": 1e3, "million": 1e6, "billion": 1e9, "trillion": 1e12, "cents": 0.01, "bps": 1.0}
