"""The SQL ledger: members, every submission and what became of it, and pipeline runs.

SQLAlchemy 2 typed ORM underneath, alembic for the schema; the public API returns frozen dataclasses,
never ORM objects, so callers cannot lazily touch a closed session.
"""

from __future__ import annotations

import functools
import json
import re
import threading
import uuid
from collections.abc import Iterator, Mapping, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import UTC, date, datetime
from pathlib import Path
from typing import Any, Final, Literal, get_args
from urllib.parse import urlsplit

import sqlalchemy as sa
from sqlalchemy import event
from sqlalchemy.engine import Dialect, Engine
from sqlalchemy.exc import IntegrityError, OperationalError
from sqlalchemy.orm import DeclarativeBase, Mapped, Session, mapped_column, relationship, selectinload, sessionmaker

from infra.keys import check_dataset, check_key, check_member_id
from infra.redact import redact_url
from schemas.vocabulary import MEMBER_KIND_CODES, REGION_PATTERN

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
# Prefect block document names: lower-case letters, digits and dashes.
SECRET_BLOCK_PATTERN: Final = r"[a-z0-9][a-z0-9-]{0,99}"
MAX_SOURCE_URL_CHARS: Final = 2000
MAX_TABLE_NAME_CHARS: Final = 128

MIGRATIONS = Path(__file__).with_name("migrations")
SQLITE_BUSY_TIMEOUT_MS = 30_000


# --- public records ----------------------------------------------------------------------------


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


# --- ORM ---------------------------------------------------------------------------------------


class UTCDateTime(sa.TypeDecorator[datetime]):
    """Timezone-aware UTC timestamps on every backend (SQLite stores them naive, in UTC)."""

    impl = sa.DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value: datetime | None, dialect: Dialect) -> datetime | None:
        """Refuse naive datetimes; store UTC."""
        if value is None:
            return None
        if value.tzinfo is None:
            msg = f"timestamp {value!r} has no time zone; pass an aware datetime"
            raise ValueError(msg)
        value = value.astimezone(UTC)
        return value.replace(tzinfo=None) if dialect.name == "sqlite" else value

    def process_result_value(self, value: datetime | None, dialect: Dialect) -> datetime | None:
        """Always hand back aware UTC."""
        if value is None:
            return None
        return value.replace(tzinfo=UTC) if value.tzinfo is None else value.astimezone(UTC)


class Base(DeclarativeBase):
    """Declarative base of the ledger tables (alembic's target metadata)."""


def _in(column: str, values: Sequence[str]) -> str:
    return f"{column} IN ({', '.join(repr(value) for value in values)})"


class MemberRow(Base):
    """members table."""

    __tablename__ = "members"

    member_id: Mapped[str] = mapped_column(sa.String(64), primary_key=True)
    name: Mapped[str] = mapped_column(sa.String(200))
    kind: Mapped[str] = mapped_column(sa.String(32))
    region: Mapped[str] = mapped_column(sa.String(10))
    joined_on: Mapped[date] = mapped_column(sa.Date())
    created_at: Mapped[datetime] = mapped_column(UTCDateTime())


