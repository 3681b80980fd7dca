"""What a member would see published of its own contributions if the period were released now.

The drafts (`draft.*`, the shapes of `suppress_publication`'s tables) hold the next release's disclosure decision.
For one member, every value of every published table it contributes a nonzero amount to is found by running the
very builders that make the tables on its own cells (`member_contributions`), and joined to the draft's row: the
value is published when the draft holds it, withheld (with the row's reason) when the draft nulls it. Only the
member's own tonnes are returned: never a draft's total, nor another member's part.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Final

import polars as pl

from schemas.tables import PERIOD_COLUMNS, TABLES
from transforms.disclosure import DISCLOSURE_SPECS, MEMBER_ID, SUPPRESSION_REASON, member_contributions
from transforms.publication import PUBLISHED_BUILDERS, prepare_flows, table_keys

FLOWS_TABLE: Final = "mart.flows"
INDICATORS_TABLE: Final = "mart.indicators"
# The member's page lists these values one by one: its flows cells, and its headline indicators (by material group
# and for all materials, whole country). The rest (prefectures, blocs, leaves, the other tables) it counts.
LISTED_MATERIAL_LEVELS: Final = ("group", "all")
LISTED_REGION_LEVEL: Final = "all"

PREVIEW_SCHEMA: Final = pl.Schema(
    {
        "period": pl.String(),
        "table_name": pl.String(),
        "cell": pl.String(),  # the cell's keys, readable: material | region | stages
        "column": pl.String(),
        "own_quantity_t": pl.Float64(),  # the member's own part of the value
        "is_in_draft": pl.Boolean(),
        "is_published": pl.Boolean(),
        "suppression_reason": pl.String(),  # the draft row's reason when the value is withheld
        "is_listed": pl.Boolean(),
    }
)
COUNTS_SCHEMA: Final = pl.Schema(
    {"table_name": pl.String(), "n_published": pl.UInt32(), "n_withheld": pl.UInt32(), "n_not_in_draft": pl.UInt32()}
)
# Several members' previews in one frame (`preview_frame`), and their values counted (`PreviewPages.tallies`).
FRAME_SCHEMA: Final = pl.Schema({MEMBER_ID: pl.String(), **PREVIEW_SCHEMA})
TALLY_SCHEMA: Final = pl.Schema(
    {
        MEMBER_ID: pl.String(),
        "period": pl.String(),
        "table_name": pl.String(),
        "is_listed": pl.Boolean(),
        "is_in_draft": pl.Boolean(),
        "is_published": pl.Boolean(),
        "suppression_reason": pl.String(),
        "n_values": pl.UInt32(),  # how many of the member's values share this table, listing and decision
    }
)

_IN_DRAFT, _HELD, _OWN = "_in_draft", "_held_", "own_quantity_t"  # _HELD + a value column: the draft holds it
# Keys read as one "from → to" part of a label: (from, to).
_ARROWS: Final = (("source_stage", "target_stage"), ("source", "target"), ("origin_region", "destination_region"))
# The label's parts in this order; a table's other keys follow in its own order.
_LABEL_ORDER: Final = ("material", "region", "origin_region", "source_stage", "source", "stage", "route")


def cell_label(keys: Sequence[str]) -> pl.Expr:
    """A cell's keys as one readable label: `material | region | from → to`, the period and levels left out.

    Material and region codes already say their level (`plastics.pet`, `plastics`, `all`; `JP-13`,
    `JP-B-KANTO`, `all`). A flow's origin and destination are shown only where they differ from its region.

    Examples
    --------
    >>> import polars as pl
    >>> cells = pl.DataFrame({"period": ["FY2024"], "material": ["paper"], "material_group": ["paper"],
    ...     "source_stage": ["use"], "target_stage": ["collection"], "region": ["JP-13"],
    ...     "origin_region": ["JP-13"], "destination_region": ["JP-14"]})
    >>> cells.select(cell_label(cells.columns)).item()
    'paper | JP-13 | JP-13 → JP-14 | use → collection'

    """
    keys = list(keys)
    skipped = {*PERIOD_COLUMNS, *(name for name in keys if name.endswith("_level"))}
    if "material" in keys:
        skipped.add("material_group")  # the material's code names its group
    skipped |= {to for _, to in _ARROWS}
    parts: dict[str, pl.Expr] = {}
    for name in keys:
        if name in skipped:
            continue
        text = pl.col(name).cast(pl.String).fill_null("–")
        arrow = dict(_ARROWS).get(name)
        if arrow is not None and arrow in keys:
            text = pl.concat_str(text, pl.lit(" → "), pl.col(arrow).cast(pl.String).fill_null("–"))
            if name == "origin_region" and "region" in keys:
                same = (pl.col(name) == pl.col("region")) & (pl.col(arrow) == pl.col("region"))
                text = pl.when(same.fill_null(value=False)).then(None).otherwise(text)
        parts[name] = text
    ordered = sorted(parts, key=lambda name: _LABEL_ORDER.index(name) if name in _LABEL_ORDER else len(_LABEL_ORDER))
    return pl.concat_str([parts[name] for name in ordered], separator=" | ", ignore_nulls=True).alias("cell")


def _is_listed(table: str) -> pl.Expr:
    if table == FLOWS_TABLE:
        return pl.lit(value=True)
    if table == INDICATORS_TABLE:
        return pl.col("material_level").is_in(LISTED_MATERIAL_LEVELS) & (pl.col("region_level") == LISTED_REGION_LEVEL)
    return pl.lit(value=False)


def _decided(table: str, cells: pl.DataFrame, draft: pl.DataFrame | None) -> pl.LazyFrame:
    """The members' nonzero values of one table, each with the draft's decision on it, the table's keys as columns.

    The members' cells meet the draft's rows wide, a row per cell, and become a row per value after: half the rows
    to join of W1 medium's (a million values a period), and no unpivoted draft to match on the column too.
    """
    keys, values = table_keys(table), list(DISCLOSURE_SPECS[table].value_columns)
    schema = TABLES[table]
    own = member_contributions(cells.lazy(), PUBLISHED_BUILDERS[table]).select(
        MEMBER_ID, *(pl.col(name).cast(schema[name]) for name in keys), *values
    )
    if draft is None:
        draft = pl.DataFrame(schema=schema)
    drafted = draft.lazy().select(
        *keys,
        SUPPRESSION_REASON,
        pl.lit(value=True).alias(_IN_DRAFT),
        *(pl.col(name).is_not_null().alias(_HELD + name) for name in values),
    )
    joined = own.join(drafted, on=keys, how="left", nulls_equal=True)
    in_draft = pl.col(_IN_DRAFT).fill_null(value=False)

    def value(name: str) -> pl.LazyFrame:
        published = in_draft & pl.col(_HELD + name).fill_null(value=False)
        return joined.select(
            MEMBER_ID,
            *keys,
            pl.lit(name).alias("column"),
            pl.col(name).cast(pl.Float64).alias(_OWN),
            in_draft.alias("is_in_draft"),
            published.alias("is_published"),
            pl.when(in_draft & ~published).then(pl.col(SUPPRESSION_REASON)).alias(SUPPRESSION_REASON),
        ).filter(pl.col(_OWN).is_not_null() & (pl.col(_OWN) != 0))

    return pl.concat([value(name) for name in values], how="vertical")


def _labelled(table: str, decided: pl.LazyFrame) -> pl.LazyFrame:
    """`_decided`'s values as `preview_frame` gives them: labelled, by member, then in the table's key order."""
    keys = table_keys(table)
    return (
        decided.sort(MEMBER_ID, *keys, "column", nulls_last=True)
        .select(
            MEMBER_ID,
            pl.col("period"),
            pl.lit(table).alias("table_name"),
            cell_label(keys),
            "column",
            _OWN,
            "is_in_draft",
            "is_published",
            SUPPRESSION_REASON,
            _is_listed(table).alias("is_listed"),
        )
        .select(pl.col(name).cast(dtype) for name, dtype in FRAME_SCHEMA.items())
    )


def _tallied(table: str, decided: pl.LazyFrame) -> pl.LazyFrame:
    """`_decided`'s values counted (`TALLY_SCHEMA`): what a page shows of the values it does not list."""
    return (
        decided.group_by(
            MEMBER_ID,
            "period",
            _is_listed(table).alias("is_listed"),
            "is_in_draft",
            "is_published",
            SUPPRESSION_REASON,
        )
        .len(name="n_values")
        .with_columns(pl.lit(table).alias("table_name"))
        .select(pl.col(name).cast(dtype) for name, dtype in TALLY_SCHEMA.items())
    )


