"""The `balance` rule: warn the rows feeding a process whose inflow and outflow differ too much."""

from __future__ import annotations

import polars as pl

from expectations.plan import ROW_INDEX, SUBMISSION_ID
from schemas.contract import Rule
from transforms.balance import compute_process_balance

_GROUP = ("member_id", "period", "material")


def unbalanced_rows(rule: Rule, frame: pl.DataFrame) -> pl.Series:
    """Row positions (`_row`) of flows leaving or entering a process with inflow and outflow off by > tolerance.

    A process seen only as a source or only as a target (a system boundary) is never unbalanced.
    """
    if rule.tolerance is None:
        msg = f"rule {rule.id} needs a tolerance"
        raise ValueError(msg)
    flows = frame.lazy().select(ROW_INDEX, SUBMISSION_ID, *rule.columns)
    unbalanced = (
        compute_process_balance(flows.drop(ROW_INDEX))
        .filter(pl.col("has_both") & (pl.col("imbalance_ratio") > rule.tolerance))
        .select(SUBMISSION_ID, *_GROUP, "stage", "process")
    )
    keys = [SUBMISSION_ID, *_GROUP]
    flagged = [
        flows.join(
            unbalanced,
            left_on=[*keys, stage, process],
            right_on=[*keys, "stage", "process"],
            how="semi",
            nulls_equal=True,
        ).select(ROW_INDEX)
        for stage, process in (("source_stage", "source"), ("target_stage", "target"))
    ]
    return pl.concat(flagged).unique().sort(ROW_INDEX).collect()[ROW_INDEX]
