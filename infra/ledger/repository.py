"""The ledger repository: members, every submission and what became of it, pull sources and pipeline runs.

One class over one set of tables, so that a batch's statements share one session and one transaction
(`Ledger.batch`); past ~400 lines because each method is one short query a caller needs by name.
"""

from __future__ import annotations

import re
import threading
import uuid
from collections.abc import Iterator, Mapping, Sequence
from contextlib import contextmanager
from datetime import UTC, datetime
from typing import Any, Literal

import sqlalchemy as sa
from sqlalchemy.engine import Engine
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session, selectinload, sessionmaker

from infra.keys import check_dataset, check_key, check_member_id
from infra.ledger.database import create_engine, upgrade
from infra.ledger.names import (
    check_http_url,
    check_secret_block,
    check_table_name,
)
from infra.ledger.records import (
    LIVE_STATUSES,
    PUBLISHABLE_STATUSES,
    SOURCE_KINDS,
    SOURCES,
    VALIDATED_STATUSES,
    Member,
    PullSource,
    Run,
    Source,
    SourceKind,
    Status,
    Submission,
)
from infra.ledger.tables import MemberRow, RunRow, SourceRow, SubmissionPeriodRow, SubmissionRow
from schemas.vocabulary import MEMBER_KIND_CODES, REGION_PATTERN


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
