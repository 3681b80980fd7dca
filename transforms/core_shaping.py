"""How accepted rows become core rows: the steps `schemas.datasets.CoreStep` names, applied per dataset.

`core_rows` runs a dataset's registered steps and keeps its core table's columns.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime
from typing import Final

import polars as pl

from schemas.datasets import DATASET_SPECS, CoreStep
from schemas.tables import TABLES, TARGET_VERSION_MOMENT
from transforms.declarations import settle_claims
from transforms.normalize import resolve_metric_tons, roll_up_unknown_materials
from transforms.products import roll_up_unknown_products

STEPS: Final[dict[CoreStep, Callable[[pl.LazyFrame], pl.LazyFrame]]] = {
    "roll_up_unknown_materials": roll_up_unknown_materials,
    "resolve_metric_tons": resolve_metric_tons,
    "roll_up_unknown_products": roll_up_unknown_products,
    "settle_claims": settle_claims,
}


ARRIVAL: Final = TARGET_VERSION_MOMENT["valid_from_at"]  # when a file arrived, as core tables keep it


def core_rows(dataset: str, accepted: pl.DataFrame, *, received_at: datetime | pl.Expr | None = None) -> pl.DataFrame:
    """Accepted rows in the core table's shape, after the dataset's registered steps.

    A target's version is in force from the moment its file arrived (`received_at`: a moment, or an expression
    giving each row its file's), on its day (`valid_from`), for a core table with a `valid_from_at` column.

    Examples
    --------
    >>> import polars as pl
    >>> from schemas.tables import TABLES, TARGET_VERSION_MOMENT
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
    if "valid_from_at" in columns:
        moment = received_at if isinstance(received_at, pl.Expr) else pl.lit(received_at, dtype=ARRIVAL)
        accepted = accepted.with_columns(moment.dt.date().alias("valid_from"), moment.alias("valid_from_at"))
    return accepted.select(list(columns))
