"""`junkan template DATASET [--member M] [--format xlsx|csv] [--out PATH]` on the embedded default."""

from __future__ import annotations

from datetime import date
from pathlib import Path
from typing import get_args

import openpyxl
import pytest
import typer
from typer.testing import CliRunner

from flows.cli import template as cli_template
from infra.ledger import Ledger, Member
from infra.rendering.workbook_templates import TemplateFormat
from infra.settings import Settings
from schemas.template_instructions import DATA_SHEET


@pytest.fixture
def home(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    monkeypatch.setenv("JUNKAN_HOME", str(tmp_path / "home"))
    monkeypatch.chdir(tmp_path)
    return tmp_path / "home"


def registered(home: Path, *member_ids: str) -> None:
    """A ledger in the home registering these members."""
    home.mkdir(parents=True, exist_ok=True)
    ledger = Ledger.connect(Settings(home=home).resolved_database_url)
    try:
        for member_id in member_ids:
            ledger.add_member(Member(member_id, member_id, "municipality", "JP-40", date(2023, 4, 1)))
    finally:
        ledger.close()


def run(*args: str) -> tuple[int, str]:
    app = typer.Typer()
    app.command("noop")(lambda: None)  # a second command, so `template` stays a sub-command
    cli_template.register(app)
    result = CliRunner().invoke(app, ["template", *args])
    return result.exit_code, result.output


def test_writes_the_workbook_here_under_the_dataset_and_member_and_says_where(home: Path, tmp_path: Path) -> None:
    code, out = run("flows", "--member", "city-a")
    assert code == 0, out
    assert out == "wrote junkan-flows-city-a.xlsx\n"
    sheet = openpyxl.load_workbook(tmp_path / "junkan-flows-city-a.xlsx")[DATA_SHEET]
    assert (sheet["A1"].value, sheet["A2"].value) == ("会員ID", "city-a")
    assert not home.exists()  # no ledger created to check the member against


def test_writes_a_csv_into_a_folder_or_to_a_file(home: Path, tmp_path: Path) -> None:
    folder = tmp_path / "templates"
    folder.mkdir()
    code, out = run("declarations", "--format", "csv", "--out", str(folder))
    assert code == 0, out
    written = folder / "junkan-declarations.csv"
    assert out == f"wrote {written}\n"
    assert written.read_bytes().startswith("\ufeff会員ID,年度,製品区分".encode())
    code, out = run("plans", "--format", "csv", "--out", str(tmp_path / "計画.csv"))
    assert code == 0, out
    assert (tmp_path / "計画.csv").exists()


def test_an_unknown_dataset_names_the_choices(home: Path) -> None:
    code, out = run("flow")
    assert code == 2
    assert "'flow' is not one of" in out
    for name in ("'flows'", "'declarations'", "'roadmap_targets'"):
        assert name in out


def test_an_unregistered_member_is_refused_naming_the_registered_ones(home: Path, tmp_path: Path) -> None:
    registered(home)
    code, out = run("flows", "--member", "city-a")
    assert code == 2
    assert "no member is registered yet" in out
    registered(home, "city-a", "city-kitakyushu")
    code, out = run("flows", "--member", "city-kitakyusyu")
    assert code == 2
    assert "error: member 'city-kitakyusyu' is not registered; did you mean 'city-kitakyushu'?" in out
    assert "registered members: city-a, city-kitakyushu" in out
    assert not (tmp_path / "junkan-flows-city-kitakyusyu.xlsx").exists()
    code, out = run("flows", "--member", "city-a")
    assert code == 0, out


def test_a_member_id_is_refused_for_reference_data_and_when_it_cannot_be_one(home: Path) -> None:
    code, out = run("roadmap_targets", "--member", "city-a")
    assert code == 2
    assert "secretariat's reference data" in out
    code, out = run("flows", "--member", "City A")
    assert code == 2
    assert "must be 2-64 lower-case letters" in out
    code, out = run("roadmap_targets")
    assert code == 0, out


def test_the_command_offers_the_formats_the_writer_writes() -> None:
    assert [one.value for one in cli_template.TemplateFileFormat] == list(get_args(TemplateFormat))
