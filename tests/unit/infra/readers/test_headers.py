"""Japanese column headers, matched in every format, and what a member reads when columns are missing."""

from __future__ import annotations

import json
from pathlib import Path

import openpyxl
import polars as pl
import pytest

from infra.readers import read_csv_chunks, read_table
from schemas import FLOWS, PROGRESS, TARGETS
from schemas.errors import FileRejected

# Headers as a Japanese office writes them: the names of the contract, with a full-width space in 会員　ID,
# a half-width one in 投入元 工程 and full-width letters in ＩＤ.
JA_HEADER = ["会員　ＩＤ", "年度", "品目", "投入元 工程", "投入先工程", "数量", "単位", "地域", "備考"]
JA_ROWS = [
    ["city-a", "令和6年度", "プラスチック", "use", "collection", "12", "t", "JP-40", "家庭系"],
    ["city-a", "令和6年度", "紙", "use", "collection", "3.5", "トン", "JP-40", ""],
]
WANT = {
    "member_id": ["city-a", "city-a"],
    "period": ["令和6年度", "令和6年度"],
    "material": ["プラスチック", "紙"],
    "source_stage": ["use", "use"],
    "target_stage": ["collection", "collection"],
    "quantity": ["12", "3.5"],
    "unit": ["t", "トン"],
    "region": ["JP-40", "JP-40"],
    "note": ["家庭系", None],
}


def _csv_text() -> str:
    return "\r\n".join(",".join(row) for row in [JA_HEADER, *JA_ROWS]) + "\r\n"


def _assert_japanese_rows(frame: pl.DataFrame, rows: list[int]) -> None:
    assert frame["source_row"].to_list() == rows
    for column, values in WANT.items():
        assert frame[column].to_list() == values, column
    assert frame["source"].to_list() == [None, None]  # not in the file


def test_cp932_csv_with_japanese_headers_is_read_by_column_name(tmp_path: Path) -> None:
    path = tmp_path / "報告.csv"
    path.write_bytes(_csv_text().encode("cp932"))
    table = read_table(path, FLOWS)
    assert table.encoding == "cp932"
    assert table.ignored_columns == ()
    _assert_japanese_rows(table.frame, [2, 3])


def test_japanese_headers_on_the_row_by_row_csv_path(tmp_path: Path) -> None:
    # A quoted line break sends the file to the row-by-row reader; its header is matched the same way.
    text = _csv_text().replace("家庭系", '"家庭系\n収集"')
    path = tmp_path / "報告.csv"
    path.write_bytes(text.encode("cp932"))
    table = read_table(path, FLOWS)
    assert table.frame["note"].to_list() == ["家庭系\n収集", None]
    assert table.frame["source_row"].to_list() == [2, 4]


def test_chunked_csv_matches_japanese_headers(tmp_path: Path) -> None:
    path = tmp_path / "報告.csv"
    path.write_bytes(_csv_text().encode("cp932"))
    chunks = read_csv_chunks(path, FLOWS, workdir=tmp_path / "work", chunk_rows=1)
    assert chunks is not None
    assert chunks.encoding == "cp932"
    _assert_japanese_rows(pl.concat(list(chunks.frames())), [2, 3])


def test_xlsx_with_japanese_headers(tmp_path: Path) -> None:
    workbook = openpyxl.Workbook()
    sheet = workbook.active
    assert sheet is not None
    sheet.title = "令和6年度"
    for row in [JA_HEADER, *JA_ROWS]:
        sheet.append([None if value == "" else float(value) if value in ("12", "3.5") else value for value in row])
    path = tmp_path / "報告.xlsx"
    workbook.save(path)
    table = read_table(path, FLOWS)
    _assert_japanese_rows(table.frame, [2, 3])


def test_parquet_and_jsonl_with_japanese_headers(tmp_path: Path) -> None:
    values = {"会員ID": ["city-a"], "目標ID": ["T1"], "年": [2024], "実績値": [0.5]}
    parquet = tmp_path / "progress.parquet"
    pl.DataFrame(values).write_parquet(parquet)
    jsonl = tmp_path / "progress.jsonl"
    jsonl.write_text(json.dumps({key: value[0] for key, value in values.items()}, ensure_ascii=False) + "\n")
    for path in (parquet, jsonl):
        row = read_table(path, PROGRESS).frame.row(0, named=True)
        assert (row["member_id"], row["target_id"], row["year"], row["value"]) == ("city-a", "T1", "2024", "0.5")


def test_targets_japanese_headers() -> None:
    header = ["会員ID", "目標ID", "指標", "基準年", "基準値", "目標年", "目標値", "単位"]
    assert [TARGETS.column_for_header(name) for name in header] == list(TARGETS.required_columns)


def test_missing_columns_message_lists_the_header_found_and_the_names_accepted(tmp_path: Path) -> None:
    path = tmp_path / "報告.csv"
    path.write_bytes("会員ID,年度,品目,数量,重さの単位\r\ncity-a,2024,紙,1,t\r\n".encode("cp932"))
    with pytest.raises(FileRejected) as caught:
        read_table(path, FLOWS)
    error = caught.value
    assert "required columns are missing: source_stage, target_stage, unit" in error.message_en
    assert "the header has: 会員ID, 年度, 品目, 数量, 重さの単位" in error.message_en
    assert "source_stage: source_stage / 投入元工程 / 出発工程" in error.message_en
    assert "unit: unit / 単位" in error.message_en
    assert "必須の列がありません: source_stage, target_stage, unit" in error.message_ja
    assert "ヘッダーにある列: 会員ID, 年度, 品目, 数量, 重さの単位" in error.message_ja
    assert "target_stage: target_stage / 投入先工程 / 到着工程" in error.message_ja


def test_a_column_named_twice_in_two_languages_is_rejected(tmp_path: Path) -> None:
    path = tmp_path / "flows.csv"
    header = "member_id,period,material,source_stage,target_stage,quantity,unit,会員ID"
    path.write_text(f"{header}\ncity-a,2024,paper,use,collection,1,t,city-b\n", encoding="utf-8")
    with pytest.raises(FileRejected) as caught:
        read_table(path, FLOWS)
    assert caught.value.column == "member_id"
    assert "the headers 'member_id' and '会員ID' both name the column member_id (会員ID)" in caught.value.message_en
