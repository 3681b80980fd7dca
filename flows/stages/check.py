"""`junkan validate`: the same checks as ingest, on a local file, storing nothing."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path

import polars as pl

from expectations.report import Report, SubmissionInfo, build_rejection_report, build_report
from flows.stages.judge import (
    lineage,
    load_references,
    unregistered_member_ids,
    validate_rows,
    written_member_ids,
)
from infra.readers import read_table
from infra.readers.limits import limits_from_settings
from infra.settings import get_settings
from schemas import get_contract
from schemas.datasets import references_of
from schemas.errors import FileRejected

CHECK_ID = "local-check"


@dataclass(frozen=True)
class _Context:
    """What the ledger here knows around a file: nothing when there is no ledger yet."""

    region: str | None = None
    references: dict[str, pl.DataFrame] | None = None
    unregistered: dict[str, tuple[str, ...]] = field(default_factory=dict)


def _known_context(member_id: str, dataset: str, written: set[str]) -> _Context:
    """The member's region, what its rules look up, and the `written` ids nobody registered, if a ledger exists here.

    Never creates a ledger: without one, nothing is known.
    """
    settings = get_settings()
    database_url = settings.resolved_database_url
    if database_url.startswith("sqlite:///") and not Path(database_url.removeprefix("sqlite:///")).exists():
        return _Context()
    from infra.resources import build_resources

    resources = build_resources(settings, ensure_tables=False)
    try:
        member = resources.ledger.get_member(member_id)
        references = load_references(resources, dataset, [member_id])
        unregistered = unregistered_member_ids(resources, written)
        return _Context(member.region if member else None, references, unregistered)
    finally:
        resources.close()


def check_file(path: Path, *, member_id: str, dataset: str) -> Report:
    """Read, normalise and validate one file as if `member_id` had submitted it; return its report."""
    contract = get_contract(dataset)
    info = SubmissionInfo(
        submission_id=CHECK_ID, member_id=member_id, dataset=dataset, file_name=path.name, received_at=datetime.now(UTC)
    )
    try:
        raw = read_table(path, contract, limits=limits_from_settings(get_settings()))
    except FileRejected as rejected:
        return build_rejection_report(submission=info, rejected=rejected)
    written = written_member_ids([raw.frame.with_columns(submitter_id=pl.lit(member_id))])
    context = _known_context(member_id, dataset, written)
    frame = lineage(raw.frame, submission_id=CHECK_ID, submitter_id=member_id, registered_region=context.region)
    # Without a ledger here, nothing is known: every reference is empty.
    references = context.references
    if references is None:
        references = {name: reference.empty() for name, reference in references_of(dataset).items()}
    result = validate_rows(contract, frame, references=references)
    return build_report(
        submission=info,
        contract=contract,
        result=result,
        raw=raw.frame,
        ignored_columns=raw.ignored_columns,
        sheets=raw.sheets,
        skipped_sheets=raw.skipped_sheets,
        unregistered=context.unregistered,
    )


def describe(report: Report) -> str:
    """Plain text a member can act on: one line per failed row, English and Japanese."""
    file = report.submission.file_name
    lines: list[str] = []
    if report.rejection is not None:
        where = file
        if report.rejection.row is not None:
            where += f", row {report.rejection.row}"
        if report.rejection.column is not None:
            where += f", column {report.rejection.column}"
        lines.append(f"{where}: file rejected: {report.rejection.message_en}")
        lines.append(f"{where}: ファイルを受け付けられません: {report.rejection.message_ja}")
        return "\n".join(lines)
    for label, rows, more in (
        ("error", report.errors, report.errors_not_listed),
        ("warning", report.warnings, report.warnings_not_listed),
    ):
        for row in rows:
            sheet = "" if row.sheet is None else f", sheet {row.sheet!r}"
            where = f"{file}{sheet}, row {row.row}, column {row.column}"
            lines.append(f"{where}: {label}: {row.value!r}: {row.message_en} / {row.message_ja}")
        if more:
            lines.append(f"… and {more} more {label}s")
    for warning in report.file_warnings:
        lines.append(f"{file}: warning: {warning.message_en} / {warning.message_ja}")
    for skipped in report.skipped_sheets:
        lines.append(f"{file}: sheet {skipped.name!r} not read: {skipped.reason_en} / {skipped.reason_ja}")
    if report.ignored_columns:
        lines.append(f"{file}: ignored columns not in the contract: {', '.join(report.ignored_columns)}")
    lines.append(
        f"{file}: {report.status}: read {report.counts.read}, accepted {report.counts.accepted}, "
        f"quarantined {report.counts.quarantined}, warnings {report.counts.warnings}"
    )
    return "\n".join(lines)
