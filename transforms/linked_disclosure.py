"""Disclosure control over a whole period's publication: every mart as one system of linked cells.

Every published quantity of a period (a `mart.flows` cell, a stage's inflow or outflow, an indicator at any
material and region level, a Sankey link, a regional transfer or balance) is a sum of `mart.flows` cells, so
an attacker who reads every table holds one system of linear equations in those cells, all of them
non-negative. Suppressing inside each table alone leaves the links between tables open: the all-regions
indicator minus the published regions' flows gives back a lone member's region. Here one pass protects the
whole system.

Each sensitive value (a primary cell's quantity) needs a protection interval: the attacker's feasible
range for it must reach from `value - protection` to `value + protection`. A cell is protected in one
direction by a *deviation*: a change of the base cells, keeping them non-negative, that moves the sensitive
value by the protection and leaves every published value as it is. An LP (HiGHS, through scipy) finds the
cheapest such deviation given the cells already hidden; the published cells it has to move are hidden
(`secondary`). Hiding more never closes a deviation found earlier, so the final pattern protects every
sensitive value in both directions: that is the guarantee, and `tests/unit/transforms/test_attacker.py`
checks it with an attacker's own LP over all tables.

Public contributions (a member whose disclosure class is `public`: a municipality's waste figures, an
association's own aggregates) are facts the attacker already knows. The unknowns are the confidential part of
each base cell; a cell no confidential member contributes to is a known constant and never moves; the primary
rules judge a value's confidential contributions only. Which published values a deviation gives up is chosen
by cost: hiding a value costs `LEVEL_COST` to the power of its level in the hierarchies (all materials above a
group above a leaf; the whole country above a bloc above a prefecture), so detail goes before totals.
"""

from __future__ import annotations

from collections.abc import Callable, Collection, Mapping
from dataclasses import dataclass

import numpy as np
import polars as pl
from scipy import sparse

from schemas.tables import CONTRIBUTORS, TABLES, unsuppressed
from transforms.balance import compute_stage_balance
from transforms.disclosure import (
    CELL,
    COLUMN,
    DISCLOSURE_SPECS,
    DOMINANCE,
    DOMINANCE_SHARE,
    FEW_CONTRIBUTORS,
    MEMBER_ID,
    MIN_CONTRIBUTORS,
    REASON,
    SECONDARY,
    member_contributions,
    withhold,
)
from transforms.disclosure_costs import COST, LEVEL_COST, WIDE_RANK, value_costs
from transforms.indicators import compute_indicators
from transforms.information_loss import information_loss, kinds_of
from transforms.iso59020 import compute_circularity
from transforms.marts import summarize_flows
from transforms.protection import ProtectionProblem, protect
from transforms.regional import compute_regional_balance, compute_regional_flows, with_ends
from transforms.sankey import build_sankey_links

Builder = Callable[[pl.LazyFrame], pl.LazyFrame]

# Every table of a period's publication; the period report and the BI exports show these tables' cells only.
PUBLISHED_BUILDERS: Mapping[str, Builder] = {
    "mart.flows": summarize_flows,
    "mart.stage_balance": compute_stage_balance,
    "mart.indicators": compute_indicators,
    "mart.sankey_links": build_sankey_links,
    "mart.regional_flows": compute_regional_flows,
    "mart.regional_balance": compute_regional_balance,
    "mart.material_circularity": compute_circularity,
}
BASE_TABLE = "mart.flows"  # its cells, split by renewable origin, are the unknowns every published value sums
RENEWABLE = "is_renewable"  # what mart.material_circularity splits inflows by, and mart.flows does not show
# τ-ARGUS's frequency-rule safety range (FREQ(3,10)): a cell of too few members is protected by ±10 %.
FREQUENCY_SAFETY_RANGE = 0.10

_BASE, _COEFFICIENT, _ROW, _PROTECTION = "_base", "_coefficient", "_row", "_protection"
_SLOT = "_slot"  # one value of one cell: what is hidden or published
_MEMBERS = "_members"  # the confidential members a primary value protects


