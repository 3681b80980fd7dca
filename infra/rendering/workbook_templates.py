"""Templates members fill in by hand: an XLSX workbook (data sheet, instructions, hidden lists) and a CSV.

The content is `schemas.templates` (headers, drop-down values, the example row) and `schemas.template_instructions`
(the 記入方法 sheet); this module lays it out. The data sheet's first row is the header, so the readers read it as is
(`infra.readers.xlsx`): English names and whether a column is required go in the header cells' comments, never in
a second row, which would be read as data. Every drop-down refers to a range of the hidden `lists` sheet through a
defined name, because a list written into the validation itself is limited to 255 characters (40-odd materials are
not). The CSV is UTF-8 with a BOM, which Excel needs to open Japanese text correctly.
"""

from __future__ import annotations

import csv
import io
import unicodedata
from datetime import date
from typing import TYPE_CHECKING, Any, Final, Literal

from schemas.template_instructions import (
    DATA_SHEET,
    INSTRUCTIONS_SHEET,
    LISTS_SHEET,
    InstructionLine,
    instruction_lines,
)
from schemas.templates import Template, TemplateColumn

if TYPE_CHECKING:
    from openpyxl.worksheet.datavalidation import DataValidation

TemplateFormat = Literal["xlsx", "csv"]
# Rows under the header that carry the drop-downs and checks (the example row included).
DATA_ROWS: Final = 1000
EXAMPLE_ROW: Final = 2
AUTHOR: Final = "junkan"
REQUIRED_FILL: Final = "FCE4D6"  # orange: required (the instructions say so)
OPTIONAL_FILL: Final = "DDEBF7"  # blue: optional
EXAMPLE_COLOUR: Final = "7F7F7F"
# How each kind of cell is formatted: codes and ids as text, so that Excel keeps `2024-05`, leading zeros and long
# numbers as typed; shares as percentages, so that 35 typed there is 35 % (0.35), not an error.
NUMBER_FORMATS: Final[dict[str, str]] = {"code": "@", "share": "0.0%", "date": "yyyy-mm-dd"}
# Excel's limits on a data validation's messages (longer ones make it refuse the file).
MAX_TITLE: Final = 32
MAX_MESSAGE: Final = 255
MIN_WIDTH, MAX_WIDTH = 8, 40
# What Excel says of a value typed outside a drop-down: a vocabulary's (an error in validation) warns before it is
# kept; an open list's (a calendar year, a country, a new material leaf) only informs.
NOT_LISTED_CLOSED: Final = "一覧にない値です。一覧から選んでください。/ Not in the list: pick a value from it."
NOT_LISTED_OPEN: Final = "一覧にない値です（使える場合もあります）。/ Not in the list (it may still be right)."
SEE_INSTRUCTIONS: Final = "/ ".join(
    (
        f"一覧から選んでください。値の意味は「{INSTRUCTIONS_SHEET}」シートにあります。",
        "Pick from the list; see the instructions.",
    )
)
INSTRUCTION_WIDTHS: Final = (22, 24, 16, 48, 48, 26, 44)


def template_file_name(template: Template, file_format: TemplateFormat) -> str:
    """The name a template is saved under: dataset, then member when it names one.

    Examples:
        >>> from schemas.templates import template_for
        >>> template_file_name(template_for("flows", member_id="city-a", today=date(2025, 6, 1)), "xlsx")
        'junkan-flows-city-a.xlsx'

    """
    member = f"-{template.member_id}" if template.member_id else ""
    return f"junkan-{template.dataset}{member}.{file_format}"


def template_bytes(template: Template, file_format: TemplateFormat) -> bytes:
    """The template as a file's bytes, in either format (what the CLI writes and a portal would serve)."""
    return xlsx_template(template) if file_format == "xlsx" else csv_template(template)


def csv_template(template: Template) -> bytes:
    """The header and the example row as CSV: UTF-8 with a BOM and CRLF, as Excel saves 'CSV UTF-8'."""
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\r\n")
    writer.writerow(template.header)
    writer.writerow(template.example_row)
    return ("\ufeff" + buffer.getvalue()).encode("utf-8")


def xlsx_template(template: Template) -> bytes:
    """The workbook: the data sheet (active), the instructions sheet and the hidden lists the drop-downs read."""
    from openpyxl import Workbook

    book = Workbook()
    data = book.active
    assert data is not None
    data.title = DATA_SHEET
    instructions = book.create_sheet(INSTRUCTIONS_SHEET)
    lists = book.create_sheet(LISTS_SHEET)
    lists.sheet_state = "hidden"  # hidden sheets are never read as data
    names = _write_lists(book, lists, template)
    _write_data_sheet(data, template, names)
    _write_instructions(instructions, instruction_lines(template))
    book.active = data
    buffer = io.BytesIO()
    book.save(buffer)
    return buffer.getvalue()


