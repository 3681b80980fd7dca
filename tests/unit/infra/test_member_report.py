"""The member's validation report states its disclosure class for flows, in Japanese and English."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from expectations.report import Report, SubmissionInfo, build_rejection_report
from infra.rendering.member_report import disclosure_note, member_report_html
from schemas.errors import FileRejected
from schemas.outcomes import Counts, SubmissionStatus


@pytest.fixture(scope="module")
def report() -> Report:
    info = SubmissionInfo("s1", "corp-b", "flows", "flows.csv", datetime(2025, 6, 1, tzinfo=UTC))
    return build_rejection_report(submission=info, rejected=FileRejected("flows.csv", "empty file", "空のファイルです"))


def test_a_public_member_reads_that_its_figures_are_published_values(report: Report) -> None:
    html = member_report_html(report, disclosure_class="public")

    assert "公開区分" in html
    assert "公開 (public) — あなたの数値は公表値として扱われます" in html
    assert "Public (public) — your figures are treated as published values" in html
    assert "秘匿" not in html


def test_a_confidential_member_reads_which_cells_are_suppressed(report: Report) -> None:
    html = member_report_html(report, disclosure_class="confidential")

    assert "非公開 (confidential) — 3者未満・支配的なセルは秘匿されます" in html
    assert (
        "Confidential (confidential) — cells with fewer than 3 members, or with a dominant one, are suppressed" in html
    )
    assert "公表値" not in html


def test_without_a_class_the_report_has_no_disclosure_line(report: Report) -> None:
    assert "公開区分" not in member_report_html(report)


def test_an_unknown_class_is_an_error_not_a_silent_line() -> None:
    with pytest.raises(KeyError):
        disclosure_note("secret")


def accepted_report(dataset: str) -> Report:
    info = SubmissionInfo("s1", "corp-b", dataset, "flows.csv", datetime(2025, 6, 1, tzinfo=UTC))
    return Report(submission=info, status=SubmissionStatus.VALID, counts=Counts(read=2, accepted=2, quarantined=0))


def test_a_flows_report_with_accepted_rows_links_to_its_preview_beside_it() -> None:
    html = member_report_html(accepted_report("flows"), disclosure_class="confidential")

    assert '<a href="s1.preview.html">' in html
    assert "公表プレビュー" in html
    assert "The public tables change only when the secretariat releases the period." in html


def test_refused_files_and_other_datasets_have_no_preview(report: Report) -> None:
    assert "preview.html" not in member_report_html(report)  # the whole file was refused
    assert "preview.html" not in member_report_html(accepted_report("targets"))
