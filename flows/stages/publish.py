"""Publishing: every published table's slice for a period rebuilt from `core.flows`, and target progress whole.

`mart.*` cells that would reveal one organisation are suppressed; `core.*` keeps them. Past 400 lines: the
period tables, the target tables and the periods' bookkeeping share its stable-input guard and cell readers.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import date
from typing import TypeVar

import polars as pl

from flows.stages.members import disclosure_frame
from flows.stages.receive import scan_inbox
from flows.stages.summary import Timings, timed
from infra.ledger import Submission
from infra.resources import Resources
from schemas import periods
from schemas.outcomes import PUBLISHABLE, SubmissionStatus
from schemas.tables import PERIOD_COLUMNS, PUBLIC_TABLES, TABLES, draft_table
from transforms.disclosure.information_loss import publication_summary
from transforms.disclosure.joint import suppress_publication
from transforms.disclosure.release_protection import EarlierRelease
from transforms.indicators import compute_member_indicators
from transforms.normalize import parse_period
from transforms.publication import FLOW_TABLES, LinkedTables
from transforms.recycled_content import DECLARATION_TABLES, declaration_cells
from transforms.regional import with_ends

logger = logging.getLogger(__name__)


PUBLISH_ATTEMPTS = 5


T = TypeVar("T")


def on_stable_input(resources: Resources, watched: Sequence[str], work: Callable[[], T], *, what: str) -> T:
    """Run `work` until the tables it reads did not change while it ran (a concurrent run wrote to them).

    So the last publish always reflects the latest core, whatever the interleaving of runs.
    """
    for _ in range(PUBLISH_ATTEMPTS):
        seen = [resources.warehouse.snapshot_id(table) for table in watched]
        result = work()
        if [resources.warehouse.snapshot_id(table) for table in watched] == seen:
            return result
        logger.info("%s changed while publishing %s; publishing again", ", ".join(watched), what)
    msg = f"{', '.join(watched)} kept changing while publishing {what}; the next run will publish it"
    raise RuntimeError(msg)


@dataclass(frozen=True)
class PublishedPeriod:
    """Rows written per table for one period, and what disclosure control hid (cells and tonnes by reason)."""

    rows: dict[str, int]
    information_loss: pl.DataFrame


def publish_period(resources: Resources, period: str, *, timings: Timings | None = None) -> PublishedPeriod:
    """Rebuild a period's draft of every public table from `core.flows`, and `core.member_indicators`.

    The draft is what releasing the period now would publish: suppressed as one linked system
    (`transforms.disclosure.joint`) and protected against every earlier release of the period. Public tables
    change only on release (`flows.stages.release`).
    """
    with timed(timings, "publish"):
        return on_stable_input(
            resources, list(PERIOD_INPUTS), lambda: _publish_period_once(resources, period), what=period
        )


def _publish_period_once(resources: Resources, period: str) -> PublishedPeriod:
    frames, loss = period_frames(resources, period)
    for table, frame in frames.items():
        resources.warehouse.replace(draft_or_core(table), frame, match={"period": [period]}, skip_unchanged=True)
    return PublishedPeriod({table: frame.height for table, frame in frames.items()}, loss)


def draft_or_core(table: str) -> str:
    """Where a run writes a table it builds: a public table's draft, any other table itself."""
    return draft_table(table) if table in PUBLIC_TABLES else table


PERIOD_INPUTS = ("core.flows", "core.declarations")  # what a period's tables are built from


