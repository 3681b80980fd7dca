"""Registering members: rows checked against the members contract, valid ones written to the ledger."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime

import polars as pl

from expectations.report import Report, SubmissionInfo, build_report
from flows.stages.judge import lineage, validate_rows
from infra.ledger import Member
from infra.minio_admin import MemberCredentials
from infra.resources import Resources
from schemas import MEMBERS

DEFAULT_REGION = "JP"


@dataclass(frozen=True)
class MemberImport:
    """How a members file went: the validation report and how many members were new."""

    report: Report
    n_created: int


def import_members(resources: Resources, raw: pl.DataFrame, *, file: str) -> MemberImport:
    """Validate member rows (text columns of the members contract) and register the valid ones."""
    if "source_row" not in raw.columns:
        raw = raw.with_row_index("source_row", offset=2).with_columns(pl.col("source_row").cast(pl.Int64))
    batch = lineage(raw, submission_id="members", submitter_id="operator", registered_region=DEFAULT_REGION)
    result = validate_rows(MEMBERS, batch, known_targets=None)
    n_created = 0
    for row in result.accepted.iter_rows(named=True):
        member = Member(
            member_id=row["member_id"],
            name=row["name"],
            kind=row["kind"],
            region=row["region"],
            joined_on=row["joined_on"],
        )
        n_created += resources.ledger.add_member(member)
    info = SubmissionInfo("members", "operator", "members", file, datetime.now(UTC))
    report = build_report(submission=info, contract=MEMBERS, result=result, raw=raw)
    return MemberImport(report=report, n_created=n_created)


def provision_storage_access(
    resources: Resources, member_id: str, *, rotate_secret: bool = False
) -> MemberCredentials | None:
    """On S3/MinIO, the member's own user limited to its inbox and reports; None on local storage."""
    from infra.storage_s3 import S3Storage

    if not isinstance(resources.storage, S3Storage):
        return None
    from infra.minio_admin import AdminConnection, provision_member

    admin = AdminConnection.from_settings(resources.settings)
    return provision_member(
        admin=admin, bucket=resources.storage.bucket, member_id=member_id, rotate_secret=rotate_secret
    )