class SubmissionRow(Base):
    """submissions table."""

    __tablename__ = "submissions"
    __table_args__ = (
        sa.UniqueConstraint("member_id", "dataset", "sha256", name="uq_submissions_member_dataset_sha256"),
        sa.CheckConstraint(_in("status", STATUSES), name="ck_submissions_status"),
        sa.CheckConstraint(_in("source", SOURCES), name="ck_submissions_source"),
        sa.Index("ix_submissions_status_received_at", "status", "received_at"),
        sa.Index("ix_submissions_member_dataset", "member_id", "dataset"),
    )

    submission_id: Mapped[str] = mapped_column(sa.String(128), primary_key=True)
    member_id: Mapped[str] = mapped_column(sa.String(64), sa.ForeignKey("members.member_id"))
    dataset: Mapped[str] = mapped_column(sa.String(32))
    key: Mapped[str] = mapped_column(sa.String(1024))
    sha256: Mapped[str] = mapped_column(sa.String(64))
    size: Mapped[int] = mapped_column(sa.BigInteger())
    source: Mapped[str] = mapped_column(sa.String(16))
    received_at: Mapped[datetime] = mapped_column(UTCDateTime())
    status: Mapped[str] = mapped_column(sa.String(20))
    n_read: Mapped[int | None] = mapped_column(sa.Integer())
    n_accepted: Mapped[int | None] = mapped_column(sa.Integer())
    n_quarantined: Mapped[int | None] = mapped_column(sa.Integer())
    n_warnings: Mapped[int | None] = mapped_column(sa.Integer())
    report_key: Mapped[str | None] = mapped_column(sa.String(1024))
    superseded_by: Mapped[str | None] = mapped_column(sa.String(128), sa.ForeignKey("submissions.submission_id"))
    message: Mapped[str | None] = mapped_column(sa.Text())

    periods: Mapped[list[SubmissionPeriodRow]] = relationship(
        cascade="all, delete-orphan", order_by="SubmissionPeriodRow.period"
    )


class SubmissionPeriodRow(Base):
    """submission_periods table: the periods (or years) a submission's accepted rows cover."""

    __tablename__ = "submission_periods"

    submission_id: Mapped[str] = mapped_column(
        sa.String(128), sa.ForeignKey("submissions.submission_id", ondelete="CASCADE"), primary_key=True
    )
    period: Mapped[str] = mapped_column(sa.String(16), primary_key=True, index=True)
    n_rows: Mapped[int | None] = mapped_column(sa.Integer())
    superseded_by: Mapped[str | None] = mapped_column(sa.String(128))


class RunRow(Base):
    """runs table."""

    __tablename__ = "runs"

    run_id: Mapped[str] = mapped_column(sa.String(64), primary_key=True)
    kind: Mapped[str] = mapped_column(sa.String(64))
    parameters: Mapped[dict[str, Any]] = mapped_column(sa.JSON())
    started_at: Mapped[datetime] = mapped_column(UTCDateTime())
    finished_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    status: Mapped[str] = mapped_column(sa.String(20))
    summary: Mapped[dict[str, Any] | None] = mapped_column(sa.JSON())


class SourceRow(Base):
    """sources table: members' systems to pull from (no credentials: only names of Prefect Secret blocks)."""

    __tablename__ = "sources"
    __table_args__ = (
        sa.CheckConstraint(_in("kind", SOURCE_KINDS), name="ck_sources_kind"),
        sa.CheckConstraint(
            "(kind = 'http' AND url IS NOT NULL AND table_name IS NULL) OR "
            "(kind = 'sql' AND url IS NULL AND secret_block IS NOT NULL AND table_name IS NOT NULL)",
            name="ck_sources_kind_fields",
        ),
        sa.Index("ix_sources_member_dataset", "member_id", "dataset"),
    )

    source_id: Mapped[str] = mapped_column(sa.String(32), primary_key=True)
    member_id: Mapped[str] = mapped_column(sa.String(64), sa.ForeignKey("members.member_id"))
    dataset: Mapped[str] = mapped_column(sa.String(32))
    kind: Mapped[str] = mapped_column(sa.String(16))
    url: Mapped[str | None] = mapped_column(sa.String(MAX_SOURCE_URL_CHARS))
    secret_block: Mapped[str | None] = mapped_column(sa.String(100))
    table_name: Mapped[str | None] = mapped_column(sa.String(MAX_TABLE_NAME_CHARS))
    schema_name: Mapped[str | None] = mapped_column(sa.String(MAX_TABLE_NAME_CHARS))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime())


# --- the ledger --------------------------------------------------------------------------------


def _now() -> datetime:
    return datetime.now(UTC)


def _new_id(prefix: str, at: datetime) -> str:
    """Ids sort by time, so 'older' has the same meaning for ids and timestamps."""
    return f"{prefix}{at.astimezone(UTC):%Y%m%dT%H%M%S%f}Z-{uuid.uuid4().hex[:12]}"


