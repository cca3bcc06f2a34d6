"""Errors of the plumbing layer, all members of the ``core.errors`` tree.

``BadReply`` is what a provider that answered with garbage (an HTML error page, truncated JSON,
NaN or negative prices, data for another symbol) raises: it is a ``TemporaryError`` because the
same request usually works a little later or at another provider, and it names the provider and
the defect so the operator can tell a vendor outage from a bug of ours.
"""

from __future__ import annotations

from freeride.core.errors import (
    AuthError,
    FreerideError,
    InvalidInput,
    NotAvailable,
    RateLimited,
    TemporaryError,
)


class BadReply(TemporaryError):
    """A provider's reply could not be trusted; nothing from it may reach the bus."""

    def __init__(self, provider: str, problem: str) -> None:
        super().__init__(f"{provider}: bad reply: {problem}")
        self.provider = provider
        self.problem = problem


def reason(exc: BaseException, provider: str | None = None) -> str:
    """A short label plus message for failover records: ``rate limited: …``, ``down: …``.

    The records are keyed by provider, so a message's own ``<provider>: `` prefix is dropped.
    """
    if isinstance(exc, QuotaExhausted):
        label = "quota exhausted"
    elif isinstance(exc, RateLimited):
        label = "rate limited"
    elif isinstance(exc, BadReply):
        label = "bad reply"
    elif isinstance(exc, TemporaryError):
        label = "down"
    elif isinstance(exc, AuthError):
        label = "auth"
    elif isinstance(exc, NotAvailable):
        label = "not available"
    elif isinstance(exc, InvalidInput):
        label = "invalid"
    elif isinstance(exc, FreerideError):
        label = "error"
    else:
        label = type(exc).__name__
    text = exc.problem if isinstance(exc, BadReply) else str(exc)
    if provider and text.startswith(f"{provider}: "):
        text = text[len(provider) + 2 :]
    return f"{label}: {text}"


class NotEntitled(NotAvailable):
    """The plan does not include this endpoint (HTTP 403, "premium feature"): no symbol will work.

    Unlike a plain ``NotAvailable`` (this symbol is unknown here), it is about the whole kind of
    request, so the gateway stops asking that provider for it for a while.
    """


class QuotaExhausted(RateLimited):
    """A daily (or monthly) quota is spent: no call to this provider helps until it resets.

    ``retry_after`` is the time until the reset, so the gateway stops asking until then and says
    so once, instead of burning a failover on every request.
    """
