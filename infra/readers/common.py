"""What every reader shares: the row key, the table read, header matching and building the frame."""

from __future__ import annotations

import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from typing import Literal

import polars as pl

from schemas.contract import Contract, header_key
from schemas.errors import FileRejected
from schemas.workbooks import Sheet, SkippedSheet

FileFormat = Literal["csv", "xlsx", "parquet", "jsonl"]
SOURCE_ROW = "source_row"
# Rows are gathered in Python lists and turned into Polars columns in chunks, to bound memory.
CHUNK_ROWS = 100_000


@dataclass(frozen=True)
class RawTable:
    """A member's file as read: `source_row` plus every submitted column of the contract as text."""

    frame: pl.DataFrame
    format: FileFormat
    encoding: str | None
    ignored_columns: tuple[str, ...]
    n_rows: int
    n_blank_rows: int = 0
    # Workbooks: the sheets read (their rows' numbering, see schemas.workbooks) and the sheets skipped.
    sheets: tuple[Sheet, ...] = ()
    skipped_sheets: tuple[SkippedSheet, ...] = ()


def normalize_header(header: str) -> str:
    """A header as matched to contract columns: NFKC, stripped, lower-case, inner spaces as `_`."""
    return header_key(header)


# A header cell is at most this long; the names of cells seen at the probe position are remembered up to a bound.
_HEADER_CHARS = 100
_REMEMBERED = 4_096
# A repeated-header message lists this many lines.
_LINES_SHOWN = 10
# A missing-columns message lists at most this many of the headers found, each cut to this length.
_FOUND_SHOWN = 30
_FOUND_CHARS = 40


@dataclass(frozen=True)
class Layout:
    """Which position of a file's rows holds each contract column, and what is ignored or missing."""

    positions: dict[str, int]
    ignored: tuple[str, ...]
    missing: tuple[str, ...] = ()
    found: tuple[str, ...] = ()  # every non-empty header as written, for the messages
    # (header, earlier header, contract column) when two headers name the same column
    duplicate: tuple[str, str, str] | None = None

    @property
    def is_complete(self) -> bool:
        """Whether the header names every required column once: rows can be read under it."""
        return not self.missing and self.duplicate is None


def header_layout(headers: Sequence[str | None], contract: Contract) -> Layout:
    """Where each contract column is in `headers` (by its code or a Japanese name), without judging it.

    A column the contract does not know is ignored, however often it appears; two headers naming one contract
    column are noted in `duplicate`.
    """
    positions: dict[str, int] = {}
    seen: dict[str, str] = {}
    ignored: dict[str, None] = {}
    found: list[str] = []
    duplicate: tuple[str, str, str] | None = None
    for index, original in enumerate(headers):
        text = "" if original is None else str(original)
        if not normalize_header(text):
            continue
        found.append(text.strip())
        column = contract.column_for_header(text)
        if column is None:
            ignored[text.strip()] = None
        elif column in seen:
            duplicate = duplicate or (text.strip(), seen[column], column)
        else:
            seen[column] = text.strip()
            positions[column] = index
    missing = tuple(column for column in contract.required_columns if column not in positions)
    return Layout(positions, tuple(ignored), missing, tuple(found), duplicate)


def check_layout(
    layout: Layout, headers: Sequence[str | None], contract: Contract, file: str, *, row: int | None
) -> None:
    """Reject a header naming a column twice or missing a required column, saying what was found and accepted."""
    if layout.duplicate is not None:
        raise _named_twice(layout.duplicate, contract, file, row=row)
    if not layout.missing:
        return
    names = ", ".join(layout.missing)
    hint_en = hint_ja = ""
    if len(layout.positions) == 0 and len(headers) == 1 and re.search(r"[\t;|]", str(headers[0] or "")):
        hint_en = " (the header seems to use tabs or semicolons: separate columns with commas)"
        hint_ja = "（区切り文字がタブやセミコロンのようです。コンマで区切ってください）"
    found = _found_text(layout.found)
    accepted = "; ".join(f"{column}: {' / '.join(contract.column(column).headers)}" for column in layout.missing)
    raise FileRejected(
        file,
        f"required columns are missing: {names}{hint_en}; the header has: {found or '(no names)'}; "
        f"accepted names: {accepted}; the first row must be the header with these names",
        f"必須の列がありません: {names}{hint_ja}。ヘッダーにある列: {found or '（列名なし）'}。"
        f"使える列名: {accepted}。1行目をこれらの列名を含むヘッダーにしてください",
        row=row,
    )