def period_frames(
    resources: Resources, period: str, *, cells: pl.DataFrame | None = None, declared: pl.DataFrame | None = None
) -> tuple[dict[str, pl.DataFrame], pl.DataFrame]:
    """A period's `core.member_indicators` and public tables as a release now would publish them, and their loss.

    `cells` are the period's member cells (`flow_cells`) and `declared` its declaration cells (`declared_cells`),
    when the caller read them already. Declarations are their own data: the tables built from them are protected
    together in a pass of their own, with the members' classes as for flows.
    """
    flows = (flow_cells(resources, period) if cells is None else cells).lazy()
    declarations = (declared_cells(resources, period) if declared is None else declared).lazy()
    classes = disclosure_frame(resources, dataset="flows")
    publications = [
        suppress_publication(
            members_cells,
            earlier=earlier_releases(resources, period, linked=linked, cells_table=cells_table),
            public_members=frozenset(classes.filter("is_public").get_column("member_id").to_list()),
            member_kinds=dict(classes.select("member_id", "kind").iter_rows()),
            min_contributors=resources.settings.disclosure_min_contributors,
            dominance_share=resources.settings.disclosure_dominance_share,
            linked=linked,
        )
        for members_cells, linked, cells_table in (
            (flows, FLOW_TABLES, "core.released_cells"),
            (declarations, DECLARATION_TABLES, "core.released_declaration_cells"),
        )
    ]
    loss = pl.concat([publication.information_loss for publication in publications]).sort(
        "period", "table_name", "suppression_reason", nulls_last=False
    )
    frames: dict[str, pl.DataFrame] = {
        "core.member_indicators": compute_member_indicators(flows).collect(),
        **{table: frame for publication in publications for table, frame in publication.tables.items()},
        "mart.publication_summary": publication_summary(loss),
    }
    return frames, loss


def declared_cells(resources: Resources, period: str) -> pl.DataFrame:
    """core.declarations of a period as member cells (`transforms.recycled_content.declaration_cells`)."""
    rows = resources.warehouse.read("core.declarations", where={"period": [period]})
    return declaration_cells(rows.lazy()).collect()


RELEASE_TAG_PREFIX = "release/"


def release_tag(period: str, release: int) -> str:
    """The Iceberg tag of a period's release on every public table.

    Examples:
        >>> release_tag("FY2024", 2)
        'release/FY2024/2'

    """
    return f"{RELEASE_TAG_PREFIX}{period}/{release}"


def release_numbers(resources: Resources, period: str) -> list[int]:
    """The releases of a period so far, from the tags of `mart.flows` (a release tags every public table)."""
    prefix = release_tag(period, 0)[:-1]
    return sorted(
        int(tag.removeprefix(prefix)) for tag in resources.warehouse.tags("mart.flows") if tag.startswith(prefix)
    )


def earlier_releases(
    resources: Resources,
    period: str,
    *,
    linked: LinkedTables = FLOW_TABLES,
    cells_table: str = "core.released_cells",
) -> list[EarlierRelease]:
    """Every release of the period so far, as the attacker holds it: what it published, and what it was built from.

    Of other `linked` tables than the flows' (declarations'), the releases that recorded cells of them: a release
    without declarations published none of their values. A table new since a release has no tag of it: none either.
    """
    numbers = release_numbers(resources, period)
    if not numbers:
        return []
    warehouse = resources.warehouse
    cells = warehouse.read(cells_table, where={"period": [period]})
    if linked is not FLOW_TABLES:
        recorded = set(cells.get_column("release").to_list())
        numbers = [number for number in numbers if number in recorded]
    return [
        EarlierRelease(
            flows=cells.filter(pl.col("release") == number).drop("release"),
            tables={
                table: warehouse.read(table, where={"period": [period]}, tag=release_tag(period, number))
                for table in linked.builders
                if release_tag(period, number) in warehouse.tags(table)
            },
        )
        for number in numbers
    ]


# What every mart of a period needs from core.flows: a member's flows summed over its processes and files (the
# renewable flag splits inflows in mart.material_circularity; the product, mart.product_circularity's rows).
FLOW_CELL_KEYS = (
    "member_id",
    *PERIOD_COLUMNS,
    "material",
    "material_group",
    "product_category",
    "region",
    "origin_region",
    "destination_region",
    "source_stage",
    "target_stage",
    "is_renewable",
)


# Exact sums: tonnes to the milligram, as 128-bit decimals.
_EXACT_T = pl.Decimal(38, 9)


