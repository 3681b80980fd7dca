"""Declared recycled content against the member's own flows: the warning quotes both figures.

A member that declares recycled content in its products and also reports its material flows can be held to them: the
recycled mass it declares of a material in a year (net mass × (pre- + post-consumer share), summed over the file's
rows of that material and year) should not pass the recycled material its own flows bring into material production
or product manufacturing that year (`recycling` → `production` or `manufacturing`, the same material or its group).
A member with no flows in that year is not judged: there is nothing to compare with.
"""

from __future__ import annotations

from typing import Final

import polars as pl

from expectations.plan import SUBMISSION_ID, row_message_columns, rule_column
from schemas.contract import Rule

RECYCLED_FROM: Final = "recycling"
RECYCLED_INTO: Final = ("production", "manufacturing")
MEMBER_ID, PERIOD = "member_id", "period"
# Declared tonnes may pass the flows' by this share before it is a warning (sums of rounded figures).
TOLERANCE: Final = 1e-9
_GROUP = "_material_group_of"


def add_within_own_flows(frame: pl.DataFrame, rule: Rule, flows: pl.DataFrame) -> pl.DataFrame:
    """`frame` with the rule's column (null where the member has no flows that year) and its row messages.

    `rule.columns` are the material, the net mass in tonnes and the recycled shares; `flows` are the members' rows
    of `core.flows` (member_id, period, material, material_group, source_stage, target_stage, quantity_t).
    """
    material, net_mass_t, *shares = rule.columns
    keys = [SUBMISSION_ID, MEMBER_ID, PERIOD, material]
    # A row whose mass or shares the contract refuses is not counted: its own errors say what to fix.
    total_share = pl.sum_horizontal(pl.col(name) for name in shares)
    valid = pl.all_horizontal(pl.col(name).is_between(0.0, 1.0) for name in shares) & (pl.col(net_mass_t) >= 0)
    row_recycled = pl.when(valid & (total_share <= 1 + TOLERANCE)).then(pl.col(net_mass_t) * total_share)
    declared = frame.select(*keys, row_recycled.alias("_row_t")).with_row_index("_position")
    totals = declared.group_by(keys).agg(pl.col("_row_t").sum().alias("_declared_t"))
    found = declared.join(totals, on=keys, how="left", nulls_equal=True).join(
        _own_recycled_input(declared.select(MEMBER_ID, PERIOD, material).unique(), flows, material),
        on=[MEMBER_ID, PERIOD, material],
        how="left",
        nulls_equal=True,
    )
    found = found.sort("_position")
    above = pl.col("_declared_t") > pl.col("_own_t") * (1 + TOLERANCE) + TOLERANCE
    verdict = pl.when(pl.col("_own_t").is_null() | pl.col("_row_t").is_null()).then(None).otherwise(~above)

    def tonnes(name: str) -> pl.Expr:
        return pl.col(name).round(3).cast(pl.String)

    message_en = pl.format(
        "{} in {}: your declarations add up to {} t of recycled material (this row {} t), more than the {} t of "
        "recycled {} your own flows bring into production or manufacturing (recycling → production or "
        "manufacturing) in {}; check the shares and net mass, or your flows",
        pl.col(material),
        pl.col(PERIOD),
        tonnes("_declared_t"),
        tonnes("_row_t"),
        tonnes("_own_t"),
        pl.col(material),
        pl.col(PERIOD),
    )
    message_ja = pl.format(
        "{}の{}: 申告した再生材量は合計 {} t（この行 {} t）で、同じ年度に自社のフローで素材生産・製品製造に投入した"
        "再生材 {} t（recycling → production / manufacturing）を超えています。比率と正味質量、またはフローを確認して"
        "ください",
        pl.col(PERIOD),
        pl.col(material),
        tonnes("_declared_t"),
        tonnes("_row_t"),
        tonnes("_own_t"),
    )
    english, japanese = row_message_columns(rule.id)
    return frame.hstack(
        found.select(
            verdict.alias(rule_column(rule)),
            pl.when(above).then(message_en).alias(english),
            pl.when(above).then(message_ja).alias(japanese),
        )
    )


def _own_recycled_input(wanted: pl.DataFrame, flows: pl.DataFrame, material: str) -> pl.DataFrame:
    """(member, period, material, `_own_t`) for each declared material of a year in which the member has flows.

    A leaf counts the member's flows of that leaf and of its group alone (flows reported at group level); a group
    counts every flow of the group. A member with flows that year but none recycled into production is 0 t.
    """
    member_periods = flows.select(pl.col(MEMBER_ID).cast(pl.String), pl.col(PERIOD).cast(pl.String)).unique()
    recycled = flows.filter(
        (pl.col("source_stage") == RECYCLED_FROM) & pl.col("target_stage").is_in(RECYCLED_INTO)
    ).select(
        pl.col(MEMBER_ID).cast(pl.String),
        pl.col(PERIOD).cast(pl.String),
        pl.col("material").alias("_flow_material"),
        pl.col("material_group").alias(_GROUP),
        "quantity_t",
    )
    declared = wanted.with_columns(pl.col(material).str.extract(r"^([^.]+)", 1).alias(_GROUP))
    is_leaf = pl.col(material).str.contains(".", literal=True)
    counts = (pl.col("_flow_material") == pl.col(material)) | (pl.col("_flow_material") == pl.col(_GROUP))
    sums = (
        declared.join(recycled, on=[MEMBER_ID, PERIOD, _GROUP], how="inner")
        .filter(~is_leaf | counts)
        .group_by(MEMBER_ID, PERIOD, material)
        .agg(pl.col("quantity_t").sum().alias("_own_t"))
    )
    return (
        declared.join(member_periods, on=[MEMBER_ID, PERIOD], how="semi")
        .join(sums, on=[MEMBER_ID, PERIOD, material], how="left")
        .select(MEMBER_ID, PERIOD, material, pl.col("_own_t").fill_null(0.0))
    )