def match_header(headers: Sequence[str | None], contract: Contract, file: str, *, row: int | None) -> Layout:
    """Which position holds each contract column, or reject a header missing a required column."""
    layout = header_layout(headers, contract)
    check_layout(layout, headers, contract, file, row=row)
    return layout


def _named_twice(duplicate: tuple[str, str, str], contract: Contract, file: str, *, row: int | None) -> FileRejected:
    """The rejection of two headers naming one column: both as written, the column they mean, and to keep one."""
    text, earlier, column = duplicate
    labels = contract.column(column).headers_ja
    meant_en = f"{column} ({labels[0]})" if labels else column
    meant_ja = f"{column}（{labels[0]}）" if labels else column
    if text == earlier:
        return FileRejected(
            file,
            f"the header {earlier!r} appears more than once: each names the column {meant_en}; keep one of these "
            "columns and delete the others (or rename one if it holds something else)",
            f"列名「{earlier}」がヘッダーに複数あります（どれも列 {meant_ja}を指します）。1つだけ残し、ほかの列は"
            "削除してください（別の内容なら列名を変えてください）",
            row=row,
            column=column,
        )
    return FileRejected(
        file,
        f"the headers {earlier!r} and {text!r} both name the column {meant_en}; keep one of these two columns and "
        "delete the other (or rename it if it holds something else)",
        f"列名「{earlier}」と「{text}」はどちらも列 {meant_ja}を指しています。どちらか一方の列だけを残し、もう一方は"
        "削除してください（別の内容なら列名を変えてください）",
        row=row,
        column=column,
    )


def _found_text(found: Sequence[str]) -> str:
    shown = [name if len(name) <= _FOUND_CHARS else name[: _FOUND_CHARS - 1] + "…" for name in found[:_FOUND_SHOWN]]
    more = len(found) - len(shown)
    return ", ".join(shown) + (f" … (+{more})" if more > 0 else "")


class FrameBuilder:
    """Collects rows of text cells into a Polars frame of the contract's read schema, chunk by chunk."""

    def __init__(self, contract: Contract, layout: Layout) -> None:
        self._columns = tuple(contract.read_schema)
        self._layout = layout
        self._rows: list[int] = []
        self._values: dict[str, list[str | None]] = {column: [] for column in self._columns}
        self._chunks: list[pl.DataFrame] = []

    def add(self, source_row: int, cells: Sequence[str | None]) -> None:
        """Add one row; cells are by position in the file."""
        self._rows.append(source_row)
        width = len(cells)
        for column in self._columns:
            position = self._layout.positions.get(column)
            value = cells[position] if position is not None and position < width else None
            self._values[column].append(value or None)
        if len(self._rows) >= CHUNK_ROWS:
            self._flush()

    def _flush(self) -> None:
        if not self._rows:
            return
        data: dict[str, list[int] | list[str | None]] = {SOURCE_ROW: self._rows, **self._values}
        schema = {SOURCE_ROW: pl.Int64(), **{column: pl.String() for column in self._columns}}
        self._chunks.append(pl.DataFrame(data, schema=schema))
        self._rows = []
        self._values = {column: [] for column in self._columns}

    def frame(self) -> pl.DataFrame:
        """All rows added so far as one frame."""
        self._flush()
        if not self._chunks:
            schema = {SOURCE_ROW: pl.Int64(), **{column: pl.String() for column in self._columns}}
            return pl.DataFrame(schema=schema)
        return pl.concat(self._chunks, rechunk=True)


def is_blank(cells: Iterable[str | None]) -> bool:
    """Whether a row has no value in any cell."""
    return all(cell is None or not cell.strip() for cell in cells)


