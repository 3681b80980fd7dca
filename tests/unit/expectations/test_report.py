from __future__ import annotations

from datetime import UTC, datetime

import polars as pl
import pytest

from expectations import validate
from expectations.report import SubmissionInfo, build_rejection_report, build_report
from infra.rendering.member_report import member_report_html
from schemas import FLOWS
from schemas.errors import FileRejected
from tests.factories import MEMBER_ID, make_flows, make_raw

RECEIVED_AT = datetime(2025, 6, 1, 9, 30, tzinfo=UTC)
SUBMISSION = SubmissionInfo(
    submission_id="sub-1",
    member_id=MEMBER_ID,
    dataset="flows",
    file_name="flows_2024.csv",
    received_at=RECEIVED_AT,
)
SCRIPT_NOTE = "<script>alert('x')</script>" + "あ" * 1000  # 1,027 characters: too long, and hostile


def raw_row(**values: str | None) -> dict[str, str | None]:
    """A row as the member typed it: the normalised defaults as text, with some values replaced."""
    row: dict[str, str | None] = {
        "member_id": MEMBER_ID,
        "period": "2024年度",
        "material": "plastics.pet",
        "source_stage": "use",
        "target_stage": "collection",
        "source": None,
        "target": None,
        "quantity": "100",
        "unit": "トン",
        "region": "JP-40",
        "quality": "measured",
        "note": None,
    }
    row.update(values)
    return row


@pytest.fixture(scope="module")
def flows_report_inputs() -> tuple[pl.DataFrame, pl.DataFrame]:
    """Rows 2-5 of sub-1: valid, bad unit, unknown material (warning), hostile over-long note; sub-2 one bad row."""
    raw = make_raw(
        FLOWS,
        [
            raw_row(),
            raw_row(unit="ポンド", region="JP-13"),
            raw_row(material="plastics.bioplastic", region="JP-14"),
            raw_row(note=SCRIPT_NOTE, region="JP-15"),
        ],
    )
    rows = [
        {},
        {"unit": "ポンド", "region": "JP-13"},
        {"material": "plastics.bioplastic", "region": "JP-14"},
        {"note": SCRIPT_NOTE, "region": "JP-15"},
    ]
    first = make_flows(rows=rows, lineage=True)
    second = make_flows(rows=[{"unit": "lb"}], lineage=True, submission_id="sub-2")
    frame = pl.concat([first, second]).with_columns(pl.lit(MEMBER_ID).alias("submitter_id"))
    return frame, raw


def test_report_json_lists_failures_with_the_raw_value(flows_report_inputs: tuple[pl.DataFrame, pl.DataFrame]) -> None:
    frame, raw = flows_report_inputs
    result = validate(FLOWS, frame)

    report = build_report(
        submission=SUBMISSION, contract=FLOWS, result=result, raw=raw, ignored_columns=["memo"]
    ).to_json()

    unit_message = next(check for check in FLOWS.checks if check.id == "unit.vocabulary")
    assert report["status"] == "partially_valid"
    assert report["submission"] == {
        "submission_id": "sub-1",
        "member_id": MEMBER_ID,
        "dataset": "flows",
        "file_name": "flows_2024.csv",
        "received_at": "2025-06-01T09:30:00+00:00",
    }
    # sub-2's bad row is not this submission's business.
    assert report["summary"] == {"n_read": 4, "n_accepted": 2, "n_quarantined": 2, "n_warnings": 1}
    assert report["errors"][0] == {
        "row": 3,
        "column": "unit",
        "value": "ポンド",
        "check_id": "unit.vocabulary",
        "message_en": unit_message.message_en,
        "message_ja": unit_message.message_ja,
    }
    assert [(error["row"], error["check_id"]) for error in report["errors"]] == [
        (3, "unit.vocabulary"),
        (5, "note.length"),
    ]
    # The raw value is shortened to 200 characters in the report.
    assert report["errors"][1]["value"] == SCRIPT_NOTE[:200] + "…"
    assert [(warning["row"], warning["check_id"], warning["value"]) for warning in report["warnings"]] == [
        (4, "material.known", "plastics.bioplastic")
    ]
    assert report["errors_not_listed"] == 0
    assert report["warnings_not_listed"] == 0
    assert report["ignored_columns"] == ["memo"]
    assert report["rejection"] is None