class Ledger:
    """The submissions ledger over one SQLAlchemy engine; build it with `Ledger.connect(url)`."""

    def __init__(self, engine: Engine) -> None:
        self.engine = engine
        self._sessions = sessionmaker(engine, expire_on_commit=False)
        self._open = threading.local()  # the session of a `batch()` block, per thread

    def __repr__(self) -> str:
        return f"Ledger({self.engine.url.render_as_string(hide_password=True)!r})"

    @classmethod
    def connect(cls, url: str) -> Ledger:
        """Open (creating if needed) the ledger database and bring its schema to the latest revision."""
        engine = create_engine(url)
        upgrade(engine)
        return cls(engine)

    def close(self) -> None:
        """Release pooled connections."""
        self.engine.dispose()

    @contextmanager
    def batch(self) -> Iterator[None]:
        """Make every ledger call of this thread inside the block one transaction, committed at its end.

        Thousands of outcomes then cost one commit; if anything fails, none of them is recorded.
        """
        if getattr(self._open, "session", None) is not None:
            yield  # already inside a batch: the outer one commits
            return
        with self._sessions.begin() as session:
            self._open.session = session
            try:
                yield
            finally:
                self._open.session = None

    @contextmanager
    def _session(self) -> Iterator[Session]:
        session: Session | None = getattr(self._open, "session", None)
        if session is not None:
            yield session
            session.flush()
            return
        with self._sessions.begin() as session:
            yield session

    # members -------------------------------------------------------------------------------

    def add_member(self, member: Member) -> bool:
        """Register a member (True) or update the name, kind and region of an existing one (False)."""
        check_member_id(member.member_id)
        if member.kind not in MEMBER_KIND_CODES:
            msg = f"member {member.member_id!r}: kind {member.kind!r} must be one of {', '.join(MEMBER_KIND_CODES)}"
            raise ValueError(msg)
        if not re.fullmatch(REGION_PATTERN, member.region):
            msg = f"member {member.member_id!r}: region {member.region!r} must be an ISO 3166 code such as JP-40"
            raise ValueError(msg)
        with self._session() as session:
            row = session.get(MemberRow, member.member_id)
            if row is not None:
                row.name, row.kind, row.region = member.name, member.kind, member.region
                return False
            session.add(
                MemberRow(
                    member_id=member.member_id,
                    name=member.name,
                    kind=member.kind,
                    region=member.region,
                    joined_on=member.joined_on,
                    created_at=member.created_at or _now(),
                )
            )
            return True

    def get_member(self, member_id: str) -> Member | None:
        """A member, or None when unknown."""
        with self._session() as session:
            row = session.get(MemberRow, member_id)
            return None if row is None else _member(row)

    def list_members(self) -> list[Member]:
        """All members by id."""
        with self._session() as session:
            return [_member(row) for row in session.scalars(sa.select(MemberRow).order_by(MemberRow.member_id))]

    # submissions ---------------------------------------------------------------------------

    def register_submission(
        self,
        *,
        member_id: str,
        dataset: str,
        key: str,
        sha256: str,
        size: int,
        source: Source = "inbox",
        received_at: datetime | None = None,
    ) -> tuple[Submission, bool]:
        """Record a received file; the same content from the same member for the same dataset is one submission.

        Returns the submission and whether it was newly created.
        """
        check_dataset(dataset)
        check_key(key)
        if source not in SOURCES:
            msg = f"submission source {source!r} must be one of {', '.join(SOURCES)}"
            raise ValueError(msg)
        if not re.fullmatch(r"[0-9a-f]{64}", sha256):
            msg = f"sha256 {sha256!r} of {key!r} must be 64 lower-case hex digits"
            raise ValueError(msg)
        received_at = received_at or _now()
        try:
            with self._session() as session:
                if session.get(MemberRow, member_id) is None:
                    msg = (
                        f"{key}: member {member_id!r} is not registered; add the member first "
                        f"(junkan members add) / 会員 {member_id!r} は登録されていません"
                    )
                    raise ValueError(msg)
                existing = self._find(session, member_id, dataset, sha256)
                if existing is not None:
                    return _submission(existing), False
                row = SubmissionRow(
                    submission_id=_new_id("s", received_at),
                    member_id=member_id,
                    dataset=dataset,
                    key=key,
                    sha256=sha256,
                    size=size,
                    source=source,
                    received_at=received_at,
                    status="received",
                    periods=[],
                )
                session.add(row)
                session.flush()
                return _submission(row), True
        except IntegrityError:
            # Another process registered the same content between our lookup and insert.
            with self._session() as session:
                existing = self._find(session, member_id, dataset, sha256)
                if existing is None:
                    raise
                return _submission(existing), False

    @staticmethod
    def _find(session: Session, member_id: str, dataset: str, sha256: str) -> SubmissionRow | None:
        query = (
            sa.select(SubmissionRow)
            .options(selectinload(SubmissionRow.periods))
            .where(
                SubmissionRow.member_id == member_id,
                SubmissionRow.dataset == dataset,
                SubmissionRow.sha256 == sha256,
            )
        )
        return session.scalars(query).one_or_none()

    def pending_submissions(self) -> list[Submission]:
        """Submissions still waiting for validation, oldest first."""
        return self.submissions(status="received")

    def record_validation(
        self,
        submission_id: str,
        *,
        status: Literal["valid", "partially_valid", "rejected"],
        n_read: int,
        n_accepted: int,
        n_quarantined: int,
        n_warnings: int,
        report_key: str,
        periods: Sequence[str] | Mapping[str, int],
        message: str | None = None,
    ) -> None:
        """Record the outcome of validating a submission; every row read is either accepted or quarantined.

        `periods` may map each period to the accepted rows in it, so the ledger can say how many rows of the
        file stay in the core table when a newer file replaces some of its periods.
        """
        if status not in VALIDATED_STATUSES:
            msg = f"validation status {status!r} must be one of {', '.join(VALIDATED_STATUSES)}"
            raise ValueError(msg)
        if min(n_read, n_accepted, n_quarantined, n_warnings) < 0:
            msg = f"submission {submission_id}: row counts cannot be negative"
            raise ValueError(msg)
        if n_read != n_accepted + n_quarantined:
            msg = (
                f"submission {submission_id}: {n_read} rows read but {n_accepted} accepted + "
                f"{n_quarantined} quarantined = {n_accepted + n_quarantined}; no row may be lost"
            )
            raise ValueError(msg)
        check_key(report_key)
        with self._session() as session:
            row = self._get(session, submission_id)
            row.status = status
            row.n_read, row.n_accepted, row.n_quarantined, row.n_warnings = (
                n_read,
                n_accepted,
                n_quarantined,
                n_warnings,
            )
            row.report_key = report_key
            row.message = message
            row.superseded_by = None
            counts: Mapping[str, int | None] = periods if isinstance(periods, Mapping) else dict.fromkeys(periods)
            row.periods.clear()
            session.flush()  # delete the old periods before inserting, or the primary key clashes
            row.periods.extend(
                SubmissionPeriodRow(submission_id=submission_id, period=period, n_rows=counts[period])
                for period in sorted(counts)
            )

    def supersede_older(self, submission_id: str) -> list[str]:
        """Take over this submission's periods from the member's older live files; yield them to newer ones.

        Newer means received later, even if validated earlier. A file whose periods have all been replaced
        is superseded; one only partly replaced stays live for the rest. Returns the ids of the older files
        now wholly superseded.
        """
        with self._session() as session:
            this = self._get(session, submission_id)
            mine = {period.period: period for period in this.periods}
            if not mine:
                return []
            query = (
                sa.select(SubmissionPeriodRow, SubmissionRow)
                .join(SubmissionRow, SubmissionRow.submission_id == SubmissionPeriodRow.submission_id)
                .where(
                    SubmissionRow.member_id == this.member_id,
                    SubmissionRow.dataset == this.dataset,
                    SubmissionRow.submission_id != submission_id,
                    SubmissionRow.status.in_(LIVE_STATUSES),
                    SubmissionPeriodRow.period.in_(list(mine)),
                    SubmissionPeriodRow.superseded_by.is_(None),
                )
                .order_by(SubmissionRow.received_at, SubmissionRow.submission_id)
                .with_for_update()
            )
            touched: dict[str, SubmissionRow] = {}
            for period_row, other in session.execute(query):
                if (other.received_at, other.submission_id) < (this.received_at, this.submission_id):
                    period_row.superseded_by = submission_id
                    touched[other.submission_id] = other
                else:  # a newer file already holds this period
                    mine[period_row.period].superseded_by = other.submission_id
            session.flush()
            superseded = []
            for other in touched.values():
                if all(period.superseded_by is not None for period in other.periods):
                    other.status = "superseded"
                    other.superseded_by = submission_id
                    superseded.append(other.submission_id)
            if all(period.superseded_by is not None for period in this.periods):
                this.status = "superseded"
                this.superseded_by = next(p.superseded_by for p in this.periods)
            return superseded

    def newer_holders(self, submission_id: str, periods: Sequence[str]) -> dict[str, str]:
        """Of these periods, those a newer live file of the same member and dataset already holds, and by whom."""
        if not periods:
            return {}
        with self._session() as session:
            this = self._get(session, submission_id)
            query = (
                sa.select(SubmissionPeriodRow.period, SubmissionRow.submission_id)
                .join(SubmissionRow, SubmissionRow.submission_id == SubmissionPeriodRow.submission_id)
                .where(
                    SubmissionRow.member_id == this.member_id,
                    SubmissionRow.dataset == this.dataset,
                    SubmissionRow.submission_id != submission_id,
                    SubmissionRow.status.in_(LIVE_STATUSES),
                    SubmissionPeriodRow.period.in_(list(periods)),
                    SubmissionPeriodRow.superseded_by.is_(None),
                    sa.or_(
                        SubmissionRow.received_at > this.received_at,
                        sa.and_(
                            SubmissionRow.received_at == this.received_at,
                            SubmissionRow.submission_id > submission_id,
                        ),
                    ),
                )
            )
            return {period: holder for period, holder in session.execute(query)}

    def supersede(self, submission_id: str, *, message: str) -> None:
        """Retire a submission before validation (its object changed since it was received), saying why."""
        with self._session() as session:
            row = self._get(session, submission_id)
            row.status = "superseded"
            row.message = message
            for period in row.periods:
                period.superseded_by = period.superseded_by or submission_id

    def receive_again(self, submission_id: str) -> Submission:
        """A superseded file's content arrived again: it waits for validation as the newest file."""
        with self._session() as session:
            row = self._get(session, submission_id)
            row.status = "received"
            row.received_at = _now()
            row.superseded_by = None
            row.message = None
            row.periods.clear()
            session.flush()
            return _submission(row)

    def mark_published(self, submission_ids: Sequence[str]) -> None:
        """Mark validated submissions as published; others (rejected, superseded, published) are left alone."""
        if not submission_ids:
            return
        with self._session() as session:
            found = set(
                session.scalars(
                    sa.select(SubmissionRow.submission_id).where(SubmissionRow.submission_id.in_(submission_ids))
                )
            )
            missing = sorted(set(submission_ids) - found)
            if missing:
                msg = f"unknown submissions: {', '.join(missing)}"
                raise ValueError(msg)
            session.execute(
                sa.update(SubmissionRow)
                .where(
                    SubmissionRow.submission_id.in_(submission_ids),
                    SubmissionRow.status.in_(PUBLISHABLE_STATUSES),
                )
                .values(status="published")
            )

    def submissions(
        self, *, member_id: str | None = None, dataset: str | None = None, status: Status | None = None
    ) -> list[Submission]:
        """Submissions matching every filter given, oldest first."""
        query = sa.select(SubmissionRow).options(selectinload(SubmissionRow.periods))
        if member_id is not None:
            query = query.where(SubmissionRow.member_id == member_id)
        if dataset is not None:
            query = query.where(SubmissionRow.dataset == dataset)
        if status is not None:
            query = query.where(SubmissionRow.status == status)
        query = query.order_by(SubmissionRow.received_at, SubmissionRow.submission_id)
        with self._session() as session:
            return [_submission(row) for row in session.scalars(query)]

    def get_submission(self, submission_id: str) -> Submission | None:
        """One submission, or None when unknown."""
        with self._session() as session:
            row = session.get(SubmissionRow, submission_id, options=[selectinload(SubmissionRow.periods)])
            return None if row is None else _submission(row)

    def known_keys(self) -> set[str]:
        """Every storage key ever registered, so a sweep can find files nobody has seen."""
        with self._session() as session:
            return set(session.scalars(sa.select(SubmissionRow.key).distinct()))

    @staticmethod
    def _get(session: Session, submission_id: str) -> SubmissionRow:
        row = session.get(SubmissionRow, submission_id, options=[selectinload(SubmissionRow.periods)])
        if row is None:
            msg = f"unknown submission {submission_id!r}"
            raise ValueError(msg)
        return row

    # runs ----------------------------------------------------------------------------------

    def start_run(self, kind: str, parameters: dict[str, Any]) -> str:
        """Record the start of a pipeline run and return its id."""
        started_at = _now()
        run_id = _new_id("r", started_at)
        with self._session() as session:
            session.add(
                RunRow(run_id=run_id, kind=kind, parameters=parameters, started_at=started_at, status="running")
            )
        return run_id

    def finish_run(self, run_id: str, *, status: str, summary: dict[str, Any]) -> None:
        """Record how a run ended."""
        with self._session() as session:
            row = session.get(RunRow, run_id)
            if row is None:
                msg = f"unknown run {run_id!r}"
                raise ValueError(msg)
            row.status, row.summary, row.finished_at = status, summary, _now()

    def get_run(self, run_id: str) -> Run | None:
        """One run, or None when unknown."""
        with self._session() as session:
            row = session.get(RunRow, run_id)
            return None if row is None else _run(row)

    def runs(self, *, kind: str | None = None) -> list[Run]:
        """Runs, oldest first, optionally of one kind."""
        query = sa.select(RunRow).order_by(RunRow.started_at, RunRow.run_id)
        if kind is not None:
            query = query.where(RunRow.kind == kind)
        with self._session() as session:
            return [_run(row) for row in session.scalars(query)]

    # sources -------------------------------------------------------------------------------

    def add_source(
        self,
        *,
        member_id: str,
        dataset: str,
        kind: SourceKind,
        url: str | None = None,
        secret_block: str | None = None,
        table_name: str | None = None,
        schema_name: str | None = None,
    ) -> PullSource:
        """Register a member's system to pull `dataset` from: an HTTP URL, or a SQL table whose URL is a secret."""
        check_member_id(member_id)
        check_dataset(dataset)
        if kind not in SOURCE_KINDS:
            msg = f"source kind {kind!r} must be one of {', '.join(SOURCE_KINDS)}"
            raise ValueError(msg)
        if secret_block is not None:
            check_secret_block(secret_block)
        if kind == "http":
            if url is None or table_name is not None or schema_name is not None:
                msg = "an http source needs a URL and no table or schema"
                raise ValueError(msg)
            check_http_url(url)
        else:
            if url is not None:
                msg = (
                    "a sql source never stores its URL (it may hold a password): "
                    "save it as a Prefect Secret block and pass the block's name"
                )
                raise ValueError(msg)
            if secret_block is None or table_name is None:
                msg = "a sql source needs the name of the Secret block holding its URL and a table name"
                raise ValueError(msg)
            check_table_name(table_name, what="table")
            if schema_name is not None:
                check_table_name(schema_name, what="schema")
        created_at = _now()
        with self._session() as session:
            if session.get(MemberRow, member_id) is None:
                msg = f"member {member_id!r} is not registered; add the member first (junkan members add)"
                raise ValueError(msg)
            row = SourceRow(
                source_id=f"src-{uuid.uuid4().hex[:12]}",
                member_id=member_id,
                dataset=dataset,
                kind=kind,
                url=url,
                secret_block=secret_block,
                table_name=table_name,
                schema_name=schema_name,
                created_at=created_at,
            )
            session.add(row)
            session.flush()
            return _pull_source(row)

    def list_sources(self, *, member_id: str | None = None, dataset: str | None = None) -> list[PullSource]:
        """Registered sources, oldest first, optionally of one member and dataset."""
        query = sa.select(SourceRow).order_by(SourceRow.created_at, SourceRow.source_id)
        if member_id is not None:
            query = query.where(SourceRow.member_id == member_id)
        if dataset is not None:
            query = query.where(SourceRow.dataset == dataset)
        with self._session() as session:
            return [_pull_source(row) for row in session.scalars(query)]

    def remove_source(self, source_id: str) -> bool:
        """Forget a source (its past submissions stay); False when no source has that id."""
        with self._session() as session:
            row = session.get(SourceRow, source_id)
            if row is None:
                return False
            session.delete(row)
            return True


