"""Registering members: rows checked against the members contract, valid ones written to the ledger.

A row's `disclosure` (public or confidential) is recorded for every dataset that carries disclosure classes,
from its `consented_on` day (the day the member joined when blank), and only where the ledger gives the member
another class on that day: importing the same file again records nothing.

A row that would change a registered member's kind or region is refused unless it says `update` (`--update`):
the change is then recorded in the member's history from its `changed_on` day (today when blank), and its
obligations follow the new kind from the next run. A change never makes a member's figures public by itself:
when the new kind's default class is public and the member chose none, its class stays confidential (recorded).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta

import polars as pl

from expectations.report import Report, SubmissionInfo, build_report
from flows.stages.judge import lineage, validate_rows
from infra.access.minio_admin import MemberCredentials
from infra.ledger import Ledger, Member, MemberChange
from infra.resources import Resources
from schemas import MEMBERS
from schemas.members import DISCLOSURE_DATASETS
from schemas.vocabulary import CONFIDENTIAL, PUBLIC
from transforms.normalize import clean_text, parse_date

DEFAULT_REGION = "JP"
CONSENTED_ON = "consented_on"
CHANGED_ON = "changed_on"
UPDATE = "update"


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
class RefusedChange:
    """A row that would change a registered member's kind or region and may not: nothing of it was recorded."""

    row: int
    member_id: str
    message_en: str
    message_ja: str


@dataclass(frozen=True)
class KeptConfidential:
    """A change to a kind that is public by default: the member's class stays confidential on these datasets."""

    member_id: str
    datasets: tuple[str, ...]
    changed_on: date

    @property
    def message(self) -> str:
        """What the operator reads."""
        return (
            f"{self.member_id}: disclosure stays confidential on {', '.join(self.datasets)} (its class before the "
            f"change; to publish its figures: junkan members disclosure {self.member_id} public --consented-on DATE)"
        )


@dataclass(frozen=True)
class MemberImport:
    """How a members file went: the validation report, how many members were new and which classes changed."""

    report: Report
    n_created: int
    n_disclosure_changes: int = 0  # history rows added: one per member and dataset whose class changed
    unreadable_consents: tuple[UnreadableConsent, ...] = ()
    changes: tuple[MemberChange, ...] = ()  # kinds and regions changed (rows that said `update`)
    refused_changes: tuple[RefusedChange, ...] = ()
    kept_confidential: tuple[KeptConfidential, ...] = ()

    @property
    def n_registered(self) -> int:
        """Rows registered: accepted by the contract and not refused for a change they may not make."""
        return self.report.counts.accepted - len(self.refused_changes)

    @property
    def n_refused(self) -> int:
        """Rows refused: by the contract, or for a change of kind or region without `update`."""
        return self.report.counts.quarantined + len(self.refused_changes)


def member_rows(
    *,
    member_id: str,
    name: str,
    kind: str,
    region: str,
    joined_on: str,
    disclosure: str | None = None,
    consented_on: str | None = None,
    update: bool = False,
    changed_on: str | None = None,
) -> pl.DataFrame:
    """One member as text columns of the members contract: what `junkan members add` and an approved application import.

    The values stay text, as typed: `import_members` judges them against the contract like a file's.
    """
    return pl.DataFrame(
        {
            "member_id": [member_id],
            "name": [name],
            "kind": [kind],
            "region": [region],
            "joined_on": [joined_on],
            "disclosure": [disclosure],
            CONSENTED_ON: [consented_on],
            UPDATE: ["yes" if update else None],
            CHANGED_ON: [changed_on],
        }
    ).cast(pl.String)  # a column of None alone would have no type


