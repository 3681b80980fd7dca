"""The follow-up pack's page and workbook, and the public compliance section of the period report."""

from __future__ import annotations

import io
import re

import polars as pl
from openpyxl import load_workbook

from infra.rendering.followup import build_followup_html, build_followup_workbook
from infra.rendering.period_report import build_period_report
from schemas.tables import TABLES
from tests.followup_sample import MEMBER_NAMES, sample_pack


def _section(html: str, section_id: str) -> str:
    match = re.search(rf'<section id="{section_id}".*?</section>', html, flags=re.DOTALL)
    assert match, section_id
    return match.group(0)


def test_the_page_shows_compliance_the_overdue_list_targets_and_disclosures() -> None:
    html = build_followup_html(sample_pack(), language="en")
    compliance = _section(html, "compliance")
    assert compliance.count('class="compliance-row') == 4  # FY2025 only, the latest year
    assert 'data-kind="company" data-obligation="target_set" data-members="3" data-met="3"' in compliance
    assert 'data-kind="university" data-obligation="project_started" data-members="1" data-met=""' in compliance
    overdue = _section(html, "overdue")
    assert re.findall(r'data-member="([^"]+)" data-obligation="([^"]+)"', overdue) == [
        ("city-a", "target_set"),  # overdue since 2024-04-01: oldest first
        ("co-b", "follow_up"),
    ]
    assert "エー市" in overdue
    assert "2026-02-28" in overdue
    assert "Achievement followed up and submitted" in overdue
    assert "達成状況のフォローアップ・提出" in overdue
    assert 'data-target="T1"' in _section(html, "targets")
    assert "地域プラスチック循環" in _section(html, "disclosures")


def test_the_public_section_holds_no_member_level_row() -> None:
    pack = sample_pack()
    sections = [_section(build_followup_html(pack), "compliance")]
    sankey = pl.DataFrame(schema=TABLES["mart.sankey_links"])
    indicators = pl.DataFrame(schema=TABLES["mart.indicators"])
    report = build_period_report(
        period="FY2025",
        tables={"mart.sankey_links": sankey, "mart.indicators": indicators, "mart.member_compliance": pack.compliance},
    )
    sections.append(_section(report, "compliance"))
    for section in sections:
        for member_id, name in MEMBER_NAMES.items():
            assert member_id not in section
            assert name not in section
        assert "秘匿" in section
        assert section.count('class="compliance-row') == 4
    # the period report shows its own fiscal year
    earlier = build_period_report(
        period="FY2024",
        tables={"mart.sankey_links": sankey, "mart.indicators": indicators, "mart.member_compliance": pack.compliance},
    )
    assert _section(earlier, "compliance").count('class="compliance-row') == 1


def test_the_workbook_has_one_sheet_per_section_and_runs_no_formula() -> None:
    workbook = load_workbook(io.BytesIO(build_followup_workbook(sample_pack())))
    assert workbook.sheetnames == ["compliance", "overdue", "target_progress", "disclosures"]
    compliance = list(workbook["compliance"].iter_rows(values_only=True))
    assert compliance[0][:3] == ("年度 / fiscal year", "会員種別 / kind", "義務 / obligation")
    assert len(compliance) == 1 + 5  # every fiscal year
    company = [row for row in compliance[1:] if row[0] == "FY2025" and row[1] == "company"]
    assert company == [("FY2025", "company", "target_set", 3, 3, 0, 0, 1.0, False)]
    withheld = [row for row in compliance[1:] if row[1] == "university"]
    assert withheld[0][4] is None
    overdue = list(workbook["overdue"].iter_rows(values_only=True))
    assert [(row[0], row[1], row[3], row[6].date().isoformat()) for row in overdue[1:]] == [
        ("city-a", "エー市", "target_set", "2024-04-01"),
        ("co-b", "ビー工業", "follow_up", "2026-02-28"),
    ]
    disclosed = workbook["disclosures"]
    summary = disclosed.cell(row=2, column=6)
    assert summary.data_type == "s"
    assert summary.value == '\'=HYPERLINK("http://evil")'
