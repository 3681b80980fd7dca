"""Recording outcomes: core slices, quarantine, the member's report, and the ledger's outcome last.

Accepted rows go into their member's core slice, refused rows into quarantine; the ledger is written last, so
a crash before it redoes the whole submission.
"""

from __future__ import annotations

import io
import logging
from collections.abc import Sequence

import polars as pl

from flows.stages.judge import Checked
from flows.stages.summary import SubmissionOutcome
from infra import keys
from infra.ledger import Submission, Validation
from infra.rendering.member_report import member_report_html, member_report_json
from infra.resources import Resources
from schemas import CONTRACTS

logger = logging.getLogger(__name__)


def write_core(resources: Resources, dataset: str, checked: Sequence[Checked]) -> None:
    """Replace each member's slices of the core table with accepted rows: one Iceberg commit for the batch."""
    column = CONTRACTS[dataset].scope_column
    frames: list[pl.DataFrame] = []
    members_by_scope: dict[tuple[str, ...], list[str]] = {}
    for one, owned in owned_scopes(resources, checked):
        if not owned:
            continue
        rows = one.accepted
        if column is not None and owned != one.scope:
            rows = rows.filter(pl.col(column).cast(pl.String).is_in(list(owned)))
        frames.append(rows)
        members_by_scope.setdefault(owned, []).append(one.submission.member_id)
    if not frames:
        return
    match = [core_slice(dataset, members, values) for values, members in members_by_scope.items()]
    resources.warehouse.replace(f"core.{dataset}", pl.concat(frames, how="vertical"), match=match)


def core_slice(dataset: str, members: Sequence[str], scope: Sequence[str]) -> dict[str, list[str]]:
    """The slice of a core table that members' files replace: their rows in the periods of `scope`."""
    column = CONTRACTS[dataset].scope_column
    return {"member_id": list(members), **({column: list(scope)} if column is not None else {})}


def owned_scopes(resources: Resources, checked: Sequence[Checked]) -> list[tuple[Checked, tuple[str, ...]]]:
    """Each submission with the periods of its scope it writes to the core table.

    Where two submissions of one member cover the same period, the later one's rows win, as if they had
    been written one after the other, also when the later one was validated in an earlier run.
    """
    owner: dict[tuple[str, str], str] = {}
    # Periods that files validated earlier but received later already hold: one query for the batch.
    held_by = resources.ledger.newer_holders_all({one.submission.submission_id: one.scope for one in checked})
    for one in checked:  # in arrival order
        held = held_by[one.submission.submission_id]
        for value in one.scope:
            owner[(one.submission.member_id, value)] = held.get(value, one.submission.submission_id)
    return [
        (one, tuple(v for v in one.scope if owner[(one.submission.member_id, v)] == one.submission.submission_id))
        for one in checked
    ]


def write_report(resources: Resources, checked: Checked) -> SubmissionOutcome:
    """Store the member's report (HTML and JSON) and say what became of the submission."""
    submission, report = checked.submission, checked.report
    html_key = keys.report_key(submission.member_id, submission.dataset, submission.submission_id, extension="html")
    json_key = keys.report_key(submission.member_id, submission.dataset, submission.submission_id, extension="json")
    html = member_report_html(report).encode("utf-8")
    resources.storage.put_bytes(html_key, html, content_type="text/html; charset=utf-8")
    resources.storage.put_bytes(json_key, member_report_json(report), content_type="application/json")
    return SubmissionOutcome(
        submission_id=submission.submission_id,
        member_id=submission.member_id,
        dataset=submission.dataset,
        key=submission.key,
        status=report.status,
        counts=report.counts,
        report_key=html_key,
        periods=checked.scope,
        message=checked.message,
    )


QUARANTINE_CONTENT_TYPE = "application/vnd.apache.parquet"


def record(resources: Resources, dataset: str, checked: Sequence[Checked]) -> list[SubmissionOutcome]:
    """Record a judged batch of one dataset: core slices, quarantine, reports, then the ledger, in that order."""
    write_core(resources, dataset, checked)
    for one in checked:
        if one.quarantined is not None:
            keep_quarantine(resources, one.submission, one.quarantined)
    return record_outcomes(resources, checked)


def record_outcomes(resources: Resources, checked: Sequence[Checked]) -> list[SubmissionOutcome]:
    """Members' reports, then the ledger's outcomes of the whole batch: one statement, one commit.

    The ledger is written last, so a crash before it leaves the batch received, and the next run redoes it.
    """
    outcomes = [write_report(resources, one) for one in checked]
    validations = [
        Validation(
            submission_id=outcome.submission_id,
            status=outcome.status,
            counts=outcome.counts,
            report_key=outcome.report_key,
            periods=one.rows_per_scope,
            message=outcome.message,
        )
        for outcome, one in zip(outcomes, checked, strict=True)
    ]
    with resources.ledger.batch():
        resources.ledger.record_validations(validations)
        superseded = resources.ledger.supersede_older_all([o.submission_id for o in outcomes if o.periods])
    if superseded:
        logger.info("superseded by this batch: %s", ", ".join(superseded))
    return outcomes


def keep_quarantine(resources: Resources, submission: Submission, rows: pl.DataFrame) -> None:
    """Keep a submission's refused rows as the member sent them, with the checks each failed."""
    buffer = io.BytesIO()
    rows.write_parquet(buffer)
    key = keys.quarantine_key(submission.member_id, submission.dataset, submission.submission_id)
    resources.storage.put_bytes(key, buffer.getvalue(), content_type=QUARANTINE_CONTENT_TYPE)