@dataclass(frozen=True)
class Publication:
    """A period's published tables, disclosure-controlled together, and what the control hid."""

    tables: dict[str, pl.DataFrame]
    information_loss: pl.DataFrame


def table_keys(table: str) -> list[str]:
    """The columns that name a cell of a published table (everything but its values and counts)."""
    spec = DISCLOSURE_SPECS[table]
    not_keys = {*spec.value_columns, *spec.derived_columns, *CONTRIBUTORS}
    return [name for name in unsuppressed(TABLES[table]) if name not in not_keys]


def suppress_publication(
    flows: pl.LazyFrame,
    *,
    public_members: Collection[str] = (),
    member_kinds: Mapping[str, str] | None = None,
    min_contributors: int = MIN_CONTRIBUTORS,
    dominance_share: float = DOMINANCE_SHARE,
    safety_range: float = FREQUENCY_SAFETY_RANGE,
) -> Publication:
    """Build every `mart.*` table of a period from members' flows and suppress them as one linked system.

    `flows` is a period's `core.flows` summed per member and cell (`flows.stages.publish.flow_cells`);
    `public_members` are the members whose flows are public (known to the attacker); `member_kinds` names
    each member's kind, for the information loss to say whose confidentiality the withheld values protect.
    Primary suppression is per value, on its confidential contributions (fewer than `min_contributors`
    confidential members, or the two largest above `dominance_share` of the confidential part); secondary
    suppression protects every sensitive value against every table at once, giving up the cheapest values
    (detail before totals).

    Examples
    --------
    >>> from datetime import date
    >>> import polars as pl
    >>> flows = pl.LazyFrame(  # four members in Tokyo and one alone in Kanagawa (both Kanto), import → production
    ...     {
    ...         "member_id": ["a", "b", "c", "d", "e"],
    ...         "period": ["FY2024"] * 5,
    ...         "period_start": [date(2024, 4, 1)] * 5,
    ...         "period_end": [date(2025, 3, 31)] * 5,
    ...         "grain": ["fiscal_year"] * 5,
    ...         "material": ["paper"] * 5,
    ...         "material_group": ["paper"] * 5,
    ...         "region": ["JP-13"] * 4 + ["JP-14"],
    ...         "source_stage": ["import"] * 5,
    ...         "target_stage": ["production"] * 5,
    ...         "quantity_t": [30.0, 30.0, 30.0, 30.0, 70.0],
    ...     }
    ... )
    >>> published = suppress_publication(flows)
    >>> indicators = published.tables["mart.indicators"].filter(material_level="all")
    >>> indicators.select("region", "suppression_reason").sort("region").rows()
    [('JP-13', 'secondary'), ('JP-14', 'few_contributors'), ('JP-B-KANTO', None), ('all', None)]

    """
    frame = with_renewable(with_ends(flows).collect())
    public = frozenset(public_members)
    built = {table: build(frame.lazy()).collect() for table, build in PUBLISHED_BUILDERS.items()}
    offsets = dict(zip(built, np.cumsum([0, *(table.height for table in built.values())]).tolist(), strict=False))
    base = base_cells(frame, public)

    functionals, zeros = _linear_system(built, offsets, base)
    # Joined in the judged (sorted) order: the slots, and so the order of the LPs, must not depend on threads.
    judged = pl.concat(
        [
            _judge_values(
                cells.with_row_index(CELL).with_columns(pl.col(CELL) + offsets[table]),
                member_contributions(frame.lazy(), PUBLISHED_BUILDERS[table]),
                keys=table_keys(table),
                value_columns=list(DISCLOSURE_SPECS[table].value_columns),
                public=public,
                min_contributors=min_contributors,
                dominance_share=dominance_share,
                safety_range=safety_range,
            ).join(value_costs(table, cells, offsets[table]), on=[CELL, COLUMN], how="left", maintain_order="left")
            for table, cells in built.items()
        ]
    ).with_row_index(_SLOT)
    problem = _problem(functionals, zeros, base, judged)
    hidden = protect(problem, judged.get_column(REASON).is_not_null().to_numpy())
    judged = judged.with_columns(
        pl.when(pl.col(REASON).is_null() & pl.Series(hidden)).then(pl.lit(SECONDARY)).otherwise(REASON).alias(REASON)
    )
    by_table = {
        table: judged.filter(pl.col(CELL).is_between(offsets[table], offsets[table] + cells.height - 1)).select(
            (pl.col(CELL) - offsets[table]).cast(pl.UInt32), COLUMN, REASON
        )
        for table, cells in built.items()
    }
    tables = {table: _apply(table, cells, by_table[table]) for table, cells in built.items()}
    # The confidential members whose own figures made a value sensitive: counted by kind, never named.
    protected = judged.get_column(_MEMBERS).explode().drop_nulls().unique().to_list()
    loss = information_loss(built, by_table, protected_kinds=kinds_of(protected, member_kinds or {}))
    return Publication(tables=tables, information_loss=loss)


