"""A member's publication preview page: its own cells, what the draft would publish of them, and why not."""

from __future__ import annotations

import re
from datetime import UTC, datetime
from pathlib import Path

import polars as pl
import pytest

from flows.stages.preview import write_previews
from infra.ledger import Submission
from infra.rendering.member_preview import member_preview_html, period_preview
from infra.resources import build_resources
from infra.settings import Settings
from infra.storage.keys import preview_key
from schemas.outcomes import SubmissionStatus
from schemas.tables import draft_table
from tests.factories import make_flows
from tests.unit.transforms.test_member_preview import DRAFTS, FLOW, FLOWS
from transforms.member_preview import preview_member

AS_OF = datetime(2025, 7, 1, 3, 0, tzinfo=UTC)  # 12:00 JST


def page(*, rows_in_draft: int = 2, file_name: str = "flows-2024.csv") -> str:
    preview = preview_member("lone", FLOWS, DRAFTS)
    return member_preview_html(
        member_id="lone",
        submission_id="s-lone-1",
        file_name=file_name,
        periods=[period_preview("FY2024", preview, rows_in_draft=rows_in_draft)],
        as_of=AS_OF,
    )


def values(html: str) -> list[tuple[str, str, str]]:
    """(table, column, status) of each listed value, in page order."""
    return re.findall(
        r'<tr class="preview-value" data-table="([^"]+)" data-column="([^"]+)" data-status="([^"]+)">', html
    )


def test_the_page_says_it_is_a_preview_and_that_public_tables_change_only_on_release() -> None:
    html = page()
    assert "これはプレビューです。" in html
    assert "This is a preview." in html
    assert "公開の表は、事務局が期間を公表したときにのみ変わります。" in html
    assert "The public tables change only when the secretariat releases the period." in html
    assert "2025-07-01 12:00 JST" in html
    assert html.index("これはプレビューです") < html.index("This is a preview")  # Japanese first


def test_the_lone_members_cell_is_withheld_with_its_reason_and_the_national_total_published() -> None:
    html = page()
    assert values(html) == [
        ("mart.flows", "quantity_t", "withheld"),
        ("mart.indicators", "waste_generated_t", "published"),
        ("mart.indicators", "waste_generated_t", "published"),
    ]
    flows_row = re.search(r'<tr class="preview-value" data-table="mart.flows".*?</tr>', html, re.DOTALL)
    assert flows_row
    assert FLOW in flows_row.group(0)
    assert "70.0" in flows_row.group(0)
    assert "秘匿: 非公開の会員が3者未満" in flows_row.group(0)
    assert "withheld: fewer than 3 confidential members" in flows_row.group(0)
    assert "廃棄物等発生量" in html
    assert "Waste generated (t)" in html
    # 2 headline indicators and 2 unlisted values published; the flows cell and Kanagawa's indicator withheld.
    totals = re.search(r'class="preview-totals" data-published="(\d+)" data-withheld="(\d+)"', html)
    assert totals
    assert totals.groups() == ("4", "2")
    assert "非公開の会員が3者未満 2" in html
    assert "fewer than 3 confidential members: 2" in html
    assert re.findall(r'<tr class="preview-count" data-table="([^"]+)">', html) == [
        "mart.stage_balance",
        "mart.indicators",
        "mart.sankey_links",
    ]
    assert 'data-rows="2"' in html
    assert "このファイルの 2 行が、現在の下書きに含まれています。" in html


def test_the_page_shows_no_other_members_figures_nor_draft_totals() -> None:
    html = page()
    for other in ("30.0", "90.0", "160.0", "JP-13"):
        assert other not in html


def test_a_file_with_no_rows_in_the_draft_says_so() -> None:
    html = page(rows_in_draft=0)
    assert 'data-rows="0"' in html
    assert "No row of this file is in the current draft" in html


def test_member_text_is_escaped() -> None:
    hostile = "<script>alert('x')</script>.csv"
    html = page(file_name=hostile)
    assert hostile not in html
    assert "&lt;script&gt;" in html
    assert "<script" not in html


def submission(submission_id: str, member_id: str, *, dataset: str = "flows", periods: tuple[str, ...]) -> Submission:
    return Submission(
        submission_id=submission_id,
        member_id=member_id,
        dataset=dataset,
        key=f"inbox/{member_id}/{dataset}/{submission_id}.csv",
        sha256="0" * 64,
        size=1,
        source="inbox",
        received_at=AS_OF,
        status=SubmissionStatus.VALID,
        periods=periods,
    )


def test_write_previews_reads_the_drafts_and_stores_a_page_beside_each_flows_report(tmp_path: Path) -> None:
    resources = build_resources(Settings(home=tmp_path / "home"))
    core = make_flows(
        [
            {"member_id": "lone", "region": "JP-14", "quantity": 70.0, "quantity_t": 70.0, "submission_id": "s-lone-1"},
            *(
                {
                    "member_id": f"corp-tokyo-{name}",
                    "region": "JP-13",
                    "quantity": 30.0,
                    "quantity_t": 30.0,
                    "submission_id": f"s-{name}",
                }
                for name in "abc"
            ),
        ],
        lineage=True,
    )
    given = [
        submission("s-lone-1", "lone", periods=("FY2024",)),
        submission("s-lone-0", "lone", periods=("FY2024",)),  # replaced: none of its rows are in core
        submission("s-lone-t", "lone", dataset="targets", periods=("FY2024",)),
        submission("s-lone-r", "lone", periods=()),  # rejected: no period
    ]
    try:
        resources.warehouse.replace("core.flows", core, match={"period": ["FY2024"]})
        for table, frame in DRAFTS.items():
            resources.warehouse.replace(draft_table(table), frame, match={"period": ["FY2024"]})
        written = write_previews(resources, given)
        pages = {key: resources.storage.get_bytes(key).decode("utf-8") for key in written}
    finally:
        resources.close()

    assert written == [preview_key("lone", "flows", "s-lone-1"), preview_key("lone", "flows", "s-lone-0")]
    assert written[0] == "reports/lone/flows/s-lone-1.preview.html"
    current, replaced = pages.values()
    assert 'data-rows="1"' in current
    assert 'data-rows="0"' in replaced
    for html in (current, replaced):
        assert values(html)[0] == ("mart.flows", "quantity_t", "withheld")
        assert "corp-tokyo" not in html
        assert "90.0" not in html


@pytest.mark.parametrize(
    ("member_id", "expected"),
    [("lone", "reports/lone/flows/s1.preview.html"), ("../x", None)],
)
def test_preview_key(member_id: str, expected: str | None) -> None:
    if expected is None:
        with pytest.raises(ValueError, match="member_id"):
            preview_key(member_id, "flows", "s1")
    else:
        assert preview_key(member_id, "flows", "s1") == expected


def test_listed_values_are_escaped_in_the_rows_built_for_every_member_at_once() -> None:
    preview = preview_member("lone", FLOWS, DRAFTS).with_columns(cell=pl.lit("<b>'x' & \"y\"</b>"))
    html = member_preview_html(
        member_id="lone",
        submission_id="s-lone-1",
        file_name="f.csv",
        periods=[period_preview("FY2024", preview, rows_in_draft=1)],
        as_of=AS_OF,
    )
    assert "<b>" not in html
    assert "<code>&lt;b&gt;&#39;x&#39; &amp; &#34;y&#34;&lt;/b&gt;</code>" in html
