"""Publishing the roadmap tables: a period's ISO 59020-style circularity; roadmap progress, resource productivity.

`mart.material_circularity` is a period's slice, rebuilt from `core.flows` with the period's other marts;
`mart.resource_productivity` and `mart.roadmap_progress` are replaced whole after the periods and targets, since
they read the published `mart.indicators` of every period, the secretariat's reference data and members' targets.
"""

from __future__ import annotations

from datetime import date

import polars as pl

from flows.stages.publish import on_stable_input  # the marts' one guard against races
from flows.stages.summary import Timings, timed
from infra.ledger import Member
from infra.resources import Resources
from schemas.reference import SECRETARIAT_ID, SECRETARIAT_KIND, SECRETARIAT_NAME
from schemas.tables import PERIOD_COLUMNS, TABLES
from transforms.iso59020 import compute_circularity, suppress_circularity
from transforms.roadmaps import compute_resource_productivity, compute_roadmap_progress


def ensure_secretariat(resources: Resources) -> bool:
    """Register the secretariat, the submitter of reference data, unless it is; True when it was registered now."""
    if resources.ledger.get_member(SECRETARIAT_ID) is not None:
        return False
    member = Member(SECRETARIAT_ID, SECRETARIAT_NAME, SECRETARIAT_KIND, region="JP", joined_on=date.today())
    return resources.ledger.add_member(member)


# A member's flows summed per cell, with the renewable flag the inflow split needs.
CIRCULARITY_CELL_KEYS = (
    "member_id",
    *PERIOD_COLUMNS,
    "material",
    "material_group",
    "region",
    "source_stage",
    "target_stage",
    "is_renewable",
)


def circularity_cells(resources: Resources, period: str) -> pl.DataFrame:
    """core.flows of a period summed per member, material, region, stage pair and renewable flag, batch by batch."""
    keys = list(CIRCULARITY_CELL_KEYS)
    parts = [
        batch.group_by(keys).agg(pl.col("quantity_t").sum())
        for batch in resources.warehouse.batches(
            "core.flows", where={"period": [period]}, columns=[*keys, "quantity_t"]
        )
        if batch.height
    ]
    schema = TABLES["core.flows"]
    if not parts:
        return pl.DataFrame(schema={name: schema[name] for name in [*keys, "quantity_t"]})
    return pl.concat(parts).group_by(keys).agg(pl.col("quantity_t").sum()).sort(keys, nulls_last=True)


def publish_circularity(resources: Resources, period: str, *, timings: Timings | None = None) -> int:
    """Rebuild a period's slice of `mart.material_circularity`, disclosure-controlled; returns its rows.

    Like the period's other marts, it is built again when `core.flows` changed meanwhile (a concurrent run).
    """
    with timed(timings, "publish"):
        return on_stable_input(
            resources, ["core.flows"], lambda: _publish_circularity_once(resources, period), what=period
        )


def _publish_circularity_once(resources: Resources, period: str) -> int:
    cells = circularity_cells(resources, period).lazy()
    frame = suppress_circularity(
        compute_circularity(cells),
        core_flows=cells,
        min_contributors=resources.settings.disclosure_min_contributors,
        dominance_share=resources.settings.disclosure_dominance_share,
    ).collect()
    resources.warehouse.replace("mart.material_circularity", frame, match={"period": [period]})
    return frame.height


# What the roadmap tables read: built again when one of them changed while they were built.
ROADMAP_INPUTS = ("core.reference_statistics", "core.roadmap_targets", "core.targets", "mart.indicators")


def publish_roadmaps(resources: Resources, *, timings: Timings | None = None) -> dict[str, int]:
    """Rebuild `mart.resource_productivity` and `mart.roadmap_progress` whole; returns rows per table."""
    with timed(timings, "publish"):
        return on_stable_input(
            resources, list(ROADMAP_INPUTS), lambda: _publish_roadmaps_once(resources), what="roadmaps"
        )


def _publish_roadmaps_once(resources: Resources) -> dict[str, int]:
    warehouse = resources.warehouse
    statistics = warehouse.read("core.reference_statistics").lazy()
    indicators = warehouse.read("mart.indicators").lazy()
    productivity = compute_resource_productivity(statistics, indicators).collect()
    progress = compute_roadmap_progress(
        warehouse.read("core.roadmap_targets").lazy(),
        statistics,
        indicators,
        productivity.lazy(),
        warehouse.read("core.targets").lazy(),
        min_contributors=resources.settings.disclosure_min_contributors,
    ).collect()
    frames = {"mart.resource_productivity": productivity, "mart.roadmap_progress": progress}
    for table, frame in frames.items():
        warehouse.replace(table, frame, match={})
    return {table: frame.height for table, frame in frames.items()}
