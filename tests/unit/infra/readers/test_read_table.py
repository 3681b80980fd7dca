from __future__ import annotations

import json
from datetime import date, datetime
from pathlib import Path

import openpyxl
import polars as pl
import pytest
from polars.testing import assert_frame_equal

from infra.readers import RawTable, read_table
from schemas import FLOWS, MEMBERS, PROGRESS
from schemas.errors import FileRejected

HEADER = "member_id,period,material,source_stage,target_stage,quantity,unit"
ROW = "city-a,FY2024,plastics,use,collection,12,t"


def write(tmp_path: Path, name: str, data: bytes | str) -> Path:
    path = tmp_path / name
    if isinstance(data, str):
        path.write_text(data, encoding="utf-8", newline="")
    else:
        path.write_bytes(data)
    return path


def expected(contract_columns: list[str], rows: list[int], values: dict[str, list[str | None]]) -> pl.DataFrame:
    """The reader's frame: source_row, then every submitted column (null unless given)."""
    data: dict[str, list[int] | list[str | None]] = {"source_row": rows}
    for column in contract_columns:
        data[column] = values.get(column, [None] * len(rows))
    schema = {"source_row": pl.Int64(), **{column: pl.String() for column in contract_columns}}
    return pl.DataFrame(data, schema=schema)


FLOW_COLUMNS = list(FLOWS.read_schema)


def rejection(path: Path, contract: object = FLOWS, name: str | None = None) -> FileRejected:
    with pytest.raises(FileRejected) as caught:
        read_table(path, contract, name=name)  # type: ignore[arg-type]
    return caught.value


# --- CSV: encodings ----------------------------------------------------------------------------


def test_csv_utf8_reads_text_verbatim_with_line_numbers_and_null_missing_columns(tmp_path: Path) -> None:
    path = write(tmp_path, "flows.csv", f"{HEADER}\n{ROW}\ncity-a,2024-05,paper,use,sorting,0012.50,kg\n")
    table = read_table(path, FLOWS)
    assert (table.format, table.encoding, table.n_rows, table.ignored_columns) == ("csv", "utf-8", 2, ())
    want = expected(
        FLOW_COLUMNS,
        [2, 3],
        {
            "member_id": ["city-a", "city-a"],
            "period": ["FY2024", "2024-05"],
            "material": ["plastics", "paper"],
            "source_stage": ["use", "use"],
            "target_stage": ["collection", "sorting"],
            "quantity": ["12", "0012.50"],  # no type inference: leading zeros survive
            "unit": ["t", "kg"],
        },
    )
    assert_frame_equal(table.frame, want)


def test_csv_with_bom_is_utf8_sig_and_first_header_matches(tmp_path: Path) -> None:
    path = write(tmp_path, "flows.csv", b"\xef\xbb\xbf" + f"{HEADER}\r\n{ROW}\r\n".encode())
    table = read_table(path, FLOWS)
    assert table.encoding == "utf-8-sig"
    assert table.frame["member_id"].to_list() == ["city-a"]
    assert table.frame["unit"].to_list() == ["t"]


def test_csv_cp932_is_detected_and_decoded(tmp_path: Path) -> None:
    text = f"{HEADER},note\r\ncity-a,令和6年度,plastics,use,collection,１２３,トン,回収量は推計です\r\n"
    path = write(tmp_path, "flows.csv", text.encode("cp932"))
    table = read_table(path, FLOWS)
    assert table.encoding == "cp932"
    row = table.frame.row(0, named=True)
    assert (row["period"], row["quantity"], row["unit"], row["note"]) == (
        "令和6年度",
        "１２３",
        "トン",
        "回収量は推計です",
    )


@pytest.mark.parametrize("value", ["株式会社ＡＢＣ", "①②ⅠⅡ㎏㌧", "㈱北九州エコ", "ｶﾀｶﾅ abc", "PETﾎﾞﾄﾙ"])
def test_csv_short_genuine_cp932_is_not_mistaken_for_another_encoding(tmp_path: Path, value: str) -> None:
    path = write(tmp_path, "flows.csv", f"{HEADER},note\n{ROW},{value}\n".encode("cp932"))
    table = read_table(path, FLOWS)
    assert (table.encoding, table.frame["note"].to_list()) == ("cp932", [value])


