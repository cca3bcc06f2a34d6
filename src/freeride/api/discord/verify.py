"""Is this request from Discord? Ed25519 over ``X-Signature-Timestamp`` + the raw body.

Discord signs every interaction with the application's private key; the public key is in the
developer portal. A missing, malformed or wrong signature is refused (Discord itself checks that
the endpoint refuses bad ones before it accepts the URL). The timestamp is signed too, so a
request captured on the way and sent again later is refused once it is older than the tolerance.
"""

from __future__ import annotations

from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PublicKey

from freeride.core.clock import NS_PER_SECOND, Clock


class BadSignature(Exception):
    """Why the request is not taken as Discord's (the reason goes in the 401 body)."""


class SignatureCheck:
    def __init__(self, public_key_hex: str, clock: Clock, tolerance_s: float) -> None:
        self._key = Ed25519PublicKey.from_public_bytes(bytes.fromhex(public_key_hex))
        self._clock = clock
        self._tolerance_ns = int(tolerance_s * NS_PER_SECOND)

    def verify(self, signature: str | None, timestamp: str | None, body: bytes) -> None:
        """Return when the signature is good and fresh; raise ``BadSignature`` otherwise."""
        if not signature or not timestamp:
            raise BadSignature("X-Signature-Ed25519 and X-Signature-Timestamp are required")
        try:
            raw = bytes.fromhex(signature)
        except ValueError:
            raise BadSignature("X-Signature-Ed25519 is not hexadecimal") from None
        if len(raw) != 64:
            raise BadSignature("X-Signature-Ed25519 is not 64 bytes")
        if not timestamp.isdigit() or len(timestamp) > 12:
            raise BadSignature("X-Signature-Timestamp is not a Unix time in seconds")
        try:
            self._key.verify(raw, timestamp.encode() + body)
        except InvalidSignature:
            raise BadSignature("the signature does not match the body") from None
        skew = abs(self._clock.now_ns() - int(timestamp) * NS_PER_SECOND)
        if skew > self._tolerance_ns:
            raise BadSignature(
                f"the signed timestamp is {skew // NS_PER_SECOND} s from now: too old to accept"
            )
