"""Cells as offices write them, judged through the path `junkan validate` runs: era years abbreviated, one bad
region."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.unit.expectations.office_files import FLOWS_HEADER, MEMBER, cp932_csv, judge_file, workbook


@pytest.mark.parametrize(
    ("written", "period"),
    [
        ("R6", "FY2024"),
        ("R6年度", "FY2024"),
        ("令6", "FY2024"),
        ("令和6", "FY2024"),
        ("R06", "FY2024"),
        ("Ｒ６", "FY2024"),
        ("令和元", "FY2019"),
        ("H30", "FY2018"),
        ("H30年度", "FY2018"),
        ("平30", "FY2018"),
        ("平成30", "FY2018"),
        ("H31", "FY2019"),
    ],
)
def test_era_years_as_offices_abbreviate_them_are_fiscal_years(tmp_path: Path, written: str, period: str) -> None:
    path = cp932_csv(
        tmp_path / "実績.csv",
        FLOWS_HEADER,
        [[MEMBER, written, "paper", "use", "collection", "10", "トン", "JP-40", "", ""]],
    )

    judged = judge_file(path)

    assert judged.accepted("period", "grain") == [(period, "fiscal_year")]
    assert judged.rows("error") == []
    judged.assert_no_row_lost()


def test_an_era_year_that_never_was_is_refused_naming_the_cell(tmp_path: Path) -> None:
    rows = [
        [MEMBER, written, "paper", "use", "collection", "10", "t", "JP-40", "", ""]
        for written in ("H32", "R0", "令和6年", "R6")
    ]
    judged = judge_file(cp932_csv(tmp_path / "実績.csv", FLOWS_HEADER, rows))

    errors = [(row.row, row.column, row.value, row.message_en, row.message_ja) for row in judged.rows("error")]
    assert errors == [
        (
            row,
            "period",
            written,
            "period is not in the expected format (e.g. FY2024)",
            "period の形式が正しくありません（例: FY2024）",
        )
        for row, written in ((2, "H32"), (3, "R0"), (4, "令和6年"))
    ]  # 平成 ended in its 31st year; 令和6年 (with 年, not 年度) is a calendar year and is not guessed
    assert judged.accepted("period") == [("FY2024",)]
    judged.assert_no_row_lost()


def test_one_bad_region_is_one_error_on_region_and_not_repeated_on_origin_and_destination(tmp_path: Path) -> None:
    header = [*FLOWS_HEADER, "搬出元", "搬入先"]
    path = workbook(
        tmp_path / "地域.xlsx",
        header,
        [
            [MEMBER, "FY2024", "paper", "use", "collection", 1, "t", "Osakka", None, None, None, None],
            [MEMBER, "FY2024", "paper", "use", "collection", 1, "t", "Osakka", "B", None, "大阪府", None],
            [MEMBER, "FY2024", "paper", "use", "collection", 1, "t", "大阪府", "C", None, "Hyougo", None],
            [MEMBER, "FY2024", "paper", "use", "collection", 1, "t", "大阪府", "D", None, None, None],
        ],
    )

    judged = judge_file(path)

    failures = judged.result.failures.select("source_row", "column", "check_id", "severity").rows()
    assert failures == [
        (2, "region", "region.format", "error"),
        (3, "region", "region.format", "error"),
        (4, "origin_region", "origin_region.format", "error"),
    ]
    assert [(row.row, row.column, row.value) for row in judged.rows("error")] == [
        (2, "region", "Osakka"),
        (3, "region", "Osakka"),
        (4, "origin_region", "Hyougo"),
    ]
    assert judged.accepted("region", "origin_region", "destination_region") == [("JP-27", "JP-27", "JP-27")]
    assert (judged.report.counts.read, judged.report.counts.accepted, judged.report.counts.quarantined) == (4, 1, 3)
    judged.assert_no_row_lost()
