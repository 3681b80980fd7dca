"""The ledger's public records: frozen dataclasses callers get back, never ORM objects, and the status codes."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any, Final, Literal, get_args

from schemas.outcomes import LIVE, PUBLISHABLE, VALIDATED, Counts, SubmissionStatus

Status = SubmissionStatus


Source = Literal["inbox", "http", "sql"]


STATUSES: Final[tuple[str, ...]] = tuple(SubmissionStatus)


SOURCES: Final[tuple[str, ...]] = get_args(Source)


VALIDATED_STATUSES: Final = VALIDATED


# Submissions whose rows are (or are about to be) in the warehouse, so a newer file can supersede them.
LIVE_STATUSES: Final = LIVE


PUBLISHABLE_STATUSES: Final = PUBLISHABLE


# Members' own systems the nightly run pulls from (see flows/stages/pull.py).
SourceKind = Literal["http", "sql"]


SOURCE_KINDS: Final[tuple[str, ...]] = get_args(SourceKind)


@dataclass(frozen=True)
class Member:
    """A partnership member as the ledger registers it."""

    member_id: str
    name: str
    kind: str
    region: str
    joined_on: date
    created_at: datetime | None = None


@dataclass(frozen=True)
class DisclosureChange:
    """One entry of a member's disclosure-class history: the class it chose for a dataset, from which day."""

    member_id: str
    dataset: str
    disclosure_class: str
    consented_on: date
    recorded_at: datetime


@dataclass(frozen=True)
class MemberChange:
    """One change of a member's kind or region, from the day `changed_on` on."""

    change_id: int
    member_id: str
    kind_from: str
    kind_to: str
    region_from: str
    region_to: str
    changed_on: date
    recorded_at: datetime
    published_at: datetime | None = None  # when a run first rebuilt the obligations after it

    def describe(self) -> str:
        """What changed, as the operator reads it: `corp-x: kind company → industry_association, from 2026-12-07`."""
        parts = [
            f"{name} {before} → {after}"
            for name, before, after in (
                ("kind", self.kind_from, self.kind_to),
                ("region", self.region_from, self.region_to),
            )
            if before != after
        ]
        return f"{self.member_id}: {', '.join(parts)}, from {self.changed_on.isoformat()}"


@dataclass(frozen=True)
class Submission:
    """One file a member submitted (the same content twice is one submission) and its fate."""

    submission_id: str
    member_id: str
    dataset: str
    key: str
    sha256: str
    size: int
    source: str
    received_at: datetime
    status: SubmissionStatus
    counts: Counts | None = None  # None until validated
    report_key: str | None = None
    superseded_by: str | None = None
    message: str | None = None
    periods: tuple[str, ...] = ()
    live_periods: tuple[str, ...] = ()  # periods no newer file of the member has replaced
    live_rows: int = 0  # accepted rows in those periods: what the core table holds of this file


@dataclass(frozen=True)
class Run:
    """One pipeline run with its parameters and summary."""

    run_id: str
    kind: str
    parameters: dict[str, Any]
    started_at: datetime
    status: str
    finished_at: datetime | None = None
    summary: dict[str, Any] | None = None


@dataclass(frozen=True)
class PullSource:
    """A member's own system the nightly run pulls one dataset from; secrets are named, never held.

    `secret_block` names a Prefect Secret block: for `http` the bearer token (optional), for `sql` the
    SQLAlchemy URL (which may hold a password), so the ledger never stores a credential.
    """

    source_id: str
    member_id: str
    dataset: str
    kind: str
    created_at: datetime
    url: str | None = None
    secret_block: str | None = None
    table_name: str | None = None
    schema_name: str | None = None


@dataclass(frozen=True)
class Validation:
    """What validating one submission gave, as the ledger records it."""

    submission_id: str
    status: SubmissionStatus
    counts: Counts
    report_key: str
    periods: Mapping[str, int]  # accepted rows per period (year, or target id) of its scope
    message: str | None = None