def import_members(resources: Resources, raw: pl.DataFrame, *, file: str) -> MemberImport:
    """Validate member rows (text columns of the members contract), register the valid ones and their classes."""
    if "source_row" not in raw.columns:
        raw = raw.with_row_index("source_row", offset=2).with_columns(pl.col("source_row").cast(pl.Int64))
    batch = lineage(raw, submission_id="members", submitter_id="operator", registered_region=DEFAULT_REGION)
    result = validate_rows(MEMBERS, batch)
    unreadable = _unreadable_dates(raw, CONSENTED_ON)
    unreadable_changes = _unreadable_dates(raw, CHANGED_ON)
    n_created = n_changes = 0
    refused: list[UnreadableConsent] = []
    changes: list[MemberChange] = []
    refused_changes: list[RefusedChange] = []
    kept: list[KeptConfidential] = []
    registered = resources.ledger.get_members(result.accepted.get_column("member_id").to_list())
    with resources.ledger.batch():
        for row in result.accepted.iter_rows(named=True):
            member = Member(
                member_id=row["member_id"],
                name=row["name"],
                kind=row["kind"],
                region=row["region"],
                joined_on=row["joined_on"],
            )
            before = registered.get(member.member_id)
            if before is not None and (before.kind, before.region) != (member.kind, member.region):
                day = row[CHANGED_ON] or date.today()
                refusal = _refused_change(row, before, member, day, unreadable_changes.get(row["source_row"]))
                if refusal is not None:
                    refused_changes.append(refusal)
                    continue
                change = resources.ledger.change_member(
                    member.member_id, kind=member.kind, region=member.region, changed_on=day
                )
                if change is not None:
                    changes.append(change)
                    if row["disclosure"] is None:
                        kept += keep_confidential(resources.ledger, change)
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
        report=report,
        n_created=n_created,
        n_disclosure_changes=n_changes,
        unreadable_consents=tuple(refused),
        changes=tuple(changes),
        refused_changes=tuple(refused_changes),
        kept_confidential=tuple(kept),
    )


def _refused_change(
    row: dict[str, object], before: Member, after: Member, day: date, unreadable_day: str | None
) -> RefusedChange | None:
    """Why a row may not change a registered member's kind or region, or None when it may."""
    what_en = f"{after.member_id} is registered as {before.kind} in {before.region}; this row says {after.kind} in "
    what_ja = f"{after.member_id} は {before.kind}（{before.region}）として登録済みですが、この行は {after.kind}（"
    source_row = int(str(row["source_row"]))
    if not row[UPDATE]:
        return RefusedChange(
            source_row,
            after.member_id,
            what_en + f"{after.region}: nothing was recorded; to change a registered member's kind or region, add "
            "--update (in a members file: update = yes)",
            what_ja + f"{after.region}）です。何も記録していません。登録済みの会員の種別・地域を変更するには --update "
            "を付けてください（会員ファイルでは update 列を yes に）",
        )
    if unreadable_day is not None or day > date.today() or day < before.joined_on:
        shown = unreadable_day if unreadable_day is not None else day.isoformat()
        return RefusedChange(
            source_row,
            after.member_id,
            f"{CHANGED_ON} {shown!r} is not a day the change can apply from: write a date (YYYY-MM-DD) between the "
            f"day {after.member_id} joined ({before.joined_on.isoformat()}) and today, or leave it empty for today",
            f"{CHANGED_ON}「{shown}」は変更の適用開始日にできません。{after.member_id} の入会日"
            f"（{before.joined_on.isoformat()}）から今日までの日付（YYYY-MM-DD）を記入するか、空欄（今日）にしてください",
        )
    return None


def keep_confidential(ledger: Ledger, change: MemberChange) -> list[KeptConfidential]:
    """Keep a member confidential where its change of kind alone would make its figures public by default."""
    datasets = tuple(
        dataset
        for dataset in DISCLOSURE_DATASETS
        if ledger.disclosure_class(change.member_id, dataset=dataset, as_of=change.changed_on - timedelta(days=1))
        == CONFIDENTIAL
        and ledger.disclosure_class(change.member_id, dataset=dataset, as_of=change.changed_on) == PUBLIC
    )
    for dataset in datasets:
        ledger.set_disclosure_class(change.member_id, dataset, CONFIDENTIAL, consented_on=change.changed_on)
    return [KeptConfidential(change.member_id, datasets, change.changed_on)] if datasets else []


def _unreadable_dates(raw: pl.DataFrame, column: str) -> dict[int, str]:
    """Source rows whose date column holds text that is not a date, with that text.

    Normalisation reads such text as empty, and an empty date has a meaning (a consent from the day the member
    joined, a change from today): a mistyped date would otherwise stand for another day.
    """
    if column not in raw.columns:
        return {}
    text = pl.col(column).cast(pl.String)
    bad = raw.filter(clean_text(text).is_not_null() & parse_date(text).is_null())
    return dict(zip(bad["source_row"].to_list(), bad[column].cast(pl.String).to_list(), strict=True))


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
