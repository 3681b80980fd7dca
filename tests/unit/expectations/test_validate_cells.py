"""Cells as offices write them: free text kept as typed, era years abbreviated, invisible characters pasted in
from web pages, one bad region: each judged through the path `junkan validate` runs."""

from __future__ import annotations

from pathlib import Path

import polars as pl
import pytest

from schemas import PROGRESS
from tests.unit.expectations.office_files import FLOWS_HEADER, MEMBER, cp932_csv, judge_file, workbook


def test_free_text_keeps_the_members_characters_while_codes_are_read_through_nfkc(tmp_path: Path) -> None:
    notes = ["①番ライン ²の回収分", "ＡＢＣ工場（全角）", "ﾃｽﾄ　半角ｶﾅ", "見えない\u200b文字も記入どおり"]
    path = workbook(
        tmp_path / "フロー.xlsx",
        FLOWS_HEADER,
        [
            [
                MEMBER,
                "ＦＹ２０２４",
                "ｐａｐｅｒ",
                "ｕｓｅ",
                "collection",
                "１,２００",
                "ｔ",
                "ＪＰ－４０",
                "①番ライン",
                notes[0],
            ],
            [MEMBER, "FY2024", "paper", "use", "collection", 5, "t", "JP-40", "  ＡＢＣ工場  ", notes[1]],
            [MEMBER, "FY2024", "paper", "use", "collection", 5, "t", "JP-40", "㈱リサイクル², 第２工場", notes[2]],
            [MEMBER, "FY2024", "paper", "use", "collection", 5, "t", "JP-40", "1番ライン", f"　{notes[3]} "],
        ],
    )

    judged = judge_file(path)

    assert judged.accepted("period", "material", "source_stage", "quantity", "unit", "region") == [
        ("FY2024", "paper", "use", 1200.0, "t", "JP-40"),
        ("FY2024", "paper", "use", 5.0, "t", "JP-40"),
        ("FY2024", "paper", "use", 5.0, "t", "JP-40"),
        ("FY2024", "paper", "use", 5.0, "t", "JP-40"),
    ]
    # Process names and notes are the member's words: ① is not 1, ² is not 2, full-width stays full-width, and
    # `①番ライン` and `1番ライン` stay two processes. Only the spaces around the text go.
    assert judged.accepted("target", "note") == [
        ("①番ライン", notes[0]),
        ("ＡＢＣ工場", notes[1]),
        ("㈱リサイクル², 第２工場", notes[2]),
        ("1番ライン", notes[3]),
    ]
    assert judged.rows("error") == []
    assert judged.rows("warning") == []  # free text is never "read as" anything: nothing to say about it
    judged.assert_no_row_lost()


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


def test_invisible_characters_pasted_into_codes_and_ids_are_removed_with_a_warning_naming_the_cell(
    tmp_path: Path,
) -> None:
    # Text copied from a web page: a zero-width space after the id, a word joiner in the region, a BOM inside a
    # material, a soft hyphen in the unit, a zero-width non-joiner in the period, a zero-width joiner in the number.
    rows = [
        [f"{MEMBER}\u200b", "FY2024", "paper", "use", "collection", "10", "t", "JP-40\u2060", None, "備考\u200b"],
        [MEMBER, "FY2024\u200c", "\ufeffplastics", "use", "collection", "1,200\u200d", "t\u00ad", "JP-40", None, None],
    ]
    judged = judge_file(workbook(tmp_path / "web.xlsx", FLOWS_HEADER, rows))

    assert judged.accepted("member_id", "period", "material", "quantity", "unit", "region", "note") == [
        (MEMBER, "FY2024", "paper", 10.0, "t", "JP-40", "備考\u200b"),  # the note is free text: kept as written
        (MEMBER, "FY2024", "plastics", 1200.0, "t", "JP-40", None),
    ]
    warnings = judged.rows("warning")
    assert [(row.row, row.column, row.value, row.check_id) for row in warnings] == [
        (2, "member_id", f"{MEMBER}\u200b", "member_id.invisible"),
        (2, "region", "JP-40\u2060", "region.invisible"),
        (3, "period", "FY2024\u200c", "period.invisible"),
        (3, "material", "\ufeffplastics", "material.invisible"),
        (3, "quantity", "1,200\u200d", "quantity.invisible"),
        (3, "unit", "t\u00ad", "unit.invisible"),
    ]
    assert warnings[0].message_en == (
        "member_id 'city-a\\u200b' holds invisible characters (U+200B ZERO WIDTH SPACE); they were removed and the "
        "cell was read as 'city-a'. Text copied from web pages often carries them: retype the cell to remove this "
        "warning"
    )
    assert warnings[0].message_ja == (
        "member_id の 'city-a\\u200b' に見えない文字（U+200B ZERO WIDTH SPACE）が含まれていたため取り除き、"
        "'city-a' として読みました。Webページなどからコピーした文字によく含まれます。"
        "セルを入力し直せばこの警告は出ません"
    )
    assert "(U+2060 WORD JOINER)" in warnings[1].message_en
    assert "(U+FEFF ZERO WIDTH NO-BREAK SPACE)" in warnings[3].message_en
    assert "(U+00AD SOFT HYPHEN)" in warnings[5].message_en
    assert (judged.report.counts.accepted, judged.report.counts.warnings) == (2, 6)
    judged.assert_no_row_lost()


def test_an_invisible_character_in_a_target_id_no_longer_refuses_the_row(tmp_path: Path) -> None:
    path = workbook(
        tmp_path / "progress.xlsx",
        ["会員ID", "目標ID", "実績年度", "実績値", "備考"],
        [[MEMBER, "T1\u200b", 2024, 0.3, None], [MEMBER, "T2", 2024, 0.2, None]],
    )
    targets = pl.DataFrame({"member_id": [MEMBER], "target_id": ["T1"], "baseline_year": [2020]})

    judged = judge_file(path, contract=PROGRESS, known={"targets": targets})

    # T1 with a zero-width space is the target T1; T2 is nobody's target.
    assert judged.accepted("target_id", "year") == [("T1", 2024)]
    [error] = judged.rows("error")
    assert (error.row, error.column, error.check_id) == (3, "member_id, target_id", "progress.known_target")
    [warning] = judged.rows("warning")
    assert (warning.row, warning.column, warning.check_id) == (2, "target_id", "target_id.invisible")
    assert "read as 'T1'" in warning.message_en
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
