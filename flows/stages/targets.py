"""Members' targets published whole: progress against the version in force, compliance, the public register.

Built by `transforms/targets.py` and `transforms/member_targets.py`; also the members' frame (kind, region, class
on a day) that the target and obligation stages read.
"""

from __future__ import annotations

import logging
from datetime import date

import polars as pl

from flows.stages.members import disclosure_frame
from flows.stages.publish import draft_or_core, on_stable_input
from flows.stages.summary import Timings, timed
from infra.resources import Resources
from schemas import MEMBERS
from schemas.outcomes import ACCEPTED_ONCE
from schemas.reference import SECRETARIAT_ID
from transforms.member_targets import build_member_targets
from transforms.targets import compute_compliance, compute_target_progress, summarize_target_progress

logger = logging.getLogger(__name__)

TARGET_INPUTS = ("core.targets", "core.progress", "core.member_indicators")  # what the target tables are built from


def publish_targets(resources: Resources, *, as_of: date, timings: Timings | None = None) -> dict[str, int]:
    """Rebuild target progress (member-level and public), the public register of targets and the compliance view."""
    with timed(timings, "publish"):
        return on_stable_input(
            resources, list(TARGET_INPUTS), lambda: _publish_targets_once(resources, as_of=as_of), what="targets"
        )


def _publish_targets_once(resources: Resources, *, as_of: date) -> dict[str, int]:
    frames = target_frames(resources, as_of=as_of)
    for table, frame in frames.items():
        resources.warehouse.replace(draft_or_core(table), frame, match={}, skip_unchanged=True)
    return {table: frame.height for table, frame in frames.items()}


def target_frames(resources: Resources, *, as_of: date) -> dict[str, pl.DataFrame]:
    """`core.target_progress`, the public summaries of target progress, and the public register of targets."""
    warehouse = resources.warehouse
    targets = warehouse.read("core.targets").lazy()
    progress = progress_as_reported(resources).lazy()
    members = members_frame(resources).lazy()
    target_progress = compute_target_progress(
        targets, progress, warehouse.read("core.member_indicators").lazy(), as_of_year=as_of.year
    ).collect()
    minimum = resources.settings.disclosure_min_contributors
    progress_classes = disclosure_frame(resources, dataset="progress", as_of=as_of)
    public_progress = progress_classes.filter("is_public").get_column("member_id").to_list()
    return {
        "core.target_progress": target_progress,
        # The register below shows public members' progress: the summary protects the others against it.
        "mart.target_progress": summarize_target_progress(
            target_progress.lazy(),
            members,
            min_contributors=minimum,
            public_members=public_progress,
        ).collect(),
        "mart.target_compliance": compute_compliance(
            members,
            targets,
            progress,
            as_of=as_of,
            target_set_on=_targets_set_on(resources).lazy(),
            min_contributors=minimum,
            public_members=public_progress,
        ).collect(),
        # Targets are public by the partnership's rules; progress only where the member's class allows it.
        "mart.member_targets": build_member_targets(
            targets, target_progress.lazy(), members, progress_classes.lazy()
        ).collect(),
    }


def progress_as_reported(resources: Resources) -> pl.DataFrame:
    """`core.progress` with `reported_at`: when each row's file arrived (what its target version is chosen by)."""
    arrived = pl.DataFrame(
        [(s.submission_id, s.received_at) for s in resources.ledger.submissions(dataset="progress")],
        schema={"submission_id": pl.String(), "reported_at": pl.Datetime("us", "UTC")},
        orient="row",
    )
    return resources.warehouse.read("core.progress").join(arrived, on="submission_id", how="left")


def members_frame(resources: Resources, *, as_of: date | None = None) -> pl.DataFrame:
    """The member registry in the members contract's shape; with `as_of`, each member's kind and region on that day."""
    listed = resources.ledger.list_members() if as_of is None else resources.ledger.members_on(as_of)
    # The secretariat submits reference data, not targets: it is not a member the compliance view counts.
    members = [member for member in listed if member.member_id != SECRETARIAT_ID]
    schema = MEMBERS.schema
    # disclosure and consented_on stay empty: the ledger keeps each member's classes as a history (disclosure_frame).
    return pl.DataFrame(
        [{name: getattr(member, name, None) for name in schema} for member in members], schema=schema, orient="row"
    )


def _targets_set_on(resources: Resources) -> pl.DataFrame:
    """When each member first had targets accepted: the day its first accepted targets file arrived."""
    accepted = ACCEPTED_ONCE
    rows = [
        {"member_id": s.member_id, "set_on": s.received_at.date()}
        for s in resources.ledger.submissions(dataset="targets")
        if s.status in accepted and s.counts and s.counts.accepted
    ]
    frame = pl.DataFrame(rows, schema={"member_id": pl.String(), "set_on": pl.Date()})
    return frame.group_by("member_id").agg(pl.col("set_on").min()).sort("member_id")