def check_secret_block(name: str) -> str:
    """Return a Prefect block document name unchanged, or raise ValueError."""
    if not isinstance(name, str) or not re.fullmatch(SECRET_BLOCK_PATTERN, name):
        msg = f"secret block name {name!r} must be 1-100 lower-case letters, digits and dashes (Prefect's rule)"
        raise ValueError(msg)
    return name


def check_table_name(name: str, *, what: str = "table") -> str:
    """Return a table (or schema) name unchanged when it is plain text, or raise ValueError."""
    if not isinstance(name, str) or not name or name != name.strip() or len(name) > MAX_TABLE_NAME_CHARS:
        msg = f"{what} name {name!r} must be 1-{MAX_TABLE_NAME_CHARS} characters without surrounding spaces"
        raise ValueError(msg)
    if any(not char.isprintable() for char in name):
        msg = f"{what} name {name!r} contains a control character"
        raise ValueError(msg)
    return name


def check_http_url(url: str) -> str:
    """Return an HTTP source URL unchanged when it is http(s) with a host and no credentials in it."""
    if not isinstance(url, str) or not url or len(url) > MAX_SOURCE_URL_CHARS:
        msg = f"source URL must be 1-{MAX_SOURCE_URL_CHARS} characters"
        raise ValueError(msg)
    if any(char.isspace() or not char.isprintable() for char in url):
        msg = f"source URL {redact_url(url)!r} contains spaces or control characters; percent-encode them"
        raise ValueError(msg)
    parts = urlsplit(url)
    if parts.scheme not in ("http", "https"):
        msg = f"source URL must start with http:// or https://, not {parts.scheme + ':' if parts.scheme else '(none)'}"
        raise ValueError(msg)
    if not parts.hostname:
        msg = f"source URL {redact_url(url)!r} has no host"
        raise ValueError(msg)
    if parts.username is not None or parts.password is not None:
        msg = (
            f"source URL {redact_url(url)!r} carries a user name or password; remove it and give the "
            "credential as a token (--token-env or --token-block), which is kept in a Prefect Secret block"
        )
        raise ValueError(msg)
    try:
        _ = parts.port
    except ValueError:
        msg = f"source URL {redact_url(url)!r} has an invalid port"
        raise ValueError(msg) from None
    return url


