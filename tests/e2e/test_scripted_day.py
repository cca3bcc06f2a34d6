"""A trader's day with no hands on it (``freeride.testing.scripted_day``), shortened: real
processes, simulated prices on a clock 60× the wall's, a SIGKILL at midday and a restart."""

from __future__ import annotations

from pathlib import Path

import pytest

from freeride.testing.scripted_day import STOCK_SLEEVES, DayPlan, run_day


@pytest.mark.timeout(300)  # two real processes; on a busy machine their start-up alone takes a while
def test_a_day_survives_a_kill_without_a_hand_on_it(tmp_path: Path) -> None:
    day = run_day(DayPlan(workdir=tmp_path, morning_s=8, afternoon_s=2, alerts=6))
    assert day.watch_alerts_fired == 6  # every alert on a watch-only symbol fired, once
    assert day.duplicate_firings == 0  # and none fired again after the restart
    assert day.events_seen > 0
    assert day.events_lost == 0  # every fill and firing the dashboard saw is stored
    assert day.continued  # the paper account carried on
    assert day.manual_steps == 0, day.manual_reasons  # no login, no resume, no approval
    assert day.restart_to_all_decided_s > 0  # every sleeve decided warm after the restart
    assert day.final_exit == 0  # one SIGTERM ended the day cleanly ...
    summary = " ".join(day.summary.split())  # the table wraps at the console's width
    assert "stopped by SIGTERM" in summary  # ... with its summary
    assert any(symbol in summary for symbol in STOCK_SLEEVES)