def test_report_shows_every_column_of_a_multi_column_rule() -> None:
    frame = make_flows(rows=[{}, {}], lineage=True).with_columns(pl.lit(MEMBER_ID).alias("submitter_id"))
    raw = make_raw(FLOWS, [raw_row(), raw_row(quantity="7")])

    report = build_report(submission=SUBMISSION, contract=FLOWS, result=validate(FLOWS, frame), raw=raw).to_json()

    key = ", ".join(FLOWS.key)
    value = (
        f"member_id={MEMBER_ID}; period=2024年度; material=plastics.pet; product_category=; source_stage=use; "
        "target_stage=collection; source=; target=; region=JP-40; origin_region=; destination_region="
    )
    assert report["status"] == "rejected"
    assert [(error["row"], error["column"], error["value"]) for error in report["errors"]] == [
        (2, key, value),
        (3, key, value),
    ]


def test_report_caps_the_listed_rows(flows_report_inputs: tuple[pl.DataFrame, pl.DataFrame]) -> None:
    frame, raw = flows_report_inputs

    report = build_report(submission=SUBMISSION, contract=FLOWS, result=validate(FLOWS, frame), raw=raw, max_listed=1)

    assert [error.row for error in report.errors] == [3]
    assert report.errors_not_listed == 1
    html = member_report_html(report)
    assert "ほかに 1 件あります" in html
    assert "1 more not listed" in html


def test_html_escapes_member_text_and_is_bilingual(flows_report_inputs: tuple[pl.DataFrame, pl.DataFrame]) -> None:
    frame, raw = flows_report_inputs
    report = build_report(
        submission=SUBMISSION, contract=FLOWS, result=validate(FLOWS, frame), raw=raw, ignored_columns=["<b>memo</b>"]
    )

    html = member_report_html(report)

    assert "<script>" not in html
    assert "&lt;script&gt;alert(&#39;x&#39;)&lt;/script&gt;" in html
    assert "&lt;b&gt;memo&lt;/b&gt;" in html
    assert "検証レポート" in html
    assert "Validation report" in html
    assert "一部受理" in html
    assert "ポンド" in html
    unit_check = next(check for check in FLOWS.checks if check.id == "unit.vocabulary")
    assert unit_check.message_ja in html
    assert unit_check.message_en in html
    # Self-contained: no external resources.
    assert "http://" not in html
    assert "https://" not in html
    assert "<link" not in html


def test_valid_submission_report() -> None:
    frame = make_flows(lineage=True).with_columns(pl.lit(MEMBER_ID).alias("submitter_id"))
    raw = make_raw(FLOWS, [raw_row()])

    report = build_report(submission=SUBMISSION, contract=FLOWS, result=validate(FLOWS, frame), raw=raw)

    assert report.to_json()["status"] == "valid"
    assert report.to_json()["errors"] == []
    assert "受理: すべての行を受け付けました" in member_report_html(report)


def test_rejection_report() -> None:
    rejected = FileRejected(
        "flows_2024.csv",
        "the column unit is missing; add it and submit again",
        "unit 列がありません。列を追加して再提出してください",
        column="unit",
    )

    report = build_rejection_report(submission=SUBMISSION, rejected=rejected)

    payload = report.to_json()
    assert payload["status"] == "rejected"
    assert payload["summary"] == {"n_read": 0, "n_accepted": 0, "n_quarantined": 0, "n_warnings": 0}
    assert payload["rejection"] == {
        "message_en": "the column unit is missing; add it and submit again",
        "message_ja": "unit 列がありません。列を追加して再提出してください",
        "row": None,
        "column": "unit",
    }
    html = member_report_html(report)
    assert "unit 列がありません。列を追加して再提出してください" in html
    assert "不受理" in html


def test_header_only_file_is_valid_with_a_warning_that_it_holds_no_rows() -> None:
    frame = make_flows(rows=[{}], lineage=True).with_columns(pl.lit(MEMBER_ID).alias("submitter_id")).head(0)
    raw = make_raw(FLOWS, [])

    report = build_report(submission=SUBMISSION, contract=FLOWS, result=validate(FLOWS, frame), raw=raw)

    payload = report.to_json()
    assert (payload["status"], payload["summary"]["n_read"]) == ("valid", 0)
    assert [warning["message_en"] for warning in payload["file_warnings"]] == [
        "the file has a header but no data rows: nothing was read from it; check that you sent the right file"
    ]
    assert "ヘッダーだけでデータ行がありません" in member_report_html(report)


def test_a_file_with_rows_has_no_file_warning(flows_report_inputs: tuple[pl.DataFrame, pl.DataFrame]) -> None:
    frame, raw = flows_report_inputs
    report = build_report(submission=SUBMISSION, contract=FLOWS, result=validate(FLOWS, frame), raw=raw)
    assert report.file_warnings == ()
    assert all("sheet" not in error for error in report.to_json()["errors"])
