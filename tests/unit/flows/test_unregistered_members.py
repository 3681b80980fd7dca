"""A member id nobody registered is told so, with the registered id the member probably meant.

On files made the way offices make them: a CP932 CSV with Japanese headers, an openpyxl workbook.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from datetime import date
from pathlib import Path

import openpyxl
import pytest
import typer
from typer.testing import CliRunner

from flows import runtime
from flows.cli import submissions
from flows.stages.batch import validate_submissions
from flows.stages.check import check_file
from flows.stages.receive import register_keys
from flows.stages.summary import RunSummary
from infra.ledger import Member
from infra.resources import Resources, build_resources
from infra.settings import Settings
from infra.storage import keys
from schemas.members import close_member_ids

HEADER_JA = ["会員ID", "年度", "品目", "投入元工程", "投入先工程", "数量", "単位"]
SUBMITTER = "city-kitakyushu"
NOT_SUBMITTER = "member_id must be the member submitting the file"


@pytest.fixture
def home(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """A JUNKAN_HOME whose registry holds two cities and a company."""
    home = tmp_path / "home"
    monkeypatch.setenv("JUNKAN_HOME", str(home))
    # prepare_environment redirects the process's logging to a file: not what a test process wants.
    monkeypatch.setattr(runtime, "prepare_environment", lambda settings: None)
    built = build_resources(Settings(home=home))
    for member_id, kind in ((SUBMITTER, "municipality"), ("city-fukuoka", "municipality"), ("corp-b", "company")):
        built.ledger.add_member(Member(member_id, member_id, kind, "JP-40", date(2023, 4, 1)))
    built.close()
    return home


@pytest.fixture
def resources(home: Path) -> Iterator[Resources]:
    built = build_resources(Settings(home=home))
    yield built
    built.close()


def row(member_id: str, material: str) -> list[str]:
    return [member_id, "令和6年度", material, "use", "collection", "10", "トン"]


def cp932_csv(path: Path, rows: list[list[str]]) -> Path:
    """A CSV as Excel on a Japanese Windows saves it: CP932, CRLF, Japanese headers."""
    lines = [",".join(HEADER_JA), *(",".join(values) for values in rows)]
    path.write_bytes(("\r\n".join(lines) + "\r\n").encode("cp932"))
    return path


def errors_by_row(payload: dict[str, object]) -> dict[int, list[dict[str, str]]]:
    found: dict[int, list[dict[str, str]]] = {}
    errors = payload["errors"]
    assert isinstance(errors, list)
    for error in errors:
        found.setdefault(error["row"], []).append(error)
    return found


def submitter_message(errors: list[dict[str, str]]) -> dict[str, str]:
    [error] = [error for error in errors if error["check_id"] == "flows.submitter"]
    return error


def test_close_ids_put_the_same_id_in_another_case_first_then_near_spellings() -> None:
    registered = ["city-a", "city-b", "city-kitakyushu", "corp-b"]
    assert close_member_ids("CITY-A", registered)[0] == "city-a"
    assert close_member_ids("ｃｉｔｙ－ａ", registered)[0] == "city-a"  # full-width, as an IME may type it
    assert close_member_ids("city-kitakyusyu", registered) == ("city-kitakyushu",)
    assert close_member_ids("toyota-motor", registered) == ()
    assert len(close_member_ids("city-c", registered)) <= 3


def test_a_wrongly_cased_member_id_in_a_batch_is_not_registered_and_the_report_suggests_the_lower_case_id(
    resources: Resources, tmp_path: Path
) -> None:
    path = cp932_csv(
        tmp_path / "令和6年度 実績.csv",
        [
            row("City-Kitakyushu", "plastics"),  # the registered id, typed with capitals
            row("city-kitakyusyu", "paper"),  # a near spelling
            row("toyota-motor", "glass"),  # nobody's id
            row("corp-b", "metals"),  # another member's registered id
            row(SUBMITTER, "biomass"),
        ],
    )
    key = keys.inbox_key(SUBMITTER, "flows", path.name)
    resources.storage.put_file(key, path)

    [outcome] = validate_submissions(resources, register_keys(resources, [key], RunSummary()))

    payload = json.loads(resources.storage.get_bytes(outcome.report_key.replace(".html", ".json")))
    assert (payload["summary"]["n_read"], payload["summary"]["n_accepted"]) == (5, 1)
    errors = errors_by_row(payload)
    cased = submitter_message(errors[2])
    assert cased["value"] == "City-Kitakyushu"
    assert cased["message_en"].startswith(
        "member_id 'City-Kitakyushu' is not a registered member id; did you mean 'city-kitakyushu'?"
    )
    assert "'city-kitakyushu' の誤りではありませんか" in cased["message_ja"]
    assert NOT_SUBMITTER not in cased["message_en"]
    assert "did you mean 'city-kitakyushu'?" in submitter_message(errors[3])["message_en"]
    nobody = submitter_message(errors[4])
    assert nobody["message_en"] == (
        "member_id 'toyota-motor' is not a registered member id; write the id of the member submitting the file "
        "('city-kitakyushu')"
    )
    assert "提出した会員のID（'city-kitakyushu'）を記入してください" in nobody["message_ja"]
    # a registered member's id is not "unregistered": it is someone else's, as the rule says
    assert submitter_message(errors[5])["message_en"] == NOT_SUBMITTER
    assert 6 not in errors
    html = resources.storage.get_bytes(outcome.report_key).decode("utf-8")
    assert "登録されている会員IDではありません" in html
    assert "did you mean" in html


def test_validate_of_a_workbook_names_the_registered_id(home: Path, tmp_path: Path) -> None:
    workbook = openpyxl.Workbook()
    sheet = workbook.active
    assert sheet is not None
    sheet.title = "提出用"
    sheet.append(HEADER_JA)
    sheet.append([*row("CITY-FUKUOKA", "plastics")[:5], 10, "t"])
    path = tmp_path / "報告書（令和6年度）.xlsx"
    workbook.save(path)

    report = check_file(path, member_id="city-fukuoka", dataset="flows")

    [error] = [error for error in report.errors if error.check_id == "flows.submitter"]
    assert (error.sheet, error.row, error.value) == ("提出用", 2, "CITY-FUKUOKA")
    assert "is not a registered member id; did you mean 'city-fukuoka'?" in error.message_en


def run_submit(*args: str) -> tuple[int, str]:
    app = typer.Typer()
    app.command("noop")(lambda: None)  # a second command, so `submit` stays a sub-command
    submissions.register(app)
    result = CliRunner().invoke(app, ["submit", *args])
    return result.exit_code, result.stderr


def test_submit_for_an_unregistered_member_suggests_the_registered_id_and_lands_nothing(
    home: Path, tmp_path: Path
) -> None:
    path = cp932_csv(tmp_path / "実績.csv", [row(SUBMITTER, "plastics")])

    code, err = run_submit(str(path), "--member", "City-Kitakyushu", "--dataset", "flows", "--no-run")

    assert code == 2
    assert "member 'City-Kitakyushu' is not registered; did you mean 'city-kitakyushu'?" in err
    assert "junkan members add City-Kitakyushu" not in err  # an id with capitals can never be registered
    assert not (home / "inbox").exists()

    code, err = run_submit(str(path), "--member", "toyota-motor", "--dataset", "flows", "--no-run")
    assert code == 2
    assert "member 'toyota-motor' is not registered; run: junkan members add toyota-motor" in err
    assert "did you mean" not in err


def test_submit_of_a_folder_per_member_names_the_folder_that_is_not_a_member(home: Path, tmp_path: Path) -> None:
    received = tmp_path / "受領"
    for folder in ("city-fukuoka", "City-Kitakyushu"):
        (received / folder).mkdir(parents=True)
        cp932_csv(received / folder / "令和6年度.csv", [row(folder, "plastics")])

    code, err = run_submit(str(received), "--dataset", "flows", "--no-run")

    assert code == 2
    assert "member 'City-Kitakyushu' is not registered; did you mean 'city-kitakyushu'?" in err
    assert not (home / "inbox").exists()
