"""Member-supplied text is shown as text: escaped in every HTML report and neutralised in CSV exports."""

from __future__ import annotations

import csv
from datetime import date
from pathlib import Path

import polars as pl
import pytest

from expectations.report import SubmissionInfo, build_rejection_report
from flows.stages.check import check_file
from infra.readers import read_table
from infra.rendering.member_report import member_report_html
from infra.rendering.period_report import build_period_report
from infra.warehouse.exports import write_safe_csv
from schemas import FLOWS
from schemas.errors import FileRejected
from schemas.tables import TABLES
from tests.unit.fuzz.nasty import HEADER

SCRIPT = "<script>alert(1)</script>"
IMG = "<img src=x onerror=alert(2)>"
ATTRIBUTE = '" onmouseover="alert(3)'  # breaks out of a quoted attribute if not escaped
RAW_MARKUP = ("<script>alert", "<img", 'onmouseover="alert', "<svg onload")


def assert_inert(html: str) -> None:
    """None of the payloads survives as markup; their escaped text is there instead."""
    for raw in RAW_MARKUP:
        assert raw not in html, raw
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in html


def test_validation_report_escapes_values_columns_and_file_name(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("JUNKAN_HOME", str(tmp_path / "home"))
    rows = [
        [*HEADER.split(","), IMG],
        ["city-a", "FY2024", "paper", "use", "collection", "", "", f"8{SCRIPT}", "t", "", "", ATTRIBUTE, "x"],
        ["city-a", "FY2024", "paper", "use", "collection", "", "", f"-5{ATTRIBUTE}", "t", "", "", SCRIPT, "y"],
    ]
    path = tmp_path / "<svg onload=alert(4)>.csv"
    with path.open("w", encoding="utf-8", newline="") as handle:
        csv.writer(handle).writerows(rows)
    report = check_file(path, member_id="city-a", dataset="flows")
    assert report.counts.quarantined == 2  # both rows fail and are listed with the member's text
    assert any(row.value and SCRIPT in row.value for row in report.errors)
    assert IMG in report.ignored_columns
    html = member_report_html(report)
    assert_inert(html)
    assert "&lt;img src=x onerror=alert(2)&gt;" in html
    assert "&lt;svg onload=alert(4)&gt;.csv" in html


def test_rejection_report_escapes_member_text_in_the_reason(tmp_path: Path) -> None:
    path = tmp_path / "flows.csv"
    path.write_text(f"member_id,{SCRIPT}\n", encoding="utf-8")  # the missing-columns reason quotes the header
    with pytest.raises(FileRejected) as caught:
        read_table(path, FLOWS)
    assert SCRIPT in caught.value.message_en
    info = SubmissionInfo(
        submission_id="s1", member_id="city-a", dataset="flows", file_name=f"{SCRIPT}.csv", received_at=_now()
    )
    html = member_report_html(build_rejection_report(submission=info, rejected=caught.value))
    assert_inert(html)


def _now() -> object:
    from datetime import UTC, datetime

    return datetime(2025, 5, 1, tzinfo=UTC)


def test_period_report_escapes_every_text_from_the_tables() -> None:
    links = pl.DataFrame(
        [
            {
                "period": "FY2024",
                "material": material,
                "material_level": level,
                "source": "use",
                "target": target,
                "value_t": 5.0,
                "contributors": 3,
                "suppressed": False,
                "suppression_reason": None,
            }
            for material, level, target in (
                ("all", "all", SCRIPT),
                (ATTRIBUTE, "group", "collection"),
                (IMG, "group", "collection"),
            )
        ],
        schema=TABLES["mart.sankey_links"],
    )
    indicator_schema = TABLES["mart.indicators"]
    indicators = pl.DataFrame(
        [
            {
                **dict.fromkeys(indicator_schema),
                "period": "FY2024",
                "period_start": date(2024, 4, 1),
                "period_end": date(2025, 3, 31),
                "grain": "fiscal_year",
                "material": "all",
                "material_level": "all",
                "region": "all",
                "region_level": "all",
                "final_disposal_t": 1.0,
                "contributors": 3,
                "suppressed": False,
            }
        ],
        schema=indicator_schema,
    )
    progress = pl.DataFrame(
        [
            {
                "indicator": SCRIPT,
                "member_kind": IMG,
                "contributors": 3,
                "n_targets": 3,
                "n_with_progress": 3,
                "n_on_track": 1,
                "median_progress_ratio": 0.5,
                "suppressed": False,
                "suppression_reason": None,
            }
        ],
        schema=TABLES["mart.target_progress"],
    )
    tables = {"mart.sankey_links": links, "mart.indicators": indicators, "mart.target_progress": progress}
    for language in ("ja", "en"):
        html = build_period_report(period="FY2024", tables=tables, language=language)
        assert html.count("<script") == html.count("</script>")
        for raw in RAW_MARKUP:
            assert raw not in html, raw
        assert "&lt;script&gt;alert(1)&lt;/script&gt;" in html


@pytest.mark.parametrize(
    "payload",
    ['=HYPERLINK("http://evil","x")', "+1+1", "-2+3", "@SUM(A1)", "\t=1", "\r=1"],
)
def test_csv_exports_neutralise_formulas(tmp_path: Path, payload: str) -> None:
    frame = pl.DataFrame({"material": [payload, "paper"], "value_t": [-1.0, 2.0]})
    path = write_safe_csv(frame, tmp_path / "out.csv")
    with path.open(encoding="utf-8-sig", newline="") as handle:
        rows = list(csv.reader(handle))
    assert rows[0] == ["material", "value_t"]
    assert rows[1] == ["'" + payload, "-1.0"]  # text made inert; numbers stay numbers
    assert rows[2] == ["paper", "2.0"]


def test_target_register_escapes_member_text_and_links_only_http_urls() -> None:
    from tests.unit.infra.test_period_report import example_tables
    from tests.unit.infra.test_target_register import member_targets

    quoted_url = 'https://x.example/"onmouseover="alert(3)'  # a URL the contract accepts (no space)
    register = member_targets(
        [
            {
                "member_id": "corp-a",
                "member_name": SCRIPT,
                "member_kind": IMG,
                "target_id": ATTRIBUTE,
                "indicator": IMG,
                "material": ATTRIBUTE,
                "unit": SCRIPT,
                "actions_url": quoted_url,
                "is_progress_public": False,
                "suppressed": True,
            },
            {
                "member_id": "corp-b",
                "member_name": "B",
                "member_kind": "company",
                "target_id": "T1",
                "actions_url": "javascript:alert(5)",
                "is_progress_public": False,
                "suppressed": True,
            },
        ]
    )
    for language in ("ja", "en"):
        html = build_period_report(
            period="FY2024", tables={**example_tables(), "mart.member_targets": register}, language=language
        )
        assert html.count("<script") == html.count("</script>") == 1  # the page's own
        assert_inert(html)
        assert 'href="https://x.example/&#34;onmouseover=&#34;alert(3)"' in html
        assert 'href="javascript:' not in html
        assert "javascript:alert(5)" in html  # shown as text, never as a link
