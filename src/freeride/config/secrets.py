"""The environment and file secret stores, and the chain that asks each store in turn.

The OS keyring (and any vault) is an adapter: this layer may not import adapters, so the
composition root builds those stores and hands them to ``build_secret_store`` by name.
"""

from __future__ import annotations

import asyncio
import json
import os
import re
import stat
import tempfile
from collections.abc import Callable, Iterable, Mapping
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import TypeVar

import structlog
from dotenv import dotenv_values

from freeride.config.settings import Settings
from freeride.ports.secrets import SecretStore, SecretStoreError, SecretStoreUnavailable

log = structlog.get_logger(__name__)

T = TypeVar("T")

ENV_SECRET_PREFIX = "FREERIDE_SECRET_"


def env_secret_name(name: str) -> str:
    """``finnhub_api_key`` → ``FREERIDE_SECRET_FINNHUB_API_KEY`` (non-alphanumerics become ``_``)."""
    return ENV_SECRET_PREFIX + re.sub(r"[^A-Za-z0-9]", "_", name).upper()


class EnvSecretStore:
    """Secrets from ``FREERIDE_SECRET_<NAME>`` variables: the process environment, then ``.env``.

    Read-only: a program cannot set its operator's environment. The ``.env`` file is read as well
    because that is where people keep such variables next to the settings that need them.
    """

    name = "env"
    writable = False

    def __init__(self, environ: Mapping[str, str] | None = None, env_file: Path | None = None) -> None:
        self._environ = environ if environ is not None else os.environ
        self._env_file = env_file

    def get(self, name: str) -> str | None:
        key = env_secret_name(name)
        value = self._environ.get(key)
        if value is None and self._env_file is not None and self._env_file.is_file():
            value = dotenv_values(self._env_file).get(key)
        return value or None

    def set(self, name: str, value: str) -> None:
        raise SecretStoreError(
            f"cannot store {name!r} in the environment",
            f"export {env_secret_name(name)}=… yourself, or list 'file' or 'keyring' "
            "in FREERIDE_SECRETS__ORDER",
        )

    def check(self) -> None:
        return None


class FileSecretStore:
    """Secrets in a JSON object file (``{"finnhub_api_key": "…"}``) only its owner can read.

    A secrets file others can read is refused rather than used: silently accepting it would make
    every other account on the machine a holder of the keys. Writes go through a temporary file
    and a rename, so a crash never leaves a half-written file, and the file is created 0600.
    """

    name = "file"
    writable = True

    def __init__(self, path: Path) -> None:
        self.path = path.expanduser()

    def get(self, name: str) -> str | None:
        return self._read().get(name)

    def set(self, name: str, value: str) -> None:
        data = self._read()
        data[name] = value
        self._write(data)

    def check(self) -> None:
        self._read()

    def _read(self) -> dict[str, str]:
        try:
            info = self.path.stat()
        except FileNotFoundError:
            return {}
        self._refuse_if_shared(info.st_mode)
        try:
            data = json.loads(self.path.read_text(encoding="utf-8"))
        except PermissionError:
            raise SecretStoreError(
                f"secrets file {self.path} is not readable by this user",
                f"chown $(whoami) {self.path} && chmod 600 {self.path}",
            ) from None
        except (json.JSONDecodeError, UnicodeDecodeError) as exc:
            raise SecretStoreError(
                f"secrets file {self.path} is not valid JSON ({exc})",
                'make it a JSON object like {"finnhub_api_key": "..."}',
            ) from None
        if not isinstance(data, dict) or not all(isinstance(v, str) for v in data.values()):
            raise SecretStoreError(
                f"secrets file {self.path} must hold a JSON object of strings",
                'make it a JSON object like {"finnhub_api_key": "..."}',
            )
        return {str(k): v for k, v in data.items()}

    def _refuse_if_shared(self, mode: int) -> None:
        if os.name != "nt" and mode & 0o077:
            raise SecretStoreError(
                f"secrets file {self.path} is accessible by group or others (mode {stat.filemode(mode)})",
                f"run: chmod 600 {self.path}",
            )

    def _write(self, data: dict[str, str]) -> None:
        self.path.parent.mkdir(mode=0o700, parents=True, exist_ok=True)
        fd, tmp = tempfile.mkstemp(prefix=".secrets-", suffix=".tmp", dir=self.path.parent)
        try:
            os.chmod(tmp, 0o600)  # mkstemp already does; said explicitly because it is the point
            with os.fdopen(fd, "w", encoding="utf-8") as handle:
                json.dump(data, handle, indent=2, sort_keys=True)
                handle.write("\n")
                handle.flush()
                os.fsync(handle.fileno())
            os.replace(tmp, self.path)
        except BaseException:
            Path(tmp).unlink(missing_ok=True)
            raise


class UnavailableSecretStore:
    """Stands in for a store named in the order that the composition root could not provide."""

    writable = False

    def __init__(self, name: str, problem: str, fix: str) -> None:
        self.name = name
        self._error = SecretStoreUnavailable(problem, fix)

    def get(self, name: str) -> str | None:
        raise self._error

    def set(self, name: str, value: str) -> None:
        raise self._error

    def check(self) -> None:
        raise self._error


