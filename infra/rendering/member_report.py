"""A member's validation report as bilingual HTML (Japanese and English side by side) and as JSON bytes."""

from __future__ import annotations

import json
from dataclasses import dataclass

from expectations.report import STATUS_LABELS, Report
from infra.rendering.templates import template
from infra.storage.keys import preview_key
from schemas import FLOWS
from schemas.vocabulary import CONFIDENTIAL, DISCLOSURE_CLASSES, PUBLIC, labels
from transforms.disclosure import MIN_CONTRIBUTORS


@dataclass(frozen=True)
class DisclosureNote:
    """What a disclosure class means for the member's figures, in both languages (the report's 公開区分 line)."""

    code: str
    label_ja: str
    label_en: str
    meaning_ja: str
    meaning_en: str


_MEANINGS: dict[str, tuple[str, str]] = {
    PUBLIC: ("あなたの数値は公表値として扱われます", "your figures are treated as published values"),
    CONFIDENTIAL: (
        f"{MIN_CONTRIBUTORS}者未満・支配的なセルは秘匿されます",
        f"cells with fewer than {MIN_CONTRIBUTORS} members, or with a dominant one, are suppressed",
    ),
}


def disclosure_note(disclosure_class: str) -> DisclosureNote:
    """The 公開区分 line of a member's report for a class, so a member knows how its flows will be published."""
    term = labels(DISCLOSURE_CLASSES)[disclosure_class]
    meaning_ja, meaning_en = _MEANINGS[disclosure_class]
    return DisclosureNote(term.code, term.label_ja, term.label_en, meaning_ja, meaning_en)


def preview_file_name(report: Report) -> str | None:
    """The file name of the publication preview beside a flows report with accepted rows; None for other reports.

    The preview itself is written later, once the drafts of the file's periods are rebuilt (`flows.stages.preview`).
    """
    submission = report.submission
    if (
        submission.dataset != FLOWS.name
        or report.rejection is not None
        or report.replaced
        or not report.counts.accepted
    ):
        return None
    return preview_key(submission.member_id, submission.dataset, submission.submission_id).rsplit("/", 1)[-1]


def member_report_html(report: Report, *, disclosure_class: str | None = None) -> str:
    """Self-contained bilingual HTML; member text is escaped. `disclosure_class` is the member's class for flows."""
    status_en, status_ja = STATUS_LABELS[report.status]
    note = None if disclosure_class is None else disclosure_note(disclosure_class)
    return template("member_report.html.j2").render(
        report=report, status_en=status_en, status_ja=status_ja, disclosure=note, preview=preview_file_name(report)
    )


def member_report_json(report: Report) -> bytes:
    """The machine-readable report (stable keys), UTF-8, indented for a person who opens it."""
    return json.dumps(report.to_json(), ensure_ascii=False, indent=2).encode("utf-8")