def preview_member(member_id: str, flows: pl.DataFrame, drafts: Mapping[str, pl.DataFrame]) -> pl.DataFrame:
    """Every published value a member contributes to, and whether the draft would publish it (`PREVIEW_SCHEMA`).

    `flows` are a period's member cells (`flows.stages.publish.flow_cells`: every member's; only `member_id`'s
    are read); `drafts` the period's draft tables by their public names (`mart.flows`, `mart.indicators`, …). One
    row per (table, cell, value column) the member puts a nonzero amount into: its own tonnes, whether the
    draft has the cell (`is_in_draft`), publishes the value (`is_published`) or withholds it and why (the row's
    `suppression_reason`, the most serious among its withheld values). `is_listed` marks what the member's page
    lists one by one (`mart.flows`; `mart.indicators` by material group and all materials, whole country).

    Examples
    --------
    >>> from datetime import date
    >>> import polars as pl
    >>> flows = pl.DataFrame({"member_id": ["lone", "other"], "period": ["FY2024"] * 2,
    ...     "period_start": [date(2024, 4, 1)] * 2, "period_end": [date(2025, 3, 31)] * 2,
    ...     "grain": ["fiscal_year"] * 2, "material": ["paper"] * 2, "material_group": ["paper"] * 2,
    ...     "region": ["JP-14", "JP-13"], "origin_region": [None, None], "destination_region": [None, None],
    ...     "source_stage": ["use"] * 2, "target_stage": ["collection"] * 2, "is_renewable": [None, None],
    ...     "quantity_t": [70.0, 30.0]})
    >>> draft = pl.DataFrame({**flows.drop("member_id", "is_renewable").filter(region="JP-14").to_dict(),
    ...     "origin_region": ["JP-14"], "destination_region": ["JP-14"], "quantity_t": [None],
    ...     "contributors": [1], "suppressed": [True], "suppression_reason": ["few_contributors"]})
    >>> preview = preview_member("lone", flows, {"mart.flows": draft})
    >>> flows_cells = preview.filter(table_name="mart.flows")
    >>> flows_cells.select("cell", "own_quantity_t", "is_published", "suppression_reason").rows()
    [('paper | JP-14 | use → collection', 70.0, False, 'few_contributors')]

    """
    return preview_members([member_id], flows, drafts)[member_id]


