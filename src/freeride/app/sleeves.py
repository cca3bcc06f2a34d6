"""Trading sleeves into running parts: a strategy host per sleeve, a paper exchange per account.

``freeride run`` and ``freeride live`` build their strategies here, so the strategy a replay
trades is built by exactly the call that builds the one trading live. A bad strategy name or
parameter is refused before anything starts, naming the sleeve.
"""

from __future__ import annotations

from collections.abc import Sequence
from decimal import Decimal

from freeride.config.settings import Settings
from freeride.config.trading import SleeveSettings
from freeride.core.clock import Clock
from freeride.core.errors import InvalidInput
from freeride.core.instruments import parse_instrument
from freeride.exchange.costs import PercentCommission
from freeride.exchange.engine import ExchangeConfig, SimulatedExchange
from freeride.exchange.portfolio import Portfolio
from freeride.execution.strategy_host import StrategyHost
from freeride.ports.bus import Bus
from freeride.strategies.base import Strategy
from freeride.strategies.registry import build_strategy


def build_sleeve_strategy(sleeve: SleeveSettings) -> Strategy:
    """The sleeve's strategy; ``InvalidInput`` naming the sleeve when its strategy or params are bad."""
    try:
        return build_strategy(sleeve.strategy, sleeve.name, sleeve.symbol, sleeve.strategy_params())
    except InvalidInput as exc:
        raise InvalidInput(f"sleeve {sleeve.name}: {exc}") from None


def strategy_hosts(sleeves: Sequence[SleeveSettings], bus: Bus, clock: Clock) -> list[StrategyHost]:
    """One host per sleeve, subscribed to its own bar interval."""
    return [StrategyHost(build_sleeve_strategy(s), bus, clock, interval=s.interval) for s in sleeves]


def paper_exchanges(settings: Settings, sleeves: Sequence[SleeveSettings]) -> dict[str, SimulatedExchange]:
    """One simulated exchange per paper account the sleeves name, each starting with
    ``run.starting_cash`` in its instruments' quote currency (one currency per account)."""
    currencies: dict[str, str] = {}
    for sleeve in sleeves:
        currency = parse_instrument(sleeve.symbol).quote_currency
        known = currencies.setdefault(sleeve.account, currency)
        if known != currency:
            raise InvalidInput(
                f"paper account {sleeve.account!r} would hold {known} and {currency} instruments; "
                "give sleeves quoted in different currencies their own account"
            )
    return {
        account: paper_exchange(account, currency, settings.run.starting_cash, settings.run.commission_rate)
        for account, currency in currencies.items()
    }


def paper_exchange(account: str, currency: str, cash: Decimal, commission_rate: Decimal) -> SimulatedExchange:
    return SimulatedExchange(
        Portfolio(cash=cash, currency=currency),
        ExchangeConfig(commission=PercentCommission(commission_rate), name=f"paper:{account}"),
    )
