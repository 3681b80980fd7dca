"""Releasing periods: the one step that changes the public tables.

Runs keep `core.*`, members' reports and the `draft.*` tables current within a minute of an upload; the public
tables (`mart.*`, which BI users read) change only here. A release of a period:

1. rebuilds the period's publication from `core.flows` (and its recycled content from `core.declarations`),
   protected against every earlier release of the period
   (`transforms.disclosure.joint`: a value whose change would give away the few members that changed is
   withheld for `revision`), and the tables replaced whole (targets, compliance, roadmaps: the roadmaps from
   the indicators as released, never from a draft);
2. records the member cells it was built from (`core.released_cells`, `core.released_declaration_cells`, for the
   next release's protection);
3. writes every public table, `mart.releases` (its notes) and the tags `release/<period>/<n>` where no reader
   looks, expires the snapshots no release tags, and switches all public tables in one catalog transaction
   (`infra.warehouse.staging`); then deletes the files only unreleased snapshots reached;
4. renders the public period report.

Killed before the switch, nothing public changed and the next release starts over.
"""

from __future__ import annotations

import logging
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, date, datetime

import polars as pl

from flows import progress
from flows.stages.obligations import compliance_tables
from flows.stages.publish import (
    PERIOD_INPUTS,
    declared_cells,
    draft_or_core,
    flow_cells,
    on_stable_input,
    period_frames,
    release_numbers,
    release_tag,
)
from flows.stages.roadmaps import roadmap_frames
from flows.stages.summary import Timings, timed
from flows.stages.targets import target_frames
from infra.resources import Resources
from infra.warehouse.staging import forget_unreleased, staged, tag_and_expire
from schemas.tables import PUBLIC_TABLES, TABLES
from transforms.disclosure.revisions import release_notes
from transforms.publication import PUBLISHED_BUILDERS
from transforms.recycled_content import DECLARATION_TABLES

logger = logging.getLogger(__name__)


@dataclass(frozen=True)
class Released:
    """One period's release: its number and notes (`mart.releases` rows)."""

    period: str
    release: int
    notes: pl.DataFrame


@dataclass(frozen=True)
class _Plan:
    period: str
    release: int
    cells: pl.DataFrame
    declared: pl.DataFrame  # the declaration cells its recycled content was built from
    frames: dict[str, pl.DataFrame]
    notes: pl.DataFrame


def release_periods(
    resources: Resources,
    periods: Sequence[str],
    *,
    released_by: str,
    as_of: date | None = None,
    timings: Timings | None = None,
) -> list[Released]:
    """Release `periods` together: the public tables change once, tagged `release/<period>/<n>` for each."""
    if not periods:
        return []
    known = releasable_periods(resources)
    unknown = [period for period in periods if period not in known]
    if unknown:
        msg = (
            f"no member has flows for {', '.join(unknown)}, and it was never released: nothing to release "
            f"(periods with flows or releases: {', '.join(known) or 'none'})"
        )
        raise ValueError(msg)
    with timed(timings, "release"):
        progress.current().begin(PERIODS_PROTECTED, len(periods))
        plans = on_stable_input(
            resources,
            list(PERIOD_INPUTS),
            lambda: [_planned(resources, period, released_by) for period in periods],
            what="release",
        )
        whole = _whole_tables(resources, plans, as_of=as_of or date.today())
        _record(resources, plans, whole)
    for plan in plans:
        logger.info("released %s as release %d", plan.period, plan.release)
    return [Released(plan.period, plan.release, plan.notes) for plan in plans]


PERIODS_PROTECTED = "periods protected for release"  # what a command's progress shows


def _planned(resources: Resources, period: str, released_by: str) -> _Plan:
    plan = _plan(resources, period, released_by)
    progress.current().advance(PERIODS_PROTECTED)
    return plan


