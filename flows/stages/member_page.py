"""What a member sees of its own: its files and where each stands, reports, obligations, targets and indicators.

Everything here is read for one member id, the caller's own (the portal passes the logged-in user's, never one
from a URL), so a member never sees another's rows.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

import polars as pl

from infra.ledger import Submission
from infra.resources import Resources
from infra.storage import INBOX, ObjectInfo
from infra.storage.keys import parse_inbox_key, preview_key, report_key
from schemas.outcomes import SubmissionStatus

# Where a file stands, in the order a member's file moves (issue 29): received → validated → in the draft → released;
# rejected, superseded and withdrawn are where a file may stop.
STAGE_OF_STATUS = {
    SubmissionStatus.RECEIVED: "received",
    SubmissionStatus.VALID: "validated",
    SubmissionStatus.PARTIALLY_VALID: "validated",
    SubmissionStatus.REJECTED: "rejected",
    SubmissionStatus.PUBLISHED: "in_draft",
    SubmissionStatus.SUPERSEDED: "superseded",
    SubmissionStatus.WITHDRAWING: "withdrawn",
    SubmissionStatus.WITHDRAWN: "withdrawn",
}
FINAL_STAGES = frozenset({"released", "rejected", "superseded", "withdrawn"})


@dataclass(frozen=True)
class FileStatus:
    """One of a member's files and where it stands."""

    file_name: str
    dataset: str
    stage: str
    sha256: str | None
    received_at: datetime | None
    submission_id: str | None = None
    status: str | None = None
    n_read: int | None = None
    n_accepted: int | None = None
    n_quarantined: int | None = None
    n_warnings: int | None = None
    periods: tuple[str, ...] = ()
    message: str | None = None

    @property
    def is_final(self) -> bool:
        """Whether the file will not move on by itself (a page stops asking)."""
        return self.stage in FINAL_STAGES or self.stage == "in_draft"

    @property
    def can_withdraw(self) -> bool:
        """Whether the member may still take the file back."""
        return self.status in (SubmissionStatus.VALID, SubmissionStatus.PARTIALLY_VALID, SubmissionStatus.PUBLISHED)

    def as_json(self) -> dict[str, Any]:
        """For the status endpoint and the API."""
        return {
            "submission_id": self.submission_id,
            "file_name": self.file_name,
            "dataset": self.dataset,
            "stage": self.stage,
            "status": self.status,
            "sha256": self.sha256,
            "received_at": None if self.received_at is None else self.received_at.isoformat(),
            "n_read": self.n_read,
            "n_accepted": self.n_accepted,
            "n_quarantined": self.n_quarantined,
            "n_warnings": self.n_warnings,
            "periods": list(self.periods),
            "is_final": self.is_final,
        }


def member_files(resources: Resources, member_id: str) -> list[FileStatus]:
    """The member's files, newest first: the ledger's submissions, then inbox files not yet recorded (received)."""
    submissions = resources.ledger.submissions(member_id=member_id)
    released = _released_at(resources) if any(s.status == SubmissionStatus.PUBLISHED for s in submissions) else {}
    waiting = []
    for info in _waiting(resources, member_id, submissions):
        written = parse_inbox_key(info.key)
        waiting.append(
            FileStatus(
                file_name=written.file_name,
                dataset=written.dataset,
                stage="received",
                sha256=None,
                received_at=info.last_modified,
            )
        )
    return waiting[::-1] + [_status(s, released) for s in submissions][::-1]


def file_status(resources: Resources, submission: Submission) -> FileStatus:
    """Where one of the member's files stands (a report page, the API's one submission): no listing of the rest."""
    released = _released_at(resources) if submission.status == SubmissionStatus.PUBLISHED else {}
    return _status(submission, released)


def waiting_sha256s(resources: Resources, member_id: str) -> set[str]:
    """The SHA-256 of each file in the member's inbox not yet recorded: what an upload's status is asked by.

    Read only when asked (the API's status of an unrecorded upload): a member has a handful waiting at most.
    """
    from infra.hashing import sha256_stream

    digests: set[str] = set()
    for info in _waiting(resources, member_id, resources.ledger.submissions(member_id=member_id)):
        with resources.storage.open(info.key) as stream:
            digests.add(sha256_stream(stream)[0])
    return digests


def _waiting(resources: Resources, member_id: str, submissions: Sequence[Submission]) -> list[ObjectInfo]:
    """The member's inbox files written since their key's latest submission (or never recorded), in key order.

    From the member's own submissions: its inbox keys are registered under it (`flows.stages.receive`), so the
    status a page polls for needs no query over every member's submissions.
    """
    latest: dict[str, datetime] = {}
    for submission in submissions:
        latest[submission.key] = max(submission.received_at, latest.get(submission.key, submission.received_at))
    return [
        info
        for info in resources.storage.list(f"{INBOX}/{member_id}/")
        if info.key not in latest or info.last_modified > latest[info.key]
    ]


