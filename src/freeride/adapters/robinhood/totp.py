"""RFC 6238 time-based one-time passwords (the codes an authenticator app shows).

Fifteen lines over ``hmac`` rather than a dependency: the algorithm is fixed by the RFC, the tests
check it against the RFC's own vectors, and the time comes from the injected clock (a library
reading the wall clock would make MFA untestable without patching).
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import hmac
import struct

from freeride.core.errors import ConfigError


def decode_secret(secret: str) -> bytes:
    """A base32 secret as authenticator apps show it (spaces and lower case allowed)."""
    text = secret.replace(" ", "").upper()
    try:
        return base64.b32decode(text + "=" * (-len(text) % 8))
    except (binascii.Error, ValueError):
        raise ConfigError("the TOTP secret is not base32 (letters A-Z and digits 2-7)") from None


def hotp(key: bytes, counter: int, digits: int = 6, digest: str = "sha1") -> str:
    mac = hmac.new(key, struct.pack(">Q", counter), getattr(hashlib, digest)).digest()
    offset = mac[-1] & 0x0F
    code = struct.unpack(">I", mac[offset : offset + 4])[0] & 0x7FFFFFFF
    return str(code % 10**digits).zfill(digits)


def totp(secret: str, unix_s: float, *, step_s: int = 30, digits: int = 6, digest: str = "sha1") -> str:
    """The code for ``unix_s`` (seconds since the epoch) from a base32 ``secret``."""
    return hotp(decode_secret(secret), int(unix_s // step_s), digits, digest)