def flow_cells(resources: Resources, period: str) -> pl.DataFrame:
    """core.flows of a period summed per member, material, region, origin, destination and stage pair, in batches.

    The sums are exact (decimal tonnes to the milligram), so they do not depend on the order rows are read
    in: republishing gives identical floats. Memory grows with the cells, not with the rows: keys are held
    as categories while summing, and batches' partial sums are merged into the totals as they come.
    """
    keys = list(FLOW_CELL_KEYS)
    varying = [name for name in keys if name not in PERIOD_COLUMNS]  # the period's columns are one value
    exact = pl.col("quantity_t").cast(_EXACT_T).sum()
    schema = TABLES["core.flows"]
    totals: pl.DataFrame | None = None
    period_values: dict[str, object] = {}
    pending: list[pl.DataFrame] = []
    for batch in resources.warehouse.batches("core.flows", where={"period": [period]}, columns=[*keys, "quantity_t"]):
        if batch.is_empty():
            continue
        period_values = batch.select(list(PERIOD_COLUMNS)).row(0, named=True)
        batch = with_ends(batch.lazy()).collect()  # rows written before flows had origin and destination
        pending.append(batch.select(pl.col(varying).cast(pl.Categorical()), "quantity_t").group_by(varying).agg(exact))
        if sum(frame.height for frame in pending) > CELL_MERGE_ROWS:
            totals = pl.concat([*([] if totals is None else [totals]), *pending]).group_by(varying).agg(exact)
            pending = []
    if totals is None and not pending:
        return pl.DataFrame(schema={name: schema[name] for name in [*keys, "quantity_t"]})
    totals = pl.concat([*([] if totals is None else [totals]), *pending]).group_by(varying).agg(exact)
    return (
        totals.select(
            *(pl.lit(value, dtype=schema[name]).alias(name) for name, value in period_values.items()),
            *(pl.col(name).cast(schema[name]) for name in varying),
            pl.col("quantity_t").cast(pl.Float64()),
        )
        .select(*keys, "quantity_t")
        .sort(keys, nulls_last=True)
    )


CELL_MERGE_ROWS = 500_000  # partial sums held before they are merged into a period's running totals


def published_periods(resources: Resources) -> pl.DataFrame:
    """Periods present in `core.flows` or `core.declarations` with their start and end, in time order."""
    return (
        pl.concat(
            [resources.warehouse.read(table).select("period", "period_start", "period_end") for table in PERIOD_INPUTS]
        )
        .unique()
        .sort("period_start", "period_end", "period")
    )


def periods_between(resources: Resources, period_from: str, period_to: str) -> list[str]:
    """Published periods that lie within [start of period_from, end of period_to]."""
    start, _ = period_bounds(period_from)
    _, end = period_bounds(period_to)
    known = published_periods(resources)
    inside = known.filter((pl.col("period_start") >= start) & (pl.col("period_end") <= end))
    return inside.get_column("period").to_list()


def period_bounds(period: str) -> tuple[date, date]:
    """First and last day of a period as an operator writes it (FY2024, 2024, 2024-05, 令和6年度)."""
    parsed = parse_period(pl.lit(period))
    bounds = pl.select([expression.alias(name) for name, expression in parsed.items()]).row(0, named=True)
    if bounds["period_start"] is None:
        msg = f"{period!r} is not a period; write it like {', '.join(periods.EXAMPLES)}"
        raise ValueError(msg)
    return bounds["period_start"], bounds["period_end"]


def has_work(resources: Resources) -> bool:
    """Whether a nightly run would do anything: sources to pull, new inbox objects, unfinished work, member changes."""
    if resources.ledger.list_sources():
        return True
    scan = scan_inbox(resources)
    return bool(
        scan.unseen_keys
        or scan.deleted_ids
        or resources.ledger.pending_submissions()
        or unpublished_submissions(resources)
        or resources.ledger.unpublished_member_changes()  # a new kind changes the member's obligations
    )


def unpublished_submissions(resources: Resources) -> list[Submission]:
    """Submissions whose accepted rows are in core but whose periods have not been republished since.

    With them, the files they replaced: their rows left core, so their periods are republished too.
    """
    pending = [
        submission
        for status in (*PUBLISHABLE, SubmissionStatus.WITHDRAWING)
        for submission in resources.ledger.submissions(status=status)
    ]
    return pending + resources.ledger.replaced_by_any([submission.submission_id for submission in pending])


def take_out_withdrawn(resources: Resources, submissions: Sequence[Submission]) -> None:
    """Delete withdrawn files' rows from the core tables (again, if a run died after doing it): one commit each."""
    by_dataset: dict[str, list[str]] = {}
    for submission in submissions:
        if submission.status == SubmissionStatus.WITHDRAWING:
            by_dataset.setdefault(submission.dataset, []).append(submission.submission_id)
    for dataset, ids in sorted(by_dataset.items()):
        empty = pl.DataFrame(schema=TABLES[f"core.{dataset}"])
        resources.warehouse.replace(f"core.{dataset}", empty, match={"submission_id": sorted(ids)})