class ChainedSecretStore:
    """Asks each store in order: ``get`` returns the first hit, ``set`` writes to the first writable.

    A store that cannot work on this machine (``SecretStoreUnavailable``, e.g. no OS keyring) is
    skipped with one warning, so a missing keyring on a server never stops a run whose secrets
    sit in the environment. A store set up unsafely (a world-readable file) still raises.
    """

    name = "chain"

    def __init__(self, stores: Iterable[SecretStore], *, warn: bool = True) -> None:
        self.stores: list[SecretStore] = list(stores)
        self._warn_on_skip = warn
        self._warned: set[str] = set()
        self._thread: ThreadPoolExecutor | None = None

    # -- from async code: off the event loop ----------------------------------------------------
    async def get_async(self, name: str) -> str | None:
        """``get`` on the chain's own thread: a keyring over D-Bus or a vault over HTTPS may take
        seconds, which must not stop the event loop (a token refresh happens mid-session)."""
        return await self._off_loop(self.get, name)

    async def write_back_async(self, name: str, value: str) -> list[str]:
        """``write_back`` on the chain's own thread (see ``get_async``)."""
        return await self._off_loop(self.write_back, name, value)

    async def _off_loop(self, call: Callable[..., T], *args: str) -> T:
        # One thread, so the stores are asked one at a time, as from synchronous code: neither a
        # keyring session nor the secrets file's write-then-rename is meant for concurrent use.
        if self._thread is None:
            self._thread = ThreadPoolExecutor(max_workers=1, thread_name_prefix="secret-store")
        return await asyncio.get_running_loop().run_in_executor(self._thread, call, *args)

    @property
    def writable(self) -> bool:
        return any(store.writable for store in self.stores)

    def get(self, name: str) -> str | None:
        for store in self.stores:
            try:
                value = store.get(name)
            except SecretStoreUnavailable as exc:
                self._warn(store, exc)
                continue
            if value is not None:
                return value
        return None

    def set(self, name: str, value: str) -> None:
        for store in self.stores:
            if not store.writable:
                continue
            try:
                store.set(name, value)
            except SecretStoreUnavailable as exc:
                self._warn(store, exc)
                continue
            return
        order = ", ".join(store.name for store in self.stores) or "nothing"
        raise SecretStoreError(
            f"no writable secret store is usable (order: {order})",
            "add 'file' to FREERIDE_SECRETS__ORDER or make the OS keyring available",
        )

    def check(self) -> None:
        for store in self.stores:
            store.check()

    def write_back(self, name: str, value: str) -> list[str]:
        """Store a value that replaces one the program read (a rotated token); returns the stores written.

        ``set`` writes to the first writable store only, which is right for a new secret but not
        for a rotated one: an older copy in another store would still be found first, or be read
        after the next restart, and a spent refresh token is worthless. So every writable store
        that holds the name gets the new value (the first writable one when none holds it yet).
        A read-only store earlier in the order that holds the name would hide the new value
        for ever: that is an error naming the variable to remove.
        """
        holders: list[SecretStore] = []
        for store in self.stores:
            try:
                held = store.get(name) is not None
            except SecretStoreUnavailable as exc:
                self._warn(store, exc)
                continue
            if held and not store.writable and not holders:
                raise SecretStoreError(
                    f"{name!r} is read from the read-only {store.name} store, which would hide its new value",
                    f"unset {env_secret_name(name)} and store it with a writable store instead"
                    if store.name == "env"
                    else f"move {name!r} to a writable store",
                )
            if held and store.writable:
                holders.append(store)
        if not holders:
            self.set(name, value)
            return [next(s.name for s in self.stores if s.writable)]
        written: list[str] = []
        for store in holders:
            store.set(name, value)
            written.append(store.name)
        return written

    def _warn(self, store: SecretStore, exc: SecretStoreUnavailable) -> None:
        if self._warn_on_skip and store.name not in self._warned:
            self._warned.add(store.name)
            log.warning("secret store skipped", store=store.name, problem=exc.problem, fix=exc.fix)


def build_secret_store(
    settings: Settings,
    extra: Mapping[str, SecretStore] | None = None,
    *,
    environ: Mapping[str, str] | None = None,
    warn: bool = True,
) -> ChainedSecretStore:
    """The chain named by ``settings.secrets.order``.

    ``env`` and ``file`` are built here. Other names (``keyring``) come from ``extra``, keyed by
    name, because their stores are adapters that only the composition root may construct. A name
    in the order without a store in ``extra`` becomes a stand-in that reports itself unavailable,
    which the chain skips with a warning and ``freeride doctor`` reports with its fix.
    ``environ`` replaces ``os.environ`` for the env store; ``warn=False`` silences the skip
    warnings for callers that report unusable stores themselves.
    """
    provided = dict(extra or {})
    stores: list[SecretStore] = []
    for kind in settings.secrets.order:
        if kind == "env":
            env_file = settings.model_config.get("env_file")
            stores.append(EnvSecretStore(environ, Path(env_file) if isinstance(env_file, str) else None))
        elif kind == "file":
            stores.append(FileSecretStore(settings.secrets.file))
        elif kind in provided:
            stores.append(provided[kind])
        else:
            stores.append(
                UnavailableSecretStore(
                    kind,
                    f"no {kind} secret store was provided to this program",
                    f"remove {kind!r} from FREERIDE_SECRETS__ORDER",
                )
            )
    return ChainedSecretStore(stores, warn=warn)
