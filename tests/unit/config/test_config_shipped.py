"""Data shipped with freeride is usable by its bare name from any folder (``--data GOOG_daily.csv``)."""

from __future__ import annotations

from pathlib import Path

from freeride.config.run import resolve_data_file, shipped_files, shipped_path


def test_a_bare_shipped_name_resolves_to_the_packaged_file(tmp_path: Path) -> None:
    assert {"GOOG_daily.csv", "EURUSD_hourly.csv"} <= set(shipped_files())
    found = resolve_data_file(Path("GOOG_daily.csv"))
    assert found == shipped_path("GOOG_daily.csv")
    assert found.is_file()
    assert found.read_text(encoding="utf-8").splitlines()[1].startswith("2004-08-19,")


def test_a_file_of_that_name_here_wins(tmp_path: Path) -> None:
    (tmp_path / "GOOG_daily.csv").write_text("mine\n", encoding="utf-8")
    assert resolve_data_file(Path("GOOG_daily.csv")) == Path("GOOG_daily.csv")


def test_other_names_and_paths_are_left_for_the_caller_to_report() -> None:
    assert resolve_data_file(Path("nope.csv")) == Path("nope.csv")
    assert resolve_data_file(Path("data/GOOG_daily.csv")) == Path("data/GOOG_daily.csv")
    assert shipped_path("nope.csv") is None
