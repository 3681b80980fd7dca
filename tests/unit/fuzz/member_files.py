"""A member's table saved as the file an office or its system sends, with what the reader must make of it.

Each format is saved the way members' software saves it: CSV by Excel (UTF-8 with or without BOM, CP932,
CRLF, blank lines, two files joined with `cat`, a system export hundreds of columns wide), workbooks by
openpyxl (merged blocks, formulas no program calculated, an instructions sheet, a hidden old copy, one sheet
per year), JSON Lines and Parquet by scripts (typed values). `MemberFile` is the oracle: the reader must
refuse the file when `must_reject` names a reason, and otherwise return exactly `rows` (each read row's
contract columns as the text a member sees; `rows` is None where only `n_rows` is known).
"""

from __future__ import annotations

import csv
import io
import json
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any

import openpyxl
import polars as pl
from hypothesis import strategies as st
from openpyxl.cell.cell import ILLEGAL_CHARACTERS_RE

from infra.readers import cell_text
from tests.unit.fuzz.member_tables import WIDE_TEXT, Formula, Table, now_and_then

FORMATS = ("csv-utf8", "csv-cp932", "xlsx", "jsonl", "parquet")
EXTENSIONS = {"csv-utf8": ".csv", "csv-cp932": ".csv", "xlsx": ".xlsx", "jsonl": ".jsonl", "parquet": ".parquet"}
Row = dict[str, str | None]
# System exports: wide but within the column limit (read), and past it (refused, naming columns to delete).
EXPORT_COLUMNS = 300
TOO_MANY_COLUMNS = 2_001


@dataclass(frozen=True)
class MemberFile:
    """A file as submitted, and what reading it must give."""

    dataset: str
    format: str
    name: str
    data: bytes
    must_reject: tuple[str, ...]
    n_rows: int
    rows: list[Row] | None


def _is_blank(texts: list[str | None]) -> bool:
    return all(text is None or not text.strip() for text in texts)


def _expected(table: Table, texts: list[list[str | None]]) -> list[Row]:
    """The rows a reader returns for rows of cell texts: blank rows skipped, the contract columns by header."""
    positions = table.read_positions()
    return [
        {column: (row[index] or None) if index < len(row) else None for column, index in positions.items()}
        for row in texts
        if not _is_blank(row)
    ]


def _text(value: object) -> str | None:
    """A cell as CSV text or as a spreadsheet shows it."""
    if isinstance(value, Formula):
        return value.text
    return cell_text(value)


# --- CSV ----------------------------------------------------------------------------------------------


@st.composite
def _csv_file(draw: st.DrawFn, table: Table, *, cp932: bool) -> MemberFile:
    encoding = "cp932" if cp932 else draw(st.sampled_from(["utf-8", "utf-8-sig"]))
    newline = draw(st.sampled_from(["\r\n", "\n"]))
    header = ["" if name is None else name for name in table.header]
    rows = [[_text(value) or "" for value in row] for row in table.rows]
    flaws = list(table.flaws)
    wide = draw(st.integers(0, 59))
    if wide in (29, 31):  # an office system's export: the contract's columns among hundreds it does not read
        extra = EXPORT_COLUMNS if wide == 29 else TOO_MANY_COLUMNS
        header += [f"項目{index}" for index in range(extra)]
        rows = [row + [""] * (len(header) - len(row)) for row in rows]
        named = sum(1 for name in header if name.strip())
        if named > 2_000:
            flaws.append("too many columns")
    lines = [header, *rows]
    joined_at = draw(st.integers(1, len(lines))) if now_and_then(draw, 8) else None
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator=newline)
    buffer.write(newline * draw(st.integers(0, 2)))  # blank lines above the header
    for index, line in enumerate(lines):
        if index == joined_at:  # `cat a.csv b.csv`: b's header, with the BOM Excel starts it with
            buffer.write("\ufeff" if encoding == "utf-8-sig" else "")
            writer.writerow(header)
        writer.writerow(line)
    if joined_at == len(lines):
        writer.writerow(header)
    if joined_at is not None and not table.flaws:
        flaws.append("header repeated")
    text = buffer.getvalue() + newline * draw(st.integers(0, 2))
    data = text.encode(encoding)
    decoded = [[cell.encode(encoding).decode(encoding) for cell in row] for row in rows]
    expected = _expected(table, [list(row) for row in decoded])
    name = f"{table.dataset}_報告.csv"
    return MemberFile(
        table.dataset, "csv-cp932" if cp932 else "csv-utf8", name, data, tuple(flaws), len(expected), expected
    )


