"""A paid plan's rate limits (``providers.limits``) replace the free plan's the gateway assumes."""

from __future__ import annotations

import pytest

from freeride.adapters.alphavantage.config import FREE_LIMITS as AV_FREE
from freeride.adapters.finnhub.config import FREE_LIMITS as FH_FREE
from freeride.app.gateway import build_providers
from freeride.config.problems import InvalidSettings
from freeride.config.settings import Settings, load_settings
from freeride.core.clock import ManualClock
from freeride.net.limiter import Limit, Window


def settings(**providers: object) -> Settings:
    base = {
        "enabled": ["finnhub", "alphavantage"],
        "finnhub_api_key": "fh-key",
        "alphavantage_api_key": "av-key",
    }
    return load_settings(_env_file=None, providers={**base, **providers})


def limits_by_provider(s: Settings) -> dict[str, tuple[Limit, ...]]:
    made = build_providers(s, ManualClock(0), store=None)
    return {spec.name: spec.limits for spec in made.specs}


def test_without_a_plan_the_free_limits_hold() -> None:
    assert limits_by_provider(settings()) == {"finnhub": FH_FREE, "alphavantage": AV_FREE}


def test_a_plan_replaces_the_free_limits_of_its_provider_only() -> None:
    got = limits_by_provider(settings(limits={"finnhub": ["300/min", "30/s"], "alphavantage": ["1200/day"]}))
    assert got["finnhub"] == (Limit(300, 60.0), Limit(30, 1.0))
    assert got["alphavantage"] == (Limit(1200, 86_400.0, Window.UTC_DAY),)


def test_the_plan_is_read_from_the_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("FREERIDE_PROVIDERS__LIMITS", '{"finnhub": ["2/h"]}')
    got = limits_by_provider(settings())
    assert got["finnhub"] == (Limit(2, 3_600.0),)
    assert got["alphavantage"] == AV_FREE


@pytest.mark.parametrize(
    ("limits", "message"),
    [
        ({"simulator": ["1/s"]}, "no rate limits to set for 'simulator'"),
        ({"finnhub": ["lots"]}, "'lots' is not a rate"),
        ({"finnhub": ["0/min"]}, "lets nothing through"),
        ({"finnhub": []}, "an empty list would mean no limit at all"),
    ],
)
def test_a_wrong_plan_names_the_problem(limits: dict[str, list[str]], message: str) -> None:
    with pytest.raises(InvalidSettings, match=message):
        settings(limits=limits)
