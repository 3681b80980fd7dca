"""The `balance` rule: warn the rows feeding a process whose inflow and outflow differ too much.

A process is (submission, member, period, material, stage, process name). Files can name millions of
processes, so a process is held as a 64-bit hash of its key, and inflows and outflows are summed part by
part (`unbalanced_processes` takes any number of frames): memory grows with the processes, not with the
rows. Two processes sharing a hash (odds about n² / 2⁶⁵: 1 in 10 million for two million processes) would
be judged as one; the rule only warns, so such a collision can never quarantine a row.
"""

from __future__ import annotations

from collections.abc import Iterable

import polars as pl

from expectations.plan import ROW_INDEX, SUBMISSION_ID
from schemas.contract import Rule

_GROUP = (SUBMISSION_ID, "member_id", "period", "material")
_LEAVING, _ENTERING = ("source_stage", "source"), ("target_stage", "target")
_NODE = "_process"
MERGE_ROWS = 1_000_000  # partial sums held before they are merged into the running totals


def _process(stage: str, name: str) -> pl.Expr:
    """The hash of the process a flow leaves (source) or enters (target)."""
    return pl.struct(*_GROUP, stage, name).hash().alias(_NODE)


def _partial_sums(part: pl.DataFrame) -> pl.DataFrame:
    """Per process of one part: inflow, outflow, and whether it was seen entered and left."""
    quantity = pl.col("quantity_t").fill_null(0.0)
    sides = [
        part.select(_process(*side), quantity.alias("_t"), pl.lit(leaving).alias("_leaving"))
        for side, leaving in ((_LEAVING, True), (_ENTERING, False))
    ]
    return (
        pl.concat(sides)
        .group_by(_NODE)
        .agg(
            pl.col("_t").filter(~pl.col("_leaving")).sum().alias("inflow_t"),
            pl.col("_t").filter(pl.col("_leaving")).sum().alias("outflow_t"),
            (~pl.col("_leaving")).any().alias("entered"),
            pl.col("_leaving").any().alias("left"),
        )
    )


def unbalanced_processes(rule: Rule, clean_parts: Iterable[pl.DataFrame]) -> pl.Series:
    """Hashes of the processes whose inflow and outflow differ by more than the rule's tolerance.

    `clean_parts` hold the rows that passed every error, in any number of parts. A process seen only as a
    source or only as a target (a system boundary) is never unbalanced.
    """
    if rule.tolerance is None:
        msg = f"rule {rule.id} needs a tolerance"
        raise ValueError(msg)
    pending: list[pl.DataFrame] = []
    totals: pl.DataFrame | None = None
    for part in clean_parts:
        pending.append(_partial_sums(part))
        # Merged once the pending sums outgrow the totals: memory stays near one row per process.
        if sum(frame.height for frame in pending) > max(0 if totals is None else totals.height, MERGE_ROWS):
            totals, pending = _merged([] if totals is None else [totals], pending), []
    if totals is None and not pending:
        return pl.Series(_NODE, [], dtype=pl.UInt64())
    totals = _merged([] if totals is None else [totals], pending)
    inflow, outflow = pl.col("inflow_t"), pl.col("outflow_t")
    largest = pl.max_horizontal(inflow, outflow)
    return totals.filter(
        pl.col("entered") & pl.col("left") & (largest > 0) & ((inflow - outflow).abs() / largest > rule.tolerance)
    ).get_column(_NODE)


def _merged(totals: list[pl.DataFrame], pending: list[pl.DataFrame]) -> pl.DataFrame:
    """Running totals and partial sums summed into one row per process."""
    return (
        pl.concat([*totals, *pending])
        .group_by(_NODE)
        .agg(pl.col("inflow_t").sum(), pl.col("outflow_t").sum(), pl.col("entered").any(), pl.col("left").any())
    )


def rows_touching(frame: pl.DataFrame, unbalanced: pl.Series) -> pl.Series:
    """Row positions (`_row`) of flows leaving or entering one of the `unbalanced` processes."""
    wanted = unbalanced.implode()
    touching = _process(*_LEAVING).is_in(wanted) | _process(*_ENTERING).is_in(wanted)
    return frame.filter(touching).get_column(ROW_INDEX)
