"""A template filled in by hand passes validation unchanged: `junkan validate`'s path on what an officer types.

Each member dataset's generated workbook is opened in openpyxl and typed into as an office would: the example row
overwritten, more rows below, periods as 令和6年度, units as トン, codes picked from the drop-downs, dates and
percentages as Excel holds them, a note in the notes column. Saved, it is judged as `junkan validate` judges a file
(`tests/unit/expectations/office_files.py`): every row accepted, no error, no warning. The CSV template, filled and
saved as Excel saves CSV (UTF-8 with a BOM, or CP932 on a Japanese Windows), too.
"""

from __future__ import annotations

import csv
import io
from datetime import date, datetime
from pathlib import Path

import openpyxl
import polars as pl
import pytest

from flows.stages.check import check_file
from infra.rendering.workbook_templates import csv_template, xlsx_template
from schemas.datasets import MEMBER_DATASETS, SECRETARIAT_DATASETS
from schemas.template_instructions import DATA_SHEET, INSTRUCTIONS_SHEET
from schemas.templates import Template, template_for
from tests.unit.expectations.office_files import MEMBER, Judged, judge_file

TODAY = date(2025, 6, 1)
URL = "https://www.city.example.lg.jp/kankyo"

# Rows as an officer types them into the workbook, by column: text, numbers, dates (Excel holds datetimes) and
# shares (35% typed is 0.35 held). Codes are those of the drop-downs; member ids are the member's own.
TYPED: dict[str, list[dict[str, object]]] = {
    "flows": [
        {
            "member_id": MEMBER,
            "period": "令和6年度",
            "material": "mixed.municipal",
            "source_stage": "use",
            "target_stage": "collection",
            "source": "家庭",
            "quantity": 52000,
            "unit": "トン",
            "region": "福岡県",
            "quality": "measured",
            "note": "資源物を除く",
        },
        {
            "member_id": MEMBER,
            "period": "令和6年度",
            "material": "mixed.municipal",
            "source_stage": "collection",
            "target_stage": "treatment",
            "target": "清掃工場",
            "quantity": 52000,
            "unit": "トン",
            "region": "福岡県",
            "quality": "measured",
        },
        {
            "member_id": MEMBER,
            "period": "令和6年度",
            "material": "paper.cardboard",
            "source_stage": "use",
            "target_stage": "collection",
            "quantity": 1200.5,
            "unit": "トン",
            "quality": "estimated",
            "note": "組成調査からの推計",
        },
        {
            "member_id": MEMBER,
            "period": "令和6年度",
            "material": "paper.cardboard",
            "source_stage": "collection",
            "target_stage": "recycling",
            "quantity": 1200.5,
            "unit": "トン",
            "origin_region": "福岡県",
            "destination_region": "大阪府",
            "quality": "estimated",
        },
        {
            "member_id": MEMBER,
            "period": "令和5年度",
            "material": "glass.container",
            "source_stage": "use",
            "target_stage": "collection",
            "quantity": 350000,
            "unit": "キログラム",
            "region": "JP",
            "is_renewable": "いいえ",
        },
    ],
    "targets": [
        {
            "member_id": MEMBER,
            "target_id": "T1",
            "indicator": "final_disposal",
            "material": "mixed",
            "baseline_year": 2013,
            "baseline_value": 30000,
            "target_year": 2030,
            "target_value": 21000,
            "unit": "t",
            "published_url": f"{URL}/target.html",
            "follow_up_months": 12,
            "description": "最終処分量を2013年度比で3割削減する",
        },
        {
            "member_id": MEMBER,
            "target_id": "T2",
            "indicator": "output_cyclical_use_rate",
            "baseline_year": 2020,
            "baseline_value": 0.21,
            "target_year": 2030,
            "target_value": 0.3,
            "unit": "ratio",
            "published_url": f"{URL}/target.html",
        },
    ],
    "progress": [
        {"member_id": MEMBER, "target_id": "T1", "year": 2024, "value": 25500, "note": "速報値"},
        {"member_id": MEMBER, "target_id": "T1", "year": 2023, "value": 26800},
    ],
    "projects": [
        {
            "member_id": MEMBER,
            "project_id": "P1",
            "title": "家庭ごみプラスチックの水平リサイクル実証",
            "role": "lead",
            "started_on": datetime(2024, 10, 1),
            "ended_on": datetime(2027, 3, 31),
            "partners": "リサイクル事業者A、B大学",
            "theme": "recycling_technology",
            "materials": "plastics;plastics.pp",
            "url": f"{URL}/p1.html",
            "follow_up_months": 12,
            "description": "市内の家庭ごみから回収したプラスチックで再生材の品質を検証する",
        },
        {
            "member_id": MEMBER,
            "project_id": "P2",
            "title": "地域循環モデルの検討",
            "role": "participant",
            "started_on": datetime(2025, 4, 1),
            "theme": "regional_model",
            "description": "近隣自治体と連携した資源循環の検討",
        },
    ],
    "disclosures": [
        {
            "member_id": MEMBER,
            "project_id": "P1",
            "disclosed_on": datetime(2025, 6, 30),
            "url": f"{URL}/p1-results.html",
            "summary": "再生材の品質がバージン材と同等であることを確認した",
            "indicator": "recovered",
            "value": 120,
            "unit": "t",
        },
        {
            "member_id": MEMBER,
            "project_id": "P1",
            "disclosed_on": datetime(2025, 9, 30),
            "url": f"{URL}/p1-interim.html",
            "summary": "中間報告",
        },
    ],
    "plans": [
        {
            "member_id": MEMBER,
            "plan_name": "第3次環境基本計画",
            "revised_on": datetime(2025, 3, 31),
            "includes_ce_target": "はい",
            "target_ids": "T1",
            "next_revision_on": datetime(2030, 3, 31),
            "url": f"{URL}/plan3.html",
        },
        {
            "member_id": MEMBER,
            "plan_name": "第2次環境基本計画",
            "revised_on": datetime(2020, 3, 31),
            "includes_ce_target": "いいえ",
            "url": f"{URL}/plan2.html",
        },
    ],
    "declarations": [
        {
            "member_id": MEMBER,
            "period": "令和6年度",
            "product_category": "appliances.refrigerator",
            "product_id": "4901234567894",
            "material": "plastics.pp",
            "net_mass": 850,
            "unit": "トン",
            "units_placed": 52000,
            "recycled_pre_consumer_share": 0.05,
            "recycled_post_consumer_share": 0.2,
            "bio_based_share": 0,
            "chain_of_custody": "mass_balance",
            "assurance": "third_party_verified",
            "certificate_name": "ISCC PLUS EU-ISCC-Cert-XX123",
            "certificate_url": "https://example.org/certificates/XX123.pdf",
            "plan_target_share": 0.25,
            "note": "型式ごとの合計",
        },
        {
            "member_id": MEMBER,
            "period": "令和6年度",
            "product_category": "appliances.washing_machine",
            "material": "plastics.pp",
            "net_mass": 420.5,
            "unit": "トン",
            "units_placed": 31000,
            "recycled_pre_consumer_share": 0,
            "recycled_post_consumer_share": 0.12,
            "chain_of_custody": "segregated",
            "assurance": "self_declared",
        },
    ],
}
# What the member's earlier files put in the ledger, which these datasets' rules look up: progress names its
# targets, a disclosure its project (without them the rows are errors, as they should be).
KNOWN: dict[str, dict[str, pl.DataFrame]] = {
    "progress": {
        "targets": pl.DataFrame(
            {"member_id": [MEMBER], "target_id": ["T1"], "baseline_year": [2013]},
            schema={"member_id": pl.String, "target_id": pl.String, "baseline_year": pl.Int32},
        )
    },
    "disclosures": {"projects": pl.DataFrame({"member_id": [MEMBER], "project_id": ["P1"]})},
}


