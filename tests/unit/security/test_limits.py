"""Input limits: each is enforced, names itself and the setting that raises it, and costs little to enforce."""

from __future__ import annotations

import io
import json
from pathlib import Path

import openpyxl
import polars as pl
import pytest

from infra.readers import read_table
from infra.readers.limits import DEFAULT_LIMITS, Limits, json_depth, limits_from_settings
from infra.settings import Settings
from schemas import FLOWS
from schemas.errors import FileRejected
from tests.unit.fuzz.nasty import HEADER, VALID_ROW, valid_row, zip_bomb


def write(tmp_path: Path, name: str, data: bytes | str) -> Path:
    path = tmp_path / name
    path.write_bytes(data.encode("utf-8") if isinstance(data, str) else data)
    return path


def rejected(path: Path, limits: Limits | None = None) -> FileRejected:
    with pytest.raises(FileRejected) as caught:
        read_table(path, FLOWS, limits=limits)
    return caught.value


def assert_names_limit(error: FileRejected, limit: str, *, file: str) -> None:
    """The message names the file, the limit and its setting, in both languages."""
    setting = f"JUNKAN_{limit.upper()}"
    assert error.file == file
    assert str(error).startswith(file)
    for message in (error.message_en, error.message_ja):
        assert limit in message
        assert setting in message


def csv_rows(n: int) -> str:
    return "\n".join([HEADER, *([VALID_ROW] * n)]) + "\n"


def test_default_limits_match_the_settings_defaults() -> None:
    assert limits_from_settings(Settings()) == DEFAULT_LIMITS
    assert DEFAULT_LIMITS.max_file_bytes == 1 << 30
    assert DEFAULT_LIMITS.max_columns == 2_000


