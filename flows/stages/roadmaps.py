"""Publishing the roadmap tables: roadmap progress and resource productivity.

`mart.material_circularity` is a period's table like the other flow marts, disclosure-controlled with them
(`flows.stages.publish.publish_period`). `mart.resource_productivity` and `mart.roadmap_progress` are replaced
whole after the periods and targets, since they read the members' aggregate indicators of every period (a run's
drafts, or as a release publishes them), the secretariat's reference data and members' targets.
"""

from __future__ import annotations

from datetime import date

import polars as pl

from flows.stages.publish import on_stable_input  # the marts' one guard against races
from flows.stages.summary import Timings, timed
from infra.ledger import Member
from infra.resources import Resources
from schemas.reference import SECRETARIAT_ID, SECRETARIAT_KIND, SECRETARIAT_NAME
from schemas.tables import draft_table
from transforms.roadmaps import compute_resource_productivity, compute_roadmap_progress


def ensure_secretariat(resources: Resources) -> bool:
    """Register the secretariat, the submitter of reference data, unless it is; True when it was registered now."""
    if resources.ledger.get_member(SECRETARIAT_ID) is not None:
        return False
    member = Member(SECRETARIAT_ID, SECRETARIAT_NAME, SECRETARIAT_KIND, region="JP", joined_on=date.today())
    return resources.ledger.add_member(member)


# What the roadmap tables read: built again when one of them changed while they were built.
ROADMAP_INPUTS = ("core.reference_statistics", "core.roadmap_targets", "core.targets", "draft.indicators")


def publish_roadmaps(resources: Resources, *, timings: Timings | None = None) -> dict[str, int]:
    """Rebuild the drafts of `mart.resource_productivity` and `mart.roadmap_progress` whole; returns rows per table."""
    with timed(timings, "publish"):
        return on_stable_input(
            resources, list(ROADMAP_INPUTS), lambda: _publish_roadmaps_once(resources), what="roadmaps"
        )


def _publish_roadmaps_once(resources: Resources) -> dict[str, int]:
    frames = roadmap_frames(resources, resources.warehouse.read("draft.indicators"))
    for table, frame in frames.items():
        resources.warehouse.replace(draft_table(table), frame, match={}, skip_unchanged=True)
    return {table: frame.height for table, frame in frames.items()}


def roadmap_frames(resources: Resources, indicators: pl.DataFrame) -> dict[str, pl.DataFrame]:
    """`mart.resource_productivity` and `mart.roadmap_progress` from the members' aggregate `indicators`.

    Runs give them the drafts' indicators; a release gives them the indicators as released.
    """
    warehouse = resources.warehouse
    statistics = warehouse.read("core.reference_statistics").lazy()
    productivity = compute_resource_productivity(statistics, indicators.lazy()).collect()
    progress = compute_roadmap_progress(
        warehouse.read("core.roadmap_targets").lazy(),
        statistics,
        indicators.lazy(),
        productivity.lazy(),
        warehouse.read("core.targets").lazy(),
        min_contributors=resources.settings.disclosure_min_contributors,
    ).collect()
    return {"mart.resource_productivity": productivity, "mart.roadmap_progress": progress}
