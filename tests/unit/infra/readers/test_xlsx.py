"""Workbooks as offices make them: hidden old copies, one sheet per year, an instructions sheet first."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path

import openpyxl
import polars as pl
import pytest

from expectations import validate
from expectations.report import NO_ROWS, SubmissionInfo, build_report
from infra.readers import read_table
from infra.rendering.member_report import member_report_html
from schemas import FLOWS
from schemas.errors import FileRejected
from schemas.workbooks import SHEET_ROW_STRIDE, Sheet, sheet_row
from transforms.normalize import normalize

HEADER = ["会員ID", "年度", "品目", "投入元工程", "投入先工程", "数量", "単位"]


def flow(year: str, quantity: float | str, *, material: str = "plastics", unit: str = "t") -> list[object]:
    return ["city-a", year, material, "use", "collection", quantity, unit]


def add_sheet(workbook: openpyxl.Workbook, title: str, rows: list[list[object]], *, state: str = "visible") -> None:
    sheet = workbook.create_sheet(title)
    for row in rows:
        sheet.append(row)
    sheet.sheet_state = state


def save(workbook: openpyxl.Workbook, tmp_path: Path, name: str = "報告.xlsx") -> Path:
    path = tmp_path / name
    workbook.save(path)
    return path


def new_workbook() -> openpyxl.Workbook:
    workbook = openpyxl.Workbook()
    default = workbook.active
    assert default is not None
    workbook.remove(default)
    return workbook


def rejection(path: Path) -> FileRejected:
    with pytest.raises(FileRejected) as caught:
        read_table(path, FLOWS)
    return caught.value


def test_hidden_first_sheet_with_an_old_figure_is_never_read(tmp_path: Path) -> None:
    workbook = new_workbook()
    add_sheet(workbook, "旧データ", [HEADER, flow("令和6年度", 999)], state="hidden")
    add_sheet(workbook, "提出用", [HEADER, flow("令和6年度", 120), flow("令和6年度", 30, material="paper")])
    workbook.active = 1
    table = read_table(save(workbook, tmp_path), FLOWS)
    assert table.frame["quantity"].to_list() == ["120", "30"]
    assert table.frame["source_row"].to_list() == [2, 3]
    assert table.sheets == (Sheet("提出用", 0),)
    assert [(sheet.name, sheet.reason_en) for sheet in table.skipped_sheets] == [
        ("旧データ", "hidden: hidden sheets are never read")
    ]


def test_very_hidden_sheet_is_never_read(tmp_path: Path) -> None:
    workbook = new_workbook()
    add_sheet(workbook, "data", [HEADER, flow("2024", 1)])
    add_sheet(workbook, "master", [HEADER, flow("2024", 5000)], state="veryHidden")
    table = read_table(save(workbook, tmp_path), FLOWS)
    assert table.frame["quantity"].to_list() == ["1"]
    assert [sheet.name for sheet in table.skipped_sheets] == ["master"]


def test_one_sheet_per_year_is_one_submission_with_rows_numbered_per_sheet(tmp_path: Path) -> None:
    workbook = new_workbook()
    add_sheet(workbook, "2022年度", [HEADER, flow("2022年度", 10), flow("2022年度", 11, material="paper")])
    add_sheet(workbook, "2023年度", [["集計表"], [], HEADER, flow("2023年度", 20)])  # title above the header
    add_sheet(workbook, "2024年度", [HEADER, [], flow("2024年度", 30)])
    table = read_table(save(workbook, tmp_path), FLOWS)
    # 2023年度's first non-blank row is a title, not the header: that sheet is skipped and said so.
    assert [sheet.name for sheet in table.sheets] == ["2022年度", "2024年度"]
    assert [sheet.name for sheet in table.skipped_sheets] == ["2023年度"]
    assert "missing: member_id" in table.skipped_sheets[0].reason_en
    assert table.frame["quantity"].to_list() == ["10", "11", "30"]
    assert table.frame["source_row"].to_list() == [2, 3, SHEET_ROW_STRIDE + 3]
    assert table.frame["source_row"].is_unique().all()
    assert (table.n_rows, table.n_blank_rows) == (3, 1)
    assert [sheet_row(row, table.sheets) for row in table.frame["source_row"]] == [
        ("2022年度", 2),
        ("2022年度", 3),
        ("2024年度", 3),
    ]


def test_instructions_sheet_first_is_skipped_and_listed(tmp_path: Path) -> None:
    workbook = new_workbook()
    add_sheet(workbook, "記入方法", [["記入方法"], ["1. 会員IDを記入してください"], ["2. 数量はトン単位"]])
    add_sheet(workbook, "データ", [HEADER, flow("令和6年度", 5)])
    add_sheet(workbook, "Sheet3", [])
    table = read_table(save(workbook, tmp_path), FLOWS)
    assert table.frame["quantity"].to_list() == ["5"]
    assert [sheet.name for sheet in table.sheets] == ["データ"]
    assert [(sheet.name, sheet.reason_ja) for sheet in table.skipped_sheets][1] == ("Sheet3", "空のシート")
    assert table.skipped_sheets[0].name == "記入方法"
    assert "ヘッダーがありません" in table.skipped_sheets[0].reason_ja


def test_workbook_without_a_data_sheet_is_rejected_naming_its_sheets(tmp_path: Path) -> None:
    workbook = new_workbook()
    add_sheet(workbook, "記入方法", [["記入方法"]])
    add_sheet(workbook, "メモ", [["備考"], ["確認中"]])
    add_sheet(workbook, "旧", [HEADER, flow("2024", 1)], state="hidden")
    error = rejection(save(workbook, tmp_path))
    assert "no visible sheet has a header with the required columns of flows" in error.message_en
    assert "the workbook has 3 sheets: '記入方法' (no header" in error.message_en
    assert "'旧' (hidden: hidden sheets are never read)" in error.message_en
    assert "「記入方法」" in error.message_ja
    assert "「旧」（非表示のシートは読み込みません）" in error.message_ja


def test_one_sheet_with_a_wrong_header_gets_the_missing_columns_message_naming_the_sheet(tmp_path: Path) -> None:
    workbook = new_workbook()
    add_sheet(workbook, "データ", [HEADER[:5], ["city-a", "2024", "paper", "use", "collection"]])
    add_sheet(workbook, "空", [])
    error = rejection(save(workbook, tmp_path))
    assert error.message_en.startswith("sheet 'データ': required columns are missing: quantity, unit")
    assert "quantity: quantity / 数量" in error.message_en
    assert error.message_ja.startswith("シート「データ」: 必須の列がありません")


def test_rejections_inside_a_sheet_name_it(tmp_path: Path) -> None:
    workbook = new_workbook()
    add_sheet(workbook, "2023", [HEADER, flow("2023", 1)])
    add_sheet(workbook, "2024", [[*HEADER, "member_id"], flow("2024", 1)])
    error = rejection(save(workbook, tmp_path))
    assert error.message_en.startswith("sheet '2024': the headers '会員ID' and 'member_id' both name the column")


def encrypt(plain: Path, password: str) -> Path:
    """The workbook as Excel saves it with a password: ECMA-376 agile encryption in an OLE compound file."""
    from msoffcrypto.format.ooxml import OOXMLFile

    encrypted = plain.with_name(f"パスワード付き_{plain.name}")
    with plain.open("rb") as source, encrypted.open("wb") as target:
        OOXMLFile(source).encrypt(password, target)
    return encrypted


def test_encrypted_workbook_is_rejected_as_encrypted(tmp_path: Path) -> None:
    workbook = new_workbook()
    add_sheet(workbook, "提出用", [HEADER, flow("令和6年度", 120)])
    path = encrypt(save(workbook, tmp_path), "himitsu")
    assert path.read_bytes().startswith(b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1")  # not a ZIP any more
    error = rejection(path)
    assert "encrypted, password-protected: remove the password and submit again" in error.message_en
    assert "パスワード" in error.message_ja
    assert "save it again" not in error.message_en


def test_old_xls_named_xlsx_is_told_to_save_as_xlsx(tmp_path: Path) -> None:
    path = tmp_path / "報告.xlsx"
    path.write_bytes(b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + "Workbook".encode("utf-16-le").ljust(1024, b"\0"))
    error = rejection(path)
    assert "old Excel workbook (.xls)" in error.message_en
    assert "encrypted" not in error.message_en


def _report(path: Path) -> tuple[dict[str, object], str, pl.DataFrame]:
    table = read_table(path, FLOWS)
    frame = table.frame.with_columns(submission_id=pl.lit("sub-1"), submitter_id=pl.lit("city-a"))
    result = validate(FLOWS, normalize(frame, contract=FLOWS, default_region=pl.lit("JP-40")).collect())
    info = SubmissionInfo("sub-1", "city-a", "flows", path.name, datetime(2025, 6, 1, tzinfo=UTC))
    report = build_report(
        submission=info,
        contract=FLOWS,
        result=result,
        raw=table.frame,
        ignored_columns=table.ignored_columns,
        sheets=table.sheets,
        skipped_sheets=table.skipped_sheets,
    )
    return report.to_json(), member_report_html(report), result.accepted


def test_report_names_the_sheet_of_every_row_and_counts_add_up(tmp_path: Path) -> None:
    workbook = new_workbook()
    add_sheet(workbook, "記入方法", [["記入方法"]])
    add_sheet(workbook, "2023年度", [HEADER, flow("2023年度", 1), flow("2023年度", 2, unit="ポンド", material="paper")])
    add_sheet(workbook, "2024年度", [HEADER, flow("2024年度", 3), flow("2024年度", "多い", material="paper")])
    payload, html, accepted = _report(save(workbook, tmp_path))
    summary = payload["summary"]
    assert isinstance(summary, dict)
    assert summary["n_read"] == 4
    assert summary["n_read"] == summary["n_accepted"] + summary["n_quarantined"]
    assert summary["n_quarantined"] == 2
    errors = payload["errors"]
    assert isinstance(errors, list)
    assert [(error["sheet"], error["row"], error["column"]) for error in errors] == [
        ("2023年度", 3, "unit"),
        ("2024年度", 3, "quantity"),
    ]
    assert accepted["source_row"].to_list() == [2, SHEET_ROW_STRIDE + 2]
    assert payload["sheets"] == ["2023年度", "2024年度"]
    assert payload["skipped_sheets"] == [
        {
            "name": "記入方法",
            "reason_en": "no header with the columns of flows (missing: member_id, period, material, source_stage, "
            "target_stage, quantity, unit)",
            "reason_ja": "flows の列を含むヘッダーがありません（不足: member_id, period, material, source_stage, "
            "target_stage, quantity, unit）",
        }
    ]
    assert "<th>シート<br>" in html
    assert "<td>2024年度</td>" in html
    assert "読み込まなかったシート" in html
    assert "<code>記入方法</code>" in html


def test_header_only_workbook_is_read_with_a_no_rows_warning(tmp_path: Path) -> None:
    workbook = new_workbook()
    add_sheet(workbook, "データ", [HEADER])
    payload, html, _ = _report(save(workbook, tmp_path))
    assert payload["status"] == "valid"
    assert payload["file_warnings"] == [{"message_en": NO_ROWS.message_en, "message_ja": NO_ROWS.message_ja}]
    assert NO_ROWS.message_ja in html