def with_renewable(flows: pl.DataFrame) -> pl.DataFrame:
    """Member cells with the renewable flag the circularity split reads (null: as the material group says)."""
    if RENEWABLE in flows.columns:
        return flows.with_columns(pl.col(RENEWABLE).cast(pl.Boolean()))
    return flows.with_columns(pl.lit(None, dtype=pl.Boolean()).alias(RENEWABLE))


def base_keys() -> list[str]:
    """What names a base cell: a `mart.flows` cell, split by the renewable flag."""
    return [*table_keys(BASE_TABLE), RENEWABLE]


def base_cells(flows: pl.DataFrame, public: frozenset[str]) -> pl.DataFrame:
    """The unknowns: each base cell's confidential tonnes and confidential members, in a fixed order.

    A public member's part of a cell is known to the attacker, so only the confidential part can move.

    Examples
    --------
    >>> import polars as pl
    >>> from datetime import date
    >>> cells = pl.DataFrame({"member_id": ["city", "firm"], "period": ["FY2024"] * 2,
    ...     "period_start": [date(2024, 4, 1)] * 2, "period_end": [date(2025, 3, 31)] * 2,
    ...     "grain": ["fiscal_year"] * 2, "material": ["paper"] * 2, "material_group": ["paper"] * 2,
    ...     "region": ["JP-13"] * 2, "origin_region": ["JP-13"] * 2, "destination_region": ["JP-13"] * 2,
    ...     "source_stage": ["use"] * 2, "target_stage": ["collection"] * 2, "quantity_t": [90.0, 10.0]})
    >>> base_cells(with_renewable(cells), frozenset({"city"})).select("_confidential_t", "_n_confidential").row(0)
    (10.0, 1)

    """
    confidential = ~pl.col(MEMBER_ID).is_in(list(public))
    return (
        flows.group_by(base_keys())
        .agg(
            pl.col("quantity_t").fill_null(0.0).filter(confidential).sum().alias("_confidential_t"),
            pl.col(MEMBER_ID).filter(confidential).n_unique().cast(pl.Int64).alias("_n_confidential"),
        )
        .sort(base_keys(), nulls_last=True)
    )


