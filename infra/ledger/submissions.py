"""Submissions: every file received, what became of it, which file replaced which, and what waits to publish.

Over 400 lines because it is one repository class over one table (`SubmissionRow`): its queries share the
session scope and the row-to-record mapping, and splitting it by verb would scatter one table's SQL.
"""

from __future__ import annotations

import re
from collections.abc import Collection, Mapping, Sequence
from datetime import datetime
from typing import cast

import sqlalchemy as sa
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session, selectinload

from infra.ledger.records import (
    LIVE_STATUSES,
    PUBLISHABLE_STATUSES,
    SOURCES,
    VALIDATED_STATUSES,
    Source,
    Status,
    Submission,
    Validation,
)
from infra.ledger.session import SessionScope, chunks, new_id, now
from infra.ledger.tables import MemberRow, SubmissionPeriodRow, SubmissionRow
from infra.storage.keys import check_dataset, check_key
from schemas.outcomes import Counts, SubmissionStatus


class SubmissionLedger(SessionScope):
    """The submissions part of the ledger (`infra.ledger.Ledger` adds members, runs and sources)."""

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
        received_at = received_at or now()
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
                    submission_id=new_id("s", received_at),
                    member_id=member_id,
                    dataset=dataset,
                    key=key,
                    sha256=sha256,
                    size=size,
                    source=source,
                    received_at=received_at,
                    status=SubmissionStatus.RECEIVED,
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
        return self.submissions(status=SubmissionStatus.RECEIVED)

    def record_validation(
        self,
        submission_id: str,
        *,
        status: SubmissionStatus,
        counts: Counts,
        report_key: str,
        periods: Mapping[str, int],
        message: str | None = None,
    ) -> None:
        """Record the outcome of validating one submission (see `record_validations`)."""
        self.record_validations([Validation(submission_id, status, counts, report_key, periods, message)])

    def record_validations(self, validations: Sequence[Validation]) -> None:
        """Record the outcomes of a batch: one UPDATE of the submissions and one INSERT of their periods.

        Every row read is either accepted or quarantined (`Counts` cannot say otherwise). Each validation's
        `periods` maps a period to the accepted rows in it, so the ledger can say how many rows of the file
        stay in the core table when a newer file replaces some of its periods.
        """
        if not validations:
            return
        for one in validations:
            if one.status not in VALIDATED_STATUSES:
                msg = f"validation status {one.status!r} must be one of {', '.join(VALIDATED_STATUSES)}"
                raise ValueError(msg)
            if min(one.counts.read, one.counts.accepted, one.counts.quarantined, one.counts.warnings) < 0:
                msg = f"submission {one.submission_id}: row counts cannot be negative"
                raise ValueError(msg)
            check_key(one.report_key)
        ids = [one.submission_id for one in validations]
        submissions = cast(sa.Table, SubmissionRow.__table__)
        periods = cast(sa.Table, SubmissionPeriodRow.__table__)
        with self._session() as session:
            known = {
                found
                for chunk in chunks(ids)
                for found in session.scalars(
                    sa.select(SubmissionRow.submission_id).where(SubmissionRow.submission_id.in_(chunk))
                )
            }
            unknown = sorted(set(ids) - known)
            if unknown:
                msg = f"unknown submission {unknown[0]!r}"
                raise ValueError(msg)
            session.flush()
            session.execute(
                sa.update(submissions)
                .where(submissions.c.submission_id == sa.bindparam("b_submission_id"))
                .values(
                    status=sa.bindparam("b_status"),
                    n_read=sa.bindparam("b_read"),
                    n_accepted=sa.bindparam("b_accepted"),
                    n_quarantined=sa.bindparam("b_quarantined"),
                    n_warnings=sa.bindparam("b_warnings"),
                    report_key=sa.bindparam("b_report_key"),
                    message=sa.bindparam("b_message"),
                    superseded_by=None,
                ),
                [
                    {
                        "b_submission_id": one.submission_id,
                        "b_status": str(one.status),
                        "b_read": one.counts.read,
                        "b_accepted": one.counts.accepted,
                        "b_quarantined": one.counts.quarantined,
                        "b_warnings": one.counts.warnings,
                        "b_report_key": one.report_key,
                        "b_message": one.message,
                    }
                    for one in validations
                ],
            )
            for chunk in chunks(ids):
                session.execute(sa.delete(periods).where(periods.c.submission_id.in_(chunk)))
            rows = [
                {
                    "submission_id": one.submission_id,
                    "period": period,
                    "n_rows": one.periods[period],
                    "superseded_by": None,
                }
                for one in validations
                for period in sorted(one.periods)
            ]
            if rows:
                session.execute(sa.insert(periods), rows)
            session.expire_all()  # ORM objects this session holds must see the statements' values

    def member_files(
        self, member_ids: Collection[str], dataset: str, *, replaced_by: Sequence[str] = ()
    ) -> list[Submission]:
        """The live files of these members for a dataset, oldest first: one query.

        Also files already superseded by one of `replaced_by` (an interrupted attempt at recording those
        submissions replaced them), so that a second attempt takes out the same rows.
        """
        if not member_ids:
            return []
        condition: sa.ColumnElement[bool] = SubmissionRow.status.in_(LIVE_STATUSES)
        if replaced_by:
            condition = sa.or_(condition, SubmissionRow.superseded_by.in_(list(replaced_by)))
        query = (
            sa.select(SubmissionRow)
            .options(selectinload(SubmissionRow.periods))
            .where(SubmissionRow.member_id.in_(sorted(member_ids)), SubmissionRow.dataset == dataset, condition)
            .order_by(SubmissionRow.received_at, SubmissionRow.submission_id)
        )
        with self._session() as session:
            return [_submission(row) for row in session.scalars(query)]

    def replace_files(self, replaced: Mapping[str, str]) -> None:
        """Supersede whole files: each old submission id's rows are replaced by the new one's (one commit)."""
        if not replaced:
            return
        with self._session() as session:
            rows = self._get_all(session, list(replaced))
            missing = sorted(set(replaced) - {row.submission_id for row in rows})
            if missing:
                msg = f"unknown submission {missing[0]!r}"
                raise ValueError(msg)
            for row in rows:
                by = replaced[row.submission_id]
                row.status = SubmissionStatus.SUPERSEDED
                row.superseded_by = by
                for period in row.periods:
                    period.superseded_by = by

    def replaced_by_any(self, submission_ids: Sequence[str]) -> list[Submission]:
        """Submissions superseded by any of these: their periods change when these are published."""
        if not submission_ids:
            return []
        with self._session() as session:
            found: list[Submission] = []
            for chunk in chunks(submission_ids):
                query = (
                    sa.select(SubmissionRow)
                    .options(selectinload(SubmissionRow.periods))
                    .where(SubmissionRow.superseded_by.in_(chunk), SubmissionRow.submission_id.not_in(chunk))
                )
                found += [_submission(row) for row in session.scalars(query)]
            return found

    def supersede(self, submission_id: str, *, message: str) -> None:
        """Retire a submission before validation (its object changed since it was received), saying why."""
        with self._session() as session:
            row = self._get(session, submission_id)
            row.status = SubmissionStatus.SUPERSEDED
            row.message = message
            for period in row.periods:
                period.superseded_by = period.superseded_by or submission_id

    def receive_again(self, submission_id: str) -> Submission:
        """A superseded file's content arrived again: it waits for validation as the newest file."""
        with self._session() as session:
            row = self._get(session, submission_id)
            row.status = SubmissionStatus.RECEIVED
            row.received_at = now()
            row.superseded_by = None
            row.message = None
            row.periods.clear()
            session.flush()
            return _submission(row)

    def mark_published(self, submission_ids: Sequence[str]) -> None:
        """Mark validated submissions published and withdrawing ones withdrawn; the others are left alone."""
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
                .values(status=SubmissionStatus.PUBLISHED)
            )
            session.execute(
                sa.update(SubmissionRow)
                .where(
                    SubmissionRow.submission_id.in_(submission_ids),
                    SubmissionRow.status == SubmissionStatus.WITHDRAWING,
                )
                .values(status=SubmissionStatus.WITHDRAWN)
            )

    def withdraw(self, submission_ids: Sequence[str], *, message: str) -> list[Submission]:
        """Take live files back: `withdrawing` until their periods are republished without them.

        Files not live (already superseded, rejected, withdrawn) are left alone; returns those withdrawn.
        """
        with self._session() as session:
            withdrawn = []
            for row in self._get_all(session, submission_ids):
                if row.status not in LIVE_STATUSES:
                    continue
                row.status = SubmissionStatus.WITHDRAWING
                row.message = message
                for period in row.periods:
                    period.superseded_by = row.submission_id
                withdrawn.append(row)
            session.flush()
            return [_submission(row) for row in withdrawn]

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

    def get_submissions(self, submission_ids: Sequence[str]) -> list[Submission]:
        """The known submissions among these ids, in the order given (unknown ids left out): one query."""
        with self._session() as session:
            found = {row.submission_id: _submission(row) for row in self._rows(session, submission_ids)}
        return [found[one] for one in submission_ids if one in found]

    def latest_received_at(self) -> dict[str, datetime]:
        """For every storage key ever registered, when its latest submission was received: one grouped query."""
        query = sa.select(SubmissionRow.key, sa.func.max(SubmissionRow.received_at)).group_by(SubmissionRow.key)
        with self._session() as session:
            return {key: at for key, at in session.execute(query)}

    def live_inbox_keys(self) -> dict[str, list[str]]:
        """The storage key of every live file uploaded to the inbox, with its submission ids: one column query."""
        query = sa.select(SubmissionRow.key, SubmissionRow.submission_id).where(
            SubmissionRow.status.in_(LIVE_STATUSES), SubmissionRow.source == "inbox"
        )
        found: dict[str, list[str]] = {}
        with self._session() as session:
            for key, submission_id in session.execute(query):
                found.setdefault(key, []).append(submission_id)
        return found

    def known_keys(self) -> set[str]:
        """Every storage key ever registered, so a sweep can find files nobody has seen."""
        with self._session() as session:
            return set(session.scalars(sa.select(SubmissionRow.key).distinct()))

    @staticmethod
    def _rows(session: Session, submission_ids: Sequence[str]) -> list[SubmissionRow]:
        """Rows of the known submissions among these, with their periods: one query per chunk of ids."""
        return [
            row
            for chunk in chunks(sorted(set(submission_ids)))
            for row in session.scalars(
                sa.select(SubmissionRow)
                .options(selectinload(SubmissionRow.periods))
                .where(SubmissionRow.submission_id.in_(chunk))
            )
        ]

    @classmethod
    def _get_all(cls, session: Session, submission_ids: Sequence[str]) -> list[SubmissionRow]:
        """Rows of these submissions with their periods; an unknown id is an error."""
        rows = cls._rows(session, submission_ids)
        if len(rows) != len(set(submission_ids)):
            unknown = sorted(set(submission_ids) - {row.submission_id for row in rows})
            msg = f"unknown submission {unknown[0]!r}"
            raise ValueError(msg)
        return rows

    @staticmethod
    def _get(session: Session, submission_id: str) -> SubmissionRow:
        row = session.get(SubmissionRow, submission_id, options=[selectinload(SubmissionRow.periods)])
        if row is None:
            msg = f"unknown submission {submission_id!r}"
            raise ValueError(msg)
        return row


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
        status=SubmissionStatus(row.status),
        counts=None
        if row.n_read is None
        else Counts(
            read=row.n_read,
            accepted=row.n_accepted or 0,
            quarantined=row.n_quarantined or 0,
            warnings=row.n_warnings or 0,
        ),
        report_key=row.report_key,
        superseded_by=row.superseded_by,
        message=row.message,
        periods=tuple(period.period for period in row.periods),
        live_periods=tuple(period.period for period in row.periods if period.superseded_by is None),
        live_rows=sum(period.n_rows or 0 for period in row.periods if period.superseded_by is None),
    )
