"""Public flow table: member flows summed over members and process names."""

from __future__ import annotations

import polars as pl

from schemas.tables import TABLES, unsuppressed
from transforms.regional import with_ends


def summarize_flows(flows: pl.LazyFrame) -> pl.LazyFrame:
    """Tonnes per period, material, stage pair, region, origin and destination, summed over members and process names.

    Examples
    --------
    >>> from datetime import date
    >>> import polars as pl
    >>> flows = pl.LazyFrame(
    ...     {
    ...         "member_id": ["m-1", "m-2", "m-2"],
    ...         "period": ["2024"] * 3,
    ...         "period_start": [date(2024, 1, 1)] * 3,
    ...         "period_end": [date(2024, 12, 31)] * 3,
    ...         "grain": ["year"] * 3,
    ...         "material": ["paper"] * 3,
    ...         "material_group": ["paper"] * 3,
    ...         "source_stage": ["use"] * 3,
    ...         "target_stage": ["collection"] * 3,
    ...         "source": ["use", "Office", "Shop"],
    ...         "target": ["collection"] * 3,
    ...         "region": ["JP"] * 3,
    ...         "quantity_t": [10.0, 2.0, 3.0],
    ...     }
    ... )
    >>> summarize_flows(flows).select("quantity_t", "contributors").collect().row(0)
    (15.0, 2)

    """
    schema = unsuppressed(TABLES["mart.flows"])
    keys = [name for name in schema if name not in {"quantity_t", "contributors"}]
    return (
        with_ends(flows)
        .group_by(keys)
        .agg(
            pl.col("quantity_t").fill_null(0.0).sum(),
            pl.col("member_id").n_unique().alias("contributors"),
        )
        .select([pl.col(name).cast(dtype) for name, dtype in schema.items()])
        .sort(keys, nulls_last=True)
    )
