"""The error a caller sees when no provider in the chain could answer."""

from __future__ import annotations

from collections.abc import Mapping

from freeride.core.errors import FreerideError


class NoProviderAnswered(FreerideError):
    """Every provider in the chain failed; ``reasons`` says why, provider by provider.

    ``retry_after`` is set when at least one provider was only rate-limited: the soonest time, in
    seconds, a retry could succeed. Without it, retrying soon is pointless (quota, auth, no data).
    """

    def __init__(self, what: str, reasons: Mapping[str, str], retry_after: float | None = None) -> None:
        if reasons:
            detail = "; ".join(f"{name}: {why}" for name, why in reasons.items())
        else:
            detail = "no provider in the chain supports this request"
        super().__init__(f"no provider could answer {what} — {detail}")
        self.what = what
        self.reasons = dict(reasons)
        self.retry_after = retry_after