def test_csv_neither_utf8_nor_cp932_is_rejected_naming_line_and_byte(tmp_path: Path) -> None:
    # 0xff is invalid in both encodings; it is byte 8 of line 2 ("city-a," is 7 bytes).
    path = write(tmp_path, "flows.csv", f"{HEADER}\n".encode() + b"city-a,\xff,plastics\n")
    error = rejection(path)
    assert error.row == 2
    assert "line 2, byte 8" in error.message_en
    assert "0xff" in error.message_en
    assert "2行目の8バイト目" in error.message_ja
    assert error.file == "flows.csv"


def test_csv_latin1_that_happens_to_decode_as_cp932_is_rejected(tmp_path: Path) -> None:
    # "Renée" in Latin-1 is valid CP932 bytes (mojibake "Ren馥"): it must not be accepted silently.
    text = f"{HEADER},note\ncity-a,FY2024,plastics,use,collection,1,t,Renée Pélerin Hélène\n"
    path = write(tmp_path, "flows.csv", text.encode("cp1252"))
    error = rejection(path)
    assert "neither UTF-8" in error.message_en
    assert error.row == 2


def test_csv_utf16_is_rejected_with_advice(tmp_path: Path) -> None:
    path = write(tmp_path, "flows.csv", f"{HEADER}\n{ROW}\n".encode("utf-16"))
    error = rejection(path)
    assert "UTF-16" in error.message_en
    assert "CSV UTF-8" in error.message_en


# --- CSV: structure ----------------------------------------------------------------------------


def test_quoted_newline_shifts_later_rows_to_their_physical_line(tmp_path: Path) -> None:
    text = f'{HEADER},note\n{ROW},"first\nsecond"\n\n{ROW.replace("12", "13")},\n'
    table = read_table(write(tmp_path, "flows.csv", text), FLOWS)
    # Record 1 spans lines 2-3, line 4 is blank, record 2 is on line 5.
    assert table.frame["source_row"].to_list() == [2, 5]
    assert table.frame["note"].to_list() == ["first\nsecond", None]
    assert table.frame["quantity"].to_list() == ["12", "13"]
    assert (table.n_rows, table.n_blank_rows) == (2, 1)


def test_empty_cells_are_null_and_spaces_are_kept(tmp_path: Path) -> None:
    text = f"{HEADER},region\ncity-a,FY2024,plastics,use,collection,,t, JP \n"
    table = read_table(write(tmp_path, "flows.csv", text), FLOWS)
    assert table.frame["quantity"].to_list() == [None]
    assert table.frame["region"].to_list() == [" JP "]


def test_full_width_and_mixed_case_headers_match_and_unknown_columns_are_reported(tmp_path: Path) -> None:
    header = "ＭＥＭＢＥＲ＿ＩＤ, Period ,Material,source stage,TARGET_STAGE,ｑｕａｎｔｉｔｙ,unit,メモ"
    text = f"{header}\ncity-a,FY2024,plastics,use,collection,12,t,hello\n"
    table = read_table(write(tmp_path, "flows.csv", text), FLOWS)
    assert table.ignored_columns == ("メモ",)
    assert table.frame.row(0, named=True)["member_id"] == "city-a"
    assert table.frame.row(0, named=True)["source_stage"] == "use"
    assert table.frame.row(0, named=True)["quantity"] == "12"


def test_duplicate_header_after_normalisation_is_rejected_naming_it(tmp_path: Path) -> None:
    text = f"{HEADER},Period\n{ROW},2024\n"
    error = rejection(write(tmp_path, "flows.csv", text))
    assert error.column == "period"
    assert "the headers 'period' and 'Period' both name the column period (期間)" in error.message_en
    assert "列名「period」と「Period」はどちらも列 period（期間）を指しています" in error.message_ja


def test_missing_required_columns_are_all_named(tmp_path: Path) -> None:
    text = "member_id,period,material,quantity\ncity-a,FY2024,plastics,12\n"
    error = rejection(write(tmp_path, "flows.csv", text), name="inbox/city-a/flows/f.csv")
    assert error.file == "inbox/city-a/flows/f.csv"
    assert "source_stage, target_stage, unit" in error.message_en
    assert "source_stage, target_stage, unit" in error.message_ja


def test_semicolon_separated_file_gets_a_delimiter_hint(tmp_path: Path) -> None:
    text = HEADER.replace(",", ";") + "\n" + ROW.replace(",", ";") + "\n"
    error = rejection(write(tmp_path, "flows.csv", text))
    assert "separate columns with commas" in error.message_en


