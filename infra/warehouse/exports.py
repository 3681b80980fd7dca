"""BI access to the public marts: floWeaver CSV, copies into a SQL database, and CSV safe for spreadsheets.

Only `mart.*` tables leave the warehouse (they are summed over members); suppressed (秘匿) rows never leave
in the floWeaver CSV, and travel with their `suppressed` flag (values already null) to SQL, where a BI
tool can filter on it.
"""

from __future__ import annotations

import logging
from collections.abc import Sequence
from pathlib import Path
from typing import Any, Final

import polars as pl
import sqlalchemy as sa
from alembic.migration import MigrationContext
from alembic.operations import Operations

from infra.redact import redact_url
from infra.warehouse import Warehouse
from schemas.tables import TABLES

logger = logging.getLogger(__name__)

MART_PREFIX: Final = "mart."
PERIOD: Final = "period"
SUPPRESSED: Final = "suppressed"
# OWASP CSV injection: a cell starting with one of these is read as a formula by spreadsheet software.
FORMULA_PREFIXES: Final = ("=", "+", "-", "@", "\t", "\r")
FLOWEAVER_COLUMNS: Final = ("source", "target", "material", "time", "value")
INSERT_BATCH_ROWS: Final = 5_000
SQL_TYPES: Final[dict[type[pl.DataType], type[sa.types.TypeEngine[Any]]]] = {
    pl.String: sa.Text,
    pl.Float64: sa.Float,
    pl.Float32: sa.Float,
    pl.Int64: sa.BigInteger,
    pl.Int32: sa.Integer,
    pl.Int16: sa.SmallInteger,
    pl.Boolean: sa.Boolean,
    pl.Date: sa.Date,
    pl.Datetime: sa.DateTime,
}


def public_tables() -> list[str]:
    """The tables that may be exported: every `mart.*` table of `schemas.tables.TABLES`."""
    return [name for name in TABLES if name.startswith(MART_PREFIX)]


def neutralize_formulas(frame: pl.DataFrame) -> pl.DataFrame:
    """Prefix text cells that a spreadsheet would run as a formula with `'`; numbers stay numbers.

    Examples:
        >>> frame = pl.DataFrame({"name": ["=1+1", "-x", "plain", None], "value_t": [-1.0, 2.0, 3.0, 4.0]})
        >>> neutralize_formulas(frame).rows()
        [("'=1+1", -1.0), ("'-x", 2.0), ('plain', 3.0), (None, 4.0)]

    """
    pattern = "^[" + "".join(FORMULA_PREFIXES).replace("-", r"\-") + "]"
    return frame.with_columns(
        pl.when(pl.col(name).str.contains(pattern)).then(pl.lit("'") + pl.col(name)).otherwise(pl.col(name)).alias(name)
        for name, dtype in frame.schema.items()
        if dtype == pl.String()
    )


def write_safe_csv(frame: pl.DataFrame, path: Path) -> Path:
    """Write a CSV (UTF-8 with BOM, so Excel reads Japanese text) whose text cannot run as a formula."""
    path.parent.mkdir(parents=True, exist_ok=True)
    neutralize_formulas(frame).write_csv(path, include_bom=True)
    return path


def floweaver_links(sankey_links: pl.DataFrame, period: str) -> pl.DataFrame:
    """One period's links in floWeaver's columns, per material group, without suppressed rows.

    Only `material_level = group` rows are kept: floWeaver sums over materials itself, so the `all` rows would
    count every tonne twice.

    Examples:
        >>> links = pl.DataFrame(
        ...     {
        ...         "period": ["2024", "2024", "2024", "2023"],
        ...         "material": ["all", "paper", "metals", "paper"],
        ...         "material_level": ["all", "group", "group", "group"],
        ...         "source": ["use"] * 4,
        ...         "target": ["collection"] * 4,
        ...         "value_t": [15.0, 10.0, None, 7.0],
        ...         "suppressed": [False, False, True, False],
        ...     }
        ... )
        >>> floweaver_links(links, "2024").rows()
        [('use', 'collection', 'paper', '2024', 10.0)]

    """
    rows = sankey_links.filter((pl.col(PERIOD) == period) & (pl.col("material_level") == "group"))
    if SUPPRESSED in rows.columns:
        rows = rows.filter(~pl.col(SUPPRESSED).fill_null(value=False))
    return rows.select(
        "source",
        "target",
        "material",
        pl.col(PERIOD).alias("time"),
        pl.col("value_t").alias("value"),
    ).sort("material", "source", "target")


