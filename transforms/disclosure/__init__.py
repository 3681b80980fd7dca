"""Disclosure control for the public `mart.*` tables: no published cell may reveal one organisation.

Primary suppression hides a cell with fewer than `min_contributors` members (few_contributors) or whose
two largest members hold more than `dominance_share` of any of its quantities (dominance), as Japan's
official industrial statistics hide cells of one or two establishments. Secondary suppression then hides
further cells until no suppressed cell can be recovered by subtracting published cells from a published
total: in every "total = sum of children" equation, either no cell or at least two cells are suppressed.

Here a cell is a whole row: its quantities and everything derived from them (rates, imbalances) are nulled
together. The joint pass over a period's flow tables (`transforms.disclosure.joint`) withholds values one
by one instead; a rate is always withheld with the quantities it is computed from. `contributors` stays
published, as the Census of Manufacturing prints the establishment count of an "X" cell.
`core.*` tables are never passed through here: authorised users keep the unsuppressed values.
Past 400 lines: the rules, the hierarchies and the spec of every public table are read together by every pass.
"""

from __future__ import annotations

from collections.abc import Callable, Collection, Mapping, Sequence
from dataclasses import dataclass, field

import polars as pl

from schemas import vocabulary as v
from schemas.product_tables import PRODUCT_CIRCULARITY_RATES, PRODUCT_CIRCULARITY_TONNES
from schemas.regional_tables import REGIONAL_BALANCE_QUANTITIES
from schemas.regions import ALL_REGIONS, BLOC, PREFECTURE, bloc_of
from schemas.tables import (
    CIRCULARITY_TONNES,
    CONTRIBUTORS,
    INFLOW_PARTS,
    OUTFLOW_PARTS,
    RECYCLED_CONTENT_SHARES,
    RECYCLED_CONTENT_TONNES,
    SUPPRESSION_COLUMNS,
)
from transforms.indicators import QUANTITY_FLOWS, RATES

MIN_CONTRIBUTORS = 3
DOMINANCE_SHARE = 0.85
FEW_CONTRIBUTORS = "few_contributors"
DOMINANCE = "dominance"
SECONDARY = "secondary"
# Withheld in a release because its change since an earlier release of the period would reveal the few members
# that changed (arrived, corrected or withdrew): published again once enough changes have accumulated.
REVISION = "revision"
SUPPRESSED, SUPPRESSION_REASON = SUPPRESSION_COLUMNS.names()
MEMBER_ID = "member_id"

# Member ids and period codes never hold this character (see their contract patterns).
_CARRIER_SEPARATOR = "\x1f"
_TOTAL, _ROLLUP, _IS_TOTAL, _SIZE = "_total", "_rollup", "_is_total", "_size"
# A judgement of values (`withhold`): the row number, the value column, and why it is withheld (null: published).
CELL, COLUMN, REASON = "_cell", "_column", "_reason"
# A row's `suppression_reason` is the first of these among its withheld values.
_SEVERITY = (FEW_CONTRIBUTORS, DOMINANCE, REVISION, SECONDARY)


@dataclass(frozen=True)
class Rollup:
    """One additive hierarchy: which rows are children, and the keys of the published total they add up to.

    `parent` gives the total's value of each key column that changes; the other keys are the child's.
    """

    name: str
    children: pl.Expr
    parent: Mapping[str, pl.Expr] = field(default_factory=dict)


def material_group_of(material: pl.Expr) -> pl.Expr:
    """The group of a material code: the part before the first dot (as `normalize` derives material_group)."""
    return material.str.extract(r"^([^.]+)", 1)


MATERIAL_LEAF_TO_GROUP = Rollup(
    "material leaf → group",
    children=pl.col("material_level") == "leaf",
    parent={"material": material_group_of(pl.col("material")), "material_level": pl.lit("group")},
)
MATERIAL_GROUP_TO_ALL = Rollup(
    "material group → all",
    children=pl.col("material_level") == "group",
    parent={"material": pl.lit(v.ALL_MATERIALS), "material_level": pl.lit(v.ALL_MATERIALS)},
)
PREFECTURE_TO_BLOC_ROLLUP = Rollup(
    "prefecture → bloc",
    children=pl.col("region_level") == PREFECTURE,
    parent={"region": bloc_of(pl.col("region")), "region_level": pl.lit(BLOC)},
)
BLOC_TO_ALL = Rollup(
    "bloc → all regions",
    children=pl.col("region_level") == BLOC,
    parent={"region": pl.lit(ALL_REGIONS), "region_level": pl.lit(ALL_REGIONS)},
)

PRODUCT_LEAF_TO_GROUP = Rollup(
    "product leaf → group",
    children=pl.col("product_level") == "leaf",
    parent={"product_category": material_group_of(pl.col("product_category")), "product_level": pl.lit("group")},
)
PRODUCT_GROUP_TO_ALL = Rollup(
    "product group → all",
    children=pl.col("product_level") == "group",
    parent={"product_category": pl.lit("all"), "product_level": pl.lit("all")},
)

