"""The ledger's tables as SQLAlchemy 2 typed ORM classes (alembic migrations create them)."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import UTC, date, datetime
from typing import Any

import sqlalchemy as sa
from sqlalchemy.engine import Dialect
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column, relationship

from infra.ledger.names import MAX_SOURCE_URL_CHARS, MAX_TABLE_NAME_CHARS
from infra.ledger.records import SOURCE_KINDS, SOURCES, STATUSES
from schemas.members import DISCLOSURE_DATASETS
from schemas.vocabulary import DISCLOSURE_CLASS_CODES


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


def in_values(column: str, values: Sequence[str]) -> str:
    """A check constraint's `column IN (...)` over a tuple the code also uses."""
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


class MemberDisclosureRow(Base):
    """member_disclosures table: every disclosure class a member chose, kept so any past day can be answered."""

    __tablename__ = "member_disclosures"
    __table_args__ = (
        sa.CheckConstraint(in_values("dataset", DISCLOSURE_DATASETS), name="ck_member_disclosures_dataset"),
        sa.CheckConstraint(in_values("disclosure_class", DISCLOSURE_CLASS_CODES), name="ck_member_disclosures_class"),
        sa.Index("ix_member_disclosures_member_dataset", "member_id", "dataset"),
    )

    id: Mapped[int] = mapped_column(sa.Integer(), primary_key=True, autoincrement=True)
    member_id: Mapped[str] = mapped_column(sa.String(64), sa.ForeignKey("members.member_id"))
    dataset: Mapped[str] = mapped_column(sa.String(32))
    disclosure_class: Mapped[str] = mapped_column(sa.String(16))
    consented_on: Mapped[date] = mapped_column(sa.Date())
    recorded_at: Mapped[datetime] = mapped_column(UTCDateTime())


class MemberChangeRow(Base):
    """member_changes table: every change of a member's kind or region and the day it applies from."""

    __tablename__ = "member_changes"
    __table_args__ = (sa.Index("ix_member_changes_member", "member_id"),)

    id: Mapped[int] = mapped_column(sa.Integer(), primary_key=True, autoincrement=True)
    member_id: Mapped[str] = mapped_column(sa.String(64), sa.ForeignKey("members.member_id"))
    kind_from: Mapped[str] = mapped_column(sa.String(32))
    kind_to: Mapped[str] = mapped_column(sa.String(32))
    region_from: Mapped[str] = mapped_column(sa.String(10))
    region_to: Mapped[str] = mapped_column(sa.String(10))
    changed_on: Mapped[date] = mapped_column(sa.Date())
    recorded_at: Mapped[datetime] = mapped_column(UTCDateTime())
    published_at: Mapped[datetime | None] = mapped_column(UTCDateTime())


class SubmissionRow(Base):
    """submissions table."""

    __tablename__ = "submissions"
    __table_args__ = (
        sa.UniqueConstraint("member_id", "dataset", "sha256", name="uq_submissions_member_dataset_sha256"),
        sa.CheckConstraint(in_values("status", STATUSES), name="ck_submissions_status"),
        sa.CheckConstraint(in_values("source", SOURCES), name="ck_submissions_source"),
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
    period: Mapped[str] = mapped_column(sa.String(64), primary_key=True, index=True)  # or a target id
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
        sa.CheckConstraint(in_values("kind", SOURCE_KINDS), name="ck_sources_kind"),
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