def list_name(column: str) -> str:
    """The defined name of a column's drop-down values on the lists sheet."""
    return f"list_{column}"


def _write_lists(book: Any, sheet: Any, template: Template) -> dict[str, str]:
    """Each column's values (with their meaning beside them) on the lists sheet; defined names of the value ranges."""
    from openpyxl.utils import absolute_coordinate, get_column_letter, quote_sheetname
    from openpyxl.workbook.defined_name import DefinedName

    names: dict[str, str] = {}
    position = 1
    for column in template.columns:
        if not column.choices:
            continue
        sheet.cell(row=1, column=position, value=column.name)
        sheet.cell(row=1, column=position + 1, value="意味")
        sheet.cell(row=1, column=position + 2, value="meaning")
        for row, choice in enumerate(column.choices, start=2):
            sheet.cell(row=row, column=position, value=choice.value).number_format = "@"
            sheet.cell(row=row, column=position + 1, value=choice.label_ja)
            sheet.cell(row=row, column=position + 2, value=choice.label_en)
        letter = get_column_letter(position)
        cells = absolute_coordinate(f"{letter}2:{letter}{len(column.choices) + 1}")
        name = list_name(column.name)
        book.defined_names[name] = DefinedName(name, attr_text=f"{quote_sheetname(sheet.title)}!{cells}")
        names[column.name] = name
        position += 3
    return names


def _write_data_sheet(sheet: Any, template: Template, names: dict[str, str]) -> None:
    """The header with its comments, the example row, column formats and widths, and the drop-downs and checks."""
    from openpyxl.comments import Comment
    from openpyxl.styles import Alignment, Font, PatternFill
    from openpyxl.utils import get_column_letter

    last = EXAMPLE_ROW + DATA_ROWS - 1
    for index, (column, example) in enumerate(zip(template.columns, template.example_row, strict=True), start=1):
        letter = get_column_letter(index)
        header = sheet.cell(row=1, column=index, value=column.header)
        header.font = Font(bold=True)
        header.fill = PatternFill("solid", fgColor=REQUIRED_FILL if column.required else OPTIONAL_FILL)
        header.alignment = Alignment(vertical="center", wrap_text=True)
        header.comment = Comment(_header_comment(column), AUTHOR, height=160, width=320)
        cell = sheet.cell(row=EXAMPLE_ROW, column=index, value=_typed(column, example))
        cell.font = Font(italic=True, color=EXAMPLE_COLOUR)
        number_format = NUMBER_FORMATS.get(column.kind)
        if number_format is not None:
            cell.number_format = number_format
            sheet.column_dimensions[letter].number_format = number_format  # the rows members type
        sheet.column_dimensions[letter].width = _width(column, example)
        validation = _validation(column, names.get(column.name))
        if validation is not None:
            sheet.add_data_validation(validation)
            validation.add(f"{letter}{EXAMPLE_ROW}:{letter}{last}")
    first = sheet.cell(row=EXAMPLE_ROW, column=1)
    first.comment = Comment(
        "記入例です。書き換えるか、行ごと削除してください（残すとデータとして提出されます）。\n"
        "An example: overwrite it or delete the row (if it stays, it is submitted as data).",
        AUTHOR,
        height=100,
        width=320,
    )
    sheet.row_dimensions[1].height = 30
    sheet.freeze_panes = "A2"


def _header_comment(column: TemplateColumn) -> str:
    required = "必須 / required" if column.required else "任意 / optional"
    lines = [f"{column.name}（{required}）", column.description_ja, column.description_en]
    if column.choices:
        lines.append(f"一覧から選べます（{INSTRUCTIONS_SHEET}シートに意味）/ pick from the list")
    if column.example:
        lines.append(f"例 / e.g.: {column.example}")
    return "\n".join(lines)


def _typed(column: TemplateColumn, text: str) -> object:
    """The example's text as a member's Excel holds it: numbers as numbers, shares as fractions, dates as dates."""
    if not text:
        return None
    if column.kind == "integer":
        return int(text)
    if column.kind == "number":
        return float(text)
    if column.kind == "share":
        return round(float(text.removesuffix("%")) / 100, 12) if text.endswith("%") else float(text)
    if column.kind == "date":
        return date.fromisoformat(text)
    return text


def _display_width(text: str) -> int:
    """How many columns a text takes in Excel: East Asian wide characters take two."""
    return sum(2 if unicodedata.east_asian_width(char) in "WF" else 1 for char in text)