def preview_frame(member_ids: Sequence[str], flows: pl.DataFrame, drafts: Mapping[str, pl.DataFrame]) -> pl.DataFrame:
    """`preview_member` for several members at once, in one frame with `member_id` first: each builder runs once.

    On the demo (285 files of one period) one builder run per member took 46 s; together, a fraction of that.
    """
    cells = _member_cells(member_ids, flows)
    if cells is None:
        return pl.DataFrame(schema=FRAME_SCHEMA)
    tables = [_labelled(table, _decided(table, cells, drafts.get(table))) for table in PUBLISHED_BUILDERS]
    return pl.concat(pl.collect_all(tables), how="vertical")


@dataclass(frozen=True)
class PreviewPages:
    """What several members' preview pages show of a period: the values they list, and all their values counted."""

    listed: pl.DataFrame  # `FRAME_SCHEMA`: the listed values (`is_listed`) in `preview_frame`'s order
    tallies: pl.DataFrame  # `TALLY_SCHEMA`: every value, listed or not, counted by table and decision


def preview_pages(member_ids: Sequence[str], flows: pl.DataFrame, drafts: Mapping[str, pl.DataFrame]) -> PreviewPages:
    """`pages_of(preview_frame(…))`, without labelling and sorting the values the pages only count.

    The pages list a member's flows cells and headline indicators one by one and count the rest: on W1 medium five
    values in six (900,000 a period), whose labels and sorting cost nearly as much as running the builders.
    """
    cells = _member_cells(member_ids, flows)
    if cells is None:
        return PreviewPages(pl.DataFrame(schema=FRAME_SCHEMA), pl.DataFrame(schema=TALLY_SCHEMA))
    decided = dict(
        zip(
            PUBLISHED_BUILDERS,
            pl.collect_all([_decided(table, cells, drafts.get(table)) for table in PUBLISHED_BUILDERS]),
            strict=True,
        )
    )
    listed = [_labelled(table, frame.lazy().filter(_is_listed(table))) for table, frame in decided.items()]
    tallies = [_tallied(table, frame.lazy()) for table, frame in decided.items()]
    frames = pl.collect_all([*listed, *tallies])
    return PreviewPages(
        listed=pl.concat(frames[: len(listed)], how="vertical"),
        tallies=pl.concat(frames[len(listed) :], how="vertical").sort(pl.exclude("n_values"), nulls_last=True),
    )


