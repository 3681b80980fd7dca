"""A member's validation report as bilingual HTML (Japanese and English side by side) and as JSON bytes."""

from __future__ import annotations

import json

from expectations.report import STATUS_LABELS, Report
from infra.rendering.templates import template


def member_report_html(report: Report) -> str:
    """Self-contained bilingual HTML; member text is escaped."""
    status_en, status_ja = STATUS_LABELS[report.status]
    return template("member_report.html.j2").render(report=report, status_en=status_en, status_ja=status_ja)


def member_report_json(report: Report) -> bytes:
    """The machine-readable report (stable keys), UTF-8, indented for a person who opens it."""
    return json.dumps(report.to_json(), ensure_ascii=False, indent=2).encode("utf-8")