def _status(submission: Submission, released: dict[str, datetime]) -> FileStatus:
    stage = STAGE_OF_STATUS[submission.status]
    if (
        stage == "in_draft"
        and submission.periods
        and all(period in released and released[period] > submission.received_at for period in submission.periods)
    ):
        stage = "released"
    counts = submission.counts
    return FileStatus(
        file_name=parse_inbox_key(submission.key).file_name
        if submission.key.startswith(f"{INBOX}/")
        else submission.key,
        dataset=submission.dataset,
        stage=stage,
        sha256=submission.sha256,
        received_at=submission.received_at,
        submission_id=submission.submission_id,
        status=str(submission.status),
        n_read=None if counts is None else counts.read,
        n_accepted=None if counts is None else counts.accepted,
        n_quarantined=None if counts is None else counts.quarantined,
        n_warnings=None if counts is None else counts.warnings,
        periods=submission.periods,
        message=submission.message,
    )


def _released_at(resources: Resources) -> dict[str, datetime]:
    """Each period's latest release time (none released: empty)."""
    releases = resources.warehouse.read("mart.releases")
    if releases.is_empty():
        return {}
    latest = releases.group_by("period").agg(pl.col("released_at").max())
    return dict(zip(latest.get_column("period").to_list(), latest.get_column("released_at").to_list(), strict=True))


def member_submission(resources: Resources, member_id: str, submission_id: str) -> Submission | None:
    """One of the member's submissions; None when it does not exist or is another member's (the same answer)."""
    submission = resources.ledger.get_submission(submission_id)
    return submission if submission is not None and submission.member_id == member_id else None


def submission_report(resources: Resources, submission: Submission) -> dict[str, Any] | None:
    """The member report of a validated submission as its JSON (problems with row, column and what to do)."""
    if submission.report_key is None:
        return None
    key = report_key(submission.member_id, submission.dataset, submission.submission_id, extension="json")
    if resources.storage.stat(key) is None:
        return None
    report: dict[str, Any] = json.loads(resources.storage.get_bytes(key))
    return report


def stored_preview_key(resources: Resources, submission: Submission) -> str | None:
    """Where the run stored the file's disclosure preview (which of its cells the next release would publish).

    A run writes one for a flows file with accepted rows once the drafts of its periods are rebuilt
    (`flows.stages.preview`); None before that, and for other files.
    """
    key = preview_key(submission.member_id, submission.dataset, submission.submission_id)
    return key if resources.storage.stat(key) is not None else None


def member_obligations(resources: Resources, member_id: str) -> pl.DataFrame:
    """The member's obligations as the last run judged them: due dates, met, due or overdue."""
    return (
        resources.warehouse.read("core.member_obligations", where={"member_id": [member_id]})
        .filter(pl.col("status") != "not_applicable")
        .sort("due_on", nulls_last=True)
    )


def member_targets(resources: Resources, member_id: str) -> pl.DataFrame:
    """The member's targets in force and their progress."""
    progress = resources.warehouse.read("core.target_progress", where={"member_id": [member_id]})
    return progress.filter(pl.col("is_current_version")) if "is_current_version" in progress.columns else progress


def targets_beside_kind(resources: Resources, member_id: str, kind: str) -> pl.DataFrame:
    """The member's targets in force, each beside the published progress of its kind's targets of that indicator.

    `mart.target_progress` is what the partnership released per indicator and member kind (a small group withheld,
    `kind_suppressed`): the municipalities' or companies' figure a member compares itself with.
    """
    own = member_targets(resources, member_id)
    if own.is_empty() or "indicator" not in own.columns:
        return own
    published = resources.warehouse.read("mart.target_progress").filter(pl.col("member_kind") == kind)
    of_kind = published.select(
        "indicator",
        pl.col("n_targets").alias("kind_n_targets"),
        pl.col("n_on_track").alias("kind_n_on_track"),
        pl.col("median_progress_ratio").alias("kind_median_progress_ratio"),
        pl.col("suppressed").alias("kind_suppressed"),
    ).unique("indicator", keep="first")
    return own.join(of_kind, on="indicator", how="left")


def indicators_beside_published(resources: Resources, member_id: str, region: str) -> pl.DataFrame:
    """The member's own indicators (all materials), each beside the published figure of its region and nationwide."""
    own = resources.warehouse.read("core.member_indicators", where={"member_id": [member_id]})
    if own.is_empty():
        return own
    keep = ["period", "input_cyclical_use_rate", "output_cyclical_use_rate", "final_disposal_t", "waste_generated_t"]
    own = _all_scope(own)
    if "region" in own.columns:
        own = own.filter(pl.col("region") == "all")
    own = own.select([name for name in keep if name in own.columns])
    published = _all_scope(resources.warehouse.read("mart.indicators"))
    region_rows = published.filter(pl.col("region") == region) if "region" in published.columns else published.clear()
    national = published.filter(pl.col("region") == "all") if "region" in published.columns else published.clear()
    for suffix, frame in (("_region", region_rows), ("_national", national)):
        columns = [name for name in keep if name in frame.columns]
        renamed = frame.select(columns).rename({name: f"{name}{suffix}" for name in columns if name != "period"})
        own = own.join(renamed.unique("period"), on="period", how="left")
    return own.sort("period", descending=True)


def _all_scope(frame: pl.DataFrame) -> pl.DataFrame:
    """Rows of every material together (material 'all'), where the frame has the column."""
    if "material" in frame.columns:
        frame = frame.filter(pl.col("material") == "all")
    return frame
