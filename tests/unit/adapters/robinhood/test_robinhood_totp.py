"""RFC 6238 appendix B test vectors (SHA-1, 8 digits) and the 6-digit codes authenticator apps show."""

from __future__ import annotations

import base64

import pytest

from freeride.adapters.robinhood.totp import decode_secret, totp
from freeride.core.errors import ConfigError

RFC_SECRET = base64.b32encode(b"12345678901234567890").decode()


@pytest.mark.parametrize(
    ("unix_s", "code"),
    [
        (59, "94287082"),
        (1111111109, "07081804"),
        (1111111111, "14050471"),
        (1234567890, "89005924"),
        (2000000000, "69279037"),
        (20000000000, "65353130"),
    ],
)
def test_rfc_6238_vectors(unix_s: int, code: str) -> None:
    assert totp(RFC_SECRET, unix_s, digits=8) == code


def test_six_digits_and_the_step_boundary() -> None:
    assert totp(RFC_SECRET, 59) == "287082"
    assert totp(RFC_SECRET, 30) == totp(RFC_SECRET, 59)
    assert totp(RFC_SECRET, 60) != totp(RFC_SECRET, 59)


def test_secrets_as_apps_show_them() -> None:
    spaced = " ".join(RFC_SECRET[i : i + 4] for i in range(0, len(RFC_SECRET), 4)).lower()
    assert decode_secret(spaced) == b"12345678901234567890"
    with pytest.raises(ConfigError, match="base32"):
        decode_secret("not base32!")