def build(dataset: str, member_id: str | None = MEMBER) -> Template:
    return template_for(dataset, member_id=member_id, today=TODAY)


def fill_workbook(path: Path, template: Template, rows: list[dict[str, object]]) -> Path:
    """The generated workbook with `rows` typed from row 2 on (the example overwritten), saved."""
    path.write_bytes(xlsx_template(template))
    book = openpyxl.load_workbook(path)
    sheet = book[DATA_SHEET]
    position = {one.name: index for index, one in enumerate(template.columns, start=1)}
    for offset, row in enumerate(rows):
        for name, index in position.items():
            sheet.cell(row=2 + offset, column=index).value = row.get(name)  # cell(value=None) would keep the example
    book.save(path)
    return path


def excel_csv_text(value: object, kind: str) -> str:
    """A typed value as Excel writes it to CSV: dates as 2024/10/1, shares as 5%, numbers as shown."""
    if value is None:
        return ""
    if isinstance(value, datetime):
        return f"{value.year}/{value.month}/{value.day}"
    if kind == "share":
        assert isinstance(value, int | float)
        return f"{value * 100:g}%"
    return str(value)


def fill_csv(path: Path, template: Template, rows: list[dict[str, object]], *, encoding: str) -> Path:
    """The CSV template with the example overwritten by `rows`, saved as Excel saves CSV (CRLF) in `encoding`."""
    [header, _example] = list(csv.reader(io.StringIO(csv_template(template).decode("utf-8-sig"))))
    assert header == list(template.header)
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\r\n")
    writer.writerow(header)
    for row in rows:
        writer.writerow([excel_csv_text(row.get(one.name), one.kind) for one in template.columns])
    path.write_bytes(buffer.getvalue().encode(encoding))
    return path


def assert_all_accepted(judged: Judged, n_rows: int) -> None:
    counts = judged.report.counts
    problems = [(row.row, row.column, row.value, row.message_en) for row in judged.report.errors]
    problems += [(row.row, row.column, row.value, row.message_en) for row in judged.report.warnings]
    assert problems == []
    assert judged.report.rejection is None
    assert (counts.read, counts.accepted, counts.quarantined, counts.warnings) == (n_rows, n_rows, 0, 0)
    judged.assert_no_row_lost()


