"""The XLSX and CSV templates as files: sheets, header comments, drop-downs on the hidden lists sheet, formats."""

from __future__ import annotations

import csv
import io
from datetime import date
from typing import Any

import openpyxl
import pytest
from openpyxl.worksheet.datavalidation import DataValidation

from infra.rendering.workbook_templates import (
    DATA_ROWS,
    MAX_MESSAGE,
    MAX_TITLE,
    csv_template,
    list_name,
    template_file_name,
    xlsx_template,
)
from schemas import vocabulary as v
from schemas.datasets import MEMBER_DATASETS
from schemas.template_instructions import DATA_SHEET, INSTRUCTIONS_SHEET, LISTS_SHEET
from schemas.templates import TEMPLATE_DATASETS, Template, template_for

TODAY = date(2025, 6, 1)
MEMBER = "city-a"
LAST_ROW = 1 + DATA_ROWS


def build(dataset: str) -> Template:
    return template_for(dataset, member_id=MEMBER if dataset in MEMBER_DATASETS else None, today=TODAY)


def load(template: Template) -> Any:
    return openpyxl.load_workbook(io.BytesIO(xlsx_template(template)))


def validations(sheet: Any) -> dict[str, DataValidation]:
    """Each validation of the data sheet by the column letter it covers (one range, rows 2 to the last)."""
    found: dict[str, DataValidation] = {}
    for validation in sheet.data_validations.dataValidation:
        [cells] = str(validation.sqref).split()
        first, last = cells.split(":")
        letter = first.rstrip("0123456789")
        assert (first, last) == (f"{letter}2", f"{letter}{LAST_ROW}")
        found[letter] = validation
    return found


def listed(book: Any, formula: str) -> list[str]:
    """The values a list validation offers: the defined name's range on the lists sheet."""
    [(title, cells)] = list(book.defined_names[formula].destinations)
    assert title == LISTS_SHEET
    return [row[0].value for row in book[title][cells]]


def test_the_workbook_has_the_data_sheet_first_and_active_the_instructions_and_the_lists_hidden() -> None:
    book = load(build("flows"))
    assert book.sheetnames == [DATA_SHEET, INSTRUCTIONS_SHEET, LISTS_SHEET]
    assert [sheet.sheet_state for sheet in book.worksheets] == ["visible", "visible", "hidden"]
    assert book.active.title == DATA_SHEET
    instructions = book[INSTRUCTIONS_SHEET]
    assert instructions["A1"].value == "flows の記入方法 / How to fill in flows"


def test_the_header_carries_english_names_and_required_in_comments_and_stays_frozen() -> None:
    template = build("flows")
    sheet = load(template)[DATA_SHEET]
    assert tuple(cell.value for cell in sheet[1]) == template.header
    quantity, note = sheet["H1"], sheet["N1"]
    assert (quantity.value, note.value) == ("数量", "備考")
    assert quantity.comment.text.startswith("quantity（必須 / required）\n")
    flows_quantity = next(one for one in template.columns if one.name == "quantity")
    assert flows_quantity.description_ja in quantity.comment.text
    assert flows_quantity.description_en in quantity.comment.text
    assert note.comment.text.startswith("note（任意 / optional）\n")
    assert quantity.fill.fgColor.rgb.endswith("FCE4D6")
    assert note.fill.fgColor.rgb.endswith("DDEBF7")
    assert sheet.freeze_panes == "A2"
    # Nothing but the example under the header: a second header row would be read as data.
    assert sheet.max_row == 2


def test_the_example_row_is_typed_as_excel_holds_values() -> None:
    template = build("declarations")
    sheet = load(template)[DATA_SHEET]
    by_name = {one.name: sheet.cell(row=2, column=index).value for index, one in enumerate(template.columns, start=1)}
    assert by_name["member_id"] == MEMBER
    assert by_name["period"] == "令和6年度"
    assert by_name["net_mass"] == 1250.5
    assert by_name["units_placed"] == 52000
    assert by_name["recycled_post_consumer_share"] == 0.2  # written 20%
    assert by_name["product_id"] == "4901234567894"  # text: a JAN code is no number
    assert by_name["note"] is None
    assert "記入例" in sheet["A2"].comment.text
    projects = build("projects")
    sheet = load(projects)[DATA_SHEET]
    assert sheet.cell(row=2, column=5).value.date() == date(2024, 10, 1)


