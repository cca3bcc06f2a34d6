"""The error tree every layer speaks.

Each class tells the caller what to do next, so vendor errors are translated into one of these at
the adapter edge and nothing above it needs to know which vendor failed or how.
"""

from __future__ import annotations


class FreerideError(Exception):
    """Base of every error freeride raises on purpose."""


class TemporaryError(FreerideError):
    """A passing fault (timeout, 5xx, dropped connection): retry with backoff."""


class RateLimited(TemporaryError):
    """The other side asked us to slow down; ``retry_after`` seconds is its hint, when it gave one."""

    def __init__(self, message: str, retry_after: float | None = None) -> None:
        super().__init__(message)
        self.retry_after = retry_after


class AuthError(FreerideError):
    """Credentials are missing, wrong or expired: stop and alert the operator, never retry blindly."""


class InvalidInput(FreerideError):
    """Input was rejected with a message naming the problem; retrying the same input cannot help."""


class DataFileError(InvalidInput):
    """A data file is malformed; the message names the file, the line and the problem."""

    def __init__(self, path: str, line: int | None, problem: str) -> None:
        where = f"{path}:{line}" if line is not None else path
        super().__init__(f"{where}: {problem}")
        self.path = path
        self.line = line
        self.problem = problem


class ConfigError(InvalidInput):
    """A setting is wrong; the message says which one and how to fix it."""


class UnknownOutcome(FreerideError):
    """An order was maybe sent: reconcile by its client order id, never resend it blindly."""

    def __init__(self, message: str, client_order_id: str) -> None:
        super().__init__(message)
        self.client_order_id = client_order_id


class NotAvailable(FreerideError):
    """The provider does not offer this (plan, market or endpoint): try another, it is not an outage."""


class FencedOut(FreerideError):
    """This process no longer holds the lease it writes under (another worker took it over):
    the write is refused and nothing may be sent on its strength."""


class DatabaseUnavailable(FreerideError):
    """The database cannot be opened (no server, no such database, refused credentials): the
    message names the masked URL and the server's own reason; nothing was written."""
