"""Which file wins: a member's data for a dataset is the sum of its live files.

A new file with accepted rows replaces
  (a) the earlier version uploaded under the same key, whatever its content (earlier content uploaded again
      wins again), and
  (b) any older live file of the same member and dataset that shares a row key with it: a corrected copy under
      a new name (`…_修正版.xlsx`, `v2`).
Files whose row keys are disjoint add up: a year split per plant or per material all counts. Order is by
arrival (the object's upload time, then the ledger's receive time), never by name. A file with no accepted
rows replaces nothing: the member's data stays as it was. Targets (`replacement="versions"`) keep every version
of each target instead (`transforms.targets.merge_target_versions`).
"""

from __future__ import annotations

from collections.abc import Collection, Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Literal

import polars as pl

from expectations.relations import FileRelation
from infra.ledger import Submission
from infra.storage import keys
from schemas import CONTRACTS

ROW_KEY = "row_key"
Relation = Literal["replaces", "replaced_by", "adds_to"]


def row_keys(dataset: str, rows: pl.LazyFrame) -> pl.LazyFrame:
    """Each row's submission, member and a 64-bit hash of its key (the contract's key without the member).

    The hash stands for the key only to count keys two files share, within one process.
    """
    columns = [name for name in CONTRACTS[dataset].key if name != "member_id"]
    return rows.select(
        "submission_id",
        "member_id",
        pl.struct([pl.col(name).cast(pl.String) for name in columns]).hash(seed=0).alias(ROW_KEY),
    ).unique()


def shared_rows(row_keys: pl.DataFrame) -> dict[tuple[str, str], int]:
    """For each ordered pair of files of one member, how many row keys they share: one join."""
    pairs = (
        row_keys.join(row_keys, on=["member_id", ROW_KEY], suffix="_other")
        .filter(pl.col("submission_id") != pl.col("submission_id_other"))
        .group_by("submission_id", "submission_id_other")
        .len()
    )
    return {(one, other): int(count) for one, other, count in pairs.iter_rows()}


@dataclass(frozen=True)
class FilePlan:
    """What recording one file does to its member's other files."""

    relations: tuple[FileRelation, ...] = ()

    @property
    def replaced_by(self) -> str | None:
        """The newer file that replaced this one (its rows are not written), if any."""
        return next((r.submission_id for r in self.relations if r.relation == "replaced_by"), None)

    @property
    def replaces(self) -> tuple[str, ...]:
        """The older files this one replaced (their rows leave the core table)."""
        return tuple(r.submission_id for r in self.relations if r.relation == "replaces")


def _arrival(submission: Submission) -> tuple[datetime, str]:
    return submission.received_at, submission.submission_id


def plan_files(
    batch: Sequence[Submission],
    *,
    with_rows: Collection[str],
    files: Sequence[Submission],
    shared: Mapping[tuple[str, str], int],
) -> dict[str, FilePlan]:
    """Apply the file rules to a batch of one dataset, in arrival order, as if its files came one at a time.

    `files` are the members' live files (and any a previous attempt at this batch had already replaced),
    `with_rows` the batch's files with accepted rows, `shared` the row keys each pair of files shares.
    """
    batch_ids = {submission.submission_id for submission in batch}
    live: dict[str, list[Submission]] = {}
    for one in sorted(files, key=_arrival):
        if one.submission_id not in batch_ids:
            live.setdefault(one.member_id, []).append(one)
    plans: dict[str, FilePlan] = {}
    for this in sorted(batch, key=_arrival):
        if this.submission_id not in with_rows:
            plans[this.submission_id] = FilePlan()
            continue
        others = live.get(this.member_id, [])

        def relation(other: Submission, kind: Relation, this: Submission = this) -> FileRelation:
            count = shared.get((this.submission_id, other.submission_id), 0)
            earlier_attempt = other.superseded_by == this.submission_id and not count
            return FileRelation(
                kind,
                other.submission_id,
                keys.parse_inbox_key(other.key).file_name,
                same_key=other.key == this.key,
                shared_rows=None if earlier_attempt and other.key != this.key else count,
            )

        related = [
            other
            for other in others
            if other.key == this.key
            or shared.get((this.submission_id, other.submission_id), 0)
            or other.superseded_by == this.submission_id
        ]
        newer = [o for o in related if _arrival(o) > _arrival(this) and o.superseded_by != this.submission_id]
        if newer:
            plans[this.submission_id] = FilePlan((relation(newer[0], "replaced_by"),))
            continue
        plans[this.submission_id] = FilePlan(
            tuple(relation(other, "replaces") for other in related)
            + tuple(relation(other, "adds_to") for other in others if other not in related)
        )
        live[this.member_id] = [other for other in others if other not in related] + [this]
    # A file of this batch replaced by a later one of the same batch: it says so in its own report too.
    by_id = {submission.submission_id: submission for submission in batch}
    for newer_id, plan in list(plans.items()):
        for old_id in plan.replaces:
            if old_id in by_id:
                older, newer_file = by_id[old_id], by_id[newer_id]
                plans[old_id] = FilePlan(
                    (
                        *plans[old_id].relations,
                        FileRelation(
                            "replaced_by",
                            newer_id,
                            keys.parse_inbox_key(newer_file.key).file_name,
                            same_key=older.key == newer_file.key,
                            shared_rows=shared.get((old_id, newer_id), 0),
                        ),
                    )
                )
    return plans