@pytest.mark.parametrize("dataset", TEMPLATE_DATASETS)
def test_every_drop_down_refers_to_its_values_on_the_lists_sheet_and_fits_excel_s_limits(dataset: str) -> None:
    template = build(dataset)
    book = load(template)
    found = validations(book[DATA_SHEET])
    letters = {one.name: openpyxl.utils.get_column_letter(index) for index, one in enumerate(template.columns, 1)}
    for one in template.columns:
        validation = found.get(letters[one.name])
        if one.choices:
            assert validation is not None, one.name
            assert (validation.type, validation.formula1) == ("list", list_name(one.name))
            assert listed(book, validation.formula1) == [choice.value for choice in one.choices]
            assert validation.errorStyle == ("warning" if one.closed else "information")
            assert validation.allow_blank
            assert not validation.showDropDown  # True would hide the arrow in Excel and LibreOffice
        for message in (validation.prompt, validation.error) if validation is not None else ():
            assert message is not None
            assert len(message) <= MAX_MESSAGE
        for title in (validation.promptTitle, validation.errorTitle) if validation is not None else ():
            assert title is not None
            assert len(title) <= MAX_TITLE


def test_the_flows_lists_hold_the_stage_codes_the_materials_and_the_unit_spellings() -> None:
    book = load(build("flows"))
    assert listed(book, list_name("source_stage")) == list(v.STAGE_CODES)
    assert len(listed(book, list_name("material"))) == len(v.MATERIAL_CODES)
    assert listed(book, list_name("unit")) == ["トン", "キログラム", "千トン", "百万トン"]
    assert listed(book, list_name("member_id")) == [MEMBER]
    # An inline list (formula1 '"a,b,c"') holds at most 255 characters: the materials alone hold more.
    assert len(",".join(v.MATERIAL_CODES)) > MAX_MESSAGE
    lists = book[LISTS_SHEET]
    assert (lists["J1"].value, lists["K1"].value, lists["L1"].value) == ("source_stage", "意味", "meaning")
    assert (lists["J10"].value, lists["K10"].value, lists["L10"].value) == ("collection", "回収", "Collection")


def test_numbers_shares_and_dates_are_checked_and_codes_kept_as_text() -> None:
    template = build("declarations")
    sheet = load(template)[DATA_SHEET]
    found = validations(sheet)
    letters = {one.name: openpyxl.utils.get_column_letter(index) for index, one in enumerate(template.columns, 1)}
    net_mass = found[letters["net_mass"]]
    assert (net_mass.type, net_mass.operator, net_mass.formula1) == ("decimal", "greaterThanOrEqual", "0")
    share = found[letters["recycled_pre_consumer_share"]]
    assert (share.type, share.operator, share.formula1, share.formula2) == ("decimal", "between", "0", "1")
    assert letters["note"] not in found  # free text: nothing to check
    assert sheet.column_dimensions[letters["product_id"]].number_format == "@"
    assert sheet.column_dimensions[letters["period"]].number_format == "@"
    assert sheet.column_dimensions[letters["recycled_pre_consumer_share"]].number_format == "0.0%"
    projects = build("projects")
    found = validations(load(projects)[DATA_SHEET])
    letters = {one.name: openpyxl.utils.get_column_letter(index) for index, one in enumerate(projects.columns, 1)}
    months = found[letters["follow_up_months"]]
    assert (months.type, months.formula1, months.formula2) == ("whole", "1", "120")
    assert found[letters["started_on"]].type == "date"


def test_column_widths_follow_the_longest_of_header_example_and_values_within_bounds() -> None:
    template = build("flows")
    sheet = load(template)[DATA_SHEET]
    widths = [sheet.column_dimensions[openpyxl.utils.get_column_letter(i)].width for i in range(1, 16)]
    assert all(8 <= width <= 40 for width in widths)
    assert widths[2] > widths[0]  # materials (plastics.packaging) are longer than the member id


def test_the_csv_template_is_utf8_with_a_bom_crlf_the_header_and_the_example() -> None:
    template = build("flows")
    data = csv_template(template)
    assert data.startswith(b"\xef\xbb\xbf")
    text = data.decode("utf-8-sig")
    assert text.count("\r\n") == 2
    rows = list(csv.reader(io.StringIO(text)))
    assert rows == [list(template.header), list(template.example_row)]
    assert rows[1][:2] == [MEMBER, "令和6年度"]


def test_file_names_say_the_dataset_and_the_member() -> None:
    assert template_file_name(build("flows"), "csv") == "junkan-flows-city-a.csv"
    assert template_file_name(build("roadmap_targets"), "xlsx") == "junkan-roadmap_targets.xlsx"
