"""Members' files as offices and their systems make them, validated as `junkan validate` validates them.

Each file is built the way a member's is: an openpyxl workbook filled in by hand (merged blocks, a formula
never calculated, a 備考 column of free text), CSVs joined with `cat` (the second one saved by Excel with a
BOM), CP932 text from an office PC, a system export of hundreds of columns. Every test goes through
`check_file`, the same read → normalise → validate path a member's upload takes, and reads the report.
"""

from __future__ import annotations

import codecs
import re
import zipfile
from pathlib import Path
from typing import Any

import openpyxl
import pytest

from expectations.report import Report
from flows.stages.check import check_file, describe
from infra.readers import read_csv_chunks, read_table
from schemas import FLOWS

HEADER = ["会員ID", "年度", "品目", "投入元工程", "投入先工程", "数量", "単位", "備考"]
CODES = "member_id,period,material,source_stage,target_stage,quantity,unit"


@pytest.fixture(autouse=True)
def _no_ledger(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("JUNKAN_HOME", str(tmp_path / "home"))  # check_file knows no member: nothing is looked up


def validate(path: Path) -> Report:
    """The member's report on the file, and the promise every report keeps: rows read = accepted + set aside."""
    report = check_file(path, member_id="city-a", dataset="flows")
    assert report.counts.read == report.counts.accepted + report.counts.quarantined
    return report


def workbook_with(rows: list[list[object]], *, title: str = "提出用") -> tuple[openpyxl.Workbook, Any]:
    workbook = openpyxl.Workbook()
    sheet = workbook.active
    assert sheet is not None
    sheet.title = title
    for row in rows:
        sheet.append(row)
    return workbook, sheet


# --- 1. cells Excel shows as one -------------------------------------------------------------------


def test_member_and_year_merged_down_a_block_count_for_every_row_of_it(tmp_path: Path) -> None:
    workbook, sheet = workbook_with(
        [
            HEADER,
            ["city-a", "令和6年度", "plastics", "use", "collection", 12, "t", "家庭系（月・木収集）"],
            [None, None, "paper", "use", "collection", 3.5, "t", None],
            [None, None, "metals", "use", "collection", 4, "t", "事業系, 一部は\n委託"],
            ["city-a", "令和5年度", "glass", "use", "collection", 1, "t", None],
        ]
    )
    sheet.merge_cells("A2:A4")
    sheet.merge_cells("B2:B4")
    path = tmp_path / "報告.xlsx"
    workbook.save(path)

    report = validate(path)

    assert report.errors == ()
    assert (report.status, report.counts.read, report.counts.accepted) == ("valid", 4, 4)
    frame = read_table(path, FLOWS).frame
    assert frame["member_id"].to_list() == ["city-a"] * 4
    assert frame["period"].to_list() == ["令和6年度", "令和6年度", "令和6年度", "令和5年度"]
    assert frame["note"].to_list() == ["家庭系（月・木収集）", None, "事業系, 一部は\n委託", None]


def test_a_block_merged_on_a_later_sheet_fills_only_its_own_rows(tmp_path: Path) -> None:
    workbook, sheet = workbook_with(
        [HEADER, ["city-a", "令和5年度", "paper", "use", "collection", 2, "t", None]], title="令和5年度"
    )
    later = workbook.create_sheet("令和6年度")
    for row in (
        HEADER,
        ["city-a", "令和6年度", "plastics", "use", "collection", 12, "t", None],
        [None, None, "paper", "use", "collection", 3, "t", None],
        [None, "令和6年度", "glass", "use", "collection", 1, "t", "会員IDの記入漏れ"],
    ):
        later.append(row)
    later.merge_cells("A2:A3")
    later.merge_cells("B2:B3")
    path = tmp_path / "報告.xlsx"
    workbook.save(path)

    report = validate(path)

    # Row 4 of the second sheet is outside the block: its blank member id is still the member's to fix.
    assert [(row.sheet, row.row, row.column) for row in report.errors] == [("令和6年度", 4, "member_id")]
    assert "member_id is required" in report.errors[0].message_en
    assert (report.counts.read, report.counts.accepted, report.counts.quarantined) == (4, 3, 1)


def test_a_header_merged_across_columns_makes_no_columns_of_its_own(tmp_path: Path) -> None:
    # 備考 spans H1:J1; offices write their notes anywhere under it.
    workbook, sheet = workbook_with(
        [
            [*HEADER, None, None],
            ["city-a", "令和6年度", "plastics", "use", "collection", 12, "t", "回収", "週2回", "市内全域"],
        ]
    )
    sheet.merge_cells("H1:J1")
    path = tmp_path / "報告.xlsx"
    workbook.save(path)

    report = validate(path)

    assert report.status == "valid"
    assert report.ignored_columns == ()  # no "(unnamed column I)", "(unnamed column J)", no second 備考
    assert "ignored columns" not in describe(report)


# --- 2. a formula with no saved result -------------------------------------------------------------


def test_a_formula_no_program_calculated_is_named_with_what_to_do(tmp_path: Path) -> None:
    # A system writes the workbook with openpyxl: 数量 is a formula on the kg column, never opened in Excel.
    workbook, _ = workbook_with(
        [
            [*HEADER, "重量(kg)"],
            ["city-a", "令和6年度", "plastics", "use", "collection", "=I2/1000", "t", "家庭系", 12_000],
            ["city-a", "令和6年度", "paper", "use", "collection", "=I3/1000", "t", None, 3_500],
            ["city-a", "令和6年度", "glass", "use", "collection", 4, "t", "手入力", None],
        ]
    )
    path = tmp_path / "報告.xlsx"
    workbook.save(path)

    report = validate(path)

    assert report.rejection is not None
    assert (report.rejection.row, report.rejection.column) == (2, "quantity")
    assert report.rejection.message_en == (
        "sheet '提出用', row 2, column quantity (cell F2, header '数量'): the cell holds the formula =I2/1000 with no "
        "saved result: the workbook was written by a program and never saved in Excel, so the value Excel shows is "
        "not in the file; 1 more cells of the sheet are like it (F3); open and save the workbook in Excel, or type "
        "the value instead of the formula"
    )
    assert "シート「提出用」の2行目、列 quantity（セル F2、見出し「数量」）" in report.rejection.message_ja
    assert "数式 =I2/1000 の計算結果がファイルに保存されていません" in report.rejection.message_ja
    assert "Excelでブックを開いて保存し直すか、数式ではなく値を入力してください" in report.rejection.message_ja
    assert describe(report).startswith("報告.xlsx, row 2, column quantity: file rejected: sheet '提出用', row 2")
    assert (report.counts.read, report.counts.accepted, report.counts.quarantined) == (0, 0, 0)


def _saved_by_excel(path: Path, results: dict[str, str]) -> None:
    """The workbook as Excel saves it: each formula cell of `results` keeps its result (`<v>`) next to the formula."""
    with zipfile.ZipFile(path) as archive:
        parts = {info.filename: archive.read(info) for info in archive.infolist()}
    sheet = parts["xl/worksheets/sheet1.xml"].decode("utf-8")
    for cell, value in results.items():
        sheet, found = re.subn(rf'(<c r="{cell}"[^>]*>)(<f>[^<]*</f>)<v\s*/>', rf"\1\2<v>{value}</v>", sheet)
        assert found == 1, cell
    parts["xl/worksheets/sheet1.xml"] = sheet.encode("utf-8")
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as archive:
        for name, data in parts.items():
            archive.writestr(name, data)


def test_a_formula_with_its_saved_result_is_read_as_that_value(tmp_path: Path) -> None:
    workbook, _ = workbook_with(
        [
            [*HEADER, "重量(kg)", "合計"],
            ["city-a", "令和6年度", "plastics", "use", "collection", "=I2/1000", "t", None, 12_000, "=SUM(F2:F3)"],
            ["city-a", "令和6年度", "paper", "use", "collection", "=I3/1000", "t", None, 3_500, None],
            # A template's spare row: formulas waiting for values are blank in Excel, and so is the row.
            [None, None, None, None, None, "=I4/1000", None, None, None, None],
        ]
    )
    path = tmp_path / "報告.xlsx"
    workbook.save(path)
    _saved_by_excel(path, {"F2": "12", "F3": "3.5"})  # J2 (合計, not read) and F4 stay uncalculated

    report = validate(path)

    assert report.rejection is None
    assert (report.status, report.counts.read, report.counts.accepted) == ("valid", 2, 2)
    assert read_table(path, FLOWS).frame["quantity"].to_list() == ["12", "3.5"]


# --- 3. joined CSVs ----------------------------------------------------------------------------------


def _office_csv(rows: list[str], *, bom: bool = False, encoding: str = "utf-8") -> bytes:
    text = "\r\n".join([CODES, *rows]) + "\r\n"
    return (codecs.BOM_UTF8 if bom else b"") + text.encode(encoding)


@pytest.mark.parametrize(
    ("first", "second", "kind"),
    [
        # Excel's "CSV UTF-8" puts a BOM at the start of each file: the second one lands mid-file.
        (_office_csv(["city-a,2024,paper,use,collection,1,t"], bom=True),
         _office_csv(["city-a,2024,plastics,use,collection,2,t", "city-a,2024,glass,use,collection,3,t"], bom=True),
         "utf-8-sig"),
        (_office_csv(["city-a,令和6年度,紙,use,collection,1,t"], encoding="cp932"),
         _office_csv(["city-a,令和6年度,プラスチック,use,collection,2,t", "city-a,2024,glass,use,collection,3,t"],
                     encoding="cp932"),
         "cp932"),
        # A quoted line break in a note sends the file to the row-by-row reader, which tells the same.
        (_office_csv(['city-a,2024,paper,use,collection,1,t'], bom=True),
         _office_csv(['city-a,2024,plastics,use,collection,2,t', 'city-a,2024,glass,use,collection,"3",t']).replace(
             b'"3"', b'"3\n"'),
         "row by row"),
    ],
)  # fmt: skip
def test_two_csvs_joined_with_cat_are_told_where_the_second_header_is(
    tmp_path: Path, first: bytes, second: bytes, kind: str
) -> None:
    path = tmp_path / "報告.csv"
    path.write_bytes(first + second)  # cat first.csv second.csv > 報告.csv

    report = validate(path)

    assert report.rejection is not None, kind
    assert report.rejection.row == 3
    assert report.rejection.message_en.startswith("the header appears again on line 3: the file looks like two files")
    assert "delete the repeated header line" in report.rejection.message_en
    assert report.rejection.message_ja.startswith("3行目にヘッダー（列名の行）がもう一度あります")
    assert describe(report).startswith("報告.csv, row 3: file rejected: the header appears again on line 3")
    assert report.errors == ()  # one message, not one per field
    assert read_csv_chunks(path, FLOWS, workdir=tmp_path / "work") is None  # a large file is read whole for it


def test_three_joined_files_name_every_repeated_header(tmp_path: Path) -> None:
    part = _office_csv(["city-a,2024,paper,use,collection,1,t"], bom=True)
    path = tmp_path / "報告.csv"
    path.write_bytes(part * 3)
    report = validate(path)
    assert report.rejection is not None
    assert report.rejection.message_en.startswith("the header appears again on line 3 (and on lines 5):")
    assert report.rejection.message_ja.startswith("3行目にヘッダー（列名の行）がもう一度あります（5行目にも）")


def test_a_header_pasted_again_in_a_workbook_is_told_by_its_row(tmp_path: Path) -> None:
    workbook, _ = workbook_with(
        [
            HEADER,
            ["city-a", "令和6年度", "plastics", "use", "collection", 12, "t", None],
            HEADER,  # the block of another sheet pasted below, its header with it
            ["city-a", "令和6年度", "paper", "use", "collection", 3, "t", "本庁舎分"],
        ]
    )
    path = tmp_path / "報告.xlsx"
    workbook.save(path)
    report = validate(path)
    assert report.rejection is not None
    assert report.rejection.row == 3
    assert report.rejection.message_en.startswith("the header appears again on row 3: the file looks like two files")
    assert "delete the repeated header row" in report.rejection.message_en


# --- 4. two headers naming one column ------------------------------------------------------------------


def test_two_headers_naming_one_column_are_both_named_with_the_column_they_mean(tmp_path: Path) -> None:
    header = ["会員ID", "年度", "品目", "品目コード", "投入元工程", "投入先工程", "数量", "単位", "備考"]
    row = ["city-a", "令和6年度", "プラスチック", "plastics", "use", "collection", "12", "t", "家庭系"]
    path = tmp_path / "報告.csv"
    path.write_bytes("\r\n".join(",".join(line) for line in (header, row)).encode("cp932"))

    report = validate(path)

    assert report.rejection is not None
    assert (report.rejection.row, report.rejection.column) == (1, "material")
    assert report.rejection.message_en == (
        "the headers '品目' and '品目コード' both name the column material (品目); keep one of these two columns "
        "and delete the other (or rename it if it holds something else)"
    )
    assert report.rejection.message_ja.startswith(
        "列名「品目」と「品目コード」はどちらも列 material（品目）を指しています"
    )
    assert "どちらか一方の列だけを残し" in report.rejection.message_ja


def test_notes_columns_repeated_by_a_system_are_ignored_not_refused(tmp_path: Path) -> None:
    path = tmp_path / "export.csv"
    path.write_text(f"{CODES},備考欄,担当,備考欄\ncity-a,2024,paper,use,collection,1,t,a,b,c\n", encoding="utf-8")
    report = validate(path)
    assert (report.status, report.ignored_columns) == ("valid", ("備考欄", "担当"))


# --- 5. wide files ------------------------------------------------------------------------------------


def _system_export(tmp_path: Path, extra: int) -> Path:
    """A CP932 export of an office system: the contract's columns among `extra` columns junkan does not read."""
    names = [f"項目{index:04d}" for index in range(extra)]
    header = [*names[:3], *HEADER, *names[3:]]
    values = ["x", "", "0", "city-a", "令和6年度", "paper", "use", "collection", "1,200", "kg", "", *[""] * (extra - 3)]
    path = tmp_path / "export.csv"
    path.write_bytes(("\r\n".join(",".join(f'"{value}"' for value in line) for line in (header, values)) + "\r\n")
                     .encode("cp932"))  # fmt: skip
    return path


def test_a_300_column_system_export_is_read_for_the_contract_columns(tmp_path: Path) -> None:
    report = validate(_system_export(tmp_path, 300))
    assert report.rejection is None
    assert (report.status, report.counts.read, report.counts.accepted) == ("valid", 1, 1)
    assert len(report.ignored_columns) == 300
    assert report.ignored_columns[:2] == ("項目0000", "項目0001")


def test_a_file_over_the_column_limit_is_told_which_columns_to_delete(tmp_path: Path) -> None:
    report = validate(_system_export(tmp_path, 2_000))  # 2,008 columns, over the 2,000 allowed
    assert report.rejection is not None
    message = report.rejection.message_en
    assert message.startswith(
        "the file has 2,008 columns, more than the limit max_columns = 2,000; 2,000 of them are not in the data "
        "contract of flows and are not read: delete at least 8 of these columns: '項目0000', '項目0001', "
    )
    assert "'項目0019' and 1,980 more (or ask the secretariat to raise JUNKAN_MAX_COLUMNS)" in message
    assert "split" not in message
    assert "次の列のうち8列以上を削除してください: '項目0000'" in report.rejection.message_ja
    assert "ほか1,980列" in report.rejection.message_ja
