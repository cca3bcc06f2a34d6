"""Azure Key Vault as a secret store (azure-keyvault-secrets, ``DefaultAzureCredential``).

Key Vault allows only letters, digits and ``-`` in secret names (1–127 characters), so our
snake_case names are mapped: ``robinhood_tokens`` is ``freeride-robinhood-tokens`` (the prefix
keeps freeride's secrets apart from everything else in a shared vault). The mapping is not
reversible and ``a_b`` and ``a-b`` meet; freeride's own names never contain ``-``.

Failures are classified the way the chain needs: a missing secret is ``None``; a credential that
cannot be found here, a refused token or a missing permission makes the store unavailable (the
chain skips it with a warning, ``freeride doctor`` shows the fix); a vault that cannot be reached
is unavailable too, because the next store in the order may hold the secret.

The SDK is imported lazily so the rest of freeride runs without the ``azure`` extra installed.
"""

from __future__ import annotations

import re
from typing import Any

from freeride.ports.secrets import SecretStoreError, SecretStoreUnavailable

MAX_NAME = 127
_INVALID = re.compile(r"[^0-9A-Za-z-]")
INSTALL_FIX = "pip install 'freeride[azure]' (azure-keyvault-secrets, azure-identity)"
AUTH_FIX = (
    "give this machine an Azure identity (AZURE_TENANT_ID/AZURE_CLIENT_ID/AZURE_CLIENT_SECRET, a managed "
    "identity or `az login`) with get/set/list permission on the vault's secrets"
)


def vault_name(name: str, prefix: str = "freeride-") -> str:
    """``robinhood_tokens`` → ``freeride-robinhood-tokens`` (Key Vault's allowed characters)."""
    mapped = _INVALID.sub("-", f"{prefix}{name}").strip("-").lower()
    if not mapped or len(mapped) > MAX_NAME:
        raise SecretStoreError(f"secret name {name!r} cannot be a Key Vault name", "use a shorter name")
    return mapped


class AzureKeyVaultSecretStore:
    name = "azure_keyvault"
    writable = True

    def __init__(
        self,
        vault_url: str,
        *,
        prefix: str = "freeride-",
        credential: Any = None,
        client: Any = None,
        **client_kwargs: Any,
    ) -> None:
        """``credential`` defaults to ``DefaultAzureCredential``; tests pass a fake one and
        ``transport=`` (the SDK's seam) instead of touching the network."""
        self.vault_url = vault_url
        self.prefix = prefix
        self._credential = credential
        self._client = client
        self._client_kwargs = client_kwargs

    def _secrets(self) -> Any:
        if self._client is None:
            try:
                from azure.keyvault.secrets import SecretClient
            except ImportError:
                raise SecretStoreUnavailable("the Azure SDK is not installed", INSTALL_FIX) from None
            credential = self._credential
            if credential is None:
                from azure.identity import DefaultAzureCredential

                credential = DefaultAzureCredential()
            self._client = SecretClient(self.vault_url, credential, **self._client_kwargs)
        return self._client

    def get(self, name: str) -> str | None:
        client = self._secrets()
        try:
            value: str | None = client.get_secret(vault_name(name, self.prefix)).value
        except Exception as exc:
            if _missing(exc):
                return None
            raise self._unavailable(exc) from None
        return value

    def set(self, name: str, value: str) -> None:
        client = self._secrets()
        try:
            client.set_secret(vault_name(name, self.prefix), value, content_type="text/plain")
        except Exception as exc:
            raise self._unavailable(exc) from None

    def check(self) -> None:
        """Reach the vault and prove the identity may read it (a missing probe secret is fine)."""
        self.get("doctor_probe")

    def _unavailable(self, exc: Exception) -> SecretStoreUnavailable:
        kind = type(exc).__name__
        status = getattr(exc, "status_code", None)
        detail = _first_line(exc)
        if kind in ("ClientAuthenticationError", "CredentialUnavailableError") or status in (401, 403):
            return SecretStoreUnavailable(
                f"Azure Key Vault {self.vault_url} refused access ({detail})", AUTH_FIX
            )
        return SecretStoreUnavailable(
            f"Azure Key Vault {self.vault_url} cannot be reached ({kind}: {detail})",
            "check the vault URL and the network, or remove 'azure_keyvault' from FREERIDE_SECRETS__ORDER",
        )


def _missing(exc: Exception) -> bool:
    return type(exc).__name__ == "ResourceNotFoundError" or getattr(exc, "status_code", None) == 404


def _first_line(exc: Exception) -> str:
    text = str(exc).strip().splitlines()
    return text[0][:200] if text else type(exc).__name__