def _linear_system(
    built: dict[str, pl.DataFrame], offsets: dict[str, int], base: pl.DataFrame
) -> tuple[pl.DataFrame, pl.DataFrame]:
    """Each published value as a sum of base cells, from the very builders that make the tables.

    Every base cell is run through each builder as a member of its own with 1 t, so a published value's
    coefficient on a base cell is what that builder gives it. Returns (`_cell`, `_column`, `_base`,
    `_coefficient`) for published values, and the same for values a builder leaves out of its table when they
    are 0 (a Sankey link of 0 t is not drawn), whose absence tells the attacker they sum to 0 (`_cell` null).
    """
    unit = (
        base.select(base_keys())
        .with_row_index(_BASE)
        .with_columns(pl.col(_BASE).cast(pl.String).alias(MEMBER_ID), pl.lit(1.0).alias("quantity_t"))
    )
    parts: list[pl.DataFrame] = []
    for table, cells in built.items():
        keys = table_keys(table)
        values = list(DISCLOSURE_SPECS[table].value_columns)
        coefficients = member_contributions(unit.lazy(), PUBLISHED_BUILDERS[table]).collect()
        rows = cells.select(keys).with_row_index(_ROW)
        parts.append(
            coefficients.join(rows, on=keys, how="left", nulls_equal=True)
            .with_columns(
                (pl.col(_ROW) + offsets[table]).alias(CELL),
                pl.col(MEMBER_ID).cast(pl.UInt32).alias(_BASE),
                pl.concat_str(pl.lit(table), *(pl.col(name).cast(pl.String).fill_null("") for name in keys)).alias(
                    "_equation"
                ),
            )
            .unpivot(index=[CELL, _BASE, "_equation"], on=values, variable_name=COLUMN, value_name=_COEFFICIENT)
            .filter(pl.col(_COEFFICIENT) != 0)
        )
    system = pl.concat(parts)
    return system.filter(pl.col(CELL).is_not_null()).drop("_equation"), system.filter(pl.col(CELL).is_null())


def _judge_values(
    cells: pl.DataFrame,
    contributions: pl.LazyFrame,
    *,
    keys: list[str],
    value_columns: list[str],
    public: frozenset[str],
    min_contributors: int,
    dominance_share: float,
    safety_range: float,
) -> pl.DataFrame:
    """(`_cell`, `_column`, `_reason`, `_protection`) for every quantity of every cell, sorted.

    The primary reason is per value, on its confidential contributions only (public ones are known and
    subtracted): a quantity with confidential tonnes from fewer than `min_contributors` members
    (few_contributors), or whose two largest confidential members hold more than `dominance_share` of the
    confidential part (dominance). A bloc's natural-resource input that one steelworks supplies is hidden; the
    waste its many municipalities generate, in the same row, is not. The protection a sensitive value needs
    is the interval that makes it look undominated, (top two) / share − confidential part (τ-ARGUS's NK rule),
    or `safety_range` of the confidential part for too few members (its FREQ rule). A confidential part of
    0 t has nothing to protect.
    """
    per_member = (
        contributions.filter(~pl.col(MEMBER_ID).is_in(list(public)))
        .group_by([*keys, MEMBER_ID])
        .agg(pl.col(name).fill_null(0.0).sum() for name in value_columns)
        .unpivot(index=[*keys, MEMBER_ID], on=value_columns, variable_name=COLUMN, value_name="_part")
        .group_by([*keys, COLUMN])
        .agg(
            pl.col("_part").sum().alias("_value"),
            pl.col("_part").top_k(2).sum().alias("_top_two"),
            pl.col(MEMBER_ID).filter(pl.col("_part") > 0).n_unique().alias("_n"),
            pl.col(MEMBER_ID).filter(pl.col("_part") > 0).alias(_MEMBERS),
        )
        .collect()
    )
    value, top_two = pl.col("_value").fill_null(0.0), pl.col("_top_two").fill_null(0.0)
    # A confidential member that puts 0 t into a quantity is no contributor to it: a row's company that only
    # reports production does not make the row's waste, all its cities', a cell of one.
    few = pl.col("_n").fill_null(0).is_between(1, min_contributors - 1)
    dominated = (value > 0) & (top_two > dominance_share * value)
    protection = (
        pl.when(value <= 0)
        .then(0.0)
        .otherwise(
            pl.max_horizontal(
                pl.when(few).then(safety_range * value).otherwise(0.0),
                pl.when(dominated).then(pl.min_horizontal(value, top_two / dominance_share - value)).otherwise(0.0),
            )
        )
    )
    slots = cells.select(CELL, *keys).join(pl.DataFrame({COLUMN: value_columns}), how="cross")
    return (
        slots.join(per_member, on=[*keys, COLUMN], how="left", nulls_equal=True)
        .select(
            CELL,
            COLUMN,
            pl.when(few).then(pl.lit(FEW_CONTRIBUTORS)).when(dominated).then(pl.lit(DOMINANCE)).alias(REASON),
            protection.alias(_PROTECTION),
            pl.when(few | dominated).then(pl.col(_MEMBERS)).alias(_MEMBERS),
        )
        .sort(CELL, COLUMN)
    )