def test_settings_raise_and_lower_limits(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("JUNKAN_MAX_ROWS", "4")
    limits = limits_from_settings(Settings())
    assert limits.max_rows == 4
    path = write(tmp_path, "flows.csv", csv_rows(3))  # header + 3 rows = line 4: allowed
    assert read_table(path, FLOWS, limits=limits).n_rows == 3
    path = write(tmp_path, "flows.csv", csv_rows(4))  # line 5: over
    error = rejected(path, limits)
    assert_names_limit(error, "max_rows", file="flows.csv")
    assert error.row == 5


def test_file_size_is_checked_before_reading(tmp_path: Path) -> None:
    path = write(tmp_path, "flows.csv", csv_rows(2))
    size = path.stat().st_size
    assert read_table(path, FLOWS, limits=Limits(max_file_bytes=size)).n_rows == 2
    error = rejected(path, Limits(max_file_bytes=size - 1))
    assert_names_limit(error, "max_file_bytes", file="flows.csv")
    assert f"{size:,}" in error.message_en


def test_too_many_columns_in_every_format(tmp_path: Path) -> None:
    extra = [f"extra_{index}" for index in range(2_000)]  # the contract's columns + 2,000 > 2,000
    header = HEADER.split(",") + extra
    csv_path = write(tmp_path, "wide.csv", ",".join(header) + "\n" + VALID_ROW + "\n")
    error = rejected(csv_path)
    assert_names_limit(error, "max_columns", file="wide.csv")
    # Which columns to delete (those the contract does not read), never "split the file".
    over = len(header) - 2_000  # as many as the contract has columns
    assert f"delete at least {over} of these columns: 'extra_0', 'extra_1'," in error.message_en
    assert "'extra_19' and 1,980 more" in error.message_en
    assert "split" not in error.message_en
    assert "分割" not in error.message_ja

    frame = pl.DataFrame({name: ["x"] for name in header})
    parquet_path = tmp_path / "wide.parquet"
    frame.write_parquet(parquet_path)
    assert_names_limit(rejected(parquet_path), "max_columns", file="wide.parquet")

    jsonl_path = write(tmp_path, "wide.jsonl", json.dumps(dict.fromkeys(header, "x")) + "\n")
    assert_names_limit(rejected(jsonl_path), "max_columns", file="wide.jsonl")

    workbook = openpyxl.Workbook()
    sheet = workbook.active
    assert sheet is not None
    sheet.append(header)
    xlsx_path = tmp_path / "wide.xlsx"
    workbook.save(xlsx_path)
    assert_names_limit(rejected(xlsx_path), "max_columns", file="wide.xlsx")


def test_a_long_value_is_refused_naming_its_row(tmp_path: Path) -> None:
    note = "x" * 10_001  # default max_field_chars is 10,000
    path = write(tmp_path, "flows.csv", f"{HEADER}\n{VALID_ROW}\n{valid_row(note=note)}\n")
    error = rejected(path)
    assert_names_limit(error, "max_field_chars", file="flows.csv")
    assert error.row == 3
    assert "10,001" in error.message_en
    ok = write(tmp_path, "ok.csv", f"{HEADER}\n{valid_row(note='x' * 10_000)}\n")
    assert read_table(ok, FLOWS).frame["note"].str.len_chars().to_list() == [10_000]


def test_a_value_beyond_the_csv_module_limit_is_refused_as_too_long(tmp_path: Path) -> None:
    path = write(tmp_path, "flows.csv", f"{HEADER}\n{VALID_ROW}{'x' * 200_000}\n")
    error = rejected(path)
    assert_names_limit(error, "max_field_chars", file="flows.csv")
    assert error.row == 2


def test_a_long_record_is_refused(tmp_path: Path) -> None:
    limits = Limits(max_line_chars=len(HEADER) + 1)  # the header fits
    row = valid_row(note="y" * len(HEADER))
    error = rejected(write(tmp_path, "flows.csv", f"{HEADER}\n{row}\n"), limits)
    assert_names_limit(error, "max_line_chars", file="flows.csv")
    assert error.row == 2


def test_long_values_in_typed_files_are_refused(tmp_path: Path) -> None:
    values = dict(zip(HEADER.split(","), VALID_ROW.split(","), strict=True))
    values["note"] = "n" * 10_001
    path = tmp_path / "long.parquet"
    pl.DataFrame({name: [value] for name, value in values.items()}).write_parquet(path)
    error = rejected(path)
    assert_names_limit(error, "max_field_chars", file="long.parquet")
    assert error.column == "note"
    jsonl = write(tmp_path, "long.jsonl", json.dumps(values) + "\n")
    assert_names_limit(rejected(jsonl), "max_field_chars", file="long.jsonl")


def test_zip_bomb_is_refused_before_openpyxl_opens_it(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    def must_not_open(*_args: object, **_kwargs: object) -> None:
        pytest.fail("openpyxl was asked to open a zip bomb")

    monkeypatch.setattr(openpyxl, "load_workbook", must_not_open)
    path = write(tmp_path, "bomb.xlsx", zip_bomb())
    assert path.stat().st_size < 100_000  # 20 MiB of zeros compress to ~20 KiB
    error = rejected(path)
    assert_names_limit(error, "max_compression_ratio", file="bomb.xlsx")
    error = rejected(path, Limits(max_compression_ratio=1e6, max_uncompressed_bytes=10 << 20))
    assert_names_limit(error, "max_uncompressed_bytes", file="bomb.xlsx")


def test_an_ordinary_workbook_passes_the_zip_checks(tmp_path: Path) -> None:
    workbook = openpyxl.Workbook()
    sheet = workbook.active
    assert sheet is not None
    sheet.append(HEADER.split(","))
    for _ in range(500):  # repetitive rows compress well, but not like a bomb
        sheet.append(VALID_ROW.split(","))
    path = tmp_path / "ok.xlsx"
    workbook.save(path)
    assert read_table(path, FLOWS).n_rows == 500


def test_parquet_row_count_is_read_from_the_footer(tmp_path: Path) -> None:
    values = dict(zip(HEADER.split(","), VALID_ROW.split(","), strict=True))
    path = tmp_path / "rows.parquet"
    pl.DataFrame({name: [value] * 11 for name, value in values.items()}).write_parquet(path)
    error = rejected(path, Limits(max_rows=10))
    assert_names_limit(error, "max_rows", file="rows.parquet")
    assert "11" in error.message_en


def test_deep_json_is_refused_before_the_parser_recurses(tmp_path: Path) -> None:
    deep = '{"member_id": ' + "[" * 100_000 + "]" * 100_000 + "}\n"
    error = rejected(write(tmp_path, "deep.jsonl", deep))
    assert_names_limit(error, "max_json_depth", file="deep.jsonl")
    assert error.row == 1
    assert json_depth('{"a": "[[[[", "b": [[1]]}') == 3  # brackets inside strings do not count


def test_huge_json_numbers_and_lines_are_refused(tmp_path: Path) -> None:
    huge = write(tmp_path, "int.jsonl", '{"quantity": ' + "9" * 5_000 + "}\n")
    error = rejected(huge)
    assert error.row == 1
    assert "JSON" in error.message_en
    long_line = write(tmp_path, "line.jsonl", json.dumps({"note": "z" * 200}) + "\n")
    assert_names_limit(rejected(long_line, Limits(max_line_chars=100)), "max_line_chars", file="line.jsonl")


def test_limits_must_be_positive_and_within_csv_reach() -> None:
    with pytest.raises(ValueError, match="max_rows"):
        Limits(max_rows=0)
    with pytest.raises(ValueError, match="131072"):
        Limits(max_field_chars=200_000)


def test_xlsx_row_limit_counts_sheet_rows(tmp_path: Path) -> None:
    workbook = openpyxl.Workbook()
    sheet = workbook.active
    assert sheet is not None
    sheet.append(HEADER.split(","))
    for _ in range(5):
        sheet.append(VALID_ROW.split(","))
    buffer = io.BytesIO()
    workbook.save(buffer)
    path = write(tmp_path, "rows.xlsx", buffer.getvalue())
    assert read_table(path, FLOWS, limits=Limits(max_rows=6)).n_rows == 5
    error = rejected(path, Limits(max_rows=5))
    assert_names_limit(error, "max_rows", file="rows.xlsx")
    assert error.row == 6
