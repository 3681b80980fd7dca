"""What a member reads about a file, checked as `junkan validate` shows it (read → normalise → validate → report)."""

from __future__ import annotations

import csv
from pathlib import Path

import pytest

from flows.stages.check import check_file, describe

HEADER = "member_id,period,material,source_stage,target_stage,quantity,unit,region"
MEMBER = "city-a"


@pytest.fixture(autouse=True)
def _no_ledger(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("JUNKAN_HOME", str(tmp_path / "home"))  # no ledger there: check_file creates none


def check(tmp_path: Path, rows: list[tuple[str, str, str]]) -> str:
    """Describe a flows file of rows (material, quantity, unit); returns the text the member reads."""
    path = tmp_path / "flows.csv"
    with path.open("w", encoding="utf-8", newline="") as handle:
        writer = csv.writer(handle)
        writer.writerow(HEADER.split(","))
        for material, quantity, unit in rows:
            writer.writerow([MEMBER, "FY2024", material, "use", "collection", quantity, unit, "JP-40"])
    return describe(check_file(path, member_id=MEMBER, dataset="flows"))


# --- units ---------------------------------------------------------------------------------------


def test_metric_tons_are_accepted_as_tonnes_with_a_warning_on_every_row(tmp_path: Path) -> None:
    rows = [("paper", "120", "MT"), ("glass", "5", "mt"), ("metals", "7", "M/T"), ("biomass", "1", "t")]
    text = check(tmp_path, rows)

    warned = [line for line in text.splitlines() if "read as metric tonnes (t), not megatonnes" in line]
    assert [line.split(",")[1].strip() for line in warned] == ["row 2", "row 3", "row 4"]
    assert [line.split(": ")[2] for line in warned] == ["'MT'", "'mt'", "'M/T'"]
    assert "メトリックトン（t）として読みました" in warned[0]
    assert text.splitlines()[-1] == "flows.csv: valid: read 4, accepted 4, quarantined 0, warnings 3"


def test_an_unknown_unit_spelling_is_an_error_naming_the_value(tmp_path: Path) -> None:
    text = check(tmp_path, [("paper", "120", "tonnes!"), ("glass", "5", "mT")])

    errors = [line for line in text.splitlines() if ": error: " in line and "column unit" in line]
    assert len(errors) == 2
    assert "'tonnes!': unit is not an accepted spelling" in errors[0]
    assert "'mT': unit is not an accepted spelling" in errors[1]
    assert "単位の書き方が受け付けられません" in errors[0]
    assert "quarantined 2" in text.splitlines()[-1]


# --- numbers -------------------------------------------------------------------------------------


@pytest.mark.parametrize("quantity", ["12t", "50%", "(12)", "1,2,3", "１２ｔ"])
def test_a_quantity_that_is_not_a_number_is_told_so_quoting_the_value(tmp_path: Path, quantity: str) -> None:
    text = check(tmp_path, [("paper", quantity, "t")])

    [line] = [line for line in text.splitlines() if "column quantity" in line]
    assert f"quantity is not a number: {quantity!r}" in line
    assert f"quantity が数値ではありません: {quantity!r}" in line
    assert "must be a valid value" not in line


def test_a_missing_quantity_is_still_told_it_is_required(tmp_path: Path) -> None:
    text = check(tmp_path, [("paper", "", "t")])

    [line] = [line for line in text.splitlines() if "column quantity" in line]
    assert "quantity is required" in line
    assert "not a number" not in line
