"""Read the data sheets of an Excel workbook (.xlsx) with openpyxl, cell values as a member sees them.

A data sheet is a visible sheet whose first non-blank row is a header naming every required column of
the contract (by code or Japanese name), wherever it stands in the workbook. Hidden and very hidden
sheets are never read (offices keep old copies there); visible sheets without that header (記入方法,
notes, charts, empty sheets) are skipped and listed in `RawTable.skipped_sheets`. Several data sheets
are read as one submission, numbered as `schemas.workbooks` says, each listed in `RawTable.sheets`.

Cells are read as Excel shows them (`infra.readers.xlsx_cells`): a vertically merged block gives its value to
every row of it, and a formula with no saved result in a column of the contract refuses the workbook, naming
the sheet, row, column and cell, because the value Excel would show is not in the file.
"""

from __future__ import annotations

import warnings
import zipfile
import zlib
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

import polars as pl

from infra.readers.common import (
    FrameBuilder,
    HeaderRepeats,
    Layout,
    RawTable,
    UnnamedColumns,
    check_layout,
    header_again,
    header_layout,
    is_blank,
    no_header,
)
from infra.readers.limits import Limits, check_header_width, check_row, check_zip, over_limit
from schemas.contract import Contract
from schemas.errors import FileRejected
from schemas.template_instructions import INSTRUCTIONS_SHEET, LISTS_SHEET, instructions_title
from schemas.workbooks import SHEET_ROW_STRIDE, Sheet, SkippedSheet

if TYPE_CHECKING:
    from infra.readers.xlsx_cells import SheetCells, SheetRow

# A rejection for formulas with no saved result lists this many of the cells.
_UNSAVED_LISTED = 5
# An OLE compound file: an .xls workbook, or an .xlsx that Excel encrypted with a password.
_OLE_MAGIC = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"
# The stream that holds an encrypted workbook; directory entry names are UTF-16LE.
_ENCRYPTED_PACKAGE = "EncryptedPackage".encode("utf-16-le")

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


def _sheet_rows(rows: Iterator[SheetRow], file: str) -> Iterator[SheetRow]:
    """A sheet's rows; openpyxl's errors while parsing become a rejection."""
    while True:
        try:
            row = next(rows)
        except StopIteration:
            return
        except _XLSX_ERRORS as error:
            raise _unreadable_xlsx(file, error) from None
        yield row


def read_xlsx(path: Path, contract: Contract, file: str, limits: Limits) -> RawTable:
    """Read the data sheets of a workbook as text columns of `contract`, as one table."""
    import openpyxl
    from openpyxl.utils.exceptions import InvalidFileException

    _reject_compound_file(path, file)
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
            return _read_workbook(workbook, contract, file, limits)
        finally:
            workbook.close()


def _reject_compound_file(path: Path, file: str) -> None:
    """Reject an OLE compound file named .xlsx: a password-protected workbook, or an old .xls."""
    with path.open("rb") as stream:
        head = stream.read(len(_OLE_MAGIC))
    if head != _OLE_MAGIC:
        return
    if _ENCRYPTED_PACKAGE in path.read_bytes():  # the file's size is already checked against the limits
        raise FileRejected(
            file,
            "the workbook is encrypted, password-protected: remove the password and submit again "
            "(Excel: File > Info > Protect Workbook > Encrypt with Password, clear the password, save)",
            "ブックがパスワードで保護（暗号化）されています。パスワードを解除して再提出してください"
            "（Excel: ファイル > 情報 > ブックの保護 > パスワードを使用して暗号化 で空欄にして保存）",
        )
    raise FileRejected(
        file,
        "the file is an old Excel workbook (.xls), not .xlsx; open it in Excel and save it as "
        "Excel Workbook (.xlsx) or as CSV UTF-8",
        "ファイルは旧形式のExcelブック（.xls）です。"
        "Excelで開き、Excelブック（.xlsx）または CSV UTF-8 として保存してください",
    )


@dataclass(frozen=True)
class _SheetRows:
    """The rows read from one data sheet, and the first cells holding a formula with no saved result."""

    frame: pl.DataFrame
    n_blank_rows: int
    ignored: tuple[str, ...]
    unsaved: tuple[_UnsavedCell, ...] = ()
    n_unsaved: int = 0


@dataclass(frozen=True)
class _UnsavedCell:
    """A formula cell with no saved result in a column of the contract, in a row with values."""

    row: int
    position: int
    column: str
    header: str
    formula: str


@dataclass(frozen=True)
class _WrongHeader:
    """A visible sheet whose header does not name every required column."""

    name: str
    header: list[str | None]
    row: int
    layout: Layout