# Every material × region level of a scoped table (`schemas.tables.SCOPE_COLUMNS`).
SCOPE_ROLLUPS: tuple[Rollup, ...] = (
    MATERIAL_LEAF_TO_GROUP,
    MATERIAL_GROUP_TO_ALL,
    PREFECTURE_TO_BLOC_ROLLUP,
    BLOC_TO_ALL,
)


@dataclass(frozen=True)
class DisclosureSpec:
    """How a mart table is disclosure-controlled: its additive quantities, derived values and hierarchies.

    `derived_columns` maps each derived value (a rate, an imbalance) to the quantities it is computed from:
    it is withheld whenever one of them is.
    """

    value_columns: tuple[str, ...]
    derived_columns: Mapping[str, tuple[str, ...]] = field(default_factory=dict)
    rollups: tuple[Rollup, ...] = ()


DISCLOSURE_SPECS: dict[str, DisclosureSpec] = {
    "mart.flows": DisclosureSpec(("quantity_t",)),
    "mart.stage_balance": DisclosureSpec(("inflow_t", "outflow_t"), {"imbalance_t": ("inflow_t", "outflow_t")}),
    "mart.indicators": DisclosureSpec(
        tuple(QUANTITY_FLOWS),
        {name: tuple(sorted(set(rate.meta.root_names()))) for name, rate in RATES.items()},
        SCOPE_ROLLUPS,
    ),
    "mart.sankey_links": DisclosureSpec(("value_t",), rollups=(MATERIAL_GROUP_TO_ALL,)),
    "mart.regional_flows": DisclosureSpec(("quantity_t",)),
    "mart.regional_balance": DisclosureSpec(
        REGIONAL_BALANCE_QUANTITIES, {"self_sufficiency_rate": ("generated_t", "treated_inside_t")}
    ),
    # A share is its part over the direction's total: withheld with any tonnes of its direction.
    "mart.material_circularity": DisclosureSpec(
        tuple(CIRCULARITY_TONNES),
        {
            f"{direction}_{part}_share": tuple(f"{direction}_{other}_t" for other in parts)
            for direction, parts in (("inflow", INFLOW_PARTS), ("outflow", OUTFLOW_PARTS))
            for part in parts
        },
        SCOPE_ROLLUPS,
    ),
    # Products in flows: a rate is withheld with its numerator and denominator.
    "mart.product_circularity": DisclosureSpec(
        PRODUCT_CIRCULARITY_TONNES,
        dict(PRODUCT_CIRCULARITY_RATES),
        (*SCOPE_ROLLUPS, PRODUCT_LEAF_TO_GROUP, PRODUCT_GROUP_TO_ALL),
    ),
    # Declarations' own table: a share is withheld with the tonnes it divides.
    "mart.recycled_content": DisclosureSpec(
        RECYCLED_CONTENT_TONNES,
        dict(
            zip(
                RECYCLED_CONTENT_SHARES,
                (
                    ("recycled_pre_consumer_t", "net_mass_t"),
                    ("recycled_post_consumer_t", "net_mass_t"),
                    ("third_party_verified_t", "recycled_pre_consumer_t", "recycled_post_consumer_t"),
                ),
                strict=True,
            )
        ),
    ),
}