def _member(row: MemberRow) -> Member:
    return Member(row.member_id, row.name, row.kind, row.region, row.joined_on, row.created_at)


def _submission(row: SubmissionRow) -> Submission:
    return Submission(
        submission_id=row.submission_id,
        member_id=row.member_id,
        dataset=row.dataset,
        key=row.key,
        sha256=row.sha256,
        size=row.size,
        source=row.source,
        received_at=row.received_at,
        status=row.status,
        n_read=row.n_read,
        n_accepted=row.n_accepted,
        n_quarantined=row.n_quarantined,
        n_warnings=row.n_warnings,
        report_key=row.report_key,
        superseded_by=row.superseded_by,
        message=row.message,
        periods=tuple(period.period for period in row.periods),
        live_periods=tuple(period.period for period in row.periods if period.superseded_by is None),
        live_rows=sum(period.n_rows or 0 for period in row.periods if period.superseded_by is None),
    )


def _pull_source(row: SourceRow) -> PullSource:
    return PullSource(
        source_id=row.source_id,
        member_id=row.member_id,
        dataset=row.dataset,
        kind=row.kind,
        created_at=row.created_at,
        url=row.url,
        secret_block=row.secret_block,
        table_name=row.table_name,
        schema_name=row.schema_name,
    )


def _run(row: RunRow) -> Run:
    return Run(row.run_id, row.kind, dict(row.parameters), row.started_at, row.status, row.finished_at, row.summary)