# --- XLSX ---------------------------------------------------------------------------------------------


def _cell(value: object) -> object:
    """A value as openpyxl writes it: text never starts with `=` (Excel would take it for a formula)."""
    if isinstance(value, Formula):
        return value.text
    if isinstance(value, str):
        value = ILLEGAL_CHARACTERS_RE.sub("", value)
        return "＝" + value[1:] if value.startswith("=") else value
    return value


@st.composite
def _merges(draw: st.DrawFn, width: int, height: int) -> list[tuple[int, int, int, int]]:
    """Non-overlapping blocks (min_col, min_row, max_col, max_row, 1-based) among data rows 2..height+1."""
    blocks: list[tuple[int, int, int, int]] = []
    taken: set[tuple[int, int]] = set()
    for _ in range(draw(st.integers(0, 3)) if width and height > 1 else 0):
        column, row = draw(st.integers(1, width)), draw(st.integers(2, height))
        block = (
            column,
            row,
            min(width, column + draw(st.integers(0, 1))),
            min(height + 1, row + draw(st.integers(1, 2))),
        )
        cells = {(c, r) for c in range(block[0], block[2] + 1) for r in range(block[1], block[3] + 1)}
        if not cells & taken:
            blocks.append(block)
            taken |= cells
    return blocks


@st.composite
def _xlsx_file(draw: st.DrawFn, table: Table) -> MemberFile:
    flaws = list(table.flaws)
    header = list(table.header)
    grid = [[_cell(value) for value in row] for row in table.rows]
    covered = draw(st.integers(0, 2)) if header and header[-1] else 0
    if covered:  # the last header cell spans the next columns (H1:J1), notes typed anywhere under it
        header += [None] * covered
        grid = [row + [draw(st.sampled_from([None, "週2回", "市内全域"])) for _ in range(covered)] for row in grid]
    width = len(header)
    merges = draw(_merges(width, len(grid)))
    pasted = draw(st.integers(0, len(grid))) if grid and not merges and now_and_then(draw, 10) else None
    second = draw(st.integers(1, len(grid))) if len(grid) > 1 and not merges and now_and_then(draw, 6) else None
    if pasted is not None and second is not None:
        second = None
    workbook = openpyxl.Workbook()
    default = workbook.active
    assert default is not None
    workbook.remove(default)
    if now_and_then(draw, 4):
        workbook.create_sheet("記入方法").append(["記入方法: 1行目に列名、2行目から1行に1件"])
    if now_and_then(draw, 6):
        hidden = workbook.create_sheet("旧データ")
        hidden.append(header)
        hidden.append(["旧"] * width)
        hidden.sheet_state = "hidden"
    parts = [grid] if second is None else [grid[:second], grid[second:]]
    expected: list[Row] = []
    for number, part in enumerate(parts):
        sheet = workbook.create_sheet("提出用" if number == 0 else f"提出用{number + 1}")
        written = [header, *part]
        if number == 0 and pasted is not None:
            written.insert(pasted + 1, header)
        for row in written:
            sheet.append(row)
        if covered:
            sheet.merge_cells(start_row=1, start_column=width - covered, end_row=1, end_column=width)
        blocks = merges if number == 0 else []
        for block in blocks:
            sheet.merge_cells(start_column=block[0], start_row=block[1], end_column=block[2], end_row=block[3])
        expected += _sheet_expected(table, part, blocks, flaws)
    if pasted is not None and not table.flaws:
        flaws.append("header repeated")
    buffer = io.BytesIO()
    workbook.save(buffer)
    name = f"{table.dataset}_報告.xlsx"
    return MemberFile(
        table.dataset, "xlsx", name, buffer.getvalue(), tuple(dict.fromkeys(flaws)), len(expected), expected
    )


def _sheet_expected(
    table: Table, grid: list[list[Any]], merges: list[tuple[int, int, int, int]], flaws: list[str]
) -> list[Row]:
    """The rows read from a sheet as Excel shows it: merged-over cells empty, blocks filled down, formulas unknown."""
    values = [list(row) for row in grid]
    for min_col, min_row, max_col, max_row in merges:
        for row in range(min_row, max_row + 1):
            for column in range(min_col, max_col + 1):
                if (row, column) != (min_row, min_col) and column - 1 < len(values[row - 2]):
                    values[row - 2][column - 1] = None
    positions = table.read_positions()
    read = set(positions.values())
    texts: list[list[str | None]] = []
    for row in values:
        shown = [None if isinstance(value, str) and value.startswith("=") else cell_text(value) for value in row]
        if not _is_blank(shown) and any(isinstance(row[index], str) and row[index].startswith("=") for index in read):
            flaws.append("unsaved formula")
        texts.append(shown)
    rows = {number: row for number, row in enumerate(texts, start=2) if not _is_blank(row)}
    found = {number: _expected(table, [row])[0] for number, row in rows.items()}
    for min_col, min_row, _, max_row in merges:
        column = next((name for name, index in positions.items() if index == min_col - 1), None)
        if column is None or max_row == min_row:
            continue
        top = found[min_row][column] if min_row in found else None
        for number in range(min_row, max_row + 1):
            if number in found:
                found[number][column] = top
    return [found[number] for number in sorted(found)]


