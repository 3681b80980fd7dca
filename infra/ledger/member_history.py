"""Members' kind and region history (issue 26): every change, so the kind and region on any past day can be answered.

The members table holds what is in force today; `member_changes` holds each change (from → to) with the day it
applies from. A member's kind decides its obligations (`schemas.obligations`) and the disclosure class it has
by default: the rules of a day are the kind of that day. A change is work for the next run (it rebuilds the
obligations) until a run marks it published.
"""

from __future__ import annotations

import re
from collections.abc import Collection, Mapping
from datetime import date

import sqlalchemy as sa
from sqlalchemy.orm import Session

from infra.ledger.records import Member, MemberChange
from infra.ledger.session import SessionScope, now
from infra.ledger.tables import MemberChangeRow, MemberRow
from schemas.vocabulary import MEMBER_KIND_CODES, REGION_PATTERN


def check_kind_and_region(member_id: str, kind: str, region: str) -> None:
    """Raise ValueError naming what is wrong when a kind or region is not one the registry takes."""
    if kind not in MEMBER_KIND_CODES:
        msg = f"member {member_id!r}: kind {kind!r} must be one of {', '.join(MEMBER_KIND_CODES)}"
        raise ValueError(msg)
    if not re.fullmatch(REGION_PATTERN, region):
        msg = f"member {member_id!r}: region {region!r} must be an ISO 3166 code such as JP-40"
        raise ValueError(msg)


class MemberHistoryLedger(SessionScope):
    """The kind-and-region part of the ledger (`infra.ledger.Ledger` adds members, runs and sources)."""

    def change_member(self, member_id: str, *, kind: str, region: str, changed_on: date) -> MemberChange | None:
        """Record that a member is of `kind` in `region` from `changed_on` on; None when that is what it is already.

        The day may be today or earlier, but not before the member joined nor before its last change: the history
        stays one line, so every past day has one kind and one region.
        """
        check_kind_and_region(member_id, kind, region)
        if changed_on > date.today():
            msg = f"member {member_id!r}: a change applies from today or an earlier day, not {changed_on.isoformat()}"
            raise ValueError(msg)
        with self._session() as session:
            row = session.get(MemberRow, member_id)
            if row is None:
                msg = f"member {member_id!r} is not registered; add the member first (junkan members add)"
                raise ValueError(msg)
            if (row.kind, row.region) == (kind, region):
                return None
            last = session.scalar(
                sa.select(sa.func.max(MemberChangeRow.changed_on)).where(MemberChangeRow.member_id == member_id)
            )
            earliest = max(row.joined_on, last or row.joined_on)
            if changed_on < earliest:
                msg = (
                    f"member {member_id!r}: a change cannot apply before {earliest.isoformat()} (the day it joined "
                    f"or its last change), not {changed_on.isoformat()}"
                )
                raise ValueError(msg)
            change = MemberChangeRow(
                member_id=member_id,
                kind_from=row.kind,
                kind_to=kind,
                region_from=row.region,
                region_to=region,
                changed_on=changed_on,
                recorded_at=now(),
            )
            session.add(change)
            row.kind, row.region = kind, region
            session.flush()
            return _change(change)

    def member_changes(self, member_id: str | None = None) -> list[MemberChange]:
        """Every recorded change (of one member, or of all), in the order recorded."""
        query = sa.select(MemberChangeRow).order_by(MemberChangeRow.recorded_at, MemberChangeRow.id)
        if member_id is not None:
            query = query.where(MemberChangeRow.member_id == member_id)
        with self._session() as session:
            return [_change(row) for row in session.scalars(query)]

    def unpublished_member_changes(self) -> list[MemberChange]:
        """Changes no run has rebuilt the obligations after yet: what makes a quiet night a night with work."""
        query = (
            sa.select(MemberChangeRow)
            .where(MemberChangeRow.published_at.is_(None))
            .order_by(MemberChangeRow.recorded_at, MemberChangeRow.id)
        )
        with self._session() as session:
            return [_change(row) for row in session.scalars(query)]

    def mark_member_changes_published(self, change_ids: Collection[int]) -> None:
        """Record that a run rebuilt the obligations after these changes."""
        if not change_ids:
            return
        with self._session() as session:
            session.execute(
                sa.update(MemberChangeRow)
                .where(MemberChangeRow.id.in_(sorted(change_ids)), MemberChangeRow.published_at.is_(None))
                .values(published_at=now())
            )

    def members_on(self, day: date) -> list[Member]:
        """Every registered member by id, with the kind and region in force on `day`."""
        with self._session() as session:
            in_force = _in_force(session, day)
            members = session.scalars(sa.select(MemberRow).order_by(MemberRow.member_id))
            return [
                Member(row.member_id, row.name, *in_force.get(row.member_id, (row.kind, row.region)), row.joined_on)
                for row in members
            ]


def kinds_on(session: Session, day: date) -> dict[str, str]:
    """Every registered member's kind on `day`, by id (what its obligations and default disclosure follow)."""
    in_force = _in_force(session, day)
    rows = session.execute(sa.select(MemberRow.member_id, MemberRow.kind))
    return {member_id: in_force.get(member_id, (kind, ""))[0] for member_id, kind in rows}


def _in_force(session: Session, day: date) -> Mapping[str, tuple[str, str]]:
    """(kind, region) on `day` of each member with a recorded change: the last change by then, else before the first."""
    found: dict[str, tuple[str, str]] = {}
    query = sa.select(MemberChangeRow).order_by(
        MemberChangeRow.member_id, MemberChangeRow.changed_on, MemberChangeRow.recorded_at, MemberChangeRow.id
    )
    for row in session.scalars(query):
        if row.changed_on <= day:
            found[row.member_id] = (row.kind_to, row.region_to)
        else:
            found.setdefault(row.member_id, (row.kind_from, row.region_from))
    return found


def _change(row: MemberChangeRow) -> MemberChange:
    return MemberChange(
        change_id=row.id,
        member_id=row.member_id,
        kind_from=row.kind_from,
        kind_to=row.kind_to,
        region_from=row.region_from,
        region_to=row.region_to,
        changed_on=row.changed_on,
        recorded_at=row.recorded_at,
        published_at=row.published_at,
    )
