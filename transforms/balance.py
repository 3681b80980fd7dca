"""Inflow against outflow of each process (for the validator) and of each stage (for the public mart)."""

from __future__ import annotations

import polars as pl

from schemas.tables import TABLES, unsuppressed

# Not a published table, so its shape lives here; the validator reads it for the `flows.balance` rule.
PROCESS_BALANCE_SCHEMA = pl.Schema(
    {
        "member_id": pl.String(),
        "period": pl.String(),
        "material": pl.String(),
        "stage": pl.String(),
        "process": pl.String(),
        "inflow_t": pl.Float64(),
        "outflow_t": pl.Float64(),
        "imbalance_t": pl.Float64(),
        "imbalance_ratio": pl.Float64(),
        "has_both": pl.Boolean(),
    }
)
SUBMISSION_ID = "submission_id"

_INFLOW = "_inflow"
_OUTFLOW = "_outflow"
_IS_OUTFLOW = "_is_outflow"


def _sides(flows: pl.LazyFrame, *, keys: list[str], with_process: bool) -> pl.LazyFrame:
    """Each flow twice: as the outflow of its source and as the inflow of its target."""
    quantity = pl.col("quantity_t").fill_null(0.0)
    sides = []
    for stage, process, is_outflow in (("source_stage", "source", True), ("target_stage", "target", False)):
        columns = [pl.col(stage).alias("stage")]
        if with_process:
            columns.append(pl.col(process).alias("process"))
        sides.append(
            flows.select(
                *keys,
                *columns,
                pl.col("member_id").alias("_member"),
                (pl.lit(0.0) if is_outflow else quantity).alias(_INFLOW),
                (quantity if is_outflow else pl.lit(0.0)).alias(_OUTFLOW),
                pl.lit(is_outflow).alias(_IS_OUTFLOW),
            )
        )
    return pl.concat(sides, how="vertical")


def compute_process_balance(flows: pl.LazyFrame) -> pl.LazyFrame:
    """Inflow, outflow and their gap per member, period, material and process (stage + process name).

    A process is named by `source` on the flows leaving it and by `target` on the flows entering it.
    If `flows` has a `submission_id` column, it is kept as the first key.

    Examples
    --------
    >>> import polars as pl
    >>> flows = pl.LazyFrame(
    ...     {
    ...         "member_id": ["m-1", "m-1"],
    ...         "period": ["FY2024", "FY2024"],
    ...         "material": ["paper", "paper"],
    ...         "source_stage": ["use", "collection"],
    ...         "target_stage": ["collection", "recycling"],
    ...         "source": ["use", "Depot"],
    ...         "target": ["Depot", "Mill"],
    ...         "quantity_t": [100.0, 90.0],
    ...     }
    ... )
    >>> balance = compute_process_balance(flows).collect()
    >>> for row in balance.select("stage", "process", "imbalance_t", "imbalance_ratio", "has_both").rows():
    ...     print(row)
    ('collection', 'Depot', 10.0, 0.1, True)
    ('recycling', 'Mill', 90.0, 1.0, False)
    ('use', 'use', -100.0, 1.0, False)

    """
    has_submission = SUBMISSION_ID in flows.collect_schema()
    schema = PROCESS_BALANCE_SCHEMA
    if has_submission:
        schema = pl.Schema({SUBMISSION_ID: pl.String(), **schema})
    keys = [name for name in schema if name in {SUBMISSION_ID, "member_id", "period", "material"}]
    group_keys = [*keys, "stage", "process"]

    inflow, outflow = pl.col("inflow_t"), pl.col("outflow_t")
    largest = pl.max_horizontal(inflow, outflow)
    return (
        _sides(flows, keys=keys, with_process=True)
        .group_by(group_keys)
        .agg(
            pl.col(_INFLOW).sum().alias("inflow_t"),
            pl.col(_OUTFLOW).sum().alias("outflow_t"),
            ((~pl.col(_IS_OUTFLOW)).any() & pl.col(_IS_OUTFLOW).any()).alias("has_both"),
        )
        .with_columns((inflow - outflow).alias("imbalance_t"))
        .with_columns(
            pl.when(largest > 0).then(pl.col("imbalance_t").abs() / largest).otherwise(None).alias("imbalance_ratio")
        )
        .select([pl.col(name).cast(dtype) for name, dtype in schema.items()])
        .sort(group_keys, nulls_last=True)
    )


def compute_stage_balance(flows: pl.LazyFrame) -> pl.LazyFrame:
    """Inflow, outflow and their gap per period, material, region and stage, summed over members.

    Flows between two processes of the same stage are left out: they are internal to the stage,
    would add the same amount to its inflow and outflow, and the Sankey drops them too.

    Examples
    --------
    >>> from datetime import date
    >>> import polars as pl
    >>> flows = pl.LazyFrame(
    ...     {
    ...         "member_id": ["m-1", "m-2", "m-1"],
    ...         "period": ["FY2024"] * 3,
    ...         "period_start": [date(2024, 4, 1)] * 3,
    ...         "period_end": [date(2025, 3, 31)] * 3,
    ...         "grain": ["fiscal_year"] * 3,
    ...         "material": ["paper"] * 3,
    ...         "material_group": ["paper"] * 3,
    ...         "region": ["JP"] * 3,
    ...         "source_stage": ["use", "use", "collection"],
    ...         "target_stage": ["collection", "collection", "recycling"],
    ...         "quantity_t": [60.0, 40.0, 90.0],
    ...     }
    ... )
    >>> balance = compute_stage_balance(flows).collect()
    >>> balance.select("stage", "inflow_t", "outflow_t", "imbalance_t", "contributors").rows()
    [('collection', 100.0, 90.0, 10.0, 2), ('recycling', 90.0, 0.0, 90.0, 1), ('use', 0.0, 100.0, -100.0, 2)]

    """
    schema = unsuppressed(TABLES["mart.stage_balance"])
    keys = [name for name in schema if name not in {"stage", "inflow_t", "outflow_t", "imbalance_t", "contributors"}]
    group_keys = [*keys, "stage"]
    between_stages = flows.filter(pl.col("source_stage") != pl.col("target_stage"))
    return (
        _sides(between_stages, keys=keys, with_process=False)
        .group_by(group_keys)
        .agg(
            pl.col(_INFLOW).sum().alias("inflow_t"),
            pl.col(_OUTFLOW).sum().alias("outflow_t"),
            pl.col("_member").n_unique().alias("contributors"),
        )
        .with_columns((pl.col("inflow_t") - pl.col("outflow_t")).alias("imbalance_t"))
        .select([pl.col(name).cast(dtype) for name, dtype in schema.items()])
        .sort(group_keys, nulls_last=True)
    )
