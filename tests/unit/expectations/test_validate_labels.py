"""Codes written as their Japanese or English names, and codes that are none, in files offices make by hand."""

from __future__ import annotations

import json
from pathlib import Path

from infra.rendering.member_report import member_report_html, member_report_json
from schemas import vocabulary as v
from schemas.members import MEMBERS
from tests.unit.expectations.office_files import FLOWS_HEADER, MEMBER, cp932_csv, judge_file, workbook


def test_japanese_and_english_names_of_stages_materials_and_units_are_read_as_their_codes_with_a_note(
    tmp_path: Path,
) -> None:
    path = workbook(
        tmp_path / "令和6年度_物質フロー.xlsx",
        FLOWS_HEADER,
        [
            [MEMBER, "令和6年度", "紙", "使用・消費", "回収", 120, "トン", "JP-40", None, "古紙回収"],
            [MEMBER, "令和6年度", "紙", "回収", "最終処分", 120, "トン", "JP-40", None, None],
            [
                MEMBER,
                "令和6年度",
                "Paper",
                "Use and consumption",
                "Final disposal (landfill)",
                5,
                "t",
                "JP-40",
                "B",
                None,
            ],
            # half-width katakana, spaces inside a name (full- and half-width), a unit spelled with a space
            [MEMBER, "令和6年度", "ﾌﾟﾗｽﾁｯｸ", "使用 ・ 消費", "回　収", "1", "千 トン", "JP-40", "C", None],
            [MEMBER, "令和6年度", "plastics.pet", "use", "collection", 3, "t", "JP-40", None, None],
        ],
    )

    judged = judge_file(path)

    assert judged.accepted("material", "source_stage", "target_stage", "unit", "quantity_t") == [
        ("paper", "use", "collection", "t", 120.0),
        ("paper", "collection", "landfill", "t", 120.0),
        ("paper", "use", "landfill", "t", 5.0),
        ("plastics", "use", "collection", "kt", 1000.0),
        ("plastics.pet", "use", "collection", "t", 3.0),
    ]
    assert judged.rows("error") == []
    notes = [(row.row, row.column, row.value, row.check_id) for row in judged.rows("warning")]
    assert notes == [
        (2, "material", "紙", "material.label"),
        (2, "source_stage", "使用・消費", "source_stage.label"),
        (2, "target_stage", "回収", "target_stage.label"),
        (3, "material", "紙", "material.label"),
        (3, "source_stage", "回収", "source_stage.label"),
        (3, "target_stage", "最終処分", "target_stage.label"),
        (4, "source_stage", "Use and consumption", "source_stage.label"),
        (4, "target_stage", "Final disposal (landfill)", "target_stage.label"),
        (5, "material", "ﾌﾟﾗｽﾁｯｸ", "material.label"),
        (5, "source_stage", "使用 ・ 消費", "source_stage.label"),
        (5, "target_stage", "回　収", "target_stage.label"),
        (5, "unit", "千 トン", "unit.label"),
    ]  # `Paper` is the code in capitals and トン a spelling of the unit table: read silently
    [landfill] = [row for row in judged.rows("warning", "target_stage") if row.row == 3]
    assert landfill.sheet == "報告"
    assert landfill.message_en == (
        "target_stage '最終処分' was read as the code landfill (最終処分 / Final disposal (landfill)); "
        "write the code itself to remove this warning"
    )
    assert landfill.message_ja == (
        "target_stage の '最終処分' をコード landfill (最終処分 / Final disposal (landfill)) として読みました。"
        "コードで記入すればこの警告は出ません"
    )
    [paper] = [row for row in judged.rows("warning", "material") if row.row == 2]
    assert paper.message_en.startswith("material '紙' was read as the code paper (紙 / Paper)")
    assert "'紙' をコード paper (紙 / Paper) として読みました" in paper.message_ja
    assert judged.report.counts.warnings == 12
    judged.assert_no_row_lost()