def releasable_periods(resources: Resources) -> list[str]:
    """Periods with flows or declarations, and periods released before (every file withdrawn: a release empties it)."""
    found: set[str] = set()
    for table in (*PERIOD_INPUTS, "core.released_cells", "core.released_declaration_cells"):
        found |= set(resources.warehouse.read(table).get_column("period").unique().to_list())
    return sorted(found)


def _plan(resources: Resources, period: str, released_by: str) -> _Plan:
    release = max(release_numbers(resources, period), default=0) + 1
    cells, declared = flow_cells(resources, period), declared_cells(resources, period)
    frames, _ = period_frames(resources, period, cells=cells, declared=declared)
    released = {*PUBLISHED_BUILDERS, *DECLARATION_TABLES.builders}
    public = {table: frame for table, frame in frames.items() if table in released}
    previous = None
    if release > 1:
        tag = release_tag(period, release - 1)
        # A table new since that release (the recycled content) has no tag of it: nothing of it was revised.
        previous = {
            table: resources.warehouse.read(table, where={"period": [period]}, tag=tag)
            for table in public
            if tag in resources.warehouse.tags(table)
        }
    notes = release_notes(
        period=period,
        release=release,
        released_at=datetime.now(UTC),
        released_by=released_by,
        tables=public,
        previous=previous,
    )
    return _Plan(period, release, cells, declared, frames, notes)


def _whole_tables(resources: Resources, plans: Sequence[_Plan], *, as_of: date) -> dict[str, pl.DataFrame]:
    """The public tables replaced whole: targets, compliance, and roadmaps from the indicators as released."""
    releasing = [plan.period for plan in plans]
    indicators = pl.concat(
        [
            resources.warehouse.read("mart.indicators").filter(~pl.col("period").is_in(releasing)),
            *(plan.frames["mart.indicators"] for plan in plans),
        ]
    )
    _, compliance = compliance_tables(resources, as_of)
    return {
        **target_frames(resources, as_of=as_of),
        "mart.member_compliance": compliance,
        **roadmap_frames(resources, indicators),
    }


def _record(resources: Resources, plans: Sequence[_Plan], whole: dict[str, pl.DataFrame]) -> None:
    warehouse = resources.warehouse
    # Private first: what each release was built from, and the drafts (what a release now would publish).
    for plan in plans:
        match = {"period": [plan.period], "release": [str(plan.release)]}
        for table, member_cells in (
            ("core.released_cells", plan.cells),
            ("core.released_declaration_cells", plan.declared),
        ):
            cells = member_cells.with_columns(pl.lit(plan.release, dtype=pl.Int32).alias("release"))
            warehouse.replace(table, cells.select(list(TABLES[table])), match=match)
        for table, frame in plan.frames.items():
            warehouse.replace(draft_or_core(table), frame, match={"period": [plan.period]})
    for table, frame in whole.items():
        warehouse.replace(draft_or_core(table), frame, match={})

    tags = [release_tag(plan.period, plan.release) for plan in plans]
    with staged(warehouse, PUBLIC_TABLES) as stage:
        for plan in plans:
            for table, frame in plan.frames.items():
                if table in PUBLIC_TABLES:
                    stage.replace(table, frame, match={"period": [plan.period]})
            stage.replace("mart.releases", plan.notes, match={"period": [plan.period], "release": [str(plan.release)]})
        for table, frame in whole.items():
            if table in PUBLIC_TABLES:
                stage.replace(table, frame, match={})
        for table in PUBLIC_TABLES:
            tag_and_expire(stage.table(table), tags)
    for table in PUBLIC_TABLES:
        forget_unreleased(resources.storage, warehouse.table(table))


def releases(resources: Resources, period: str | None = None) -> pl.DataFrame:
    """`mart.releases` (of one period), in release order."""
    where = {"period": [period]} if period is not None else None
    return resources.warehouse.read("mart.releases", where=where).sort(
        "period", "release", "table_name", "material_group"
    )