# --- engine and schema -------------------------------------------------------------------------


def create_engine(url: str) -> Engine:
    """An engine for the ledger; SQLite gets WAL, a busy timeout, foreign keys and BEGIN IMMEDIATE."""
    parsed = sa.make_url(url)
    serializer = functools.partial(json.dumps, default=str, ensure_ascii=False)
    create_database_if_missing(url)
    if parsed.get_backend_name() == "sqlite":
        engine = sa.create_engine(
            parsed, json_serializer=serializer, connect_args={"timeout": SQLITE_BUSY_TIMEOUT_MS / 1000}
        )
        event.listen(engine, "connect", _configure_sqlite)
        # Take the write lock when a transaction starts: two writers then queue on the busy timeout
        # instead of deadlocking on a read-to-write lock upgrade.
        event.listen(engine, "begin", lambda connection: connection.exec_driver_sql("BEGIN IMMEDIATE"))
        return engine
    return sa.create_engine(parsed, json_serializer=serializer, pool_pre_ping=True)


def _configure_sqlite(dbapi_connection: Any, _record: Any) -> None:
    dbapi_connection.isolation_level = None  # SQLAlchemy emits BEGIN itself (see create_engine)
    cursor = dbapi_connection.cursor()
    try:
        cursor.execute("PRAGMA journal_mode=WAL")
        cursor.execute(f"PRAGMA busy_timeout={SQLITE_BUSY_TIMEOUT_MS}")
        cursor.execute("PRAGMA foreign_keys=ON")
    finally:
        cursor.close()