def test_header_only_is_zero_rows_not_a_rejection(tmp_path: Path) -> None:
    table = read_table(write(tmp_path, "flows.csv", f"{HEADER}\n"), FLOWS)
    assert table.n_rows == 0
    assert table.frame.columns == ["source_row", *FLOW_COLUMNS]
    assert table.frame.schema["source_row"] == pl.Int64()


@pytest.mark.parametrize("content", ["", "\n\n", " , ,\n"])
def test_file_without_header_is_rejected(tmp_path: Path, content: str) -> None:
    error = rejection(write(tmp_path, "flows.csv", content))
    assert "no header" in error.message_en
    assert "ヘッダー" in error.message_ja


def test_short_rows_are_read_with_missing_fields_null(tmp_path: Path) -> None:
    text = f"{HEADER},region,quality\n{ROW}\n"  # 7 fields under a 9-column header
    table = read_table(write(tmp_path, "flows.csv", text), FLOWS)
    assert table.frame.row(0, named=True)["unit"] == "t"
    assert table.frame.row(0, named=True)["region"] is None
    assert table.frame.row(0, named=True)["quality"] is None


def test_long_rows_with_empty_extra_fields_are_read(tmp_path: Path) -> None:
    text = f"{HEADER}\n{ROW},,\n"
    table = read_table(write(tmp_path, "flows.csv", text), FLOWS)
    assert table.frame["unit"].to_list() == ["t"]
    assert table.ignored_columns == ()


def test_long_rows_with_values_reject_the_file_naming_the_row(tmp_path: Path) -> None:
    text = f"{HEADER}\n{ROW}\ncity-a,FY2024,plastics,use,collection,1,234,t\n"
    error = rejection(write(tmp_path, "flows.csv", text))
    assert error.row == 3
    assert "row 3 has 8 fields but the header has 7" in error.message_en
    assert "3行目" in error.message_ja


def test_unnamed_column_with_values_is_reported_as_ignored(tmp_path: Path) -> None:
    text = f"{HEADER},\n{ROW},stray\n"
    table = read_table(write(tmp_path, "flows.csv", text), FLOWS)
    assert table.ignored_columns == ("(unnamed column 8)",)


def test_unclosed_quote_is_rejected_naming_the_row(tmp_path: Path) -> None:
    text = f'{HEADER}\n{ROW}\ncity-a,"FY2024,plastics,use,collection,1,t\n'
    error = rejection(write(tmp_path, "flows.csv", text))
    assert error.row == 3
    assert "line 3" in error.message_en


def test_excel_workbook_renamed_csv_is_rejected(tmp_path: Path) -> None:
    error = rejection(write(tmp_path, "flows.csv", b"PK\x03\x04rest-of-zip"))
    assert "Excel workbook" in error.message_en


@pytest.mark.parametrize("name", ["flows.xls", "flows.txt", "flows"])
def test_unsupported_file_types_are_rejected(tmp_path: Path, name: str) -> None:
    error = rejection(write(tmp_path, name, f"{HEADER}\n"))
    assert "is not accepted" in error.message_en
    assert ".csv, .xlsx, .parquet, .jsonl, .ndjson" in error.message_en
    assert "受け付けていません" in error.message_ja


# --- XLSX --------------------------------------------------------------------------------------


def test_xlsx_cells_become_text_with_sheet_row_numbers(tmp_path: Path) -> None:
    workbook = openpyxl.Workbook()
    sheet = workbook.active
    assert sheet is not None
    # Rows 1-2 empty: the header is the first non-empty row (3); row 5 is blank and skipped.
    sheet.append([])
    sheet.append([])
    sheet.append(["ｍｅｍｂｅｒ＿ｉｄ", "Name", "kind", "region", "joined_on", "memo"])
    sheet.append(["city-a", "北九州市", "municipality", None, date(2023, 4, 1), "x"])
    sheet.append([])
    sheet.append(["univ-b", 2024, "university", "JP-13", datetime(2024, 5, 1, 0, 0), None, "stray"])
    sheet.append(["co-c", 1234.5, "company", "", datetime(2024, 5, 1, 9, 30), None])
    path = tmp_path / "members.xlsx"
    workbook.save(path)

    table = read_table(path, MEMBERS)
    assert (table.format, table.encoding, table.n_rows, table.n_blank_rows) == ("xlsx", None, 3, 1)
    assert table.ignored_columns == ("memo", "(unnamed column G)")
    want = expected(
        list(MEMBERS.read_schema),
        [4, 6, 7],
        {
            "member_id": ["city-a", "univ-b", "co-c"],
            "name": ["北九州市", "2024", "1234.5"],  # an integer cell is "2024", not "2024.0"
            "kind": ["municipality", "university", "company"],
            "region": [None, "JP-13", None],
            "joined_on": ["2023-04-01", "2024-05-01", "2024-05-01 09:30:00"],
        },
    )
    assert_frame_equal(table.frame, want)


