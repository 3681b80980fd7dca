"""A worksheet's cells streamed as a member sees them in Excel, with what openpyxl's read-only mode drops.

Read-only mode streams rows but loses two things hand-made and program-written workbooks rely on:

- merged ranges: Excel shows a merged block's value (its top-left cell's) on every row of the block, while
  the file holds it in the top-left cell only. A vertical block (会員ID or 年度 merged down A2:A4) gives its
  value to each row it spans (`fill_merged_down`); a horizontal one never makes columns of its own.
- formulas with no saved result: a workbook written by a program (openpyxl, a system export) and never
  opened in Excel keeps `=B2*1000` without the number Excel would show. Such a cell is read as blank and
  marked `Unsaved`, so the reader can say what it is instead of "quantity is required".

The rows come from openpyxl's own worksheet parser, as its read-only worksheet reads them (openpyxl 3.1,
locked in uv.lock); Excel stores merged ranges after the cells, so they are known once the rows are read.
`tests/unit/infra/readers/test_xlsx_cells.py` fails if openpyxl changes under it.
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from typing import Any

import polars as pl
from openpyxl.worksheet._reader import FORMULA_TAG, VALUE_TAG, WorkSheetParser

from infra.readers.common import SOURCE_ROW, cell_text


@dataclass(frozen=True)
class Unsaved:
    """A formula cell holding no saved result: Excel would calculate it, the file does not say to what."""

    formula: str  # as written after `=`, or "" for a cell sharing another cell's formula


@dataclass(frozen=True)
class Merge:
    """A merged range of cells, 1-based and inclusive, as Excel stores it (`A2:A4`)."""

    min_column: int
    min_row: int
    max_column: int
    max_row: int


@dataclass(frozen=True)
class SheetRow:
    """One row of a sheet: its number, each cell's text (None when blank) and the unsaved formulas by position."""

    number: int
    cells: list[str | None]
    unsaved: dict[int, Unsaved]


class _Parser(WorkSheetParser):  # type: ignore[misc]  # openpyxl has no type hints
    """openpyxl's parser with saved results (`data_only`), marking formulas that have none."""

    def parse_row(self, row: Any) -> tuple[int, list[dict[str, Any]]]:
        number, cells = super().parse_row(row)
        # One look per blank cell of the row (cells are parsed in the order of the row's elements).
        for cell, element in zip(cells, row, strict=False):
            if cell["value"] is None:
                formula = element.find(FORMULA_TAG)
                if formula is not None and _no_saved_result(element):
                    cell["value"] = Unsaved(formula.text or "")
        return number, cells


def _no_saved_result(element: Any) -> bool:
    """Whether a formula cell lacks its result: no `<v>`, or an empty one that is not an empty text result.

    Excel saves an empty text result (`=IF(A2="","",…)`) as `t="str"` with `<v></v>`; openpyxl writes `<v/>`
    without a type for every formula it stores, whose result nobody calculated.
    """
    value = element.find(VALUE_TAG)
    if value is None:
        return True
    return not value.text and element.get("t", "n") not in ("str", "inlineStr")


class SheetCells:
    """The rows of one read-only worksheet, then (once they are all read) its merged ranges."""

    def __init__(self, workbook: Any, sheet: Any) -> None:
        self._workbook = workbook
        self._sheet = sheet
        self.merges: tuple[Merge, ...] = ()

    def rows(self) -> Iterator[SheetRow]:
        """Every row from row 1, missing rows as empty ones, as `ReadOnlyWorksheet.iter_rows(values_only=True)`."""
        workbook = self._workbook
        with self._sheet._get_source() as source:
            parser = _Parser(
                source,
                self._sheet._shared_strings,
                data_only=True,
                epoch=workbook.epoch,
                date_formats=workbook._date_formats,
                timedelta_formats=workbook._timedelta_formats,
            )
            expected = 1
            for number, cells in parser.parse():
                while expected < number:
                    yield SheetRow(expected, [], {})
                    expected += 1
                if expected == number:  # a row numbered out of order is dropped, as openpyxl does
                    yield _row(number, cells)
                    expected += 1
            found = parser.merged_cells
        ranges = [] if found is None else found.mergeCell
        self.merges = tuple(Merge(one.min_col, one.min_row, one.max_col, one.max_row) for one in ranges)


def _row(number: int, cells: Sequence[dict[str, Any]]) -> SheetRow:
    width = cells[-1]["column"] if cells else 0
    texts: list[str | None] = [None] * width
    unsaved: dict[int, Unsaved] = {}
    for cell in cells:
        position = cell["column"] - 1
        if not 0 <= position < width:
            continue
        value = cell["value"]
        if isinstance(value, Unsaved):
            unsaved[position] = value
        else:
            texts[position] = cell_text(value)
    return SheetRow(number, texts, unsaved)


def header_covered(merges: Sequence[Merge], header_row: int) -> set[int]:
    """Positions (0-based) inside a horizontally merged header cell, right of its first: not columns of their own."""
    return {
        column - 1
        for merge in merges
        if merge.min_row <= header_row <= merge.max_row
        for column in range(merge.min_column + 1, merge.max_column + 1)
    }


def fill_merged_down(
    frame: pl.DataFrame, merges: Sequence[Merge], positions: dict[str, int], *, header_row: int, offset: int
) -> pl.DataFrame:
    """Rows of `frame` inside a vertically merged block take the block's value in its first column, as Excel shows.

    Only blocks below the header and in a column of the contract count. `frame` holds the sheet's rows read
    (`source_row` = `offset` + sheet row); a row of the block that was otherwise blank was never read and stays so.
    """
    columns = {position: column for column, position in positions.items()}
    blocks: dict[str, list[tuple[int, int]]] = {}
    for merge in merges:
        column = columns.get(merge.min_column - 1)
        if column is not None and merge.max_row > merge.min_row and merge.min_row > header_row:
            blocks.setdefault(column, []).append((offset + merge.min_row, offset + merge.max_row))
    if not blocks or frame.is_empty():
        return frame
    updates = []
    for column, spans in blocks.items():
        # Merged ranges do not overlap: a row lies in the block that starts last at or before it, if any.
        starts = pl.DataFrame(spans, schema={"_start": pl.Int64(), "_end": pl.Int64()}, orient="row").sort("_start")
        tops = starts.join(
            frame.select(pl.col(SOURCE_ROW).alias("_start"), pl.col(column).alias("_top")), on="_start", how="left"
        )
        inside = frame.select(SOURCE_ROW, column).join_asof(
            tops, left_on=SOURCE_ROW, right_on="_start", strategy="backward"
        )
        in_block = pl.col("_start").is_not_null() & (pl.col(SOURCE_ROW) <= pl.col("_end"))
        value = pl.when(in_block).then(pl.col("_top")).otherwise(pl.col(column))
        updates.append(inside.select(value.alias(column)).to_series())
    return frame.with_columns(updates)