def create_database_if_missing(database_url: str) -> None:
    """Create the database a URL names: the folder of a SQLite file, or the database on a PostgreSQL server."""
    url = sa.make_url(database_url)
    name = url.database
    if url.get_backend_name() == "sqlite":
        if name and name != ":memory:" and not name.startswith("file:"):
            Path(name).expanduser().parent.mkdir(parents=True, exist_ok=True)
        return
    if url.get_backend_name() != "postgresql" or not name:
        return
    probe = sa.create_engine(url)
    try:
        with probe.connect():
            return
    except OperationalError as error:
        if "does not exist" not in str(error):
            raise
    finally:
        probe.dispose()
    admin = sa.create_engine(url.set(database="postgres"), isolation_level="AUTOCOMMIT")
    try:
        with admin.connect() as connection:
            exists = connection.scalar(sa.text("SELECT 1 FROM pg_database WHERE datname = :name"), {"name": name})
            if not exists:
                quoted = admin.dialect.identifier_preparer.quote(name)
                try:
                    connection.exec_driver_sql(f"CREATE DATABASE {quoted}")
                except sa.exc.ProgrammingError as error:  # created meanwhile by another process
                    if "already exists" not in str(error):
                        raise
    finally:
        admin.dispose()


# An arbitrary constant: concurrent upgrades on PostgreSQL queue on this advisory lock.
_MIGRATION_LOCK_ID = 0x4A554E4B414E


def upgrade(engine: Engine, revision: str = "head") -> None:
    """Run alembic migrations up to `revision`, in one transaction, without an alembic.ini."""
    from alembic import command
    from alembic.config import Config

    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS))
    with engine.begin() as connection:
        if connection.dialect.name == "postgresql":
            connection.execute(sa.text("SELECT pg_advisory_xact_lock(:id)"), {"id": _MIGRATION_LOCK_ID})
        config.attributes["connection"] = connection
        command.upgrade(config, revision)
