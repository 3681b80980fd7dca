"""The shapes of the warehouse's tables: Iceberg schemas, partitioning, and frames checked before a write.

Table schemas come from `schemas.tables.TABLES`; tables with a `period` column are partitioned by it (identity), so
republishing one period rewrites only that period's files.
"""

from __future__ import annotations

import functools
from typing import Any, Final

import polars as pl
from pyiceberg.catalog import Catalog
from pyiceberg.partitioning import UNPARTITIONED_PARTITION_SPEC, PartitionField, PartitionSpec
from pyiceberg.schema import Schema, assign_fresh_schema_ids
from pyiceberg.transforms import IdentityTransform

from schemas.tables import TABLES

PARTITION_COLUMN: Final = "period"


@functools.cache
def iceberg_arrow_schema(name: str) -> Any:
    """The Arrow form of a table's contract schema (built once per process: it never changes while it runs)."""
    return iceberg_schema(TABLES[name]).as_arrow()


def iceberg_schema(schema: pl.Schema) -> Schema:
    """The Iceberg schema of a Polars schema, through its Arrow form, with fresh field ids."""
    arrow_schema = pl.DataFrame(schema=schema).to_arrow().schema
    return assign_fresh_schema_ids(Catalog._convert_schema_if_needed(arrow_schema))


def partition_spec(schema: Schema) -> PartitionSpec:
    """Identity partitioning on `period` when the table has one, else none."""
    if PARTITION_COLUMN not in schema.column_names:
        return UNPARTITIONED_PARTITION_SPEC
    field = schema.find_field(PARTITION_COLUMN)
    return PartitionSpec(
        PartitionField(source_id=field.field_id, field_id=1000, transform=IdentityTransform(), name=PARTITION_COLUMN)
    )


def known(table: str) -> str:
    """The table's name when the contract has it, else a clear error listing the tables."""
    if table not in TABLES:
        msg = f"unknown table {table!r}; tables are: {', '.join(TABLES)}"
        raise ValueError(msg)
    return table


def conform(table: str, frame: pl.DataFrame, expected: pl.Schema) -> pl.DataFrame:
    """The frame in the table's column order, or a clear error when its columns or types differ."""
    missing = [name for name in expected if name not in frame.columns]
    extra = [name for name in frame.columns if name not in expected]
    wrong = [
        f"{name} is {frame.schema[name]}, expected {dtype}"
        for name, dtype in expected.items()
        if name in frame.columns and frame.schema[name] != dtype and frame.schema[name] != pl.Null()
    ]
    if missing or extra or wrong:
        problems = []
        if missing:
            problems.append(f"missing columns {missing}")
        if extra:
            problems.append(f"unexpected columns {extra}")
        if wrong:
            problems.append("wrong types: " + "; ".join(wrong))
        msg = f"frame does not match the schema of {table}: {', '.join(problems)} (see schemas/tables.py)"
        raise ValueError(msg)
    return frame.select([pl.col(name).cast(dtype) for name, dtype in expected.items()])
