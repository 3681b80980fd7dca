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

from collections.abc import Collection, Mapping, Sequence
from dataclasses import dataclass
from functools import partial

import numpy as np
import polars as pl
from scipy import sparse

from schemas.tables import TABLES
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
from transforms.disclosure.costs import COST, LEVEL_COST, WIDE_RANK, value_costs
from transforms.disclosure.information_loss import information_loss, kinds_of
from transforms.disclosure.protection import ProtectionProblem, protect
from transforms.disclosure.release_history import Segments, segments
from transforms.disclosure.release_protection import EarlierRelease, earlier_equations, earlier_targets, mark_revisions
from transforms.publication import (
    BASE,
    COEFFICIENT,
    FLOW_TABLES,
    MEMBERS,
    PROTECTION,
    Builder,
    LinkedTables,
    numbered,
    table_keys,
)

_ROW, _SLOT = "_row", "_slot"  # a row of a built table; one value of one cell: what is hidden or published

# τ-ARGUS's frequency-rule safety range (FREQ(3,10)): a cell of too few members is protected by ±10 %.
FREQUENCY_SAFETY_RANGE = 0.10


@dataclass(frozen=True)
class Publication:
    """A period's published tables, disclosure-controlled together, and what the control hid."""

    tables: dict[str, pl.DataFrame]
    information_loss: pl.DataFrame