def write_floweaver_csv(warehouse: Warehouse, directory: Path, period: str) -> Path:
    """Write `<directory>/floweaver_<period>.csv` from `mart.sankey_links`; returns the file's path."""
    if "/" in period or "\\" in period or period in ("", ".", ".."):
        msg = f"period {period!r} cannot be used in a file name"
        raise ValueError(msg)
    links = floweaver_links(warehouse.read("mart.sankey_links", where={PERIOD: [period]}), period)
    path = write_safe_csv(links, directory / f"floweaver_{period}.csv")
    logger.info("floWeaver export of %s: %d links to %s", period, links.height, path)
    return path


def sql_table_name(table: str) -> str:
    """Name of a mart in the BI database: `mart.indicators` becomes `mart_indicators` (portable, no schema)."""
    return table.replace(".", "_")


def sql_table(table: str, metadata: sa.MetaData) -> sa.Table:
    """The SQLAlchemy table for a mart, with column types from its Polars schema."""
    columns = []
    for name, dtype in TABLES[table].items():
        sql_type = SQL_TYPES.get(type(dtype))
        if sql_type is None:
            msg = f"{table}.{name}: no SQL type for {dtype}; add it to infra.warehouse.exports.SQL_TYPES"
            raise ValueError(msg)
        columns.append(sa.Column(name, sql_type(), nullable=True))
    return sa.Table(sql_table_name(table), metadata, *columns)


def _add_missing_columns(connection: sa.Connection, table: sa.Table) -> list[str]:
    """Add columns the published schema gained since the BI table was created (e.g. `suppressed`)."""
    existing = {column["name"] for column in sa.inspect(connection).get_columns(table.name)}
    missing = [column for column in table.columns if column.name not in existing]
    operations = Operations(MigrationContext.configure(connection))
    for column in missing:
        operations.add_column(table.name, sa.Column(column.name, column.type, nullable=True))
    return [column.name for column in missing]


def export_marts(warehouse: Warehouse, url: str, *, periods: Sequence[str] | None = None) -> dict[str, int]:
    """Copy the public marts into the SQL database at `url`, replacing the exported periods; rows per table.

    With `periods`, tables with a `period` column have those periods' rows deleted and re-inserted; tables
    without one are replaced whole. Without `periods`, every table is replaced whole. All of it happens in one
    transaction, so a BI dashboard never sees a half-exported period. Tables are created when missing.
    """
    wanted = sorted(set(periods)) if periods is not None else None
    if wanted is not None and not wanted:
        msg = "periods is empty: pass None to export every period, or name at least one"
        raise ValueError(msg)
    frames = {
        table: warehouse.read(table, where={PERIOD: wanted} if wanted and PERIOD in TABLES[table] else None)
        for table in public_tables()
    }
    metadata = sa.MetaData()
    tables = {name: sql_table(name, metadata) for name in frames}
    engine = sa.create_engine(url)
    try:
        with engine.begin() as connection:
            metadata.create_all(connection, checkfirst=True)
            for name, table in tables.items():
                added = _add_missing_columns(connection, table)
                if added:
                    logger.info("%s: added columns %s", table.name, added)
                delete = table.delete()
                if wanted and PERIOD in table.c:
                    delete = delete.where(table.c[PERIOD].in_(wanted))
                connection.execute(delete)
                frame = frames[name]
                for start in range(0, frame.height, INSERT_BATCH_ROWS):
                    connection.execute(table.insert(), frame.slice(start, INSERT_BATCH_ROWS).to_dicts())
    finally:
        engine.dispose()
    counts = {name: frame.height for name, frame in frames.items()}
    logger.info(
        "exported %s to %s: %s",
        wanted or "every period",
        redact_url(engine.url.render_as_string(hide_password=False)),
        counts,
    )
    return counts