def test_xlsx_that_is_not_a_workbook_is_rejected(tmp_path: Path) -> None:
    error = rejection(write(tmp_path, "flows.xlsx", "member_id,period\n"))
    assert "cannot be opened as an Excel workbook" in error.message_en
    assert "Excelブック" in error.message_ja


def test_xlsx_without_any_cell_is_rejected(tmp_path: Path) -> None:
    path = tmp_path / "flows.xlsx"
    openpyxl.Workbook().save(path)
    error = rejection(path)
    assert "no header" in error.message_en


# --- Parquet and JSON Lines ----------------------------------------------------------------------


def test_parquet_columns_are_cast_to_text_with_index_plus_one_rows(tmp_path: Path) -> None:
    frame = pl.DataFrame(
        {
            "Member_ID": ["city-a", "city-a"],
            "target_id": ["T1", "T1"],
            "year": [2023, 2024],
            "value": [12.0, 0.15],
            "extra": [True, False],
        }
    )
    path = tmp_path / "progress.parquet"
    frame.write_parquet(path)
    table = read_table(path, PROGRESS)
    assert (table.format, table.encoding, table.n_rows, table.ignored_columns) == ("parquet", None, 2, ("extra",))
    want = expected(
        list(PROGRESS.read_schema),
        [1, 2],
        {
            "member_id": ["city-a", "city-a"],
            "target_id": ["T1", "T1"],
            "year": ["2023", "2024"],
            "value": ["12", "0.15"],
        },
    )
    assert_frame_equal(table.frame, want)


def test_parquet_missing_required_column_is_rejected(tmp_path: Path) -> None:
    path = tmp_path / "progress.parquet"
    pl.DataFrame({"member_id": ["a"], "year": [2024]}).write_parquet(path)
    error = rejection(path, PROGRESS)
    assert "target_id, value" in error.message_en


def test_jsonl_values_become_text_with_line_numbers(tmp_path: Path) -> None:
    lines = [
        json.dumps({"member_id": "city-a", "target_id": "T1", "year": 2024, "value": 0.5, "note": None}),
        "",
        json.dumps({"member_id": "city-a", "target_id": "T2", "year": "２０２４", "value": 3.0, "memo": "x"}),
    ]
    path = write(tmp_path, "progress.ndjson", "\n".join(lines) + "\n")
    table = read_table(path, PROGRESS)
    assert (table.format, table.n_rows, table.n_blank_rows, table.ignored_columns) == ("jsonl", 2, 1, ("memo",))
    want = expected(
        list(PROGRESS.read_schema),
        [1, 3],
        {
            "member_id": ["city-a", "city-a"],
            "target_id": ["T1", "T2"],
            "year": ["2024", "２０２４"],
            "value": ["0.5", "3"],
        },
    )
    assert_frame_equal(table.frame, want)


@pytest.mark.parametrize(
    ("second_line", "expected_text"),
    [
        ('{"member_id": "a",', "line 2 is not valid JSON"),
        ("[1, 2]", "line 2 is not a JSON object"),
        ('{"member_id": {"x": 1}}', "line 2: the value of 'member_id' is a nested object"),
    ],
)
def test_jsonl_bad_lines_are_rejected_naming_the_line(tmp_path: Path, second_line: str, expected_text: str) -> None:
    first = json.dumps({"member_id": "a", "target_id": "T1", "year": 2024, "value": 1})
    error = rejection(write(tmp_path, "progress.jsonl", f"{first}\n{second_line}\n"), PROGRESS)
    assert error.row == 2
    assert expected_text in error.message_en
    assert "2行目" in error.message_ja


def test_empty_jsonl_is_rejected(tmp_path: Path) -> None:
    error = rejection(write(tmp_path, "progress.jsonl", "\n"), PROGRESS)
    assert "the file is empty" in error.message_en


def test_raw_table_is_frozen(tmp_path: Path) -> None:
    table = read_table(write(tmp_path, "flows.csv", f"{HEADER}\n{ROW}\n"), FLOWS)
    assert isinstance(table, RawTable)
    with pytest.raises(AttributeError):
        table.n_rows = 5  # type: ignore[misc]
