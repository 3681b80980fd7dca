"""Suppression of one mart table on its own hierarchies: what publishing did before the joint pass.

Publishing protects a period's tables together (`transforms.disclosure.joint`): suppressing each table alone
leaves the links between tables open. These remain, with the tests, as the baseline the attacker test shows that
leak on.
"""

from __future__ import annotations

import polars as pl

from schemas.tables import CONTRIBUTORS, TABLES, unsuppressed
from transforms.balance import compute_stage_balance
from transforms.disclosure import (
    DISCLOSURE_SPECS,
    DOMINANCE_SHARE,
    MIN_CONTRIBUTORS,
    member_contributions,
    suppress_cells,
)
from transforms.marts import summarize_flows
from transforms.sankey import build_sankey_links


def suppress_table(
    table: str,
    cells: pl.LazyFrame,
    contributions: pl.LazyFrame,
    *,
    min_contributors: int = MIN_CONTRIBUTORS,
    dominance_share: float = DOMINANCE_SHARE,
) -> pl.LazyFrame:
    """Suppress a mart table built by its builder, by its `DISCLOSURE_SPECS` entry; returns the table's schema."""
    spec = DISCLOSURE_SPECS[table]
    schema = TABLES[table]
    not_keys = {*spec.value_columns, *spec.derived_columns, *CONTRIBUTORS}
    keys = [name for name in unsuppressed(schema) if name not in not_keys]
    return suppress_cells(
        cells,
        contributions,
        keys=keys,
        value_columns=spec.value_columns,
        derived_columns=tuple(spec.derived_columns),
        rollups=spec.rollups,
        min_contributors=min_contributors,
        dominance_share=dominance_share,
    ).select([pl.col(name).cast(dtype) for name, dtype in schema.items()])


def suppress_flows(
    mart_flows: pl.LazyFrame,
    *,
    core_flows: pl.LazyFrame,
    min_contributors: int = MIN_CONTRIBUTORS,
    dominance_share: float = DOMINANCE_SHARE,
) -> pl.LazyFrame:
    """`mart.flows` with disclosive cells suppressed, judged on the members' `core.flows`."""
    contributions = member_contributions(core_flows, summarize_flows)
    return suppress_table(
        "mart.flows", mart_flows, contributions, min_contributors=min_contributors, dominance_share=dominance_share
    )


def suppress_stage_balance(
    stage_balance: pl.LazyFrame,
    *,
    core_flows: pl.LazyFrame,
    min_contributors: int = MIN_CONTRIBUTORS,
    dominance_share: float = DOMINANCE_SHARE,
) -> pl.LazyFrame:
    """`mart.stage_balance` with disclosive cells suppressed (imbalance with its inflow and outflow)."""
    contributions = member_contributions(core_flows, compute_stage_balance)
    return suppress_table(
        "mart.stage_balance",
        stage_balance,
        contributions,
        min_contributors=min_contributors,
        dominance_share=dominance_share,
    )


def suppress_sankey(
    sankey_links: pl.LazyFrame,
    *,
    core_flows: pl.LazyFrame,
    min_contributors: int = MIN_CONTRIBUTORS,
    dominance_share: float = DOMINANCE_SHARE,
) -> pl.LazyFrame:
    """`mart.sankey_links` with disclosive links suppressed, protected against all-materials minus groups."""
    contributions = member_contributions(core_flows, build_sankey_links)
    return suppress_table(
        "mart.sankey_links",
        sankey_links,
        contributions,
        min_contributors=min_contributors,
        dominance_share=dominance_share,
    )


def suppress_indicators(
    indicators: pl.LazyFrame,
    *,
    member_indicators: pl.LazyFrame,
    min_contributors: int = MIN_CONTRIBUTORS,
    dominance_share: float = DOMINANCE_SHARE,
) -> pl.LazyFrame:
    """`mart.indicators` suppressed from `core.member_indicators`, across the material and region hierarchies."""
    return suppress_table(
        "mart.indicators",
        indicators,
        member_indicators,
        min_contributors=min_contributors,
        dominance_share=dominance_share,
    )
