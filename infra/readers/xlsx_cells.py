"""A worksheet's cells streamed as a member sees them in Excel, with what openpyxl's read-only mode drops.

Read-only mode streams rows but loses the merged ranges hand-made workbooks rely on: Excel shows a merged
block's value (its top-left cell's) on every row of the block, while the file holds it in the top-left cell
only. A vertical block (会員ID or 年度 merged down A2:A4) gives its value to each row it spans
(`fill_merged_down`); a horizontal one never makes columns of its own.

The rows come from openpyxl's own worksheet parser, as its read-only worksheet reads them (openpyxl 3.1,
locked in uv.lock); Excel stores merged ranges after the cells, so they are known once the rows are read.
`tests/unit/infra/readers/test_xlsx_cells.py` fails if openpyxl changes under it.
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from typing import Any

import polars as pl
from openpyxl.worksheet._reader import WorkSheetParser

from infra.readers.common import SOURCE_ROW, cell_text


@dataclass(frozen=True)
class Merge:
    """A merged range of cells, 1-based and inclusive, as Excel stores it (`A2:A4`)."""

    min_column: int
    min_row: int
    max_column: int
    max_row: int


@dataclass(frozen=True)
class SheetRow:
    """One row of a sheet: its number and each cell's text (None when blank)."""

    number: int
    cells: list[str | None]


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
            parser = WorkSheetParser(
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
                    yield SheetRow(expected, [])
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
    for cell in cells:
        position = cell["column"] - 1
        if 0 <= position < width:
            texts[position] = cell_text(cell["value"])
    return SheetRow(number, texts)


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
