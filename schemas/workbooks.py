"""Where a workbook's rows came from: the sheets read as one submission, and the sheets skipped.

A workbook may hold several data sheets (one per year, per plant). Their rows are one submission, so
`source_row` must stay unique within the file: the rows of the first data sheet keep their sheet row
numbers, and those of the n-th data sheet (n = 0, 1, …) are numbered `n * SHEET_ROW_STRIDE` plus their
sheet row. The stride is larger than any sheet (Excel has 1,048,576 rows), so a `source_row` alone tells
the sheet and the row a member sees; `sheet_row` turns it back. Readers and reports share these types.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

SHEET_ROW_STRIDE = 10_000_000


@dataclass(frozen=True)
class Sheet:
    """A sheet whose rows were read: its name and what was added to its row numbers."""

    name: str
    row_offset: int


@dataclass(frozen=True)
class SkippedSheet:
    """A sheet that was not read, and why, in the member's two languages."""

    name: str
    reason_en: str
    reason_ja: str


def sheet_row(source_row: int, sheets: Sequence[Sheet]) -> tuple[str | None, int]:
    """The sheet and the sheet's own row number of a `source_row`; (None, source_row) without sheets.

    Examples:
        >>> sheets = (Sheet("2023", 0), Sheet("2024", SHEET_ROW_STRIDE))
        >>> sheet_row(5, sheets), sheet_row(SHEET_ROW_STRIDE + 2, sheets), sheet_row(7, ())
        (('2023', 5), ('2024', 2), (None, 7))

    """
    found: Sheet | None = None
    for sheet in sheets:
        if sheet.row_offset <= source_row and (found is None or sheet.row_offset > found.row_offset):
            found = sheet
    if found is None:
        return None, source_row
    return found.name, source_row - found.row_offset
