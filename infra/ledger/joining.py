"""Joining applications in the ledger: an organisation's application to join and the secretariat's decision.

Rows in, frozen records out, as the rest of the ledger; `flows.stages.joining` decides what may be recorded.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

import sqlalchemy as sa

from infra.ledger.account_tables import APPLICATION_STATUSES, JoinApplicationRow
from infra.ledger.accounts import normalize_email
from infra.ledger.session import SessionScope, new_id, now


@dataclass(frozen=True)
class JoinApplication:
    """An organisation's application to join the partnership (参画申請書) and the secretariat's decision."""

    application_id: str
    organisation_name: str
    kind: str
    region: str
    contact_name: str
    contact_email: str
    commitments_accepted_at: datetime
    submitted_at: datetime
    status: str
    note: str | None = None
    decided_at: datetime | None = None
    decided_by: str | None = None
    member_id: str | None = None


class JoinLedger(SessionScope):
    """Joining applications in the ledger (`infra.ledger.Ledger` mixes it in)."""

    def add_join_application(
        self,
        *,
        organisation_name: str,
        kind: str,
        region: str,
        contact_name: str,
        contact_email: str,
        commitments_accepted_at: datetime,
    ) -> JoinApplication:
        """Record a submitted application."""
        at = now()
        with self._session() as session:
            row = JoinApplicationRow(
                application_id=new_id("app-", at),
                organisation_name=organisation_name,
                kind=kind,
                region=region,
                contact_name=contact_name,
                contact_email=normalize_email(contact_email),
                commitments_accepted_at=commitments_accepted_at,
                submitted_at=at,
                status="submitted",
            )
            session.add(row)
            return _application(row)

    def join_applications(self, *, status: str | None = None) -> list[JoinApplication]:
        """Applications (of one status), oldest first."""
        query = sa.select(JoinApplicationRow).order_by(JoinApplicationRow.submitted_at)
        if status is not None:
            query = query.where(JoinApplicationRow.status == status)
        with self._session() as session:
            return [_application(row) for row in session.scalars(query)]

    def get_join_application(self, application_id: str) -> JoinApplication | None:
        """An application by id."""
        with self._session() as session:
            row = session.get(JoinApplicationRow, application_id)
            return None if row is None else _application(row)

    def decide_join_application(
        self, application_id: str, *, status: str, decided_by: str, note: str | None = None
    ) -> JoinApplication | None:
        """Approve or return an application still waiting; None when it is not (decided already, or unknown).

        One UPDATE … WHERE status = 'submitted' takes the decision: of two decisions at once, only one changes the
        row, whatever both read before it. An approval then names its member (`record_join_member`) in the same
        transaction (`batch`): the member is registered after the decision, so that a refused one registers nothing.
        """
        if status not in APPLICATION_STATUSES or status == "submitted":
            msg = f"a decision is 'approved' or 'returned', not {status!r}"
            raise ValueError(msg)
        with self._session() as session:
            result = session.execute(
                sa.update(JoinApplicationRow)
                .where(JoinApplicationRow.application_id == application_id, JoinApplicationRow.status == "submitted")
                .values(status=status, decided_by=decided_by, note=note, decided_at=now())
            )
            if not result.rowcount:  # type: ignore[attr-defined]
                return None
            row = session.get(JoinApplicationRow, application_id)
            assert row is not None  # noqa: S101 - just updated
            return _application(row)

    def record_join_member(self, application_id: str, member_id: str) -> JoinApplication:
        """The member an approved application became (registered after the decision, in its transaction)."""
        with self._session() as session:
            row = session.get(JoinApplicationRow, application_id)
            if row is None or row.status != "approved":
                msg = f"join application {application_id!r} is not approved: no member to record"
                raise ValueError(msg)
            row.member_id = member_id
            return _application(row)


def _application(row: JoinApplicationRow) -> JoinApplication:
    return JoinApplication(
        application_id=row.application_id,
        organisation_name=row.organisation_name,
        kind=row.kind,
        region=row.region,
        contact_name=row.contact_name,
        contact_email=row.contact_email,
        commitments_accepted_at=row.commitments_accepted_at,
        submitted_at=row.submitted_at,
        status=row.status,
        note=row.note,
        decided_at=row.decided_at,
        decided_by=row.decided_by,
        member_id=row.member_id,
    )