def _blocks(base: pl.DataFrame) -> np.ndarray:
    """Each base cell's material group, as a label: a deviation moves cells of its own value's groups only.

    What protects a prefecture's plastics seldom runs through metals, and the LP is many times smaller:
    on the demo's FY2024 (291 members, 8,643 member cells) one LP over the whole system per sensitive value
    took 287 s, and 28 s by group, with fewer secondary values. Restricting to a group within its bloc took 8 s
    but hid nationwide totals (the deviation could not compensate through another bloc).
    """
    return base.select(pl.col("material_group").fill_null("").rank("dense")).to_series().to_numpy().astype(np.int64)


def _problem(
    functionals: pl.DataFrame, zeros: pl.DataFrame, base: pl.DataFrame, judged: pl.DataFrame
) -> ProtectionProblem:
    """The matrices of the system: one row per published value (cell, column), one per absent value.

    A value is hidden on its own (its owner is its `_slot` in `judged`). Everything is sorted, whatever order
    the builders' group-bys gave: the LPs then see the same problem on every run, so a period republished
    from the same flows gets the same pattern.
    """
    base_values = base.get_column("_confidential_t").to_numpy().astype(np.float64)
    n_base = base_values.size
    values = (
        functionals.select(CELL, COLUMN)
        .unique()
        .join(judged.select(_SLOT, CELL, COLUMN, _PROTECTION, COST), on=[CELL, COLUMN])
        .sort(_SLOT)
        .with_row_index("_value")
    )
    entries = functionals.join(values, on=[CELL, COLUMN]).sort("_value", _BASE)
    zeros = zeros.sort("_equation", COLUMN, _BASE)
    matrix = sparse.csr_matrix(
        (entries[_COEFFICIENT].to_numpy(), (entries["_value"].to_numpy(), entries[_BASE].to_numpy())),
        shape=(values.height, n_base),
    )
    zero_ids = zeros.select(pl.concat_str("_equation", COLUMN).rank("dense").cast(pl.Int64) - 1).to_series()
    absent = sparse.csr_matrix(
        (zeros[_COEFFICIENT].to_numpy(), (zero_ids.to_numpy(), zeros[_BASE].to_numpy())),
        shape=(zero_ids.n_unique() if zeros.height else 0, n_base),
    )
    targets = values.filter(pl.col(_PROTECTION) > 0).select("_value", _PROTECTION).rows()
    return ProtectionProblem(
        values=matrix,
        owner=values.get_column(_SLOT).to_numpy(),
        absent=absent,
        base=base_values,
        targets=[(int(value), float(protection)) for value, protection in targets],
        blocks=_blocks(base),
        fixed=base.get_column("_n_confidential").to_numpy() == 0,
        cost=values.get_column(COST).to_numpy().astype(np.float64),
        dear=LEVEL_COST**WIDE_RANK,
    )


def _apply(table: str, cells: pl.DataFrame, judged: pl.DataFrame) -> pl.DataFrame:
    """The table with hidden values (and what is derived from them) nulled, in its published schema."""
    spec = DISCLOSURE_SPECS[table]
    return withhold(cells, judged, value_columns=spec.value_columns, derived_columns=spec.derived_columns).select(
        [pl.col(name).cast(dtype) for name, dtype in TABLES[table].items()]
    )


__all__ = [
    "DOMINANCE",
    "FEW_CONTRIBUTORS",
    "Publication",
    "suppress_publication",
    "table_keys",
]