@pytest.mark.parametrize("dataset", MEMBER_DATASETS)
def test_the_template_as_generated_validates_its_example_row(dataset: str, tmp_path: Path) -> None:
    template = build(dataset)
    for name, data in (("template.xlsx", xlsx_template(template)), ("template.csv", csv_template(template))):
        path = tmp_path / name
        path.write_bytes(data)
        judged = judge_file(path, dataset=dataset, known=KNOWN.get(dataset, {}))
        assert_all_accepted(judged, 1)


@pytest.mark.parametrize("dataset", MEMBER_DATASETS)
def test_a_workbook_filled_in_by_hand_validates_every_row(dataset: str, tmp_path: Path) -> None:
    rows = TYPED[dataset]
    path = fill_workbook(tmp_path / f"{dataset}_令和6年度.xlsx", build(dataset), rows)
    judged = judge_file(path, dataset=dataset, known=KNOWN.get(dataset, {}))
    assert_all_accepted(judged, len(rows))
    # Only the data sheet is read: the instructions and the hidden lists are set aside, and said so.
    assert judged.report.sheets == (DATA_SHEET,)
    assert [sheet.name for sheet in judged.report.skipped_sheets] == [INSTRUCTIONS_SHEET, "lists"]


def test_the_template_s_own_sheets_are_named_as_such_not_as_a_wrong_header(tmp_path: Path) -> None:
    """A member who filled the template in is told the instructions and lists are the template's, not bad headers."""
    rows = TYPED["flows"]
    path = fill_workbook(tmp_path / "flows.xlsx", build("flows"), rows)
    judged = judge_file(path, dataset="flows", known=KNOWN.get("flows", {}))
    reasons = {sheet.name: (sheet.reason_en, sheet.reason_ja) for sheet in judged.report.skipped_sheets}
    assert reasons == {
        INSTRUCTIONS_SHEET: ("the template's instructions, not data", "テンプレートの記入方法（データではありません）"),
        "lists": ("the template's drop-down lists", "テンプレートの選択肢一覧"),
    }


@pytest.mark.parametrize("encoding", ["utf-8-sig", "cp932"])
@pytest.mark.parametrize("dataset", MEMBER_DATASETS)
def test_a_csv_template_filled_and_saved_by_excel_validates_every_row(
    dataset: str, encoding: str, tmp_path: Path
) -> None:
    rows = TYPED[dataset]
    path = fill_csv(tmp_path / f"{dataset}.csv", build(dataset), rows, encoding=encoding)
    judged = judge_file(path, dataset=dataset, known=KNOWN.get(dataset, {}))
    assert_all_accepted(judged, len(rows))


def test_what_the_officer_typed_is_what_is_accepted(tmp_path: Path) -> None:
    path = fill_workbook(tmp_path / "flows.xlsx", build("flows"), TYPED["flows"])
    judged = judge_file(path, dataset="flows")
    accepted = judged.accepted("period", "unit", "quantity_t", "region", "destination_region", "note", "is_renewable")
    assert accepted == [
        ("FY2024", "t", 52000.0, "JP-40", "JP-40", "資源物を除く", None),
        ("FY2024", "t", 52000.0, "JP-40", "JP-40", None, None),
        ("FY2024", "t", 1200.5, None, None, "組成調査からの推計", None),
        ("FY2024", "t", 1200.5, None, "JP-27", None, None),
        ("FY2023", "kg", 350.0, "JP", "JP", None, False),
    ]


def test_a_stage_typed_by_its_japanese_name_is_read_with_the_one_warning_that_is_why_lists_offer_codes(
    tmp_path: Path,
) -> None:
    """A member who types 回収 instead of picking `collection` is read right, and told to write the code."""
    rows = [{**TYPED["flows"][0], "target_stage": "回収"}]
    judged = judge_file(fill_workbook(tmp_path / "flows.xlsx", build("flows"), rows), dataset="flows")
    assert judged.report.counts.accepted == 1
    [warning] = judged.rows("warning")
    assert (warning.row, warning.column, warning.check_id) == (2, "target_stage", "target_stage.label")


def test_the_same_file_through_junkan_validate_s_own_function_is_valid(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("JUNKAN_HOME", str(tmp_path / "home"))  # no ledger here: nothing known, nothing created
    path = fill_workbook(tmp_path / "flows.xlsx", build("flows"), TYPED["flows"])
    report = check_file(path, member_id=MEMBER, dataset="flows")
    assert (report.status, report.counts.accepted, report.counts.warnings) == ("valid", 5, 0)
    assert not (tmp_path / "home").exists()


@pytest.mark.parametrize("dataset", SECRETARIAT_DATASETS)
def test_the_secretariat_s_templates_validate_their_example_row(dataset: str, tmp_path: Path) -> None:
    path = tmp_path / "reference.xlsx"
    path.write_bytes(xlsx_template(build(dataset, member_id=None)))
    assert_all_accepted(judge_file(path, dataset=dataset), 1)
