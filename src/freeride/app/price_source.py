"""Where live prices come from when nobody said: Yahoo when the network answers, else nothing.

A provider with a key wins, and a chain that names ``yahoo`` or ``simulator`` is the operator's
choice and is kept. Otherwise (no key anywhere, the default) ``freeride live`` asks Yahoo once,
with a short timeout and without blocking the loop, and puts it in the chain when anything at all
comes back (even a 429 proves the network answers; the gateway's limits and breakers deal with
the rest). When nothing comes back the live run stops with one log line saying so: simulated
prices are used only when chosen (``--offline`` or ``providers.enabled = ["simulator"]``), so a
service that starts before the network never trades its paper account on made-up prices
(docs/decisions.md, "No network, no keys: stop, do not simulate").
"""

from __future__ import annotations

import asyncio
from collections.abc import Sequence
from dataclasses import dataclass

import structlog

from freeride.adapters.yahoo.config import YahooConfig
from freeride.adapters.yahoo.data import YahooData
from freeride.app.gateway import Transports, resolve_keys
from freeride.app.secrets import extra_secret_stores
from freeride.config.secrets import build_secret_store
from freeride.config.settings import PROVIDERS_NEEDING_KEYS, Settings
from freeride.core.clock import Clock
from freeride.core.errors import TemporaryError
from freeride.core.instruments import Instrument, stock
from freeride.ports.secrets import SecretStore

log = structlog.get_logger(__name__)

PROBE_TIMEOUT_S = 3.0
# asked when nothing is traded yet: the most liquid US listing, always quoted
PROBE_FALLBACK = stock("SPY")


class NoPrices(TemporaryError):
    """No provider has a key and Yahoo did not answer: nothing real to trade on."""


@dataclass(frozen=True)
class PriceSource:
    """The settings to build the gateway from, and one line for the status saying why."""

    settings: Settings
    note: str | None = None


def offline(settings: Settings, why: str = "--offline") -> PriceSource:
    """``--offline``: the simulator alone, whatever keys are set; nothing leaves the machine for prices."""
    providers = settings.providers.model_copy(update={"enabled": ["simulator"]})
    return PriceSource(
        settings.model_copy(update={"providers": providers}),
        f"{why}: prices come from the simulator, not a market",
    )


async def settle(source: PriceSource) -> PriceSource:
    """``source`` as an awaitable, so a choice made up front and one made by asking the network
    are awaited the same way."""
    return source


def needs_yahoo(settings: Settings, store: SecretStore | None) -> bool:
    """True when the chain would otherwise fall to the simulator nobody chose: no enabled provider
    has a key, and neither Yahoo nor the simulator is named."""
    enabled = settings.providers.enabled
    if "yahoo" in enabled or "simulator" in enabled:
        return False
    keys, _ = resolve_keys(settings, store)
    return not any(name in keys for name in enabled if name in PROVIDERS_NEEDING_KEYS)


async def choose(
    settings: Settings,
    clock: Clock,
    instruments: Sequence[Instrument],
    *,
    store: SecretStore | None = None,
    transports: Transports | None = None,
    timeout_s: float = PROBE_TIMEOUT_S,
    simulated: bool = False,
) -> PriceSource:
    """``settings`` as they are, or with Yahoo added to the chain when it is needed and answers.

    ``simulated``: the caller needs simulated prices (a clock faster than the wall's), so where
    Yahoo would be asked the simulator is taken instead. Raises ``NoPrices`` (after one log line)
    when Yahoo is needed and does not answer.
    """
    if store is None:
        store = build_secret_store(settings, extra_secret_stores(settings), warn=False)
    if not needs_yahoo(settings, store):
        return PriceSource(settings)
    if simulated:
        return offline(settings, "--speed and --from run on simulated prices")
    url = settings.providers.yahoo_url
    yahoo = YahooData(clock, YahooConfig(base_url=url), (transports or {}).get("yahoo"))
    probe = instruments[0] if instruments else PROBE_FALLBACK
    try:
        # the client's own timeout bounds the request; this one bounds a resolver that ignores it
        why = await asyncio.wait_for(yahoo.answers(probe, timeout_s), timeout_s + 1.0)
    except TimeoutError:
        why = f"no answer within {timeout_s:g} s"
    finally:
        await yahoo.aclose()
    if why is not None:
        log.warning("live.no_network", provider="yahoo", url=url, problem=why)
        raise NoPrices(
            f"no provider has an API key and Yahoo did not answer ({why}): nothing real to trade on. "
            "Check the network, set a provider key (e.g. FREERIDE_SECRET_FINNHUB_API_KEY), "
            "or run with --offline for simulated prices"
        )
    providers = settings.providers.model_copy(update={"enabled": [*settings.providers.enabled, "yahoo"]})
    return PriceSource(
        settings.model_copy(update={"providers": providers}),
        "no provider has an API key: prices come from Yahoo (no key, best effort, polled every 15 s)",
    )