def suppress_publication(
    flows: pl.LazyFrame,
    *,
    earlier: Sequence[EarlierRelease] = (),
    public_members: Collection[str] = (),
    member_kinds: Mapping[str, str] | None = None,
    min_contributors: int = MIN_CONTRIBUTORS,
    dominance_share: float = DOMINANCE_SHARE,
    safety_range: float = FREQUENCY_SAFETY_RANGE,
    linked: LinkedTables = FLOW_TABLES,
) -> Publication:
    """Build every `mart.*` table of a period from members' flows and suppress them as one linked system.

    `flows` is a period's `core.flows` summed per member and cell (`flows.stages.publish.flow_cells`), or the
    member cells of other `linked` tables (members' declarations: `transforms.recycled_content`);
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
    frame = linked.prepare(flows)
    frames = [*(linked.prepare(release.flows.lazy()) for release in earlier), frame]
    public = frozenset(public_members)
    builders, keys = linked.builders, list(linked.base_keys)
    built = {table: build(frame.lazy()).collect() for table, build in builders.items()}
    offsets = dict(zip(built, np.cumsum([0, *(table.height for table in built.values())]).tolist(), strict=False))
    # The unknowns of every release: base cells of any of them, split by the releases each member's tonnes are in.
    base = pl.concat([one.select(keys) for one in frames]).unique().sort(keys, nulls_last=True)
    confidential = ~pl.col(MEMBER_ID).is_in(list(public))
    history = segments(frames, confidential, base, keys)

    coefficients = _coefficients(base, builders)
    functionals, zeros = _linear_system(built, offsets, coefficients)
    judge = partial(
        _judge_values,
        public=public,
        min_contributors=min_contributors,
        dominance_share=dominance_share,
        safety_range=safety_range,
    )
    # The same thresholds judge every change since an earlier release.
    thresholds = {"min_contributors": min_contributors, "dominance_share": dominance_share}
    thresholds["safety_range"] = safety_range
    # Joined in the judged (sorted) order: the slots, and so the order of the LPs, must not depend on threads.
    judged = pl.concat(
        [
            judge(
                numbered(cells, offsets[table]),
                member_contributions(frame.lazy(), builders[table]),
                keys=table_keys(table),
                value_columns=list(DISCLOSURE_SPECS[table].value_columns),
            ).join(value_costs(table, cells, offsets[table]), on=[CELL, COLUMN], how="left", maintain_order="left")
            for table, cells in built.items()
        ]
    ).with_row_index(_SLOT)
    known, change_targets = earlier_equations(
        earlier, frames, built, offsets, coefficients, builders, public=public, thresholds=thresholds
    )
    judged = mark_revisions(judged, change_targets)
    targets_before = earlier_targets(earlier, frames, coefficients, builders, judge)
    problem = _problem(functionals, zeros, history, judged, known, change_targets, _blocks(base), targets_before)
    primary = judged.get_column(REASON).is_not_null().to_numpy()
    # A change to protect, or an earlier release's sensitive value, is a value of its own that this release does not
    # publish: a slot after the real ones, hidden from the start.
    virtual = np.ones(int(problem.owner.max(initial=judged.height - 1)) + 1 - judged.height, dtype=bool)
    hidden = protect(problem, np.concatenate([primary, virtual]))[: judged.height]
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
    protected = (
        pl.concat([judged.get_column(MEMBERS), change_targets.get_column(MEMBERS)])
        .explode()
        .drop_nulls()
        .unique()
        .to_list()
    )
    loss = information_loss(built, by_table, protected_kinds=kinds_of(protected, member_kinds or {}))
    return Publication(tables=tables, information_loss=loss)


def _coefficients(base: pl.DataFrame, builders: Mapping[str, Builder]) -> dict[str, pl.DataFrame]:
    """Per table, each value a builder makes as a sum of base cells: (keys…, `_base`, `_column`, `_coefficient`).

    Every base cell is run through each builder as a member of its own with 1 t, so a value's coefficient on a
    base cell is what that builder gives it: the equations come from the very builders that make the tables.
    """
    unit = base.with_row_index(BASE).with_columns(
        pl.col(BASE).cast(pl.String).alias(MEMBER_ID), pl.lit(1.0).alias("quantity_t")
    )
    found = {}
    for table, build in builders.items():
        keys = table_keys(table)
        found[table] = (
            member_contributions(unit.lazy(), build)
            .collect()
            .with_columns(pl.col(MEMBER_ID).cast(pl.UInt32).alias(BASE))
            .unpivot(
                index=[*keys, BASE],
                on=list(DISCLOSURE_SPECS[table].value_columns),
                variable_name=COLUMN,
                value_name=COEFFICIENT,
            )
            .filter(pl.col(COEFFICIENT) != 0)
        )
    return found


def _linear_system(
    built: Mapping[str, pl.DataFrame], offsets: Mapping[str, int], coefficients: Mapping[str, pl.DataFrame]
) -> tuple[pl.DataFrame, pl.DataFrame]:
    """Each value of the tables as a sum of base cells, and the values the tables leave out.

    Returns (`_cell`, `_column`, `_base`, `_coefficient`) for the tables' values, and the same for values a
    builder leaves out of its table when they are 0 (a Sankey link of 0 t is not drawn), whose absence tells
    the attacker they sum to 0 (`_cell` null, `_equation` naming them).
    """
    parts: list[pl.DataFrame] = []
    for table, cells in built.items():
        keys = table_keys(table)
        rows = cells.select(keys).with_row_index(_ROW)
        parts.append(
            coefficients[table]
            .join(rows, on=keys, how="left", nulls_equal=True)
            .with_columns(
                (pl.col(_ROW) + offsets[table]).alias(CELL),
                pl.concat_str(pl.lit(table), *(pl.col(name).cast(pl.String).fill_null("") for name in keys)).alias(
                    "_equation"
                ),
            )
            .select(CELL, COLUMN, BASE, COEFFICIENT, "_equation")
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
            pl.col(MEMBER_ID).filter(pl.col("_part") > 0).alias(MEMBERS),
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
            protection.alias(PROTECTION),
            pl.when(few | dominated).then(pl.col(MEMBERS)).alias(MEMBERS),
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
    functionals: pl.DataFrame,
    zeros: pl.DataFrame,
    history: Segments,
    judged: pl.DataFrame,
    known: Sequence[pl.DataFrame],
    changes: pl.DataFrame,
    blocks: np.ndarray,
    earlier_targets: pl.DataFrame,
) -> ProtectionProblem:
    """The matrices of the system over the segments: a row per value of this release, per known sum, per change.

    A value is hidden on its own (its owner is its `_slot` in `judged`); a change to protect is a value of its
    own that is never published (owners after the real slots). The sums the attacker knows are this release's
    absent values and everything earlier releases showed. Everything is sorted, whatever order the builders'
    group-bys gave: the LPs then see the same problem on every run, so a period republished from the same flows
    gets the same pattern.
    """
    n_base = history.n_base
    current = history.in_release(history.n_releases - 1)
    values = (
        functionals.select(CELL, COLUMN)
        .unique()
        .join(judged.select(_SLOT, CELL, COLUMN, PROTECTION, COST), on=[CELL, COLUMN])
        .sort(_SLOT)
        .with_row_index("_value")
    )
    entries = functionals.join(values, on=[CELL, COLUMN]).sort("_value", BASE)
    on_base = sparse.csr_matrix(
        (entries[COEFFICIENT].to_numpy(), (entries["_value"].to_numpy(), entries[BASE].to_numpy())),
        shape=(values.height, n_base),
    )
    sums = [(zeros.with_columns(pl.concat_str("_equation", COLUMN).alias("_equation")), current)]
    sums += [(equations, history.in_release(release)) for release, equations in enumerate(known)]
    absent = sparse.vstack([_sums(equations, n_base) @ segments_of for equations, segments_of in sums], format="csr")
    # Each change: the current value's row over the segments that arrived (or left) since that release, or over a
    # changed member's own segments; one base-to-segment matrix per (kind, release, member), built once.
    rows = changes.join(values.select(CELL, COLUMN, "_value"), on=[CELL, COLUMN], how="inner", maintain_order="left")
    last = history.n_releases - 1

    mapping: dict[tuple[str, int, str | None], sparse.csr_matrix] = {}

    def segments_of(kind: str, release: int, member: str | None) -> sparse.csr_matrix:
        key = (kind, release, member)
        if key not in mapping:
            if kind == "net":  # what arrived since that release, minus what left
                mapping[key] = history.in_release(last, without=release) - history.in_release(release, without=last)
            else:
                mapping[key] = history.in_release(last if kind == "now" else release, member=member)
        return mapping[key]

    change_rows = [
        on_base.getrow(value) @ segments_of(kind, release, None if kind == "net" else member)
        for value, release, kind, member in rows.select("_value", "_release", "_kind", MEMBER_ID).iter_rows()
    ]
    # Each sensitive value of an earlier release: its row over the segments of that release.
    earlier_rows = []
    earlier_protection = []
    for (release,), target in earlier_targets.group_by(["_release"], maintain_order=True):
        ids = target.select(pl.col("_target").rank("dense").cast(pl.Int64) - 1).to_series().to_numpy()
        on_cells = sparse.csr_matrix(
            (target[COEFFICIENT].to_numpy(), (ids, target[BASE].to_numpy())), shape=(int(ids.max()) + 1, n_base)
        )
        earlier_rows.append(on_cells @ history.in_release(int(release)))
        earlier_protection += (
            target.group_by("_target").agg(pl.col(PROTECTION).first()).sort("_target")[PROTECTION].to_list()
        )
    matrix = sparse.vstack([on_base @ current, *change_rows, *earlier_rows], format="csr")
    own = values.get_column(_SLOT).to_numpy()
    n_virtual = rows.height + len(earlier_protection)
    owner = np.concatenate([own, judged.height + np.arange(n_virtual)])
    targets = [(int(i), float(p)) for i, p in values.filter(pl.col(PROTECTION) > 0).select("_value", PROTECTION).rows()]
    targets += [(values.height + i, float(p)) for i, p in enumerate(rows.get_column(PROTECTION).to_list())]
    targets += [(values.height + rows.height + i, float(p)) for i, p in enumerate(earlier_protection)]
    return ProtectionProblem(
        values=matrix,
        owner=owner,
        absent=absent,
        base=history.values(),
        targets=targets,
        blocks=blocks[history.base_index()],
        cost=np.concatenate([values.get_column(COST).to_numpy().astype(np.float64), np.zeros(n_virtual)]),
        dear=LEVEL_COST**WIDE_RANK,
        known_before=bool(known),
        # A value's change between releases (the net rows) goes up or down.
        signed=np.concatenate(
            [
                np.zeros(values.height, dtype=bool),
                rows.get_column("_kind").eq("net").to_numpy(),
                np.zeros(len(earlier_protection), dtype=bool),
            ]
        ),
    )


def _sums(equations: pl.DataFrame, n_base: int) -> sparse.csr_matrix:
    """Known sums (`_equation`, `_base`, `_coefficient`) as rows over the base cells, in a fixed order."""
    if equations.is_empty():
        return sparse.csr_matrix((0, n_base))
    ordered = equations.sort("_equation", BASE)
    ids = ordered.select(pl.col("_equation").rank("dense").cast(pl.Int64) - 1).to_series().to_numpy()
    return sparse.csr_matrix(
        (ordered[COEFFICIENT].to_numpy(), (ids, ordered[BASE].to_numpy())), shape=(int(ids.max()) + 1, n_base)
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