def pages_of(preview: pl.DataFrame) -> PreviewPages:
    """`preview_frame`'s rows as `preview_pages` gives them: the listed values, and every value counted.

    >>> import polars as pl
    >>> preview = pl.DataFrame({"member_id": ["lone"] * 2, "period": ["FY2024"] * 2,
    ...     "table_name": ["mart.flows", "mart.sankey_links"],
    ...     "cell": ["paper | JP-14 | use → collection", "all | use → collection"], "column": ["quantity_t", "value_t"],
    ...     "own_quantity_t": [70.0, 70.0], "is_in_draft": [True, True], "is_published": [False, True],
    ...     "suppression_reason": ["few_contributors", None], "is_listed": [True, False]})
    >>> pages = pages_of(preview)
    >>> pages.listed.get_column("cell").to_list()
    ['paper | JP-14 | use → collection']
    >>> pages.tallies.select("table_name", "is_published", "n_values").rows()
    [('mart.flows', False, 1), ('mart.sankey_links', True, 1)]
    """
    keys = [name for name in TALLY_SCHEMA if name != "n_values"]
    return PreviewPages(
        listed=preview.filter("is_listed").select(pl.col(name).cast(dtype) for name, dtype in FRAME_SCHEMA.items()),
        tallies=preview.group_by(keys)
        .len(name="n_values")
        .select(pl.col(name).cast(dtype) for name, dtype in TALLY_SCHEMA.items())
        .sort(pl.exclude("n_values"), nulls_last=True),
    )


def _member_cells(member_ids: Sequence[str], flows: pl.DataFrame) -> pl.DataFrame | None:
    """The given members' cells as the builders read them; None when they have none."""
    mine = flows.filter(pl.col(MEMBER_ID).is_in(sorted(set(member_ids))))
    return None if mine.is_empty() else prepare_flows(mine.lazy())


def preview_members(
    member_ids: Sequence[str], flows: pl.DataFrame, drafts: Mapping[str, pl.DataFrame]
) -> dict[str, pl.DataFrame]:
    """`preview_frame` split by member, for every member asked (an empty frame for one with no values)."""
    every = preview_frame(member_ids, flows, drafts)
    found = {
        str(key[0]): frame.drop(MEMBER_ID)
        for key, frame in every.partition_by(MEMBER_ID, as_dict=True, maintain_order=True).items()
    }
    empty = pl.DataFrame(schema=PREVIEW_SCHEMA)
    return {member: found.get(member, empty) for member in sorted(set(member_ids))}


def preview_counts(preview: pl.DataFrame, *, by: Sequence[str] = ()) -> pl.DataFrame:
    """Per table, the values a member's page does not list: how many would be published, withheld, not in the draft.

    `by` groups first (`member_id` for several members' previews at once).

    >>> import polars as pl
    >>> preview = pl.DataFrame({"table_name": ["mart.indicators"] * 3, "is_in_draft": [True, True, False],
    ...     "is_published": [True, False, False], "is_listed": [False, False, False]})
    >>> preview_counts(preview).row(0)
    ('mart.indicators', 1, 1, 1)
    """
    return tally_counts(preview.with_columns(pl.lit(1, dtype=pl.UInt32).alias("n_values")), by=by)


def tally_counts(tallies: pl.DataFrame, *, by: Sequence[str] = ()) -> pl.DataFrame:
    """`preview_counts` from counted values (`PreviewPages.tallies`, or any rows with `n_values`)."""
    order = {table: index for index, table in enumerate(PUBLISHED_BUILDERS)}
    n_values = pl.col("n_values")
    return (
        tallies.filter(~pl.col("is_listed"))
        .group_by(*by, "table_name")
        .agg(
            n_values.filter("is_published").sum().cast(pl.UInt32).alias("n_published"),
            n_values.filter(pl.col("is_in_draft") & ~pl.col("is_published")).sum().cast(pl.UInt32).alias("n_withheld"),
            n_values.filter(~pl.col("is_in_draft")).sum().cast(pl.UInt32).alias("n_not_in_draft"),
        )
        .sort(*by, pl.col("table_name").replace_strict(order, default=len(order), return_dtype=pl.Int64), "table_name")
        .select(*by, *COUNTS_SCHEMA)
    )