def _width(column: TemplateColumn, example: str) -> float:
    texts = [column.header, example, *(choice.value for choice in column.choices[:60])]
    return float(min(MAX_WIDTH, max(MIN_WIDTH, *(_display_width(text) + 2 for text in texts))))


def _validation(column: TemplateColumn, name: str | None) -> DataValidation | None:
    """The drop-down (a list on the lists sheet) or the number or date check of a column; None for free text."""
    from openpyxl.worksheet.datavalidation import DataValidation

    title = _clip(f"{column.header}（{column.name}）", MAX_TITLE)
    if name is not None:
        if column.closed:
            style, error = (
                "warning",
                "一覧にない値です。一覧から選んでください。/ Not in the list: pick a value from it.",
            )
        else:
            style, error = (
                "information",
                "一覧にない値です（使える場合もあります）。/ Not in the list (it may still be right).",
            )
        return DataValidation(
            type="list",
            formula1=name,
            allow_blank=True,
            showErrorMessage=True,
            showInputMessage=True,
            errorStyle=style,
            errorTitle=title,
            error=error,
            promptTitle=title,
            prompt=_list_prompt(column),
        )
    bounds = _number_bounds(column)
    if bounds is None:
        return None
    kind, operator, low, high, prompt = bounds
    return DataValidation(
        type=kind,
        operator=operator,
        formula1=low,
        formula2=high,
        allow_blank=True,
        showErrorMessage=True,
        showInputMessage=True,
        errorStyle="warning",
        errorTitle=title,
        error=_clip(prompt, MAX_MESSAGE),
        promptTitle=title,
        prompt=_clip(prompt, MAX_MESSAGE),
    )


def _list_prompt(column: TemplateColumn) -> str:
    """Each value with its meaning when that fits in Excel's prompt, else where to find them."""
    listed = "、".join(f"{choice.value}={choice.label_ja}" for choice in column.choices if choice.label_ja)
    prompt = f"一覧から選択: {listed}" if listed else "一覧から選択 / pick from the list"
    if len(prompt) <= MAX_MESSAGE:
        return prompt
    return SEE_INSTRUCTIONS


def _number_bounds(column: TemplateColumn) -> tuple[str, str, str, str | None, str] | None:
    """(validation type, operator, formula1, formula2, message) of a number, share or date column."""
    if column.kind == "share":
        return "decimal", "between", "0", "1", "割合: 0〜1 の小数か 35% のように入力 / a share: 0.35 or 35%"
    if column.kind == "date":
        return "date", "between", "DATE(1950,1,1)", "DATE(2100,12,31)", "日付: 2024/10/1 のように入力 / a date"
    if column.kind not in ("number", "integer"):
        return None
    kind = "whole" if column.kind == "integer" else "decimal"
    what = "整数 / a whole number" if kind == "whole" else "数値 / a number"
    low, high = column.min_value, column.max_value
    if low is not None and high is not None:
        return kind, "between", f"{low:g}", f"{high:g}", f"{what}: {low:g}〜{high:g}"
    if low is not None:
        return kind, "greaterThanOrEqual", f"{low:g}", None, f"{what}: {low:g} 以上 / at least {low:g}"
    if high is not None:
        return kind, "lessThanOrEqual", f"{high:g}", None, f"{what}: {high:g} 以下 / at most {high:g}"
    return None


def _clip(text: str, limit: int) -> str:
    return text if len(text) <= limit else text[: limit - 1] + "…"


def _write_instructions(sheet: Any, lines: tuple[InstructionLine, ...]) -> None:
    """The instructions, one line per row, styled by kind; tables wrap within their columns."""
    from openpyxl.styles import Alignment, Font, PatternFill
    from openpyxl.utils import get_column_letter

    styles: dict[str, dict[str, Any]] = {
        "title": {"font": Font(bold=True, size=14)},
        "heading": {"font": Font(bold=True, size=12)},
        "text": {},
        "text_en": {"font": Font(color=EXAMPLE_COLOUR)},
        "table_header": {"font": Font(bold=True), "fill": PatternFill("solid", fgColor="D9D9D9")},
        "row": {"alignment": Alignment(vertical="top", wrap_text=True)},
    }
    for row, line in enumerate(lines, start=1):
        for position, text in enumerate(line.cells, start=1):
            cell = sheet.cell(row=row, column=position, value=text or None)
            for attribute, value in styles[line.kind].items():
                setattr(cell, attribute, value)
    for position, width in enumerate(INSTRUCTION_WIDTHS, start=1):
        sheet.column_dimensions[get_column_letter(position)].width = width