def suppress_cells(
    cells: pl.LazyFrame,
    contributions: pl.LazyFrame,
    *,
    keys: Sequence[str],
    value_columns: Sequence[str],
    derived_columns: Sequence[str] = (),
    dominance_columns: Sequence[str] | None = None,
    rollups: Sequence[Rollup] = (),
    min_contributors: int = MIN_CONTRIBUTORS,
    dominance_share: float = DOMINANCE_SHARE,
    public_members: Collection[str] | None = None,
) -> pl.LazyFrame:
    """Null the values of every cell that would reveal one member, and add `suppressed` and `suppression_reason`.

    `cells` has one row per `keys`; `contributions` has `keys`, `member_id` and each member's part of the
    `dominance_columns` (default: `value_columns`, which must be additive and non-negative). A cell with no
    contribution counts as having no contributor. `rollups` list the totals published in `cells`. With
    `public_members` (members whose figures are published elsewhere, known to an attacker), the rules count
    the other members only, and a cell of public members alone is published.

    Examples
    --------
    >>> import polars as pl
    >>> cells = pl.LazyFrame({"region": ["JP-13", "JP-40", "all"], "quantity_t": [10.0, 90.0, 100.0]})
    >>> contributions = pl.LazyFrame(
    ...     {
    ...         "region": ["JP-13", "JP-40", "JP-40", "JP-40", "all", "all", "all", "all"],
    ...         "member_id": ["a", "b", "c", "d", "a", "b", "c", "d"],
    ...         "quantity_t": [10.0, 30.0, 30.0, 30.0, 10.0, 30.0, 30.0, 30.0],
    ...     }
    ... )
    >>> to_all = Rollup("region → all", children=pl.col("region") != "all", parent={"region": pl.lit("all")})
    >>> out = suppress_cells(cells, contributions, keys=["region"], value_columns=["quantity_t"], rollups=[to_all])
    >>> out.collect().rows()
    [('JP-13', None, True, 'few_contributors'), ('JP-40', None, True, 'secondary'), ('all', 100.0, False, None)]

    """
    keys = list(keys)
    dominance = list(value_columns if dominance_columns is None else dominance_columns)
    frame = cells.drop(SUPPRESSED, SUPPRESSION_REASON, strict=False).collect()
    output_columns = frame.columns
    frame = frame.with_row_index(CELL)

    primary = primary_reasons(
        frame,
        contributions,
        keys=keys,
        dominance_columns=dominance,
        min_contributors=min_contributors,
        dominance_share=dominance_share,
        public_members=public_members,
    )
    membership = _equations(frame, keys=keys, rollups=rollups)
    sizes = frame.select(
        CELL, pl.sum_horizontal([pl.col(name).fill_null(0.0).abs() for name in value_columns]).alias(_SIZE)
    )
    reasons = _secondary_reasons(primary, membership, sizes)

    is_suppressed = pl.col(REASON).is_not_null()
    hidden = [*value_columns, *derived_columns]
    return (
        frame.join(reasons, on=CELL, how="left")
        .sort(CELL)
        .with_columns(
            *(pl.when(is_suppressed).then(None).otherwise(pl.col(name)).alias(name) for name in hidden),
            is_suppressed.alias(SUPPRESSED),
            pl.col(REASON).alias(SUPPRESSION_REASON),
        )
        .select(*output_columns, SUPPRESSED, SUPPRESSION_REASON)
        .lazy()
    )


def primary_reasons(
    frame: pl.DataFrame,
    contributions: pl.LazyFrame,
    *,
    keys: list[str],
    dominance_columns: list[str],
    min_contributors: int,
    dominance_share: float,
    public_members: Collection[str] | None = None,
) -> pl.DataFrame:
    """`_cell`, `_reason`: few_contributors, dominance or null (published) for each cell.

    With `public_members`, only the other members are contributors: a cell of none of them is not sensitive.
    """
    if public_members is not None:
        contributions = contributions.filter(~pl.col(MEMBER_ID).is_in(list(public_members)))
    few = (
        pl.col("_n").fill_null(0) < min_contributors
        if public_members is None
        else pl.col("_n").fill_null(0).is_between(1, min_contributors - 1)
    )
    per_member = (
        contributions.group_by([*keys, MEMBER_ID])
        .agg(pl.col(name).fill_null(0.0).sum() for name in dominance_columns)
        .group_by(keys)
        .agg(
            pl.col(MEMBER_ID).n_unique().alias("_n"),
            pl.any_horizontal(
                pl.lit(value=False),
                *(
                    (pl.col(name).sum() > 0) & (pl.col(name).top_k(2).sum() > dominance_share * pl.col(name).sum())
                    for name in dominance_columns
                ),
            ).alias("_dominated"),
        )
        .collect()
    )
    return (
        frame.select(CELL, *keys)
        .join(per_member, on=keys, how="left", nulls_equal=True)
        .select(
            CELL,
            pl.when(few)
            .then(pl.lit(FEW_CONTRIBUTORS))
            .when(pl.col("_dominated").fill_null(value=False))
            .then(pl.lit(DOMINANCE))
            .otherwise(None)
            .alias(REASON),
        )
    )


def _equations(frame: pl.DataFrame, *, keys: list[str], rollups: Sequence[Rollup]) -> pl.DataFrame:
    """One row per (equation, cell): equation (`_rollup`, `_total`) is "cell `_total` = sum of its children"."""
    schema = pl.Schema({_ROLLUP: pl.UInt32(), _TOTAL: pl.UInt32(), CELL: pl.UInt32(), _IS_TOTAL: pl.Boolean()})
    parts = [pl.DataFrame(schema=schema)]
    totals = frame.select(pl.col(CELL).alias(_TOTAL), *keys)
    for index, rollup in enumerate(rollups):
        children = frame.filter(rollup.children).select(
            CELL, *(rollup.parent.get(name, pl.col(name)).alias(name) for name in keys)
        )
        edges = children.join(totals, on=keys, how="inner", nulls_equal=True).select(
            pl.lit(index, dtype=pl.UInt32).alias(_ROLLUP), _TOTAL, CELL, pl.lit(value=False).alias(_IS_TOTAL)
        )
        parts.append(edges)
        parts.append(
            edges.select(_ROLLUP, _TOTAL, pl.col(_TOTAL).alias(CELL), pl.lit(value=True).alias(_IS_TOTAL)).unique()
        )
    return pl.concat(parts, how="vertical")


