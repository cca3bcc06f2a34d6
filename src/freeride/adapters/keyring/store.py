"""A ``SecretStore`` on top of the ``keyring`` package.

Servers and containers usually have no keyring backend at all; ``keyring`` then hands out a
backend that raises on every call. That is a normal situation, not a bug, so it is reported as
``SecretStoreUnavailable`` with the fix, and the secret chain moves on to the next store.
"""

from __future__ import annotations

import keyring
from keyring.backend import KeyringBackend
from keyring.backends import chainer, fail, null
from keyring.errors import KeyringError, PasswordDeleteError

from freeride.ports.secrets import SecretStore, SecretStoreUnavailable

NO_BACKEND = "no OS keyring backend available"
NO_BACKEND_FIX = (
    "install e.g. `keyrings.alt` or run a Secret Service (gnome-keyring, KWallet), "
    "or remove 'keyring' from FREERIDE_SECRETS__ORDER"
)


def keyring_problem(backend: KeyringBackend | None = None) -> str | None:
    """Why ``backend`` (default: the one ``keyring`` selected) cannot store anything, or ``None``."""
    chosen = backend if backend is not None else keyring.get_keyring()
    if isinstance(chosen, fail.Keyring):
        return NO_BACKEND
    if isinstance(chosen, null.Keyring):
        return f"{NO_BACKEND} (the keyring is disabled by its configuration)"
    if isinstance(chosen, chainer.ChainerBackend) and not chosen.backends:
        return NO_BACKEND
    return None


class KeyringSecretStore:
    """Secrets under one keyring service name (``freeride`` by default), one entry per secret.

    ``backend`` pins a keyring backend; by default the one ``keyring`` selected for this machine
    is looked up on every call, so ``keyring.set_keyring`` takes effect immediately.
    """

    name = "keyring"
    writable = True

    def __init__(self, service: str = "freeride", backend: KeyringBackend | None = None) -> None:
        self.service = service
        self._backend = backend

    def _usable_backend(self) -> KeyringBackend:
        try:
            backend = self._backend if self._backend is not None else keyring.get_keyring()
        except Exception as exc:  # backend discovery can fail in many ways (D-Bus, config)
            raise SecretStoreUnavailable(
                f"{NO_BACKEND} ({type(exc).__name__}: {exc})", NO_BACKEND_FIX
            ) from None
        problem = keyring_problem(backend)
        if problem is not None:
            raise SecretStoreUnavailable(problem, NO_BACKEND_FIX)
        return backend

    def get(self, name: str) -> str | None:
        backend = self._usable_backend()
        try:
            value: str | None = backend.get_password(self.service, name)
        except Exception as exc:  # locked keyring, D-Bus errors: the store is unusable, not the program
            raise _unavailable(exc) from None
        return value

    def set(self, name: str, value: str) -> None:
        backend = self._usable_backend()
        try:
            backend.set_password(self.service, name, value)
        except Exception as exc:
            raise _unavailable(exc) from None

    def delete(self, name: str) -> None:
        """Remove a secret; removing one that is not there is not an error."""
        backend = self._usable_backend()
        try:
            backend.delete_password(self.service, name)
        except PasswordDeleteError:
            return
        except Exception as exc:
            raise _unavailable(exc) from None

    def check(self) -> None:
        self._usable_backend()


def _unavailable(exc: Exception) -> SecretStoreUnavailable:
    kind = "the OS keyring refused the request" if isinstance(exc, KeyringError) else "the OS keyring failed"
    return SecretStoreUnavailable(
        f"{kind} ({type(exc).__name__}: {exc})",
        "unlock the keyring (log in to the desktop) or remove 'keyring' from FREERIDE_SECRETS__ORDER",
    )


def keyring_stores(service: str = "freeride") -> dict[str, SecretStore]:
    """The stores this adapter contributes to ``build_secret_store(settings, extra=…)``."""
    return {"keyring": KeyringSecretStore(service)}
