"""Members' disclosure classes (issue 23): a history of choices, so the class on any past day can be answered.

A member is `public` or `confidential` per dataset (`schemas.members.DISCLOSURE_DATASETS`). Without a choice
the default of its kind on the day applies (`default_disclosure_class`, `member_history.kinds_on`); a choice
applies from its `consented_on` day, so a consent dated in the future changes nothing today. Rows are only ever
added: disclosure control of an earlier release must be reproducible with the classes of that day.
"""

from __future__ import annotations

from datetime import date

import sqlalchemy as sa

from infra.ledger.member_history import kinds_on
from infra.ledger.records import DisclosureChange
from infra.ledger.session import SessionScope, now
from infra.ledger.tables import MemberDisclosureRow, MemberRow
from schemas.members import DISCLOSURE_DATASETS, default_disclosure_class
from schemas.vocabulary import DISCLOSURE_CLASS_CODES


def check_disclosure_dataset(dataset: str) -> str:
    """Return a dataset that carries disclosure classes unchanged, or raise ValueError naming those that do."""
    if dataset not in DISCLOSURE_DATASETS:
        msg = f"dataset {dataset!r} has no disclosure classes; choose one of: {', '.join(DISCLOSURE_DATASETS)}"
        raise ValueError(msg)
    return dataset


def check_disclosure_class(disclosure_class: str) -> str:
    """Return a disclosure class unchanged, or raise ValueError naming the classes."""
    if disclosure_class not in DISCLOSURE_CLASS_CODES:
        msg = f"disclosure class {disclosure_class!r} must be one of: {', '.join(DISCLOSURE_CLASS_CODES)}"
        raise ValueError(msg)
    return disclosure_class


class DisclosureLedger(SessionScope):
    """The disclosure-class part of the ledger (`infra.ledger.Ledger` adds members, runs and sources)."""

    def set_disclosure_class(self, member_id: str, dataset: str, disclosure_class: str, *, consented_on: date) -> None:
        """Record that a member's class on a dataset is `disclosure_class` from `consented_on` on (one history row)."""
        check_disclosure_dataset(dataset)
        check_disclosure_class(disclosure_class)
        with self._session() as session:
            if session.get(MemberRow, member_id) is None:
                msg = f"member {member_id!r} is not registered; add the member first (junkan members add)"
                raise ValueError(msg)
            session.add(
                MemberDisclosureRow(
                    member_id=member_id,
                    dataset=dataset,
                    disclosure_class=disclosure_class,
                    consented_on=consented_on,
                    recorded_at=now(),
                )
            )

    def disclosure_classes(self, *, dataset: str, as_of: date | None = None) -> dict[str, str]:
        """Every registered member's class on a dataset on `as_of` (today when None), by member id."""
        check_disclosure_dataset(dataset)
        day = date.today() if as_of is None else as_of
        # Oldest first, so the last row of a member wins: the latest day, then the latest recorded.
        chosen_query = (
            sa.select(MemberDisclosureRow.member_id, MemberDisclosureRow.disclosure_class)
            .where(MemberDisclosureRow.dataset == dataset, MemberDisclosureRow.consented_on <= day)
            .order_by(MemberDisclosureRow.consented_on, MemberDisclosureRow.recorded_at, MemberDisclosureRow.id)
        )
        with self._session() as session:
            kinds = sorted(kinds_on(session, day).items())  # the default is that of the member's kind on the day
            chosen = {member_id: disclosure_class for member_id, disclosure_class in session.execute(chosen_query)}
        return {member_id: chosen.get(member_id, default_disclosure_class(kind, dataset)) for member_id, kind in kinds}

    def disclosure_class(self, member_id: str, *, dataset: str, as_of: date | None = None) -> str:
        """One member's class on a dataset on `as_of` (today when None): what `disclosure_classes` gives it."""
        check_disclosure_dataset(dataset)
        day = date.today() if as_of is None else as_of
        with self._session() as session:
            kind = kinds_on(session, day).get(member_id)
            if kind is None:
                msg = f"member {member_id!r} is not registered; add the member first (junkan members add)"
                raise ValueError(msg)
            latest = session.scalar(
                sa.select(MemberDisclosureRow.disclosure_class)
                .where(
                    MemberDisclosureRow.member_id == member_id,
                    MemberDisclosureRow.dataset == dataset,
                    MemberDisclosureRow.consented_on <= day,
                )
                .order_by(
                    MemberDisclosureRow.consented_on.desc(),
                    MemberDisclosureRow.recorded_at.desc(),
                    MemberDisclosureRow.id.desc(),
                )
                .limit(1)
            )
            return latest if latest is not None else default_disclosure_class(kind, dataset)

    def disclosure_history(self, member_id: str) -> list[DisclosureChange]:
        """Every class a member chose, on every dataset, in the order recorded (empty for none or an unknown id)."""
        query = (
            sa.select(MemberDisclosureRow)
            .where(MemberDisclosureRow.member_id == member_id)
            .order_by(MemberDisclosureRow.recorded_at, MemberDisclosureRow.id)
        )
        with self._session() as session:
            return [
                DisclosureChange(
                    member_id=row.member_id,
                    dataset=row.dataset,
                    disclosure_class=row.disclosure_class,
                    consented_on=row.consented_on,
                    recorded_at=row.recorded_at,
                )
                for row in session.scalars(query)
            ]
