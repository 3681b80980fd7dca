"""`junkan reference check` on the embedded default: the shipped files pass, a figure in the wrong unit does not."""

from __future__ import annotations

from pathlib import Path

import pytest
import typer
from typer.testing import CliRunner

from flows import runtime
from flows.cli import reference as cli_reference

REFERENCE = Path(__file__).resolve().parents[3] / "reference"


@pytest.fixture(autouse=True)
def home(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    monkeypatch.setenv("JUNKAN_HOME", str(tmp_path / "home"))
    monkeypatch.setattr(runtime, "prepare_environment", lambda settings: None)
    return tmp_path / "home"


def run(*args: str) -> tuple[int, str]:
    app = typer.Typer()
    app.command("noop")(lambda: None)  # a second command, so `reference` stays a sub-command group
    cli_reference.register(app)
    result = CliRunner().invoke(app, ["reference", *args])
    return result.exit_code, result.output


@pytest.mark.parametrize("name", ["roadmap_targets.csv", "reference_statistics.csv"])
def test_the_shipped_files_check_clean(name: str) -> None:
    code, out = run("check", str(REFERENCE / name))
    assert code == 0, out
    assert "valid" in out


def test_japanese_headers_are_read_and_an_unknown_unit_and_a_missing_source_are_refused(tmp_path: Path) -> None:
    bad = tmp_path / "statistics.csv"
    bad.write_text(
        "指標,対象,地域,年度,値,単位,出典\n"
        "input_cyclical_use_rate,national,JP,令和元年度,15.7,パーセント,白書\n"  # an unknown unit spelling
        "final_disposal,national,JP,FY2019,13.04,百万トン,\n",  # no source
        encoding="utf-8",
    )
    code, out = run("check", str(bad))
    assert code == 1, out
    assert "row 2" in out
    assert "unit" in out
    assert "row 3" in out
    assert "source" in out


def test_a_file_of_neither_dataset_is_told_so(tmp_path: Path) -> None:
    other = tmp_path / "flows.csv"
    other.write_text("member_id,period\ncity-a,FY2024\n", encoding="utf-8")
    code, out = run("check", str(other))
    assert code == 2
    assert "neither roadmap_targets nor reference_statistics" in out
