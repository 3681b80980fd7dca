"""Registering members: rows checked against the members contract, valid ones written to the ledger.

A row's `disclosure` (public or confidential) is recorded for every dataset that carries disclosure classes,
from its `consented_on` day (the day the member joined when blank), and only where the ledger gives the member
another class on that day: importing the same file again records nothing.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, date, datetime

import polars as pl

from expectations.report import Report, SubmissionInfo, build_report
from flows.stages.judge import lineage, validate_rows
from infra.access.minio_admin import MemberCredentials
from infra.ledger import Ledger, Member
from infra.resources import Resources
from schemas import MEMBERS
from schemas.members import DISCLOSURE_DATASETS
from schemas.vocabulary import PUBLIC
from transforms.normalize import clean_text, parse_date

DEFAULT_REGION = "JP"
CONSENTED_ON = "consented_on"


@dataclass(frozen=True)
class UnreadableConsent:
    """A row whose `consented_on` is not a date: the member is registered, its disclosure class is not recorded."""

    row: int
    member_id: str
    value: str

    @property
    def message_en(self) -> str:
        """What the operator reads, in English: what was wrong and what to write."""
        return (
            f"{CONSENTED_ON} {self.value!r} is not a date; the disclosure class of {self.member_id} was not "
            "recorded: write YYYY-MM-DD (or leave it empty for the date joined) and import the file again"
        )

    @property
    def message_ja(self) -> str:
        """What the operator reads, in Japanese."""
        return (
            f"{CONSENTED_ON}「{self.value}」は日付として読めないため、{self.member_id} の公開区分は記録していません。"
            "YYYY-MM-DD で記入する（空欄なら入会日）か、修正して再度取り込んでください"
        )


@dataclass(frozen=True)
class MemberImport:
    """How a members file went: the validation report, how many members were new and which classes changed."""

    report: Report
    n_created: int
    n_disclosure_changes: int = 0  # history rows added: one per member and dataset whose class changed
    unreadable_consents: tuple[UnreadableConsent, ...] = ()


def import_members(resources: Resources, raw: pl.DataFrame, *, file: str) -> MemberImport:
    """Validate member rows (text columns of the members contract), register the valid ones and their classes."""
    if "source_row" not in raw.columns:
        raw = raw.with_row_index("source_row", offset=2).with_columns(pl.col("source_row").cast(pl.Int64))
    batch = lineage(raw, submission_id="members", submitter_id="operator", registered_region=DEFAULT_REGION)
    result = validate_rows(MEMBERS, batch)
    unreadable = _unreadable_consents(raw)
    n_created = n_changes = 0
    refused: list[UnreadableConsent] = []
    with resources.ledger.batch():
        for row in result.accepted.iter_rows(named=True):
            member = Member(
                member_id=row["member_id"],
                name=row["name"],
                kind=row["kind"],
                region=row["region"],
                joined_on=row["joined_on"],
            )
            n_created += resources.ledger.add_member(member)
            if row["disclosure"] is None:
                continue
            if row["source_row"] in unreadable:
                refused.append(UnreadableConsent(row["source_row"], member.member_id, unreadable[row["source_row"]]))
                continue
            n_changes += record_disclosure(
                resources.ledger, member.member_id, row["disclosure"], consented_on=row[CONSENTED_ON]
            )
    info = SubmissionInfo("members", "operator", "members", file, datetime.now(UTC))
    report = build_report(submission=info, contract=MEMBERS, result=result, raw=raw)
    return MemberImport(
        report=report, n_created=n_created, n_disclosure_changes=n_changes, unreadable_consents=tuple(refused)
    )


def _unreadable_consents(raw: pl.DataFrame) -> dict[int, str]:
    """Source rows whose `consented_on` holds text that is not a date, with that text.

    Normalisation reads such text as empty, and an empty consent date means the day the member joined: a
    mistyped date would otherwise back-date the member's consent.
    """
    if CONSENTED_ON not in raw.columns:
        return {}
    text = pl.col(CONSENTED_ON).cast(pl.String)
    bad = raw.filter(clean_text(text).is_not_null() & parse_date(text).is_null())
    return dict(zip(bad["source_row"].to_list(), bad[CONSENTED_ON].cast(pl.String).to_list(), strict=True))


def record_disclosure(
    ledger: Ledger,
    member_id: str,
    disclosure_class: str,
    *,
    consented_on: date,
    datasets: Sequence[str] = DISCLOSURE_DATASETS,
) -> int:
    """Record a member's class on each dataset where the ledger gives it another on `consented_on`; rows added.

    Compared on the consent's own day, not today, so a consent dated in the future is recorded once, and an
    earlier choice imported again does not undo a later change.
    """
    n_recorded = 0
    for dataset in datasets:
        if ledger.disclosure_class(member_id, dataset=dataset, as_of=consented_on) != disclosure_class:
            ledger.set_disclosure_class(member_id, dataset, disclosure_class, consented_on=consented_on)
            n_recorded += 1
    return n_recorded


def disclosure_frame(resources: Resources, *, dataset: str = "flows", as_of: date | None = None) -> pl.DataFrame:
    """Every registered member's disclosure class on a dataset on `as_of` (today when None), by member id.

    What disclosure control reads: `is_public` members' figures are treated as known to everyone.
    """
    members = resources.ledger.list_members()  # by id; read first, so every one has a class (none is removed)
    classes = resources.ledger.disclosure_classes(dataset=dataset, as_of=as_of)
    return pl.DataFrame(
        {
            "member_id": [member.member_id for member in members],
            "kind": [member.kind for member in members],
            "disclosure_class": [classes[member.member_id] for member in members],
            "is_public": [classes[member.member_id] == PUBLIC for member in members],
        },
        schema={"member_id": pl.String, "kind": pl.String, "disclosure_class": pl.String, "is_public": pl.Boolean},
    )


def provision_storage_access(
    resources: Resources, member_id: str, *, rotate_secret: bool = False
) -> MemberCredentials | None:
    """On S3/MinIO, the member's own user limited to its inbox and reports; None on local storage."""
    from infra.storage.s3 import S3Storage

    if not isinstance(resources.storage, S3Storage):
        return None
    from infra.access.minio_admin import AdminConnection, provision_member

    admin = AdminConnection.from_settings(resources.settings)
    return provision_member(
        admin=admin, bucket=resources.storage.bucket, member_id=member_id, rotate_secret=rotate_secret
    )
