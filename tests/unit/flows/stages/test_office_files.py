"""Files as offices make them, through the batch path: CP932 CSVs with Japanese headers and openpyxl workbooks.

What a member can act on: a quantity that is not a number is quoted, a header-only file is a warning and
changes nothing of the member's data, a password-protected workbook is named as such, and an ordinary
Japanese file name is kept in the report.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from datetime import date
from pathlib import Path
from typing import Any

import openpyxl
import pytest

from flows.stages.batch import validate_submissions
from flows.stages.receive import register_keys
from flows.stages.summary import RunSummary, SubmissionOutcome
from infra.ledger import Member
from infra.resources import Resources, build_resources
from infra.settings import Settings
from infra.storage import keys

MEMBER = "city-a"
HEADER_JA = ["会員ID", "年度", "品目", "投入元工程", "投入先工程", "数量", "単位"]
NO_ROWS_EN = "the file has a header but no data rows: nothing was read from it; check that you sent the right file"


@pytest.fixture
def resources(tmp_path: Path) -> Iterator[Resources]:
    built = build_resources(Settings(home=tmp_path / "home"))
    built.ledger.add_member(Member(MEMBER, "Ａ市", "municipality", "JP-40", date(2023, 4, 1)))
    yield built
    built.close()


def flow(material: str, quantity: object, unit: str = "トン") -> list[object]:
    return [MEMBER, "令和6年度", material, "use", "collection", quantity, unit]


def cp932_csv(path: Path, rows: list[list[object]]) -> Path:
    """A CSV as Excel on a Japanese Windows saves it: CP932, CRLF, Japanese headers."""
    lines = [",".join(HEADER_JA), *(",".join(str(value) for value in values) for values in rows)]
    path.write_bytes(("\r\n".join(lines) + "\r\n").encode("cp932"))
    return path


def workbook(path: Path, rows: list[list[object]]) -> Path:
    book = openpyxl.Workbook()
    sheet = book.active
    assert sheet is not None
    sheet.title = "提出用"
    sheet.append(HEADER_JA)
    for values in rows:
        sheet.append(values)
    book.save(path)
    return path


def submit(resources: Resources, path: Path) -> SubmissionOutcome:
    key = keys.inbox_key(MEMBER, "flows", path.name)
    resources.storage.put_file(key, path)
    [outcome] = validate_submissions(resources, register_keys(resources, [key], RunSummary()))
    return outcome


def report_of(resources: Resources, outcome: SubmissionOutcome) -> dict[str, Any]:
    payload: dict[str, Any] = json.loads(resources.storage.get_bytes(outcome.report_key.replace(".html", ".json")))
    return payload


def member_rows(resources: Resources) -> list[tuple[Any, ...]]:
    core = resources.warehouse.read("core.flows", where={"member_id": [MEMBER]})
    return sorted(core.select("period", "material", "quantity_t", "submission_id").rows())


@pytest.mark.parametrize("kind", ["csv", "xlsx"])
def test_quantities_that_are_not_numbers_are_quoted_in_the_report(
    resources: Resources, tmp_path: Path, kind: str
) -> None:
    rows = [flow("plastics", "12t"), flow("paper", "50%"), flow("glass", "(12)"), flow("metals", 7)]
    name = f"令和6年度 実績.{kind}"
    path = cp932_csv(tmp_path / name, rows) if kind == "csv" else workbook(tmp_path / name, rows)

    outcome = submit(resources, path)

    payload = report_of(resources, outcome)
    assert payload["summary"] == {"n_read": 4, "n_accepted": 1, "n_quarantined": 3, "n_warnings": 0}
    quantity = [error for error in payload["errors"] if error["column"] == "quantity"]
    assert [(error["row"], error["value"]) for error in quantity] == [(2, "12t"), (3, "50%"), (4, "(12)")]
    for error in quantity:
        assert error["message_en"].startswith(f"quantity is not a number: {error['value']!r}; write digits only")
        assert error["message_ja"].startswith(f"quantity が数値ではありません: {error['value']!r}。")
    assert member_rows(resources) == [("FY2024", "metals", 7.0, outcome.submission_id)]


@pytest.mark.parametrize(
    "name",
    [
        "令和6年度（修正版）.csv",
        "令和6年度（修正版）.xlsx",
        "令和6年度.csv",  # the same name: a new version of that file, which must not empty the member's data
    ],
)
def test_a_header_only_file_is_a_warning_and_leaves_the_members_data_as_it_was(
    resources: Resources, tmp_path: Path, name: str
) -> None:
    first = submit(resources, cp932_csv(tmp_path / "令和6年度.csv", [flow("plastics", 120), flow("paper", 30)]))
    before = member_rows(resources)
    assert len(before) == 2

    folder = tmp_path / "empty"
    folder.mkdir()
    path = cp932_csv(folder / name, []) if name.endswith(".csv") else workbook(folder / name, [])
    empty = submit(resources, path)

    payload = report_of(resources, empty)
    assert (payload["status"], payload["summary"]["n_read"]) == ("valid", 0)
    assert [warning["message_en"] for warning in payload["file_warnings"]] == [NO_ROWS_EN]
    assert payload["submission"]["file_name"] == name  # the member's own name, full-width brackets and all
    assert "ヘッダーだけでデータ行がありません" in resources.storage.get_bytes(empty.report_key).decode("utf-8")
    assert empty.periods == ()
    assert member_rows(resources) == before
    older = resources.ledger.get_submission(first.submission_id)
    assert older is not None
    assert older.status != "superseded"


def test_a_password_protected_workbook_is_rejected_as_encrypted_and_changes_nothing(
    resources: Resources, tmp_path: Path
) -> None:
    from msoffcrypto.format.ooxml import OOXMLFile

    submit(resources, cp932_csv(tmp_path / "令和6年度.csv", [flow("plastics", 120)]))
    before = member_rows(resources)
    plain = workbook(tmp_path / "plain.xlsx", [flow("plastics", 999)])
    path = tmp_path / "報告書（令和6年度）パスワード付き.xlsx"
    with plain.open("rb") as source, path.open("wb") as target:
        OOXMLFile(source).encrypt("himitsu", target)

    outcome = submit(resources, path)

    assert outcome.status == "rejected"
    rejection = report_of(resources, outcome)["rejection"]
    assert "the workbook is encrypted, password-protected: remove the password" in rejection["message_en"]
    assert "パスワードで保護（暗号化）されています" in rejection["message_ja"]
    assert member_rows(resources) == before
