"""What a member would see published of its own contributions if the period were released now.

The drafts (`draft.*`, the shapes of `suppress_publication`'s tables) hold the next release's disclosure decision.
For one member, every value of every published table it contributes a nonzero amount to is found by running the
very builders that make the tables on its own cells (`member_contributions`), and joined to the draft's row: the
value is published when the draft holds it, withheld (with the row's reason) when the draft nulls it. Only the
member's own tonnes are returned: never a draft's total, nor another member's part.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
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

_IN_DRAFT, _DRAFT_VALUE, _OWN = "_in_draft", "_draft_value", "own_quantity_t"
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


def _table_preview(table: str, member_flows: pl.DataFrame, draft: pl.DataFrame | None) -> pl.LazyFrame:
    """One table's values the members contribute to, each member's own part, with the draft's decision on each."""
    keys, values = table_keys(table), list(DISCLOSURE_SPECS[table].value_columns)
    schema = TABLES[table]
    own = (
        member_contributions(member_flows.lazy(), PUBLISHED_BUILDERS[table])
        .select(MEMBER_ID, *(pl.col(name).cast(schema[name]) for name in keys), *values)
        .unpivot(index=[MEMBER_ID, *keys], on=values, variable_name="column", value_name=_OWN)
        .filter(pl.col(_OWN).is_not_null() & (pl.col(_OWN) != 0))
    )
    if draft is None:
        draft = pl.DataFrame(schema=schema)
    decided = (
        draft.lazy()
        .select(*keys, *values, SUPPRESSION_REASON)
        .with_columns(pl.lit(value=True).alias(_IN_DRAFT))
        .unpivot(
            index=[*keys, SUPPRESSION_REASON, _IN_DRAFT], on=values, variable_name="column", value_name=_DRAFT_VALUE
        )
    )
    in_draft = pl.col(_IN_DRAFT).fill_null(value=False)
    published = in_draft & pl.col(_DRAFT_VALUE).is_not_null()
    return (
        own.join(decided, on=[*keys, "column"], how="left", nulls_equal=True)
        .select(
            MEMBER_ID,
            pl.col("period"),
            pl.lit(table).alias("table_name"),
            cell_label(keys),
            "column",
            pl.col(_OWN).cast(pl.Float64),
            in_draft.alias("is_in_draft"),
            published.alias("is_published"),
            pl.when(in_draft & ~published).then(pl.col(SUPPRESSION_REASON)).alias(SUPPRESSION_REASON),
            _is_listed(table).alias("is_listed"),
            *(pl.col(name).alias(f"_key_{index}") for index, name in enumerate(keys)),
        )
        .sort(MEMBER_ID, pl.selectors.starts_with("_key_"), "column", nulls_last=True)
        .select(MEMBER_ID, *PREVIEW_SCHEMA)
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
    mine = flows.filter(pl.col(MEMBER_ID).is_in(sorted(set(member_ids))))
    schema = pl.Schema({MEMBER_ID: pl.String(), **PREVIEW_SCHEMA})
    if mine.is_empty():
        return pl.DataFrame(schema=schema)
    cells = prepare_flows(mine.lazy())
    parts = pl.collect_all([_table_preview(table, cells, drafts.get(table)) for table in PUBLISHED_BUILDERS])
    return pl.concat(parts, how="vertical").select(pl.col(name).cast(dtype) for name, dtype in schema.items())


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
    order = {table: index for index, table in enumerate(PUBLISHED_BUILDERS)}
    return (
        preview.filter(~pl.col("is_listed"))
        .group_by(*by, "table_name")
        .agg(
            pl.col("is_published").sum().cast(pl.UInt32).alias("n_published"),
            (pl.col("is_in_draft") & ~pl.col("is_published")).sum().cast(pl.UInt32).alias("n_withheld"),
            (~pl.col("is_in_draft")).sum().cast(pl.UInt32).alias("n_not_in_draft"),
        )
        .sort(*by, pl.col("table_name").replace_strict(order, default=len(order), return_dtype=pl.Int64), "table_name")
        .select(*by, *COUNTS_SCHEMA)
    )