def test_an_unknown_code_is_one_error_offering_the_closest_codes_and_the_appendix_lists_every_code(
    tmp_path: Path,
) -> None:
    path = cp932_csv(
        tmp_path / "flows.csv",
        FLOWS_HEADER,
        [
            [MEMBER, "R6", "paper", "use", "colection", "10", "t", "JP-40", "", ""],
            [MEMBER, "R6", "paper", "use", "最終処分場", "10", "t", "JP-40", "", ""],
            [MEMBER, "R6", "paper", "use", "埋立", "10", "t", "JP-40", "", ""],
            [MEMBER, "R6", "paper", "use", "collection", "10", "mT", "JP-40", "", ""],
            [MEMBER, "R6", "paper", "use", "collection", "10", "t", "JP-41", "", ""],
        ],
    )

    judged = judge_file(path)

    errors = judged.rows("error")
    assert [(row.row, row.column, row.value, row.check_id) for row in errors] == [
        (2, "target_stage", "colection", "target_stage.vocabulary"),
        (3, "target_stage", "最終処分場", "target_stage.vocabulary"),
        (4, "target_stage", "埋立", "target_stage.vocabulary"),
        (5, "unit", "mT", "unit.vocabulary"),
    ]
    appendix_en = "Every allowed code, with its Japanese and English names, is listed in the appendix of this report"
    appendix_ja = "使えるコードと日本語・英語の名称の一覧は、このレポートの付録にあります"
    assert errors[0].message_en == (
        f"target_stage 'colection' is not an allowed code; did you mean collection (回収 / Collection)? {appendix_en}"
    )
    assert errors[0].message_ja == (
        "target_stage の 'colection' は使えるコードではありません。collection (回収 / Collection) の誤りでは"
        f"ありませんか。{appendix_ja}"
    )
    assert "did you mean landfill (最終処分 / Final disposal (landfill))?" in errors[1].message_en
    assert errors[2].message_en == f"target_stage '埋立' is not an allowed code. {appendix_en}"
    assert errors[2].message_ja == f"target_stage の '埋立' は使えるコードではありません。{appendix_ja}"
    # Units keep their case: mT may be megatonnes (Mt) or metric tons (read as t), so the member is asked which.
    assert errors[3].message_en.startswith("unit is not an accepted spelling")
    assert errors[3].message_en.endswith("; did you mean Mt (百万トン / megatonne) or t (トン / tonne)?")
    assert "Mt (百万トン / megatonne)・t (トン / tonne) の誤りではありませんか" in errors[3].message_ja
    # The appendix lists every stage, never cut (the old message stopped before `landfill`).
    stages, units = judged.report.appendix
    assert stages.column == "target_stage"
    assert [term.code for term in stages.codes] == list(v.STAGE_CODES)
    assert stages.codes[-1] == v.Term("landfill", "Final disposal (landfill)", "最終処分")
    assert (units.column, [term.code for term in units.codes]) == ("unit", ["t", "kg", "kt", "Mt"])
    appendix = json.loads(member_report_json(judged.report))["appendix"]
    assert appendix[0]["codes"][-1] == {
        "code": "landfill",
        "label_en": "Final disposal (landfill)",
        "label_ja": "最終処分",
    }
    html = member_report_html(judged.report)
    assert "付録: <code>target_stage</code> に使えるコード" in html
    assert '<td><code>return_to_nature</code></td><td lang="ja">自然還元</td>' in html
    assert '<td><code>landfill</code></td><td lang="ja">最終処分</td>' in html
    assert (judged.report.counts.read, judged.report.counts.accepted, judged.report.counts.quarantined) == (5, 1, 4)
    judged.assert_no_row_lost()


def test_an_unknown_material_group_is_one_error_and_never_also_rolled_up_to_its_group(tmp_path: Path) -> None:
    path = workbook(
        tmp_path / "flows.xlsx",
        FLOWS_HEADER,
        [
            [MEMBER, "FY2024", "unobtainium.x", "use", "collection", 1, "t", "JP-40", None, None],
            [MEMBER, "FY2024", "plastics.bioplastic", "use", "collection", 1, "t", "JP-40", None, None],
            [MEMBER, "FY2024", "紙類", "use", "collection", 1, "t", "JP-40", None, None],
        ],
    )

    judged = judge_file(path)

    failures = judged.result.failures.filter(judged.result.failures["source_row"] == 2)
    assert failures.select("check_id", "severity").rows() == [("material_group.vocabulary", "error")]
    errors = judged.rows("error")
    assert [(row.row, row.column, row.value) for row in errors] == [
        (2, "material", "unobtainium.x"),
        (4, "material", "紙類"),
    ]
    assert errors[0].message_en.startswith("material 'unobtainium.x' is not in a known material group. Every allowed")
    assert errors[0].message_ja.startswith("material の 'unobtainium.x' は登録されているグループに属しません。")
    assert "did you mean paper (紙 / Paper)?" in errors[1].message_en
    # A known group's unknown leaf is a warning alone, and the row is accepted as its group.
    [rolled_up] = judged.rows("warning")
    assert (rolled_up.row, rolled_up.check_id) == (3, "material.known")
    assert rolled_up.message_en == "material is not a known code; it was rolled up to its group"
    [(appendix_column, codes)] = [(codes.column, codes.codes) for codes in judged.report.appendix]
    assert appendix_column == "material"
    assert [term.code for term in codes] == list(v.MATERIAL_CODES)
    judged.assert_no_row_lost()


def test_member_kinds_are_read_from_their_names(tmp_path: Path) -> None:
    path = workbook(
        tmp_path / "会員一覧.xlsx",
        ["会員ID", "団体名", "種別", "地域", "入会日"],
        [
            ["city-a", "A市", "自治体", "JP-40", "2023-04-01"],
            ["corp-b", "B株式会社", "Company", "JP-13", "2023-04-01"],
            ["univ-c", "C大学", "ﾀﾞｲｶﾞｸ", "JP-27", "2023-04-01"],
            ["org-d", "D協会", "業界 団体", "JP-13", "2023-04-01"],
        ],
    )

    judged = judge_file(path, contract=MEMBERS)

    assert judged.accepted("member_id", "kind") == [
        ("city-a", "municipality"),
        ("corp-b", "company"),
        ("org-d", "industry_association"),
    ]
    [error] = judged.rows("error")
    assert (error.row, error.column, error.value) == (4, "kind", "ﾀﾞｲｶﾞｸ")
    assert error.message_en.startswith("kind 'ﾀﾞｲｶﾞｸ' is not an allowed code")
    notes = [(row.row, row.column, row.message_en) for row in judged.rows("warning")]
    assert notes == [
        (2, "kind", "kind '自治体' was read as the code municipality (自治体 / Municipality); "
                    "write the code itself to remove this warning"),
        (5, "kind", "kind '業界 団体' was read as the code industry_association (業界団体 / Industry association); "
                    "write the code itself to remove this warning"),
    ]  # fmt: skip
    judged.assert_no_row_lost()