class UnnamedColumns:
    """Positions without a header name (or past the header) that hold values: reported as ignored."""

    def __init__(self, header: Sequence[str | None]) -> None:
        self._width = len(header)
        self._unnamed = [index for index, name in enumerate(header) if not normalize_header(name or "")]
        self.used: set[int] = set()

    def note(self, cells: Sequence[str | None]) -> None:
        """Remember which unnamed positions of this row hold a value."""
        for index in self._unnamed:
            if index < len(cells) and (cells[index] or "").strip():
                self.used.add(index)
        for index in range(self._width, len(cells)):
            if (cells[index] or "").strip():
                self.used.add(index)


class HeaderRepeats:
    """Finds the header written again among the rows: two files joined into one (`cat a.csv b.csv`).

    A row is the header again when it names every required column, as the header does (in any order; a BOM
    from the second file's start is ignored). Only a row whose first required column's cell names a column
    is looked at closely, so data rows cost one dictionary look-up.
    """

    def __init__(self, contract: Contract, layout: Layout) -> None:
        self._contract = contract
        required = contract.required_columns
        self._probe = layout.positions.get(required[0]) if required else None
        self._names: dict[str, bool] = {}
        self.lines: list[int] = []

    def check(self, number: int, cells: Sequence[str | None]) -> bool:
        """Whether the row numbered `number` is the header again; such rows are remembered in `lines`."""
        if self._probe is None or self._probe >= len(cells):
            return False
        value = cells[self._probe]
        if not value or len(value) > _HEADER_CHARS:
            return False
        names = self._names.get(value)
        if names is None:
            if len(self._names) >= _REMEMBERED:
                self._names.clear()
            names = self._names[value] = self._contract.column_for_header(value) is not None
        if not names or header_layout(cells, self._contract).missing:
            return False
        self.lines.append(number)
        return True


def header_again(file: str, lines: Sequence[int], *, line: str = "line") -> FileRejected:
    """The rejection of a file whose header appears again below its first header, naming the lines (or rows)."""
    first, others = lines[0], [f"{line:,}" for line in lines[1:_LINES_SHOWN]]
    more = len(lines) - _LINES_SHOWN
    also_en = f" (and on {line}s {', '.join(others)}{f' and {more:,} more' if more > 0 else ''})" if others else ""
    also_ja = f"（{'、'.join(others)}行目{f'ほか{more:,}行' if more > 0 else ''}にも）" if others else ""
    return FileRejected(
        file,
        f"the header appears again on {line} {first:,}{also_en}: the file looks like two files joined into one; "
        f"delete the repeated header {line} (keep only the first header) and submit again",
        f"{first:,}行目にヘッダー（列名の行）がもう一度あります{also_ja}。2つのファイルをつなげたもののようです。"
        "最初のヘッダー以外の列名の行を削除して再提出してください",
        row=first,
    )


def no_header(file: str) -> FileRejected:
    """The rejection of a file without a header row."""
    return FileRejected(
        file,
        "the file is empty: it has no header row; put the column names in the first row",
        "ファイルが空です（ヘッダー行がありません）。1行目に列名を入れてください",
    )


def unnamed_ignored(positions: Iterable[int]) -> tuple[str, ...]:
    """How unnamed positions (0-based) that hold values are listed as ignored columns."""
    return tuple(f"(unnamed column {index + 1})" for index in sorted(positions))


def cell_text(value: object) -> str | None:
    """The text of a spreadsheet cell as a member sees it: integers without `.0`, dates as ISO."""
    if value is None:
        return None
    if isinstance(value, bool):
        return "TRUE" if value else "FALSE"
    if isinstance(value, int):
        return str(value)
    if isinstance(value, float):
        if value.is_integer() and abs(value) < 1e15:
            return str(int(value))
        # 15 significant digits, as Excel shows them: 0.30000000000000004 is 0.3.
        return format(value, ".15g")
    if isinstance(value, datetime):
        if value.time() == time(0, 0):
            return value.date().isoformat()
        return value.isoformat(sep=" ")
    if isinstance(value, date | time):
        return value.isoformat()
    if isinstance(value, timedelta):
        return str(value)
    return str(value)
