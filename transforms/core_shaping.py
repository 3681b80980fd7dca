"""How accepted rows become core rows: the steps `schemas.datasets.CoreStep` names, applied per dataset.

`core_rows` runs a dataset's registered steps and keeps its core table's columns.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import date
from typing import Final

import polars as pl

from schemas.datasets import DATASET_SPECS, CoreStep
from schemas.tables import TABLES
from transforms.declarations import settle_claims
from transforms.normalize import resolve_metric_tons, roll_up_unknown_materials
from transforms.products import roll_up_unknown_products

STEPS: Final[dict[CoreStep, Callable[[pl.LazyFrame], pl.LazyFrame]]] = {
    "roll_up_unknown_materials": roll_up_unknown_materials,
    "resolve_metric_tons": resolve_metric_tons,
    "roll_up_unknown_products": roll_up_unknown_products,
    "settle_claims": settle_claims,
}


def core_rows(dataset: str, accepted: pl.DataFrame, *, received_on: date | pl.Expr | None = None) -> pl.DataFrame:
    """Accepted rows in the core table's shape, after the dataset's registered steps.

    A target's version is in force from the day its file arrived (`received_on`: a date, or an expression
    giving each row its file's), for a core table with a `valid_from` column.

    Examples
    --------
    >>> import polars as pl
    >>> from schemas.tables import TABLES
    >>> accepted = pl.DataFrame({name: [None] for name in TABLES["core.flows"]}, schema=TABLES["core.flows"])
    >>> accepted = accepted.with_columns(material=pl.lit("plastics.bioplastic"), material_group=pl.lit("plastics"),
    ...     unit=pl.lit("MT"))
    >>> core_rows("flows", accepted).select("material", "unit").row(0)
    ('plastics', 't')

    """
    steps = DATASET_SPECS[dataset].core_steps
    if steps:
        shaped = accepted.lazy()
        for step in steps:
            shaped = STEPS[step](shaped)
        accepted = shaped.collect()
    columns = TABLES[f"core.{dataset}"]
    if "valid_from" in columns:
        day = received_on if isinstance(received_on, pl.Expr) else pl.lit(received_on, dtype=pl.Date)
        accepted = accepted.with_columns(day.alias("valid_from"))
    return accepted.select(list(columns))
