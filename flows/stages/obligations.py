"""Members' obligations, from the core tables and the ledger: published tables and the follow-up pack's inputs.

`core.member_obligations` and `mart.member_compliance` are published whole, unless they were built from the same
inputs already (`flows.stages.fingerprint`); the secretariat's follow-up pack is judged on the day it asks for and
writes nothing.
"""

from __future__ import annotations

import logging
from datetime import date

import polars as pl

from flows.stages import fingerprint
from flows.stages.publish import on_stable_input
from flows.stages.summary import Timings, timed
from flows.stages.targets import members_frame, progress_as_reported
from infra.rendering.followup import FollowupPack
from infra.resources import Resources
from schemas.outcomes import ACCEPTED_ONCE
from schemas.tables import TABLES
from transforms.obligations import FOLLOW_UPS, compute_member_obligations, fiscal_year_ends, summarize_member_compliance
from transforms.targets import compute_target_progress

logger = logging.getLogger(__name__)

# The core tables obligations are judged from (with the ledger's members and progress files).
SOURCES = ("core.targets", "core.progress", "core.projects", "core.disclosures", "core.plans")
OUTPUTS = ("core.member_obligations", "draft.member_compliance")


def follow_ups(resources: Resources) -> pl.DataFrame:
    """Every progress file with accepted rows, on the day it arrived: each is a follow-up of the member's targets."""
    rows = [
        {"member_id": s.member_id, "submission_id": s.submission_id, "followed_up_on": s.received_at.date()}
        for s in resources.ledger.submissions(dataset="progress")
        if s.status in ACCEPTED_ONCE and s.counts and s.counts.accepted
    ]
    return pl.DataFrame(rows, schema=FOLLOW_UPS)


def obligations_on(resources: Resources, days: list[tuple[str, date]]) -> pl.DataFrame:
    """`core.member_obligations` rows for each (fiscal year, day), with a `fiscal_year` column first.

    Each day judges members by their kind of that day: a member that changed kind follows the new kind's rules
    from the day the change applies.
    """
    warehouse = resources.warehouse
    inputs = (
        warehouse.read("core.targets").lazy(),
        follow_ups(resources).lazy(),
        warehouse.read("core.projects").lazy(),
        warehouse.read("core.disclosures").lazy(),
        warehouse.read("core.plans").lazy(),
    )
    frames = [
        compute_member_obligations(members_frame(resources, as_of=day).lazy(), *inputs, as_of=day).with_columns(
            pl.lit(year).alias("fiscal_year")
        )
        for year, day in days
    ]
    if not frames:
        return pl.DataFrame()
    return pl.concat(frames).collect().select("fiscal_year", pl.exclude("fiscal_year"))


def judged_years(resources: Resources, as_of: date) -> list[tuple[str, date]]:
    """The fiscal years the public counts cover: from the first member's joining to `as_of`."""
    members = members_frame(resources)
    joined = members.filter(pl.col("joined_on") <= as_of).get_column("joined_on")
    return fiscal_year_ends(joined.min() if joined.len() else as_of, as_of)  # type: ignore[arg-type]


def compliance_tables(resources: Resources, as_of: date) -> tuple[pl.DataFrame, pl.DataFrame]:
    """(`core.member_obligations` on `as_of`, `mart.member_compliance` for every fiscal year up to `as_of`)."""
    days = judged_years(resources, as_of)
    every_year = obligations_on(resources, days)
    minimum = resources.settings.disclosure_min_contributors
    if every_year.is_empty():
        empty = (pl.DataFrame(schema=TABLES[name]) for name in ("core.member_obligations", "mart.member_compliance"))
        return next(empty), next(empty)
    current = every_year.filter(pl.col("as_of") == as_of).drop("fiscal_year")
    mart = summarize_member_compliance(every_year.lazy(), min_contributors=minimum).collect()
    return current, mart


def publish_obligations(resources: Resources, *, as_of: date, timings: Timings | None = None) -> dict[str, int]:
    """Rebuild `core.member_obligations` (on `as_of`) and the draft of `mart.member_compliance`; rows per table.

    Both are left as they are when they say they were built from these very inputs (a flows file changes none).
    """

    def once() -> dict[str, int]:
        inputs = _fingerprint(resources, as_of)  # within the stable window: what the rebuild below reads
        if fingerprint.built_from(resources, OUTPUTS, inputs):
            logger.info("obligations on %s: built from these inputs already; not rebuilt", as_of)
            return {table: fingerprint.rows(resources, table) for table in OUTPUTS}
        current, mart = compliance_tables(resources, as_of)
        frames = dict(zip(OUTPUTS, (current, mart), strict=True))
        for table, frame in frames.items():
            resources.warehouse.replace(table, frame, match={}, skip_unchanged=True, built_from=inputs)
        return {table: frame.height for table, frame in frames.items()}

    with timed(timings, "publish"):
        return on_stable_input(resources, list(SOURCES), once, what="obligations")


def _fingerprint(resources: Resources, as_of: date) -> str:
    """What `compliance_tables` reads: the core tables, each judged day's members, the progress files, the minimum."""
    days = judged_years(resources, as_of)
    members = {f"members on {day}": members_frame(resources, as_of=day) for _, day in days}
    return fingerprint.fingerprint(
        resources,
        stage="obligations",
        tables=SOURCES,
        frames={"follow_ups": follow_ups(resources), **members},
        values={"as_of": as_of, "days": days, "min_contributors": resources.settings.disclosure_min_contributors},
    )


def followup_pack(resources: Resources, *, as_of: date) -> FollowupPack:
    """Everything the secretariat's yearly follow-up shows, judged on `as_of` (nothing is written)."""
    obligations, compliance = compliance_tables(resources, as_of)
    members = members_frame(resources).select("member_id", "name", "kind")
    warehouse = resources.warehouse
    projects = warehouse.read("core.projects").select("member_id", "project_id", "title")
    disclosures = (
        warehouse.read("core.disclosures")
        .filter(pl.col("disclosed_on") <= as_of)
        .join(projects, on=["member_id", "project_id"], how="left")
        .join(members, on="member_id", how="left")
    )
    targets = warehouse.read("core.targets").filter(pl.col("valid_from").is_null() | (pl.col("valid_from") <= as_of))
    target_progress = compute_target_progress(
        targets.lazy(),
        progress_as_reported(resources).lazy(),
        warehouse.read("core.member_indicators").lazy(),
        as_of_year=as_of.year,
    ).collect()
    target_progress = target_progress.join(members, on="member_id", how="left")
    return FollowupPack(
        as_of=as_of,
        compliance=compliance,
        obligations=obligations.join(members.select("member_id", "name"), on="member_id", how="left"),
        target_progress=target_progress,
        disclosures=disclosures,
    )