# --- JSON Lines and Parquet ---------------------------------------------------------------------------


def _json_value(value: object) -> object:
    if isinstance(value, Formula):
        return value.text
    if isinstance(value, datetime | date):
        return value.isoformat()
    return value


def _json_text(value: object) -> str | None:
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, float):
        return cell_text(value)
    return None if value is None or value == "" else str(value)


@st.composite
def _jsonl_file(draw: st.DrawFn, table: Table) -> MemberFile:
    keys = [name for name in table.header if name is not None]
    records = [
        {name: _json_value(value) for name, value in zip(table.header, row, strict=True) if name is not None}
        for row in table.rows
    ]
    newline = draw(st.sampled_from(["\n", "\r\n"]))
    lines = [json.dumps(record, ensure_ascii=draw(st.booleans())) for record in records]
    for _ in range(draw(st.integers(0, 2))):
        lines.insert(draw(st.integers(0, len(lines))), "")
    data = ("\ufeff" if draw(st.booleans()) else "") + newline.join(lines) + (newline if draw(st.booleans()) else "")
    positions = {column: name for name in dict.fromkeys(keys) if (column := table.contract.column_for_header(name))}
    rows = [{column: _json_text(record.get(name)) for column, name in positions.items()} for record in records]
    rows = [{column: row.get(column) for column in table.read_positions()} for row in rows]
    flaws = [*table.flaws, *([] if records else ["no JSON object"])]
    name = f"{table.dataset}_報告.jsonl"
    return MemberFile(table.dataset, "jsonl", name, data.encode("utf-8"), tuple(flaws), len(records), rows)


def _parquet_column(name: str, values: list[object]) -> pl.Series:
    present = [value for value in values if value is not None]
    kinds = {type(value) for value in present}
    if kinds and kinds <= {int} or kinds <= {int, float} and float in kinds or kinds == {bool} or kinds == {date}:
        return pl.Series(name, values, strict=False)
    return pl.Series(name, [None if value is None else _text(value) for value in values], dtype=pl.String())


@st.composite
def _parquet_file(draw: st.DrawFn, table: Table) -> MemberFile:
    columns: dict[str, pl.Series] = {}
    for index, name in enumerate(table.header):
        if name is not None and name not in columns:
            columns[name] = _parquet_column(name, [row[index] for row in table.rows])
    buffer = io.BytesIO()
    pl.DataFrame(list(columns.values())).write_parquet(buffer, compression=draw(st.sampled_from(["zstd", "snappy"])))
    name = f"{table.dataset}_報告.parquet"
    return MemberFile(table.dataset, "parquet", name, buffer.getvalue(), tuple(table.flaws), len(table.rows), None)


@st.composite
def _wider(draw: st.DrawFn, table: Table) -> Table:
    """The table with a few cells holding what only Unicode files carry: accents, emoji, a stray BOM."""
    rows = [list(row) for row in table.rows]
    for _ in range(draw(st.integers(0, 2)) if rows and table.header else 0):
        row, column = draw(st.integers(0, len(rows) - 1)), draw(st.integers(0, len(table.header) - 1))
        rows[row][column] = draw(WIDE_TEXT)
    return Table(table.dataset, table.header, rows, table.flaws)


@st.composite
def member_file(draw: st.DrawFn, table: Table, file_format: str) -> MemberFile:
    """`table` saved in `file_format` (one of FORMATS) as a member's software saves it."""
    if file_format in ("csv-utf8", "jsonl", "parquet"):
        table = draw(_wider(table))
    if file_format in ("csv-utf8", "csv-cp932"):
        return draw(_csv_file(table, cp932=file_format == "csv-cp932"))
    if file_format == "xlsx":
        return draw(_xlsx_file(table))
    if file_format == "jsonl":
        return draw(_jsonl_file(table))
    return draw(_parquet_file(table))
