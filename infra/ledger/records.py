"""The ledger's public records: frozen dataclasses callers get back, never ORM objects, and the status codes."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime
from typing import Any, Final, Literal, get_args

Status = Literal["received", "valid", "partially_valid", "rejected", "published", "superseded"]


Source = Literal["inbox", "http", "sql"]


STATUSES: Final[tuple[str, ...]] = get_args(Status)


SOURCES: Final[tuple[str, ...]] = get_args(Source)


VALIDATED_STATUSES: Final = ("valid", "partially_valid", "rejected")


# Submissions whose rows are (or are about to be) in the warehouse, so a newer file can supersede them.
LIVE_STATUSES: Final = ("valid", "partially_valid", "published")


PUBLISHABLE_STATUSES: Final = ("valid", "partially_valid")


# Members' own systems the nightly run pulls from (see infra/sources.py).
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
    status: str
    n_read: int | None = None
    n_accepted: int | None = None
    n_quarantined: int | None = None
    n_warnings: int | None = None
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
