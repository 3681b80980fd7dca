"""Stage-set membership as Polars expressions, derived from `schemas.vocabulary` (never re-listed here)."""

from __future__ import annotations

from collections.abc import Iterable

import polars as pl


def is_in_stages(column: str, stages: Iterable[str]) -> pl.Expr:
    """True where `column` holds one of `stages` (False where it is null).

    Examples
    --------
    >>> import polars as pl
    >>> from schemas.vocabulary import SOURCES
    >>> frame = pl.LazyFrame({"source_stage": ["import", "use", None]})
    >>> frame.select(is_in_stages("source_stage", SOURCES)).collect()["source_stage"].to_list()
    [True, False, False]

    """
    # Sorted so that the expression (and its plan) is the same on every run.
    return pl.col(column).is_in(sorted(stages)).fill_null(value=False)


def is_flow_between(sources: Iterable[str], targets: Iterable[str]) -> pl.Expr:
    """True for flows leaving a stage in `sources` and entering a stage in `targets`.

    Examples
    --------
    >>> import polars as pl
    >>> from schemas.vocabulary import ECONOMY, SOURCES
    >>> frame = pl.LazyFrame({"source_stage": ["import", "import"], "target_stage": ["production", "export"]})
    >>> frame.select(is_flow_between(SOURCES, ECONOMY).alias("hit")).collect()["hit"].to_list()
    [True, False]

    """
    return is_in_stages("source_stage", sources) & is_in_stages("target_stage", targets)


def quantity_where(condition: pl.Expr) -> pl.Expr:
    """`quantity_t` where `condition` holds, else 0.0, so that sums over no matching flow are 0.0, not null.

    Examples
    --------
    >>> import polars as pl
    >>> frame = pl.LazyFrame({"target_stage": ["landfill", "use"], "quantity_t": [2.5, 4.0]})
    >>> frame.select(quantity_where(pl.col("target_stage") == "landfill").sum()).collect().item()
    2.5

    """
    return pl.when(condition).then(pl.col("quantity_t")).otherwise(pl.lit(0.0)).fill_null(0.0)