def _read_workbook(workbook: Any, contract: Contract, file: str, limits: Limits) -> RawTable:
    from infra.readers.xlsx_cells import SheetCells

    names: list[str] = list(workbook.sheetnames)
    # One sheet: messages stay as they were; several: each names its sheet.
    naming = len(names) > 1
    parts: list[_SheetRows] = []
    sheets: list[Sheet] = []
    skipped: list[SkippedSheet] = []
    wrong: list[_WrongHeader] = []
    for name in names:
        sheet = workbook[name]
        if not hasattr(sheet, "iter_rows"):
            skipped.append(SkippedSheet(name, "a chart sheet", "グラフシート"))
            continue
        if sheet.sheet_state != "visible" and name == LISTS_SHEET:
            skipped.append(SkippedSheet(name, "the template's drop-down lists", "テンプレートの選択肢一覧"))
            continue
        if sheet.sheet_state != "visible":
            skipped.append(SkippedSheet(name, "hidden: hidden sheets are never read", "非表示のシートは読み込みません"))
            continue
        with _naming_sheet(name if naming else None):
            cells = SheetCells(workbook, sheet)
            rows = _sheet_rows(cells.rows(), file)
            found = next((row for row in rows if not is_blank(row.cells)), None)
            if found is None:
                skipped.append(SkippedSheet(name, "empty", "空のシート"))
                continue
            header_row, header = found.number, found.cells
            check_header_width(header, contract, file, limits, row=header_row)
            layout = header_layout(header, contract)
            if layout.missing:
                wrong.append(_WrongHeader(name, header, header_row, layout))
                skipped.append(_skipped_for_header(name, header, contract, layout))
                continue
            check_layout(layout, header, contract, file, row=header_row)
            offset = len(sheets) * SHEET_ROW_STRIDE
            read_before = sum(part.frame.height for part in parts)
            part = _read_sheet(
                rows, cells, header_row, header, layout, contract, file, limits, offset=offset, before=read_before
            )
        if part.unsaved:
            raise _unsaved_formulas(file, name, part)
        parts.append(part)
        sheets.append(Sheet(name, offset))
    if not parts:
        raise _no_data_sheet(file, contract, names, skipped, wrong, naming=naming)
    frame = pl.concat([part.frame for part in parts], rechunk=True) if len(parts) > 1 else parts[0].frame
    ignored = tuple(dict.fromkeys(name for part in parts for name in part.ignored))
    blank = sum(part.n_blank_rows for part in parts)
    return RawTable(frame, "xlsx", None, ignored, frame.height, blank, tuple(sheets), tuple(skipped))


def _read_sheet(
    rows: Iterator[SheetRow],
    cells: SheetCells,
    header_row: int,
    header: list[str | None],
    layout: Layout,
    contract: Contract,
    file: str,
    limits: Limits,
    *,
    offset: int,
    before: int,
) -> _SheetRows:
    """The rows after a data sheet's header, numbered `offset` + sheet row; `before` rows came from earlier sheets.

    Vertically merged blocks give their value to each of their rows; a formula with no saved result in a
    column of the contract is noted (the first few, and how many), for the caller to refuse the sheet.
    """
    from openpyxl.utils import get_column_letter

    from infra.readers.xlsx_cells import fill_merged_down, header_covered

    builder = FrameBuilder(contract, layout)
    unnamed = UnnamedColumns(header)
    read_columns = {position: column for column, position in layout.positions.items()}
    unsaved: list[_UnsavedCell] = []
    repeats = HeaderRepeats(contract, layout)
    n_unsaved = blank = kept = 0
    for row in rows:
        number, values = row.number, row.cells
        if is_blank(values):
            blank += 1
            if number > limits.max_rows:
                check_row((), number, file, limits)
            continue
        if repeats.check(number, values):
            continue
        check_row(values, number, file, limits)
        kept += 1
        if before + kept > limits.max_rows:
            raise over_limit(
                file,
                "max_rows",
                before + kept,
                what_en="the number of rows of all sheets",
                what_ja="全シートの行数",
                row=number,
                limits=limits,
            )
        for position, formula in row.unsaved.items():
            if position in read_columns:
                n_unsaved += 1
                if len(unsaved) < _UNSAVED_LISTED:
                    column = read_columns[position]
                    unsaved.append(
                        _UnsavedCell(number, position, column, str(header[position]).strip(), formula.formula)
                    )
        unnamed.note(values)
        builder.add(offset + number, values)
    if repeats.lines:
        raise header_again(file, repeats.lines, line="row")
    frame = fill_merged_down(builder.frame(), cells.merges, layout.positions, header_row=header_row, offset=offset)
    used = sorted(unnamed.used - header_covered(cells.merges, header_row))
    ignored = (*layout.ignored, *(f"(unnamed column {get_column_letter(index + 1)})" for index in used))
    return _SheetRows(frame, blank, ignored, tuple(unsaved), n_unsaved)


