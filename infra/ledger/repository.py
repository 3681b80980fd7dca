"""The ledger repository: members, pull sources and pipeline runs, over submissions and disclosure classes.

One object over one set of tables, so that a batch's statements share one session and one transaction
(`Ledger.batch`, in `session.py`).
"""

from __future__ import annotations

import uuid
from collections.abc import Collection
from datetime import date
from typing import Any

import sqlalchemy as sa

from infra.ledger.accounts import AccountLedger
from infra.ledger.database import create_engine, upgrade
from infra.ledger.disclosure import DisclosureLedger
from infra.ledger.joining import JoinLedger
from infra.ledger.member_history import MemberHistoryLedger, check_kind_and_region
from infra.ledger.names import (
    check_http_url,
    check_secret_block,
    check_table_name,
)
from infra.ledger.records import (
    SOURCE_KINDS,
    Member,
    PullSource,
    Run,
    SourceKind,
)
from infra.ledger.session import chunks, new_id, now
from infra.ledger.submissions import SubmissionLedger
from infra.ledger.tables import MemberRow, RunRow, SourceRow
from infra.storage.keys import check_dataset, check_member_id


class Ledger(SubmissionLedger, DisclosureLedger, MemberHistoryLedger, AccountLedger, JoinLedger):
    """The ledger over one SQLAlchemy engine; build it with `Ledger.connect(url)`."""

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

    # members -------------------------------------------------------------------------------

    def add_member(self, member: Member) -> bool:
        """Register a member (True) or update the name of an existing one (False).

        A new kind or region of an existing member is recorded in its history from today (`change_member`, which
        takes another day): the operator's commands ask for `--update` first (`flows.stages.members`).
        """
        check_member_id(member.member_id)
        check_kind_and_region(member.member_id, member.kind, member.region)
        with self._session() as session:
            row = session.get(MemberRow, member.member_id)
            if row is None:
                session.add(
                    MemberRow(
                        member_id=member.member_id,
                        name=member.name,
                        kind=member.kind,
                        region=member.region,
                        joined_on=member.joined_on,
                        created_at=member.created_at or now(),
                    )
                )
                return True
            row.name = member.name
        self.change_member(member.member_id, kind=member.kind, region=member.region, changed_on=date.today())
        return False

    def get_member(self, member_id: str) -> Member | None:
        """A member, or None when unknown."""
        with self._session() as session:
            row = session.get(MemberRow, member_id)
            return None if row is None else _member(row)

    def get_members(self, member_ids: Collection[str]) -> dict[str, Member]:
        """The registered members among these ids, by id: one query for a whole batch."""
        with self._session() as session:
            return {
                row.member_id: _member(row)
                for chunk in chunks(sorted(set(member_ids)))
                for row in session.scalars(sa.select(MemberRow).where(MemberRow.member_id.in_(chunk)))
            }

    def list_members(self) -> list[Member]:
        """All members by id."""
        with self._session() as session:
            return [_member(row) for row in session.scalars(sa.select(MemberRow).order_by(MemberRow.member_id))]

    # runs ----------------------------------------------------------------------------------

    def start_run(self, kind: str, parameters: dict[str, Any]) -> str:
        """Record the start of a pipeline run and return its id."""
        started_at = now()
        run_id = new_id("r", started_at)
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
            row.status, row.summary, row.finished_at = status, summary, now()

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
        created_at = now()
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
