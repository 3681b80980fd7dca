"""The worksheet's cells as Excel shows them: rows as openpyxl reads them, merged ranges, unsaved formulas."""

from __future__ import annotations

import re
import zipfile
from datetime import datetime
from pathlib import Path

import openpyxl
import polars as pl
from polars.testing import assert_frame_equal

from infra.readers.common import cell_text
from infra.readers.xlsx_cells import Merge, SheetCells, Unsaved, fill_merged_down, header_covered


def _rows(path: Path) -> tuple[list[tuple[int, list[str | None], dict[int, Unsaved]]], tuple[Merge, ...]]:
    workbook = openpyxl.load_workbook(path, read_only=True, data_only=True)
    try:
        cells = SheetCells(workbook, workbook.worksheets[0])
        rows = [(row.number, row.cells, row.unsaved) for row in cells.rows()]
        return rows, cells.merges
    finally:
        workbook.close()


def _patch_sheet(path: Path, replacements: dict[str, str]) -> None:
    """Rewrite cells of sheet1's XML (`<c r="F2" ...>...</c>` by reference) as another program would write them."""
    with zipfile.ZipFile(path) as archive:
        parts = {info.filename: archive.read(info) for info in archive.infolist()}
    sheet = parts["xl/worksheets/sheet1.xml"].decode("utf-8")
    for reference, cell in replacements.items():
        sheet, found = re.subn(rf'<c r="{reference}"[^>]*?(/>|>.*?</c>)', cell, sheet)
        assert found == 1, reference
    parts["xl/worksheets/sheet1.xml"] = sheet.encode("utf-8")
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as archive:
        for name, data in parts.items():
            archive.writestr(name, data)


def test_rows_are_the_values_openpyxl_reads_with_gaps_as_empty_rows(tmp_path: Path) -> None:
    workbook = openpyxl.Workbook()
    sheet = workbook.active
    assert sheet is not None
    sheet.append(["会員ID", "数量", "日付", "備考"])
    sheet.append(["city-a", 12.0, datetime(2024, 4, 1), None])
    sheet.cell(row=5, column=6, value=True)  # rows 3 and 4 are missing from the file
    path = tmp_path / "book.xlsx"
    workbook.save(path)

    rows, merges = _rows(path)

    reference = openpyxl.load_workbook(path, read_only=True, data_only=True)
    reference.worksheets[0].reset_dimensions()  # as the reader did before: no padding to the stored size
    expected = [[cell_text(value) for value in row] for row in reference.worksheets[0].iter_rows(values_only=True)]
    reference.close()
    assert [cells for _, cells, _ in rows] == expected
    assert [number for number, _, _ in rows] == [1, 2, 3, 4, 5]
    assert rows[1][1] == ["city-a", "12", "2024-04-01"]
    assert rows[2][1] == []
    assert merges == ()


def test_formulas_without_a_saved_result_are_marked_and_empty_text_results_are_blank(tmp_path: Path) -> None:
    workbook = openpyxl.Workbook()
    sheet = workbook.active
    assert sheet is not None
    sheet.append(["数量", "kg"])
    for row in range(2, 7):
        sheet.append([f"=B{row}/1000", 1_000 * row])
    path = tmp_path / "book.xlsx"
    workbook.save(path)
    _patch_sheet(
        path,
        {
            "A3": '<c r="A3"><f>B3/1000</f><v>3</v></c>',  # saved by Excel
            "A4": '<c r="A4" t="str"><f>IF(B4&gt;0,"","x")</f><v></v></c>',  # an empty text result Excel saved
            "A5": '<c r="A5"><f t="shared" ref="A5:A6" si="0">B5/1000</f></c>',  # no <v> at all
            "A6": '<c r="A6"><f t="shared" si="0"/></c>',
        },
    )

    rows, _ = _rows(path)

    assert rows[1][1:] == ([None, "2000"], {0: Unsaved("B2/1000")})  # openpyxl's own `<v/>`
    assert rows[2][1:] == (["3", "3000"], {})
    assert rows[3][1:] == ([None, "4000"], {})
    assert rows[4][2] == {0: Unsaved("B5/1000")}
    assert rows[5][2] == {0: Unsaved("")}


def test_merged_ranges_are_known_once_the_rows_are_read(tmp_path: Path) -> None:
    workbook = openpyxl.Workbook()
    sheet = workbook.active
    assert sheet is not None
    for row in (["a", "b", "c"], [1, 2, 3], [4, 5, 6]):
        sheet.append(row)
    sheet.merge_cells("A2:A3")
    sheet.merge_cells("B1:C1")
    path = tmp_path / "book.xlsx"
    workbook.save(path)

    rows, merges = _rows(path)

    assert rows[2][1] == [None, "5", "6"]  # the merged-over cell holds nothing in the file
    assert set(merges) == {Merge(1, 2, 1, 3), Merge(2, 1, 3, 1)}
    assert header_covered(merges, 1) == {2}


def test_fill_merged_down_takes_the_top_value_for_rows_read_inside_blocks_below_the_header() -> None:
    frame = pl.DataFrame(
        {
            "source_row": [102, 103, 105, 106, 107, 108],
            "member_id": ["city-a", None, None, "city-b", None, "x"],
            "period": ["2024", None, "2023", None, None, None],
        }
    )
    merges = [
        Merge(1, 2, 1, 5),  # A2:A5 (row 4 was blank and not read)
        Merge(1, 6, 2, 7),  # A6:B7: a block two columns wide fills its first column only
        Merge(2, 1, 2, 3),  # B1:B3 starts at the header: never filled from it
        Merge(3, 2, 3, 9),  # C: not a column of the contract
        Merge(2, 5, 3, 5),  # one row: nothing to fill
    ]
    positions = {"member_id": 0, "period": 1}

    filled = fill_merged_down(frame, merges, positions, header_row=1, offset=100)

    expected = frame.with_columns(
        pl.Series("member_id", ["city-a", "city-a", "city-a", "city-b", "city-b", "x"]),
    )
    assert_frame_equal(filled, expected)
    assert fill_merged_down(frame.clear(), merges, positions, header_row=1, offset=100).is_empty()
