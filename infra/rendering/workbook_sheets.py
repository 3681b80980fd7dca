"""A table as a worksheet, the way every workbook junkan writes for people shows one (follow-up pack, reports).

Header row frozen, columns wide enough for their headers, and cell text that Excel would run as a formula
neutralised (`infra.warehouse.exports.neutralize_formulas`): members' text is shown, never executed.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import polars as pl

from infra.warehouse.exports import neutralize_formulas


def append_table_sheet(workbook: Any, name: str, columns: Sequence[tuple[str, str]], frame: pl.DataFrame) -> Any:
    """Add sheet `name` to an openpyxl workbook: the headers of `columns` ((column, header) pairs), then the rows."""
    from openpyxl.utils import get_column_letter

    sheet = workbook.create_sheet(name)
    sheet.append([header for _, header in columns])
    for row in neutralize_formulas(frame).iter_rows():
        sheet.append(list(row))
    sheet.freeze_panes = "A2"
    for index, (_, header) in enumerate(columns, start=1):
        sheet.column_dimensions[get_column_letter(index)].width = max(12, min(40, len(header) + 2))
    return sheet