def _unsaved_formulas(file: str, sheet: str, part: _SheetRows) -> FileRejected:
    """The rejection of a sheet whose cells hold formulas no program calculated, naming the first and how many."""
    from openpyxl.utils import get_column_letter

    first = part.unsaved[0]
    cell = f"{get_column_letter(first.position + 1)}{first.row}"
    formula = f" ={first.formula}" if first.formula else ""
    others = [f"{get_column_letter(one.position + 1)}{one.row}" for one in part.unsaved[1:]]
    more = part.n_unsaved - 1
    listed = ", ".join(others) + (" …" if more > len(others) else "")
    more_en = f"; {more:,} more cells of the sheet are like it ({listed})" if more else ""
    more_ja = f"。同じようなセルがほかに{more:,}個あります（{listed}）" if more else ""
    return FileRejected(
        file,
        f"sheet {sheet!r}, row {first.row}, column {first.column} (cell {cell}, header {first.header!r}): the cell "
        f"holds the formula{formula} with no saved result: the workbook was written by a program and never saved "
        f"in Excel, so the value Excel shows is not in the file{more_en}; open and save the workbook in Excel, "
        "or type the value instead of the formula",
        f"シート「{sheet}」の{first.row}行目、列 {first.column}（セル {cell}、見出し「{first.header}」）: "
        f"数式{formula} の計算結果がファイルに保存されていません（プログラムで作成され、Excelで保存されていない"
        f"ブックです。Excelに表示される値がファイルにありません）{more_ja}。"
        "Excelでブックを開いて保存し直すか、数式ではなく値を入力してください",
        row=first.row,
        column=first.column,
    )


@contextmanager
def _naming_sheet(name: str | None) -> Iterator[None]:
    """Say which sheet a rejection is about (when the workbook has several)."""
    try:
        yield
    except FileRejected as rejected:
        if name is None:
            raise
        raise FileRejected(
            rejected.file,
            f"sheet {name!r}: {rejected.message_en}",
            f"シート「{name}」: {rejected.message_ja}",
            row=rejected.row,
            column=rejected.column,
        ) from None


def _skipped_for_header(name: str, header: Sequence[str | None], contract: Contract, layout: Layout) -> SkippedSheet:
    if name == INSTRUCTIONS_SHEET and header[:1] == [instructions_title(contract.name)]:  # the template's own
        return SkippedSheet(
            name, "the template's instructions, not data", "テンプレートの記入方法（データではありません）"
        )
    missing = ", ".join(layout.missing)
    return SkippedSheet(
        name,
        f"no header with the columns of {contract.name} (missing: {missing})",
        f"{contract.name} の列を含むヘッダーがありません（不足: {missing}）",
    )


def _no_data_sheet(
    file: str,
    contract: Contract,
    names: list[str],
    skipped: list[SkippedSheet],
    wrong: list[_WrongHeader],
    *,
    naming: bool,
) -> FileRejected:
    """Why no sheet was read: the one header found and what it lacks, or every sheet and why it was skipped."""
    if not wrong and all(sheet.reason_en == "empty" for sheet in skipped):
        return no_header(file)
    if len(wrong) == 1:
        sheet = wrong[0]
        try:
            with _naming_sheet(sheet.name if naming else None):
                check_layout(sheet.layout, sheet.header, contract, file, row=sheet.row)
        except FileRejected as rejected:
            return rejected
    required = ", ".join(contract.required_columns)
    listed_en = "; ".join(f"{sheet.name!r} ({sheet.reason_en})" for sheet in skipped)
    listed_ja = "、".join(f"「{sheet.name}」（{sheet.reason_ja}）" for sheet in skipped)
    return FileRejected(
        file,
        f"no visible sheet has a header with the required columns of {contract.name} ({required}); "
        f"the workbook has {len(names)} sheets: {listed_en}; put the data on a visible sheet whose first row "
        "is the header",
        f"{contract.name} の必須の列（{required}）を含むヘッダーのある表示中のシートがありません。"
        f"ブックのシート（{len(names)}枚）: {listed_ja}。表示中のシートの1行目をヘッダーにしてデータを入力してください",
    )