def _secondary_reasons(primary: pl.DataFrame, membership: pl.DataFrame, sizes: pl.DataFrame) -> pl.DataFrame:
    """Suppress complementary cells until no equation has exactly one suppressed cell.

    In an exposed equation the smallest published child is hidden (ties: first cell), or the total when
    every child is hidden; hiding it may expose another equation, so this repeats until stable.
    """
    reasons = primary
    equation = [_ROLLUP, _TOTAL]
    members = membership.join(sizes, on=CELL, how="left")
    while True:
        state = members.join(reasons, on=CELL, how="left").with_columns(
            pl.col(REASON).is_not_null().alias("_is_suppressed")
        )
        exposed = (state.group_by(equation).agg(pl.col("_is_suppressed").sum().alias("_n_suppressed"))).filter(
            pl.col("_n_suppressed") == 1
        )
        if exposed.is_empty():
            return reasons
        picked = (
            state.join(exposed, on=equation, how="semi")
            .filter(~pl.col("_is_suppressed"))
            .sort([*equation, _IS_TOTAL, _SIZE, CELL])
            .unique(subset=equation, keep="first", maintain_order=True)
            .get_column(CELL)
            .unique()
        )
        reasons = reasons.with_columns(
            pl.when(pl.col(CELL).is_in(picked.implode()))
            .then(pl.lit(SECONDARY))
            .otherwise(pl.col(REASON))
            .alias(REASON)
        )


def member_contributions(flows: pl.LazyFrame, build: Callable[[pl.LazyFrame], pl.LazyFrame]) -> pl.LazyFrame:
    """Each member's part of every cell a mart builder makes: the builder run once with the member folded into `period`.

    Running the very builder that makes the public table keeps the member-level cells aligned with it.

    Examples
    --------
    >>> import polars as pl
    >>> flows = pl.LazyFrame({"member_id": ["a", "b", "b"], "period": ["2024"] * 3, "quantity_t": [1.0, 2.0, 3.0]})
    >>> def build(frame: pl.LazyFrame) -> pl.LazyFrame:
    ...     return frame.group_by("period").agg(pl.col("quantity_t").sum())
    >>> member_contributions(flows, build).sort("member_id").collect().rows()
    [('2024', 1.0, 'a'), ('2024', 5.0, 'b')]

    """
    carried = flows.with_columns(pl.concat_str(MEMBER_ID, pl.lit(_CARRIER_SEPARATOR), "period").alias("period"))
    parts = pl.col("period").str.split_exact(_CARRIER_SEPARATOR, 1)
    return (
        build(carried)
        .with_columns(parts.struct.field("field_0").alias(MEMBER_ID), parts.struct.field("field_1").alias("period"))
        .drop(CONTRIBUTORS.names(), strict=False)
    )


def withhold(
    cells: pl.DataFrame,
    judged: pl.DataFrame,
    *,
    value_columns: Sequence[str],
    derived_columns: Mapping[str, Sequence[str]],
) -> pl.DataFrame:
    """`cells` with each value `judged` to hide nulled, with what is derived from it, and the row's suppression.

    `judged` has (`_cell`: row number, `_column`, `_reason`) for every value column of every row. `suppressed`
    says some value of the row is withheld; `suppression_reason` is the most serious reason among them
    (few_contributors, then dominance, then secondary).
    """
    reasons = pl.DataFrame(
        [
            judged.filter(pl.col(COLUMN) == name).sort(CELL).get_column(REASON).alias(f"_why_{name}")
            for name in value_columns
        ]
    )
    hidden = {name: pl.col(f"_why_{name}").is_not_null() for name in value_columns}
    hidden |= {
        name: pl.any_horizontal(hidden[source] for source in sources) for name, sources in derived_columns.items()
    }
    why = [pl.col(f"_why_{name}") for name in value_columns]
    worst = pl.coalesce(
        *(pl.when(pl.any_horizontal(r == reason for r in why)).then(pl.lit(reason)) for reason in _SEVERITY)
    )
    return (
        pl.concat([cells.drop(SUPPRESSED, SUPPRESSION_REASON, strict=False), reasons], how="horizontal")
        .with_columns(
            *(pl.when(hide).then(None).otherwise(pl.col(name)).alias(name) for name, hide in hidden.items()),
            worst.alias(SUPPRESSION_REASON),
        )
        .with_columns(pl.col(SUPPRESSION_REASON).is_not_null().alias(SUPPRESSED))
        .drop(pl.selectors.starts_with("_why_"))
    )
