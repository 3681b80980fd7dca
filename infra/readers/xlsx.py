"""Read the first sheet of an Excel workbook (.xlsx) with openpyxl, cell values as a member sees them."""

from __future__ import annotations

import warnings
import zipfile
import zlib
from collections.abc import Iterator
from pathlib import Path

from infra.limits import Limits, check_zip
from infra.readers.common import FrameBuilder, RawTable, UnnamedColumns, cell_text, is_blank, match_header, no_header
from infra.readers.limits import check_header_width, check_row
from schemas.contract import Contract
from schemas.errors import FileRejected

# What openpyxl (zipfile, zlib, the XML parser, its own descriptors) raises on a damaged or hostile workbook.
# ParseError is a SyntaxError; InvalidFileException is added where openpyxl is imported.
_XLSX_ERRORS: tuple[type[Exception], ...] = (
    zipfile.BadZipFile,
    zlib.error,
    KeyError,
    ValueError,
    TypeError,
    AttributeError,
    IndexError,
    ArithmeticError,
    EOFError,
    OSError,
    SyntaxError,
)


def _unreadable_xlsx(file: str, error: Exception) -> FileRejected:
    detail = f"{type(error).__name__}: {str(error)[:200]}"
    return FileRejected(
        file,
        f"the file cannot be opened as an Excel workbook (.xlsx) ({detail}); save it again from Excel as .xlsx "
        "or as CSV UTF-8",
        f"Excelブック（.xlsx）として開けません（{detail}）。Excelで .xlsx または CSV UTF-8 として保存し直してください",
    )


def _sheet_rows(values: Iterator[tuple[object, ...]], file: str) -> Iterator[tuple[int, list[str | None]]]:
    """Rows of a sheet as (sheet row, cell texts); openpyxl's errors while parsing become a rejection."""
    number = 0
    while True:
        try:
            row = next(values)
        except StopIteration:
            return
        except _XLSX_ERRORS as error:
            raise _unreadable_xlsx(file, error) from None
        number += 1
        yield number, [cell_text(value) for value in row]


def read_xlsx(path: Path, contract: Contract, file: str, limits: Limits) -> RawTable:
    """Read the first sheet of a workbook as text columns of `contract`."""
    import openpyxl
    from openpyxl.utils import get_column_letter
    from openpyxl.utils.exceptions import InvalidFileException

    check_zip(path, file, limits)  # before openpyxl decompresses anything
    # Our own handle, closed whatever openpyxl does: it leaves its zip open when loading fails half-way.
    with path.open("rb") as stream:
        try:
            with warnings.catch_warnings():
                # openpyxl warns about styles and extensions it does not read; cell values are unaffected.
                warnings.simplefilter("ignore", UserWarning)
                workbook = openpyxl.load_workbook(stream, read_only=True, data_only=True)
        except (InvalidFileException, *_XLSX_ERRORS) as error:
            raise _unreadable_xlsx(file, error) from None
        try:
            if not workbook.worksheets:
                raise no_header(file)
            sheet = workbook.worksheets[0]
            try:
                sheet.reset_dimensions()  # the stored sheet size can be stale; read what is there
                values = sheet.iter_rows(min_row=1, values_only=True)
            except _XLSX_ERRORS as error:
                raise _unreadable_xlsx(file, error) from None
            rows = _sheet_rows(values, file)
            header: list[str | None] | None = None
            header_row = 0
            for number, cells in rows:
                if not is_blank(cells):
                    header, header_row = cells, number
                    break
            if header is None:
                raise no_header(file)
            check_header_width(header, file, limits, row=header_row)
            layout = match_header(header, contract, file, row=header_row)
            builder = FrameBuilder(contract, layout)
            unnamed = UnnamedColumns(header)
            blank = 0
            for number, cells in rows:
                if is_blank(cells):
                    blank += 1
                    if number > limits.max_rows:
                        check_row((), number, file, limits)
                    continue
                check_row(cells, number, file, limits)
                unnamed.note(cells)
                builder.add(number, cells)
            frame = builder.frame()
        finally:
            workbook.close()
    letters = (get_column_letter(index + 1) for index in sorted(unnamed.used))
    ignored = (*layout.ignored, *(f"(unnamed column {letter})" for letter in letters))
    return RawTable(frame, "xlsx", None, ignored, frame.height, blank)
